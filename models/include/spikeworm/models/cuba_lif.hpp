// Current-based LIF with exponential excitatory and inhibitory synaptic currents (docs/models.md).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "spikeworm/core/common_types.hpp"

namespace spikeworm {

class table_reader;

// tau_m dv/dt = (E_L - v) + g_e + g_i + I, tau_e dg_e/dt = -g_e, tau_i dg_i/dt = -g_i.
// Defaults are Brian2's examples/CUBA.py (Brette et al. 2007).
struct cuba_lif_params {
  double tau_m = 20.0;   // membrane time constant [ms]
  double tau_e = 5.0;    // excitatory synaptic time constant [ms]
  double tau_i = 10.0;   // inhibitory synaptic time constant [ms]
  double v_th = -50.0;   // threshold [mV]: spike when v > v_th
  double v_reset = -60.0;  // [mV]
  double e_l = -49.0;    // leak reversal [mV]
  double t_ref = 5.0;    // refractory period [ms]: v is held at v_reset, currents keep decaying
};

// Exact per-step propagators for a step of dt.
struct cuba_lif_lowered {
  double am = 0, be = 0, bi = 0;  // exp(-dt/tau_m), exp(-dt/tau_e), exp(-dt/tau_i)
  double ce = 0, ci = 0;          // tau_e/(tau_e - tau_m), tau_i/(tau_i - tau_m); 0 when equal
  bool e_equal = false, i_equal = false;  // tau_e == tau_m (resp. tau_i): the k dt/tau_m am^k form
  double dt_over_tau_m = 0;
  double ke = 0, ki = 0;          // one-step coupling of g_e, g_i into v
  double v_th = -50, v_reset = -60, e_l = -49;
  std::int32_t t_ref = 50;        // [steps]
  std::vector<double> am_pow, be_pow, bi_pow;

  static double pow_of(const std::vector<double>& table, double base, std::int64_t k) noexcept {
    return k < static_cast<std::int64_t>(table.size()) ? table[static_cast<std::size_t>(k)]
                                                       : std::pow(base, static_cast<double>(k));
  }
  double coupling_e(std::int64_t k) const noexcept {
    return e_equal ? static_cast<double>(k) * dt_over_tau_m * pow_of(am_pow, am, k)
                   : ce * (pow_of(be_pow, be, k) - pow_of(am_pow, am, k));
  }
  double coupling_i(std::int64_t k) const noexcept {
    return i_equal ? static_cast<double>(k) * dt_over_tau_m * pow_of(am_pow, am, k)
                   : ci * (pow_of(bi_pow, bi, k) - pow_of(am_pow, am, k));
  }
  bool fires(double v) const noexcept { return v > v_th; }
};

struct cuba_state {
  double v, ge, gi;
};

// One clock step of a non-refractory neuron whose arrivals were already added to ge/gi.
inline void cuba_step(const cuba_lif_lowered& p, double vstar, cuba_state& s) noexcept {
  s.v = vstar + (s.v - vstar) * p.am + s.ge * p.ke + s.gi * p.ki;
  s.ge *= p.be;
  s.gi *= p.bi;
}
// One clock step of a refractory neuron.
inline void cuba_step_refractory(const cuba_lif_lowered& p, cuba_state& s) noexcept {
  s.v = p.v_reset;
  s.ge *= p.be;
  s.gi *= p.bi;
}
// Closed form over k input-free, non-refractory steps.
inline void cuba_advance(const cuba_lif_lowered& p, double vstar, cuba_state& s, std::int64_t k) noexcept {
  if (k <= 0) return;
  s.v = vstar + (s.v - vstar) * cuba_lif_lowered::pow_of(p.am_pow, p.am, k) + s.ge * p.coupling_e(k) +
        s.gi * p.coupling_i(k);
  s.ge *= cuba_lif_lowered::pow_of(p.be_pow, p.be, k);
  s.gi *= cuba_lif_lowered::pow_of(p.bi_pow, p.bi, k);
}
inline void cuba_decay_only(const cuba_lif_lowered& p, cuba_state& s, std::int64_t k) noexcept {
  if (k <= 0) return;
  s.v = p.v_reset;
  s.ge *= cuba_lif_lowered::pow_of(p.be_pow, p.be, k);
  s.gi *= cuba_lif_lowered::pow_of(p.bi_pow, p.bi, k);
}

cuba_lif_params read_cuba_lif_params(const table_reader& t);
cuba_lif_lowered lower(const cuba_lif_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
