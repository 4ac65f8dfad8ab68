// Crossing prediction (docs/architecture.md, the event engine): the first step after t at which a lazy
// neuron fires if no input arrives. lif: a closed form from the reset gap or the logarithm of the approach
// to its fixed point, corrected by exact steps; cuba_lif: interval bounds on its sum of three exponentials.
// A prediction may be early (the neuron is then updated and re-predicted), never late.
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace spikeworm {

using namespace event_detail;

// Post: predicted_[n] is a step at or before the first step after t at which n fires if no input arrives
// (or never). A prediction may be early (the neuron is then updated and re-predicted), never late.
void event_engine::impl::predict(block& b, const population& p, neuron_id n, step_t t) {
  switch (p.model) {
    case model_kind::fixed_lif:
    case model_kind::coba_lif:
    case model_kind::cuba_alpha_lif:
    case model_kind::coba_alpha_lif:
    case model_kind::nir:
      return;  // always clock-driven: never predicted
    case model_kind::poisson:
    case model_kind::spike_source:
      schedule(b, n, st_.next_spike[n], t);
      return;
    case model_kind::lif:
      if (watched_[n]) return schedule(b, n, t + 1, t);
      return predict_lif(b, p, n, t);
    case model_kind::cuba_lif:
      if (watched_[n]) return schedule(b, n, t + 1, t);
      return predict_cuba(b, p, n, t);
  }
}

void event_engine::impl::predict_lif(block& b, const population& p, neuron_id n, step_t t) {
  const auto& m = p.lif;
  const double cur = st_.current[n];
  const double vstar = m.fixed_point(cur);
  // Free evolution starts after the refractory period.
  step_t base = t;
  double vb = st_.v[n];
  if (st_.ref_until[n] > t) {
    base = st_.ref_until[n];
    vb = m.v_reset;
  }
  if (!(vstar > m.v_th) && !m.fires(m.step(vb, cur))) {
    schedule(b, n, never, t);  // monotone approach to v* <= v_th: no crossing (up to rounding)
    return;
  }
  // From the reset state the gap to the next crossing depends on the (constant) current only: a neuron
  // under constant drive fires periodically, and the gap found once is reused until the next reset()
  // (the currents are fixed between resets; any synaptic input moves v off v_reset).
  const bool from_reset = vb == m.v_reset;
  if (from_reset && reset_gap_[n] > 0) {
    schedule(b, n, base + reset_gap_[n], t);
    return;
  }
  // The value process() computes at step base + k.
  auto value = [&](step_t k) { return m.step(m.advance(vb, k - 1, vstar), cur); };
  step_t k = 1;
  if (m.decay > 0.0 && vb < vstar && vstar > m.v_th) {
    // Closed form: v* + (vb - v*) a^k >= v_th  <=>  k >= log((v* - v_th)/(v* - vb)) / log a.
    const double kk = std::log((vstar - m.v_th) / (vstar - vb)) / m.log_decay;
    if (std::isfinite(kk) && kk > 1.0) k = static_cast<step_t>(std::min(std::ceil(kk), 4.0e18));
  }
  while (k > 1 && m.fires(value(k - 1))) --k;
  int guard = 0;
  while (!m.fires(value(k)) && guard++ < 64) ++k;
  if (from_reset && guard <= 64 && m.fires(value(k))) reset_gap_[n] = k;
  schedule(b, n, base + k, t);  // if the guard ran out, an early wake-up that re-predicts
}

void event_engine::impl::predict_cuba(block& b, const population& p, neuron_id n, step_t t) {
  const auto& m = p.cuba;
  const double vstar = m.e_l + st_.current[n];
  const step_t ref = st_.ref_until[n];
  step_t base = t;
  cuba_state s{st_.v[n], st_.ge[n], st_.gi[n]};
  if (ref > t) {
    cuba_decay_only(m, s, ref - t);
    base = ref;
  }
  // The value process() computes at step base + k (no input, free since base).
  auto value = [&](step_t k) {
    cuba_state x = s;
    cuba_advance(m, vstar, x, k - 1);
    cuba_step(m, vstar, x);
    return x.v;
  };
  if (m.e_equal || m.i_equal) {
    // Not a sum of pure exponentials: scan, and wake up to re-predict after 256 steps.
    for (step_t k = 1; k <= 256; ++k)
      if (m.fires(value(k))) return schedule(b, n, base + k, t);
    return schedule(b, n, base + 256, t);
  }
  // v(base + k) = v* + A am^k + B be^k + C bi^k. Each term is monotone in k, so on [k0, k1] it is
  // bounded by its larger end value: skip intervals whose bound stays below threshold, doubling
  // their length, and evaluate single steps exactly.
  const double B = s.ge * m.ce, C = s.gi * m.ci, A = s.v - vstar - B - C;
  const double margin = 1e-9 * (1.0 + std::abs(m.v_th));
  auto term = [&](double X, const std::vector<double>& table, double r, step_t k) {
    return X * cuba_lif_lowered::pow_of(table, r, k);
  };
  auto bound = [&](step_t k0, step_t k1) {
    return vstar + std::max(term(A, m.am_pow, m.am, k0), term(A, m.am_pow, m.am, k1)) +
           std::max(term(B, m.be_pow, m.be, k0), term(B, m.be_pow, m.be, k1)) +
           std::max(term(C, m.bi_pow, m.bi, k0), term(C, m.bi_pow, m.bi, k1));
  };
  auto bound_to_infinity = [&](step_t k0) {
    return vstar + std::max(term(A, m.am_pow, m.am, k0), 0.0) + std::max(term(B, m.be_pow, m.be, k0), 0.0) +
           std::max(term(C, m.bi_pow, m.bi, k0), 0.0);
  };
  step_t k = 1, len = 1;
  for (int iter = 0; iter < 512; ++iter) {
    if (bound_to_infinity(k) < m.v_th - margin) return schedule(b, n, never, t);
    if (bound(k, k + len - 1) < m.v_th - margin) {
      k += len;
      len *= 2;
      continue;
    }
    if (len > 1) {
      len /= 2;
      continue;
    }
    if (m.fires(value(k))) return schedule(b, n, base + k, t);
    ++k;
  }
  return schedule(b, n, base + k, t);  // early wake-up: re-predicts from there
}

}  // namespace spikeworm
