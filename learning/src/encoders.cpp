// Observation encoders (docs/environments.md, "Encoders").
#include "spikeworm/learning/encoders.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

namespace {
constexpr std::string_view known = "current, population, rate, latency";
}

encoder_kind parse_encoder(std::string_view name) {
  if (name == "current") return encoder_kind::current;
  if (name == "population") return encoder_kind::population;
  if (name == "rate") return encoder_kind::rate;
  if (name == "latency") return encoder_kind::latency;
  throw error(fmt::format("unknown encoder '{}' (expected one of: {})", name, known));
}

encoder_kind read_encoder(const table_reader& t, std::string_view key, encoder_kind fallback) {
  if (!t.has(key)) return fallback;
  return parse_encoder(t.choice(key, "", {"current", "population", "rate", "latency"}));
}

std::string_view encoder_name(encoder_kind k) noexcept {
  switch (k) {
    case encoder_kind::current: return "current";
    case encoder_kind::population: return "population";
    case encoder_kind::rate: return "rate";
    case encoder_kind::latency: return "latency";
  }
  return "?";
}

int encoder::latency_step(double x, int steps) noexcept {
  const double v = std::isnan(x) ? 0.0 : std::clamp(x, 0.0, 1.0);
  const int t = static_cast<int>(std::floor((1.0 - v) * (steps - 1) + 0.5));
  return std::clamp(t, 0, steps - 1);
}

void encoder::encode(std::span<const double> obs, int steps, rng& r, std::span<double> out) const {
  const int n = static_cast<int>(obs.size());
  if (steps < 1) throw internal_error(fmt::format("encoder::encode: steps must be >= 1, got {}", steps));
  if (out.size() != output_size(n, steps))
    throw internal_error(fmt::format("encoder::encode: output has {} values, {} expected", out.size(),
                                     output_size(n, steps)));
  const auto w = static_cast<std::size_t>(width(n));
  switch (kind) {
    case encoder_kind::current:
      std::copy(obs.begin(), obs.end(), out.begin());
      return;
    case encoder_kind::population: {
      const double inv_two_var = 1.0 / (2.0 * population_sigma * population_sigma);
      const int m = population_size;
      for (int i = 0; i < n; ++i)
        for (int k = 0; k < m; ++k) {
          const double centre = m > 1 ? -1.0 + 2.0 * k / (m - 1) : 0.0;
          const double d = obs[static_cast<std::size_t>(i)] - centre;
          out[static_cast<std::size_t>(i * m + k)] = std::exp(-d * d * inv_two_var);
        }
      return;
    }
    case encoder_kind::rate:
      for (int t = 0; t < steps; ++t)
        for (std::size_t i = 0; i < w; ++i) {
          const double x = obs[i];
          const double p = std::isnan(x) ? 0.0 : std::clamp(x, 0.0, 1.0);
          out[static_cast<std::size_t>(t) * w + i] = r.uniform() < p ? 1.0 : 0.0;
        }
      return;
    case encoder_kind::latency:
      std::fill(out.begin(), out.end(), 0.0);
      for (std::size_t i = 0; i < w; ++i)
        out[static_cast<std::size_t>(latency_step(obs[i], steps)) * w + i] = 1.0;
      return;
  }
}

}  // namespace spikeworm
