// The clock-driven reference stepper: the plainest correct implementation of the neuron models and the
// step order of docs/config-reference.md and docs/architecture.md (the reference stepper).
#include "spikeworm/engine/clock_engine.hpp"

#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

clock_engine::clock_engine(const network& net, engine_options opt) : engine(net, opt) {
  sampled_state_ = &st_;
  reset();
}

void clock_engine::reset() { reset({}); }

void clock_engine::reset(std::span<const double> currents) {
  clear_records();
  st_.init(*net_, opt_.seed);
  if (!currents.empty()) {
    if (currents.size() != st_.current.size())
      throw error(fmt::format("reset: {} currents for {} neurons", currents.size(), st_.current.size()));
    std::copy(currents.begin(), currents.end(), st_.current.begin());
  }
  if (std::span<const spike> ext; take_inputs(ext)) st_.set_external(*net_, ext);
  fired_.clear();
  trace_.clear();
}

void clock_engine::set_currents(std::span<const double> currents) {
  if (currents.size() != st_.current.size())
    throw error(fmt::format("set_currents: {} currents for {} neurons", currents.size(), st_.current.size()));
  for (std::size_t n = 0; n < currents.size(); ++n)
    if (!std::isfinite(currents[n])) throw error(fmt::format("set_currents: currents[{}] = {} is not finite", n, currents[n]));
  std::copy(currents.begin(), currents.end(), st_.current.begin());
}

void clock_engine::add_inputs(std::span<const spike> inputs) { st_.add_external(*net_, inputs, now_); }

void clock_engine::run(step_t steps) {
  for (step_t i = 0; i < steps; ++i) step(now_ + 1);
}

// lif and fixed_lif: v <- step(v, I + input), input dropped and v held at reset while refractory.
template <class Model>
void clock_engine::step_lif_like(const population& p, const Model& m, double v_reset, step_t t, std::size_t base,
                                 double* trace) {
  for (neuron_id n = p.first; n < p.end(); ++n) {
    const double in = st_.in_e[base + n] + st_.in_i[base + n];
    st_.in_e[base + n] = 0.0;
    st_.in_i[base + n] = 0.0;
    double v;
    if (t <= st_.ref_until[n]) {
      v = v_reset;
      if (trace) trace[n] = v;
    } else {
      v = m.step(st_.v[n], st_.current[n] + in);
      if (trace) trace[n] = v;
      if (m.fires(v)) {
        fired_.push_back(n);
        v = v_reset;
        st_.ref_until[n] = t + m.t_ref;
      }
    }
    st_.v[n] = v;
  }
}

// cuba_alpha_lif and coba_alpha_lif (docs/models.md): arrivals join h_e, h_i (w e/tau each); v takes its model's
// step from the state at the start of the step (cuba_alpha_lif: the exact propagator; coba_alpha_lif: coba_lif's
// exponential Euler with the conductances of the start of the step); then the synapses take their exact alpha
// step. Refractory: v held at v_reset while the synapses evolve.
void clock_engine::step_alpha(const population& p, step_t t, std::size_t base, double* trace) {
  const bool coba = p.model == model_kind::coba_alpha_lif;
  const auto& cu = p.cuba_alpha;
  const auto& co = p.coba_alpha;
  const alpha_synapse& se = coba ? co.syn_e : cu.syn_e;
  const alpha_synapse& si = coba ? co.syn_i : cu.syn_i;
  const double e_l = coba ? co.membrane.e_l : cu.e_l, v_th = coba ? co.membrane.v_th : cu.v_th;
  const double v_reset = coba ? co.membrane.v_reset : cu.v_reset;
  const std::int32_t t_ref = coba ? co.membrane.t_ref : cu.t_ref;
  for (neuron_id n = p.first; n < p.end(); ++n) {
    double ge = st_.ge[n], gi = st_.gi[n];
    double he = st_.he[n] + st_.in_e[base + n] * se.jump, hi = st_.hi[n] + st_.in_i[base + n] * si.jump;
    st_.in_e[base + n] = 0.0;
    st_.in_i[base + n] = 0.0;
    double v = v_reset;
    if (t > st_.ref_until[n]) {
      const double vstar = e_l + st_.current[n];
      v = coba ? coba_v_step(co.membrane, vstar, st_.v[n], ge, gi) : cuba_alpha_v_step(cu, vstar, st_.v[n], ge, he, gi, hi);
      if (trace) trace[n] = v;
      if (v > v_th) {
        fired_.push_back(n);
        v = v_reset;
        st_.ref_until[n] = t + t_ref;
      }
    } else if (trace) {
      trace[n] = v;
    }
    alpha_step(se, ge, he);
    alpha_step(si, gi, hi);
    st_.v[n] = v;
    st_.ge[n] = ge;
    st_.he[n] = he;
    st_.gi[n] = gi;
    st_.hi[n] = hi;
  }
}

// nir (docs/nir.md): u = (synaptic input + current), one forward-Euler step, v > v_threshold spikes and resets.
void clock_engine::step_nir(const population& p, std::size_t base, double* trace) {
  for (neuron_id n = p.first; n < p.end(); ++n) {
    const nir_lowered& m = p.nir_of(n - p.first);
    const double u = (st_.in_e[base + n] + st_.in_i[base + n]) + st_.current[n];
    st_.in_e[base + n] = 0.0;
    st_.in_i[base + n] = 0.0;
    double i = st_.ge[n];
    double v = m.step(st_.v[n], i, u);
    if (trace) trace[n] = v;
    if (m.fires(v)) {
      fired_.push_back(n);
      v = m.after_spike(v);
    }
    st_.v[n] = v;
    st_.ge[n] = i;
  }
}

