// The discrete leaky integrate-and-fire neuron with delta synapses (docs/models.md).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "spikeworm/core/common_types.hpp"

namespace spikeworm {

class table_reader;

// Parameters as the user writes them, times in ms like cuba_lif; lower() converts them to steps of dt
// (docs/models.md, "Units").
struct lif_params {
  double tau_m = 20.0;    // membrane time constant [ms], >= dt
  double v_th = 1.0;      // threshold: spike when v >= v_th
  double v_reset = 0.0;   // membrane after a spike
  double v_rest = 0.0;    // resting potential
  double t_ref = 0.0;     // refractory period [ms], rounded to the nearest step: v is held at v_reset, input is dropped
};

// What the engines run: precomputed constants, validated once.
struct lif_lowered {
  double decay = 0.95;  // 1 - 1/tau_m
  double leak = 0.0;    // v_rest / tau_m
  double v_th = 1.0;
  double v_reset = 0.0;
  double v_rest = 0.0;
  double tau_m = 20.0;     // [steps]
  std::int32_t t_ref = 0;  // [steps]
  std::vector<double> decay_pow;  // decay^k for k < decay_pow.size()
  double log_decay = std::log(0.95);

  // One clock step: v <- (1 - 1/tau) v + v_rest/tau + I. Every engine and the trainer use this.
  double step(double v, double input) const noexcept { return decay * v + leak + input; }
  bool fires(double v) const noexcept { return v >= v_th; }
  // Fixed point of step() under a constant input.
  double fixed_point(double constant_input) const noexcept { return v_rest + tau_m * constant_input; }
  double pow(std::int64_t k) const noexcept {
    return k < static_cast<std::int64_t>(decay_pow.size()) ? decay_pow[static_cast<std::size_t>(k)]
                                                           : std::pow(decay, static_cast<double>(k));
  }
  // Closed-form state after k input-free steps under constant input (v* + (v - v*) decay^k).
  double advance(double v, std::int64_t k, double vstar) const noexcept { return vstar + (v - vstar) * pow(k); }
};

lif_params read_lif_params(const table_reader& t);
// Times from ms to steps of dt_ms: tau_m / dt_ms, t_ref rounded to the nearest step as cuba_lif's.
lif_lowered lower(const lif_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
