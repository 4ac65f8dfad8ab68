// The neurons of NIR graphs (docs/nir.md, "Simulation"): LIF, CubaLIF, IF, LI, CubaLI, I and Threshold,
// discretised with forward Euler at the simulation's dt. One model, `nir`, whose `kind` is the NIR type.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace spikeworm {

class table_reader;

enum class nir_kind : std::uint8_t { lif, cuba_lif, if_, li, cuba_li, i, threshold };
const char* to_string(nir_kind k) noexcept;

// How a spiking NIR neuron resets: to v_reset, or by subtracting v_threshold - v_reset (docs/nir.md).
enum class nir_reset : std::uint8_t { value, subtract };

// Parameters as NIR defines them, times in ms (the config's unit). For IF and I, r multiplies dt in ms
// (NIR's R per second / 1000). v_threshold is Threshold's `threshold` too.
struct nir_params {
  nir_kind kind = nir_kind::lif;
  double tau_mem = 0.0;  // [ms] LIF, LI, CubaLIF, CubaLI
  double tau_syn = 0.0;  // [ms] CubaLIF, CubaLI
  double r = 1.0;
  double v_leak = 0.0;
  double v_threshold = 1.0;  // LIF, CubaLIF, IF, Threshold
  double v_reset = 0.0;
  double w_in = 1.0;  // CubaLIF, CubaLI
  nir_reset reset = nir_reset::value;
  bool operator==(const nir_params&) const = default;
};

// What the engines run. Per step, with u the neuron's input of the step (synaptic input plus its current):
//   synapse (Cuba*):  I <- I + h_syn (w_in u - I), x = I;  otherwise x = u
//   leaky (LIF, LI, Cuba*):  v <- v + h_mem ((v_leak - v) + r x);  integrating (IF, I): v <- v + k x;
//   Threshold: v <- x;  spiking kinds: spike when v > v_threshold, then reset.
struct nir_lowered {
  nir_kind kind = nir_kind::lif;
  bool synapse = false, leaky = true, integrating = false, spiking = true;
  double h_syn = 0.0, w_in = 1.0;  // dt / tau_syn
  double h_mem = 0.0, r = 1.0, v_leak = 0.0;  // dt / tau_mem
  double k = 0.0;  // dt r (IF, I)
  double v_th = std::numeric_limits<double>::infinity();  // +inf for LI, CubaLI, I: they never spike
  double v_reset = 0.0;
  double drop = 0.0;  // v_th - v_reset: the subtraction of reset = subtract
  bool subtract = false;

  bool fires(double v) const noexcept { return v > v_th; }
  double after_spike(double v) const noexcept { return subtract ? v - drop : v_reset; }
  // One step of v (and of the synaptic current i, when the kind has one) under input u.
  double step(double v, double& i, double u) const noexcept {
    double x = u;
    if (synapse) {
      i = i + h_syn * (w_in * u - i);
      x = i;
    }
    if (leaky) return v + h_mem * ((v_leak - v) + r * x);
    if (integrating) return v + k * x;
    return x;  // Threshold
  }
};

nir_params read_nir_params(const table_reader& t);
nir_lowered lower(const nir_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