// Delivers the spikes fired_[from, end) of step t into the input ring, each source's synapses in order.
void clock_engine::deliver(std::size_t from, step_t t) {
  const auto rows = net_->row_start();
  const auto tgt = net_->targets();
  const auto w = net_->weights();
  const auto d = net_->delays();
  const auto rc = net_->receptors();
  for (std::size_t k = from; k < fired_.size(); ++k) {
    const neuron_id s = fired_[k];
    for (edge_id e = rows[s]; e < rows[s + 1]; ++e) {
      const std::size_t at = st_.slot_base(t + d[e]) + tgt[e];
      (rc[e] == receptor::excitatory ? st_.in_e : st_.in_i)[at] += static_cast<double>(w[e]);
    }
  }
}

void clock_engine::step(step_t t) {
  const std::size_t N = st_.v.size();
  const std::size_t base = st_.slot_base(t);
  if (trace_on_) trace_.resize(trace_.size() + N, 0.0);
  double* trace = trace_on_ ? trace_.data() + trace_.size() - N : nullptr;
  fired_.clear();
  // Each population's spikes go out in ascending source order, so every target sums its input in the same
  // order as the event engine. With zero delays each population is delivered right after its step, so a
  // zero-delay synapse reaches its (later) target population within the step (docs/nir.md); the ring then has a
  // slot more than max_delay, so no delivery lands in the slot of step t that later populations still read.
  // Without them, delivery waits until every population has read slot t (t + max_delay shares its slot).
  const bool same_step = net_->has_zero_delay();
  for (const auto& p : net_->populations()) {
    const std::size_t from = fired_.size();
    switch (p.model) {
      case model_kind::lif:
        step_lif_like(p, p.lif, p.lif.v_reset, t, base, trace);
        break;
      case model_kind::cuba_lif: {
        const auto& m = p.cuba;
        for (neuron_id n = p.first; n < p.end(); ++n) {
          cuba_state s{st_.v[n], st_.ge[n] + st_.in_e[base + n], st_.gi[n] + st_.in_i[base + n]};
          st_.in_e[base + n] = 0.0;
          st_.in_i[base + n] = 0.0;
          if (t <= st_.ref_until[n]) {
            cuba_step_refractory(m, s);
            if (trace) trace[n] = s.v;
          } else {
            cuba_step(m, m.e_l + st_.current[n], s);
            if (trace) trace[n] = s.v;
            if (m.fires(s.v)) {
              fired_.push_back(n);
              s.v = m.v_reset;
              st_.ref_until[n] = t + m.t_ref;
            }
          }
          st_.v[n] = s.v;
          st_.ge[n] = s.ge;
          st_.gi[n] = s.gi;
        }
        break;
      }
      case model_kind::fixed_lif:
        step_lif_like(p, p.fixed, static_cast<double>(p.fixed.v_reset), t, base, trace);
        break;
      case model_kind::coba_lif: {
        // docs/models.md, coba_lif: arrivals join the conductances, v takes one exponential-Euler step with
        // the conductances of the start of the step, which then decay exactly. Refractory: v held at v_reset.
        const auto& m = p.coba;
        for (neuron_id n = p.first; n < p.end(); ++n) {
          const double ge = st_.ge[n] + st_.in_e[base + n], gi = st_.gi[n] + st_.in_i[base + n];
          st_.in_e[base + n] = 0.0;
          st_.in_i[base + n] = 0.0;
          double v = m.v_reset;
          if (t > st_.ref_until[n]) v = coba_v_step(m, m.e_l + st_.current[n], st_.v[n], ge, gi);
          if (trace) trace[n] = v;
          if (t > st_.ref_until[n] && m.fires(v)) {
            fired_.push_back(n);
            v = m.v_reset;
            st_.ref_until[n] = t + m.t_ref;
          }
          st_.v[n] = v;
          st_.ge[n] = ge * m.be;
          st_.gi[n] = gi * m.bi;
        }
        break;
      }
      case model_kind::cuba_alpha_lif:
      case model_kind::coba_alpha_lif:
        step_alpha(p, t, base, trace);
        break;
      case model_kind::nir:
        step_nir(p, base, trace);
        break;
      case model_kind::poisson:
      case model_kind::spike_source:
        for (neuron_id n = p.first; n < p.end(); ++n) {
          if (st_.next_spike[n] != t) continue;
          fired_.push_back(n);
          st_.schedule_source(p, n, t);
        }
        break;
    }
    if (same_step) deliver(from, t);
  }
  if (!same_step) deliver(0, t);
  counters_.neuron_updates += N;
  counters_.dense_updates += N;
  for (std::size_t p = 0; p < net_->populations().size(); ++p)
    counters_.updates_per_population[p] += net_->populations()[p].size;
  counters_.steps = t;
  record_step(t, fired_);
  sample_traces(t);
  now_ = t;
}

}  // namespace spikeworm
