// Reading, validating and lowering neuron model parameters.
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/models/alpha_synapse.hpp"
#include "spikeworm/models/coba_alpha_lif.hpp"
#include "spikeworm/models/coba_lif.hpp"
#include "spikeworm/models/cuba_alpha_lif.hpp"
#include "spikeworm/models/cuba_lif.hpp"
#include "spikeworm/models/lif.hpp"
#include "spikeworm/models/nir_neuron.hpp"
#include "spikeworm/models/poisson.hpp"

namespace spikeworm {

namespace {

constexpr std::size_t pow_table_size = 4096;

[[noreturn]] void bad(const table_reader* where, std::string_view key, const std::string& msg) {
  if (where) where->fail(key, msg);
  throw error(fmt::format("{}: {}", key, msg));
}

void check_finite(const table_reader* where, std::string_view key, double v) {
  if (!std::isfinite(v)) bad(where, key, fmt::format("must be finite, got {}", v));
}

std::vector<double> pow_table(double tau_steps) {
  std::vector<double> t(pow_table_size);
  for (std::size_t k = 0; k < t.size(); ++k) t[k] = std::exp(-static_cast<double>(k) / tau_steps);
  return t;
}

}  // namespace

lif_params read_lif_params(const table_reader& t) {
  t.allow_only({"tau_m", "v_th", "v_reset", "v_rest", "t_ref"});
  lif_params p;
  p.tau_m = t.number("tau_m", p.tau_m);
  p.v_th = t.number("v_th", p.v_th);
  p.v_reset = t.number("v_reset", p.v_reset);
  p.v_rest = t.number("v_rest", p.v_rest);
  p.t_ref = t.number("t_ref", p.t_ref);
  return p;
}

lif_lowered lower(const lif_params& p, double dt_ms, const table_reader* where) {
  if (!(p.tau_m > 0.0)) bad(where, "tau_m", fmt::format("must be > 0 ms, got {}", p.tau_m));
  check_finite(where, "tau_m", p.tau_m);
  const double tau = p.tau_m / dt_ms;  // [steps]
  if (!(tau >= 1.0))
    bad(where, "tau_m",
        fmt::format("must be >= dt = {} ms for the discrete lif (1 - dt/tau_m < 0), got {} ms", dt_ms, p.tau_m));
  check_finite(where, "v_th", p.v_th);
  check_finite(where, "v_reset", p.v_reset);
  check_finite(where, "v_rest", p.v_rest);
  if (!(p.v_reset < p.v_th))
    bad(where, "v_reset", fmt::format("must be below v_th ({}), got {}", p.v_th, p.v_reset));
  if (!(p.t_ref >= 0.0) || !std::isfinite(p.t_ref)) bad(where, "t_ref", fmt::format("must be >= 0 ms, got {}", p.t_ref));
  const double ref = std::round(p.t_ref / dt_ms);
  if (ref > 1e6) bad(where, "t_ref", fmt::format("is {} steps at dt = {} ms, more than 1e6", ref, dt_ms));
  lif_lowered l;
  l.tau_m = tau;
  l.decay = 1.0 - 1.0 / tau;
  l.leak = p.v_rest / tau;
  l.v_th = p.v_th;
  l.v_reset = p.v_reset;
  l.v_rest = p.v_rest;
  l.t_ref = static_cast<std::int32_t>(ref);
  l.decay_pow.resize(pow_table_size);
  // decay^k by std::pow: closer to the exact power than a chain of k multiplications.
  for (std::size_t k = 0; k < l.decay_pow.size(); ++k) l.decay_pow[k] = std::pow(l.decay, static_cast<double>(k));
  l.log_decay = l.decay > 0.0 ? std::log(l.decay) : 0.0;
  return l;
}

cuba_lif_params read_cuba_lif_params(const table_reader& t) {
  t.allow_only({"tau_m", "tau_e", "tau_i", "v_th", "v_reset", "e_l", "t_ref"});
  cuba_lif_params p;
  p.tau_m = t.number("tau_m", p.tau_m);
  p.tau_e = t.number("tau_e", p.tau_e);
  p.tau_i = t.number("tau_i", p.tau_i);
  p.v_th = t.number("v_th", p.v_th);
  p.v_reset = t.number("v_reset", p.v_reset);
  p.e_l = t.number("e_l", p.e_l);
  p.t_ref = t.number("t_ref", p.t_ref);
  return p;
}

namespace {

// The checks cuba_lif and cuba_alpha_lif share (the same keys); returns t_ref in steps.
template <class Params>
std::int32_t check_cuba(const Params& p, double dt_ms, const table_reader* where) {
  for (auto [key, v] : {std::pair{"tau_m", p.tau_m}, {"tau_e", p.tau_e}, {"tau_i", p.tau_i}}) {
    if (!(v > 0.0)) bad(where, key, fmt::format("must be > 0 ms, got {}", v));
    check_finite(where, key, v);
  }
  check_finite(where, "v_th", p.v_th);
  check_finite(where, "v_reset", p.v_reset);
  check_finite(where, "e_l", p.e_l);
  if (!(p.t_ref >= 0.0) || !std::isfinite(p.t_ref)) bad(where, "t_ref", fmt::format("must be >= 0 ms, got {}", p.t_ref));
  if (!(p.v_reset < p.v_th))
    bad(where, "v_reset", fmt::format("must be below v_th ({}), got {}", p.v_th, p.v_reset));
  const double ref = std::round(p.t_ref / dt_ms);
  if (ref > 1e6) bad(where, "t_ref", fmt::format("is {} steps at dt = {} ms, more than 1e6", ref, dt_ms));
  return static_cast<std::int32_t>(ref);
}

}  // namespace

cuba_lif_lowered lower(const cuba_lif_params& p, double dt_ms, const table_reader* where) {
  const std::int32_t t_ref = check_cuba(p, dt_ms, where);
  cuba_lif_lowered l;
  const double sm = p.tau_m / dt_ms, se = p.tau_e / dt_ms, si = p.tau_i / dt_ms;  // [steps]
  l.am = std::exp(-1.0 / sm);
  l.be = std::exp(-1.0 / se);
  l.bi = std::exp(-1.0 / si);
  l.dt_over_tau_m = 1.0 / sm;
  l.e_equal = p.tau_e == p.tau_m;
  l.i_equal = p.tau_i == p.tau_m;
  l.ce = l.e_equal ? 0.0 : p.tau_e / (p.tau_e - p.tau_m);
  l.ci = l.i_equal ? 0.0 : p.tau_i / (p.tau_i - p.tau_m);
  l.am_pow = pow_table(sm);
  l.be_pow = pow_table(se);
  l.bi_pow = pow_table(si);
  l.ke = l.coupling_e(1);
  l.ki = l.coupling_i(1);
  l.v_th = p.v_th;
  l.v_reset = p.v_reset;
  l.e_l = p.e_l;
  l.t_ref = t_ref;
  return l;
}

namespace {

// A spike adds w e/tau to h: tau must leave that finite.
void check_jump(const table_reader* where, std::string_view key, double tau, const alpha_synapse& s) {
  if (!std::isfinite(s.jump)) bad(where, key, fmt::format("is too small: e/{} is not finite, got {} ms", key, tau));
}

}  // namespace

alpha_synapse lower_alpha(double tau, double dt) {
  alpha_synapse s;
  s.decay = std::exp(-dt / tau);
  s.rise = dt * s.decay;
  s.jump = std::exp(1.0) / tau;
  return s;
}

// docs/models.md, cuba_alpha_lif: with a_m = exp(-dt/tau_m), x = dt (1/tau - 1/tau_m),
//   k_g = (dt/tau_m) a_m (1 - e^-x)/x,   k_h = (dt^2/tau_m) a_m (1 - e^-x (1 + x))/x^2,
// which are 1 and 1/2 at x = 0 (tau = tau_m). Near 0 both quotients cancel, so there they are summed as
// their Taylor series (1 - e^-x)/x = sum (-x)^k/(k+1)!, (1 - e^-x (1 + x))/x^2 = sum (-x)^k (k+1)/(k+2)!;
// elsewhere, with a = exp(-dt/tau) = a_m e^-x, k_g = dt (a_m - a)/(tau_m x), k_h = dt^2 (a_m - a (1 + x))/(tau_m x^2),
// which stay finite where a_m underflows.
alpha_coupling couple_alpha(double tau_m, double tau, double dt) {
  const double am = std::exp(-dt / tau_m), a = std::exp(-dt / tau);
  const double x = dt / tau - dt / tau_m;
  alpha_coupling c;
  if (std::abs(x) < 0.5) {
    constexpr int terms = 24;  // 0.5^24/26! < 1e-33: beyond double precision
    std::array<double, terms + 3> factorial{1.0};
    for (std::size_t n = 1; n < factorial.size(); ++n) factorial[n] = factorial[n - 1] * static_cast<double>(n);
    double g = 0.0, f = 0.0;
    for (int k = terms; k >= 0; --k) {  // Horner, from the smallest term
      const auto i = static_cast<std::size_t>(k);
      g = g * -x + 1.0 / factorial[i + 1];
      f = f * -x + (k + 1) / factorial[i + 2];
    }
    c.k_g = dt / tau_m * am * g;
    c.k_h = dt * dt / tau_m * am * f;
  } else {
    c.k_g = dt * (am - a) / (tau_m * x);
    c.k_h = dt * dt * (am - a * (1.0 + x)) / (tau_m * x * x);
  }
  return c;
}

cuba_alpha_lif_params read_cuba_alpha_lif_params(const table_reader& t) {
  const cuba_lif_params c = read_cuba_lif_params(t);  // the same keys and defaults
  return {c.tau_m, c.tau_e, c.tau_i, c.v_th, c.v_reset, c.e_l, c.t_ref};
}

cuba_alpha_lif_lowered lower(const cuba_alpha_lif_params& p, double dt_ms, const table_reader* where) {
  cuba_alpha_lif_lowered l;
  l.t_ref = check_cuba(p, dt_ms, where);
  l.am = std::exp(-dt_ms / p.tau_m);
  l.syn_e = lower_alpha(p.tau_e, dt_ms);
  l.syn_i = lower_alpha(p.tau_i, dt_ms);
  check_jump(where, "tau_e", p.tau_e, l.syn_e);
  check_jump(where, "tau_i", p.tau_i, l.syn_i);
  l.cpl_e = couple_alpha(p.tau_m, p.tau_e, dt_ms);
  l.cpl_i = couple_alpha(p.tau_m, p.tau_i, dt_ms);
  for (const double k : {l.cpl_e.k_g, l.cpl_e.k_h, l.cpl_i.k_g, l.cpl_i.k_h})
    if (!std::isfinite(k))
      bad(where, "tau_m",
          fmt::format("the time constants tau_m = {}, tau_e = {}, tau_i = {} ms at dt = {} ms give a propagator "
                      "that is not finite",
                      p.tau_m, p.tau_e, p.tau_i, dt_ms));
  l.v_th = p.v_th;
  l.v_reset = p.v_reset;
  l.e_l = p.e_l;
  return l;
}

coba_lif_params read_coba_lif_params(const table_reader& t) {
  t.allow_only({"tau_m", "tau_e", "tau_i", "e_l", "e_e", "e_i", "v_th", "v_reset", "t_ref"});
  coba_lif_params p;
  p.tau_m = t.number("tau_m", p.tau_m);
  p.tau_e = t.number("tau_e", p.tau_e);
  p.tau_i = t.number("tau_i", p.tau_i);
  p.e_l = t.number("e_l", p.e_l);
  p.e_e = t.number("e_e", p.e_e);
  p.e_i = t.number("e_i", p.e_i);
  p.v_th = t.number("v_th", p.v_th);
  p.v_reset = t.number("v_reset", p.v_reset);
  p.t_ref = t.number("t_ref", p.t_ref);
  return p;
}

coba_lif_lowered lower(const coba_lif_params& p, double dt_ms, const table_reader* where) {
  for (auto [key, v] : {std::pair{"tau_m", p.tau_m}, {"tau_e", p.tau_e}, {"tau_i", p.tau_i}}) {
    if (!(v > 0.0)) bad(where, key, fmt::format("must be > 0 ms, got {}", v));
    check_finite(where, key, v);
  }
  for (auto [key, v] : {std::pair{"e_l", p.e_l}, {"e_e", p.e_e}, {"e_i", p.e_i}, {"v_th", p.v_th}, {"v_reset", p.v_reset}})
    check_finite(where, key, v);
  if (!(p.t_ref >= 0.0) || !std::isfinite(p.t_ref)) bad(where, "t_ref", fmt::format("must be >= 0 ms, got {}", p.t_ref));
  if (!(p.v_reset < p.v_th))
    bad(where, "v_reset", fmt::format("must be below v_th ({}), got {}", p.v_th, p.v_reset));
  // An inhibitory reversal at or above threshold would excite (a sign or offset slip, e.g. 80 for -80).
  if (!(p.e_i < p.v_th))
    bad(where, "e_i", fmt::format("must be below v_th ({}) for the inhibitory conductance to inhibit, got {}", p.v_th, p.e_i));
  const double ref = std::round(p.t_ref / dt_ms);
  if (ref > 1e6) bad(where, "t_ref", fmt::format("is {} steps at dt = {} ms, more than 1e6", ref, dt_ms));
  coba_lif_lowered l;
  l.set_h(dt_ms / p.tau_m);
  l.be = std::exp(-dt_ms / p.tau_e);
  l.bi = std::exp(-dt_ms / p.tau_i);
  l.e_l = p.e_l;
  l.e_e = p.e_e;
  l.e_i = p.e_i;
  l.v_th = p.v_th;
  l.v_reset = p.v_reset;
  l.t_ref = static_cast<std::int32_t>(ref);
  return l;
}

coba_alpha_lif_params read_coba_alpha_lif_params(const table_reader& t) { return {read_coba_lif_params(t)}; }

coba_alpha_lif_lowered lower(const coba_alpha_lif_params& p, double dt_ms, const table_reader* where) {
  coba_alpha_lif_lowered l;
  l.membrane = lower(static_cast<const coba_lif_params&>(p), dt_ms, where);
  l.syn_e = lower_alpha(p.tau_e, dt_ms);
  l.syn_i = lower_alpha(p.tau_i, dt_ms);
  check_jump(where, "tau_e", p.tau_e, l.syn_e);
  check_jump(where, "tau_i", p.tau_i, l.syn_i);
  return l;
}

poisson_params read_poisson_params(const table_reader& t) {
  t.allow_only({"rate"});
  poisson_params p;
  p.rate = t.number("rate", p.rate);
  return p;
}

poisson_lowered lower(const poisson_params& p, double dt_ms, const table_reader* where) {
  if (!(p.rate >= 0.0) || !std::isfinite(p.rate)) bad(where, "rate", fmt::format("must be >= 0 Hz, got {}", p.rate));
  const double prob = p.rate * dt_ms * 1e-3;
  if (prob > 1.0)
    bad(where, "rate", fmt::format("{} Hz exceeds one spike per step at dt = {} ms", p.rate, dt_ms));
  return {prob, std::log1p(-prob)};
}

// nir (docs/nir.md, "Simulation"): the NIR neuron types, forward Euler.
namespace {
constexpr std::array<std::pair<nir_kind, std::string_view>, 7> nir_kinds{{{nir_kind::lif, "LIF"},
                                                                           {nir_kind::cuba_lif, "CubaLIF"},
                                                                           {nir_kind::if_, "IF"},
                                                                           {nir_kind::li, "LI"},
                                                                           {nir_kind::cuba_li, "CubaLI"},
                                                                           {nir_kind::i, "I"},
                                                                           {nir_kind::threshold, "Threshold"}}};
}  // namespace

const char* to_string(nir_kind k) noexcept {
  for (const auto& [kind, name] : nir_kinds)
    if (kind == k) return name.data();
  return "?";
}

nir_params read_nir_params(const table_reader& t) {
  t.allow_only({"kind", "tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset", "w_in", "reset"});
  nir_params p;
  const std::string kind = t.choice("kind", "", {"LIF", "CubaLIF", "IF", "LI", "CubaLI", "I", "Threshold"});
  for (const auto& [k, name] : nir_kinds)
    if (name == kind) p.kind = k;
  p.tau_mem = t.number("tau_mem", p.tau_mem);
  p.tau_syn = t.number("tau_syn", p.tau_syn);
  p.r = t.number("r", p.r);
  p.v_leak = t.number("v_leak", p.v_leak);
  p.v_threshold = t.number("v_threshold", p.v_threshold);
  p.v_reset = t.number("v_reset", p.v_reset);
  p.w_in = t.number("w_in", p.w_in);
  p.reset = t.choice("reset", "value", {"value", "subtract"}) == "subtract" ? nir_reset::subtract : nir_reset::value;
  return p;
}

nir_lowered lower(const nir_params& p, double dt_ms, const table_reader* where) {
  const nir_kind k = p.kind;
  nir_lowered l;
  l.kind = k;
  l.synapse = k == nir_kind::cuba_lif || k == nir_kind::cuba_li;
  l.leaky = k == nir_kind::lif || k == nir_kind::li || l.synapse;
  l.integrating = k == nir_kind::if_ || k == nir_kind::i;
  l.spiking = k == nir_kind::lif || k == nir_kind::cuba_lif || k == nir_kind::if_ || k == nir_kind::threshold;
  for (const auto& [key, v] : {std::pair<std::string_view, double>{"r", p.r}, {"v_leak", p.v_leak},
                               {"v_threshold", p.v_threshold}, {"v_reset", p.v_reset}, {"w_in", p.w_in}})
    check_finite(where, key, v);
  if (l.leaky) {
    if (!(p.tau_mem > 0.0) || !std::isfinite(p.tau_mem))
      bad(where, "tau_mem", fmt::format("must be > 0 ms for a {}, got {}", to_string(k), p.tau_mem));
    l.h_mem = dt_ms / p.tau_mem;
  }
  if (l.synapse) {
    if (!(p.tau_syn > 0.0) || !std::isfinite(p.tau_syn))
      bad(where, "tau_syn", fmt::format("must be > 0 ms for a {}, got {}", to_string(k), p.tau_syn));
    l.h_syn = dt_ms / p.tau_syn;
  }
  l.w_in = p.w_in;
  l.r = p.r;
  l.v_leak = p.v_leak;
  l.k = dt_ms * p.r;
  if (l.spiking) {
    l.v_th = p.v_threshold;
    l.v_reset = p.v_reset;
    l.subtract = p.reset == nir_reset::subtract;
    l.drop = p.v_threshold - p.v_reset;
    if (k != nir_kind::threshold && !(p.v_reset < p.v_threshold))
      bad(where, "v_reset", fmt::format("must be below v_threshold ({}), got {}", p.v_threshold, p.v_reset));
  }
  return l;
}

}  // namespace spikeworm
