// Printed units (docs/energy.md, "Units").
#include "spikeworm/core/units.hpp"

#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace spikeworm {

std::string format_energy(double pj) {
  if (!std::isfinite(pj)) return fmt::format("{} pJ", pj);
  constexpr std::array<std::pair<double, const char*>, 5> units{
      {{1.0, "pJ"}, {1e3, "nJ"}, {1e6, "\u00b5J"}, {1e9, "mJ"}, {1e12, "J"}}};
  std::size_t u = 0;
  // The unit is chosen on the rounded value, so 999.996 pJ prints as 1.00 nJ, not 1000.00 pJ.
  while (u + 1 < units.size() && std::round(std::abs(pj) / units[u].first * 100.0) >= 100'000.0) ++u;
  return fmt::format("{:.2f} {}", pj / units[u].first, units[u].second);
}

}  // namespace spikeworm
