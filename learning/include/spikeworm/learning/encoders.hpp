// Observation encoders (docs/environments.md, "Encoders"): turn an observation vector into the input layer's input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace spikeworm {

class rng;
class table_reader;

enum class encoder_kind : std::uint8_t {
  current = 0,     // the observation itself, the same input every step (the default encoder)
  population = 1,  // population_size Gaussians per input, the same input every step
  rate = 2,        // Bernoulli spikes per step with p = clamp(x, 0, 1)
  latency = 3      // one spike per input, earlier for larger values (latency_step)
};

// Throws spikeworm::error naming an unknown encoder and listing the known ones.
encoder_kind parse_encoder(std::string_view name);
// The same for a config key: the error names file:line:col and the key.
encoder_kind read_encoder(const table_reader& t, std::string_view key, encoder_kind fallback);
std::string_view encoder_name(encoder_kind k) noexcept;

struct encoder {
  encoder_kind kind = encoder_kind::current;
  int population_size = 8;        // Gaussians per input, centres linspace(-1, 1, population_size)
  double population_sigma = 0.25;

  // Input-layer values per step for n_obs observation values.
  int width(int n_obs) const noexcept { return kind == encoder_kind::population ? population_size * n_obs : n_obs; }
  // current and population give one row used at every step; rate and latency give one row per step.
  bool constant_input() const noexcept { return kind == encoder_kind::current || kind == encoder_kind::population; }
  std::size_t output_size(int n_obs, int steps) const noexcept {
    return static_cast<std::size_t>(width(n_obs)) * (constant_input() ? 1 : static_cast<std::size_t>(steps));
  }

  // Pre: out.size() == output_size(obs.size(), steps), steps >= 1. Post: out holds width values
  // (constant kinds) or steps rows of width values, row t = step t (rate, latency: 0 or 1).
  // Only rate draws from r: one uniform per (step, input), row by row, whatever the values.
  void encode(std::span<const double> obs, int steps, rng& r, std::span<double> out) const;

  // The step of the latency spike of value x over `steps` steps:
  // round((1 - clamp(x, 0, 1)) * (steps - 1)), halves rounded up, so x >= 1 spikes at step 0 and
  // x <= 0 at the last step.
  static int latency_step(double x, int steps) noexcept;
};

}  // namespace spikeworm
