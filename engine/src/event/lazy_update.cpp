// Lazy updates of the event engine (docs/architecture.md, the event engine): a neuron due at step t is
// brought from its last update through the input-free steps in closed form, then stepped exactly as the
// reference stepper does, and its next threshold crossing is predicted (crossing.cpp).
#include <algorithm>

#include <fmt/format.h>

#include "state.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

using namespace event_detail;

// Brings neuron n from its last update to step t: input-free steps in closed form, then step t exactly
// as the reference stepper computes it.
void event_engine::impl::process(block& b, const population& p, neuron_id n, step_t t) {
  ++b.updates;
  const std::size_t i = st_.slot_base(t) + n;
  const step_t from = st_.last[n];
  const step_t ref = st_.ref_until[n];
  switch (p.model) {
    case model_kind::lif: {
      const auto& m = p.lif;
      const double in = st_.in_e[i] + st_.in_i[i];
      st_.in_e[i] = 0.0;
      st_.in_i[i] = 0.0;
      pending_[i] = 0;
      double v = st_.v[n];
      if (t <= ref) {
        v = m.v_reset;
      } else {
        // A watched neuron was updated at t - 1 (predict()): nothing to bridge, and the closed form for 0
        // steps would round v (v* + (v - v*) 1 is not always v), where the reference stepper keeps it.
        if (!watched_[n]) {
          step_t free_from = from;
          if (ref > from) {
            v = m.v_reset;
            free_from = ref;
          }
          const double vstar = m.fixed_point(st_.current[n]);
          v = m.advance(v, t - 1 - free_from, vstar);
        }
        v = m.step(v, st_.current[n] + in);
        if (m.fires(v)) {
          b.fired.push_back(n);
          v = m.v_reset;
          st_.ref_until[n] = t + m.t_ref;
        }
      }
      st_.v[n] = v;
      break;
    }
    case model_kind::cuba_lif: {
      const auto& m = p.cuba;
      const double vstar = m.e_l + st_.current[n];
      cuba_state s{st_.v[n], st_.ge[n], st_.gi[n]};
      // Steps from+1 .. t-1 carry no input: refractory part (v held), then free part.
      const step_t clamped = std::clamp<step_t>(ref - from, 0, t - 1 - from);
      cuba_decay_only(m, s, clamped);
      cuba_advance(m, vstar, s, t - 1 - from - clamped);
      s.ge += st_.in_e[i];
      s.gi += st_.in_i[i];
      st_.in_e[i] = 0.0;
      st_.in_i[i] = 0.0;
      pending_[i] = 0;
      if (t <= ref) {
        cuba_step_refractory(m, s);
      } else {
        cuba_step(m, vstar, s);
        if (m.fires(s.v)) {
          b.fired.push_back(n);
          s.v = m.v_reset;
          st_.ref_until[n] = t + m.t_ref;
        }
      }
      st_.v[n] = s.v;
      st_.ge[n] = s.ge;
      st_.gi[n] = s.gi;
      break;
    }
    case model_kind::fixed_lif:
    case model_kind::coba_lif:
    case model_kind::cuba_alpha_lif:
    case model_kind::coba_alpha_lif:
    case model_kind::nir:
      throw internal_error(fmt::format("event engine: a {} population is always clock-driven", to_string(p.model)));
    case model_kind::poisson:
    case model_kind::spike_source:
      if (st_.next_spike[n] == t) {
        b.fired.push_back(n);
        st_.schedule_source(p, n, t);
      }
      break;
  }
  st_.last[n] = t;
  predict(b, p, n, t);
}

}  // namespace spikeworm
