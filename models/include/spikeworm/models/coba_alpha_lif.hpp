// Conductance-based LIF with alpha-function excitatory and inhibitory conductances (docs/models.md,
// coba_alpha_lif): PyNN's IF_cond_alpha.
#pragma once

#include "spikeworm/models/alpha_synapse.hpp"
#include "spikeworm/models/coba_lif.hpp"

namespace spikeworm {

class table_reader;

// tau_m dv/dt = (E_L - v) + g_e (E_e - v) + g_i (E_i - v) + I, each conductance an alpha function of its spikes
// (dimensionless, in units of the leak conductance, as coba_lif's): tau_e dg_e/dt = -g_e + tau_e h_e,
// tau_e dh_e/dt = -h_e, a spike adding w e/tau_e to h_e (the same for g_i). The parameters and their defaults
// are coba_lif's.
struct coba_alpha_lif_params : coba_lif_params {};

struct coba_alpha_lif_lowered {
  coba_lif_lowered membrane;   // coba_v_step's constants (its be, bi unused)
  alpha_synapse syn_e, syn_i;  // the conductances' exact propagators
  bool fires(double v) const noexcept { return membrane.fires(v); }
};

coba_alpha_lif_params read_coba_alpha_lif_params(const table_reader& t);
coba_alpha_lif_lowered lower(const coba_alpha_lif_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
