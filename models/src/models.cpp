// Reading, validating and lowering neuron model parameters.
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/models/coba_lif.hpp"
#include "spikeworm/models/cuba_lif.hpp"
#include "spikeworm/models/lif.hpp"
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

cuba_lif_lowered lower(const cuba_lif_params& p, double dt_ms, const table_reader* where) {
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
  const double ref = std::round(p.t_ref / dt_ms);
  if (ref > 1e6) bad(where, "t_ref", fmt::format("is {} steps at dt = {} ms, more than 1e6", ref, dt_ms));
  l.t_ref = static_cast<std::int32_t>(ref);
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
  l.h = dt_ms / p.tau_m;
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

}  // namespace spikeworm
