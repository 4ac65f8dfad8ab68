// The alpha-function synapse of cuba_alpha_lif and coba_alpha_lif (docs/models.md, "Alpha synapses"): its exact
// per-step propagator and the coupling of its state into a linear membrane.
#pragma once

namespace spikeworm {

// tau dg/dt = -g + tau h, tau dh/dt = -h: a spike of weight w at time 0 adds w e/tau to h and gives
// g(t) = w (t/tau) exp(1 - t/tau) (peak w at t = tau). Over a step of dt (a = exp(-dt/tau)):
//   g <- g a + h (dt a),   h <- h a        (exact).
struct alpha_synapse {
  double decay = 0;  // a = exp(-dt/tau)
  double rise = 0;   // dt a [ms]: the contribution of h to g over one step
  double jump = 0;   // e/tau [1/ms]: the increment of h per unit of weight
};

// One exact step of an alpha synapse whose arrivals were already added to h.
inline void alpha_step(const alpha_synapse& s, double& g, double& h) noexcept {
  g = g * s.decay + h * s.rise;
  h = h * s.decay;
}

// The exact step of the membrane tau_m dv/dt = (v* - v) + g driven by an alpha synapse (docs/models.md,
// cuba_alpha_lif): v <- v* + (v - v*) a_m + g k_g + h k_h, with k_g, k_h from these, in ms.
struct alpha_coupling {
  double k_g = 0;  // the response of v over one step to g = 1, h = 0 (g decaying as exp(-t/tau))
  double k_h = 0;  // the response of v over one step to g = 0, h = 1 [ms]
};
alpha_coupling couple_alpha(double tau_m, double tau, double dt);
alpha_synapse lower_alpha(double tau, double dt);

}  // namespace spikeworm
