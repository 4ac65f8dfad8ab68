// Memory budgets (docs/reliability.md, "Limits checked before work").
#include "spikeworm/core/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

namespace {

// The first number in a cgroup limit file; 0 when it is absent or "max".
std::uint64_t cgroup_limit(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return 0;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc{} && end == text.data() + text.size() ? v : 0;
}

}  // namespace

std::uint64_t machine_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  std::uint64_t bytes = pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                                              : std::numeric_limits<std::uint64_t>::max();
  for (const char* f : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const std::uint64_t c = cgroup_limit(f);
    if (c > 0) bytes = std::min(bytes, c);
  }
  return bytes;
}

std::uint64_t parse_byte_size(std::string_view text, std::string_view what) {
  auto fail = [&] {
    return error(fmt::format("{} '{}': expected a positive size such as 512M, 8G or 1.5GiB", what, text));
  };
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) throw fail();
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc{} || end != text.data() + i || !std::isfinite(value) || value <= 0) throw fail();
  std::string unit(text.substr(i));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
  double scale = 1;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "K") scale = 0x1p10;
  else if (unit == "M") scale = 0x1p20;
  else if (unit == "G") scale = 0x1p30;
  else if (unit == "T") scale = 0x1p40;
  else throw fail();
  const double bytes = std::floor(value * scale);
  if (bytes < 1 || bytes >= 0x1p63) throw fail();
  return static_cast<std::uint64_t>(bytes);
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 5) v /= 1024, ++u;
  return fmt::format("{:.{}f} {}", v, v < 10 ? 2 : v < 100 ? 1 : 0, units[u]);
}

void check_memory(std::string_view what, const memory_estimate& e, std::uint64_t limit) {
  const bool machine = limit == 0;
  if (machine) limit = machine_memory_bytes();
  if (e.bytes <= limit) return;
  throw error(fmt::format("{} needs an estimated {} of memory ({}), more than the limit of {} ({}); {}", what,
                          format_bytes(e.bytes), e.detail, format_bytes(limit),
                          machine ? "this machine's memory" : "--max-memory",
                          machine ? "make it smaller" : "make it smaller or raise --max-memory"));
}

}  // namespace spikeworm
