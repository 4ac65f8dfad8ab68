// Current-based LIF with alpha-function excitatory and inhibitory synaptic currents (docs/models.md,
// cuba_alpha_lif): PyNN's IF_curr_alpha.
#pragma once

#include <cstdint>

#include "spikeworm/models/alpha_synapse.hpp"

namespace spikeworm {

class table_reader;

// tau_m dv/dt = (E_L - v) + g_e + g_i + I, each synaptic current an alpha function of its spikes:
// tau_e dg_e/dt = -g_e + tau_e h_e, tau_e dh_e/dt = -h_e (the same for g_i), a spike adding w e/tau_e to h_e.
// The defaults are cuba_lif's.
struct cuba_alpha_lif_params {
  double tau_m = 20.0;     // membrane time constant [ms]
  double tau_e = 5.0;      // excitatory synaptic time constant [ms]: the time of a current's peak
  double tau_i = 10.0;     // inhibitory synaptic time constant [ms]
  double v_th = -50.0;     // threshold [mV]: spike when v > v_th
  double v_reset = -60.0;  // [mV]
  double e_l = -49.0;      // leak reversal [mV]
  double t_ref = 5.0;      // refractory period [ms]: v is held at v_reset, the currents keep evolving
};

// The exact per-step propagator of (v, g_e, h_e, g_i, h_i) for a step of dt.
struct cuba_alpha_lif_lowered {
  double am = 0;                // exp(-dt/tau_m)
  alpha_synapse syn_e, syn_i;   // the currents' own propagators
  alpha_coupling cpl_e, cpl_i;  // their coupling into v over one step
  double v_th = -50, v_reset = -60, e_l = -49;
  std::int32_t t_ref = 50;  // [steps]
  bool fires(double v) const noexcept { return v > v_th; }
};

// The membrane after one step of a non-refractory neuron (v* = E_L + I) from the state at the start of the step,
// whose arrivals were already added to he, hi. The reference stepper and the event engine's dense loop both
// call it, so they compute the same bits.
inline double cuba_alpha_v_step(const cuba_alpha_lif_lowered& m, double vstar, double v, double ge, double he,
                                double gi, double hi) noexcept {
  return vstar + (v - vstar) * m.am + ge * m.cpl_e.k_g + he * m.cpl_e.k_h + gi * m.cpl_i.k_g + hi * m.cpl_i.k_h;
}

cuba_alpha_lif_params read_cuba_alpha_lif_params(const table_reader& t);
cuba_alpha_lif_lowered lower(const cuba_alpha_lif_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
