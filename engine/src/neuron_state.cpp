// Initial neuron state, identical for both engines.
#include "spikeworm/engine/neuron_state.hpp"

#include <fmt/format.h>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

void neuron_state::set_external(const network& net, std::span<const spike> spikes) {
  const std::size_t n = net.num_neurons();
  external = true;
  ext_begin.assign(n + 1, 0);
  ext_step.resize(spikes.size());
  const auto& pops = net.populations();
  for (const auto& s : spikes) {
    if (s.neuron >= n) throw error(fmt::format("input spike on neuron {} of {}", s.neuron, n));
    const auto& p = pops[net.population_of(s.neuron)];
    if (p.model != model_kind::spike_source)
      throw error(fmt::format("input spike on neuron {} of population '{}', which is not a spike_source", s.neuron, p.name));
    if (s.step < 1) throw error(fmt::format("input spike at step {} (steps start at 1)", s.step));
    ++ext_begin[s.neuron + 1];
  }
  for (std::size_t i = 0; i < n; ++i) ext_begin[i + 1] += ext_begin[i];
  ext_fill.assign(ext_begin.begin(), ext_begin.end() - 1);
  for (const auto& s : spikes) ext_step[ext_fill[s.neuron]++] = s.step;
  for (std::size_t i = 0; i < n; ++i) std::sort(ext_step.begin() + ext_begin[i], ext_step.begin() + ext_begin[i + 1]);
  for (const auto& p : pops)
    if (p.model == model_kind::spike_source)
      for (neuron_id i = p.first; i < p.end(); ++i) schedule_source(p, i, 0);
}

void neuron_state::add_external(const network& net, std::span<const spike> spikes, step_t now) {
  const auto& pops = net.populations();
  for (const auto& s : spikes) {
    if (s.neuron >= v.size()) throw error(fmt::format("input spike on neuron {} of {}", s.neuron, v.size()));
    const auto& p = pops[net.population_of(s.neuron)];
    if (p.model != model_kind::spike_source)
      throw error(fmt::format("input spike on neuron {} of population '{}', which is not a spike_source", s.neuron, p.name));
    if (s.step <= now)
      throw error(fmt::format("input spike on neuron {} at step {}: the network is at step {} already", s.neuron,
                              s.step, now));
  }
  // The spikes still ahead (external ones, or the population's own steps), then the new ones.
  std::vector<spike> all;
  for (const auto& p : pops) {
    if (p.model != model_kind::spike_source) continue;
    for (neuron_id n = p.first; n < p.end(); ++n) {
      if (external) {
        for (std::uint32_t k = ext_begin[n]; k < ext_begin[n + 1]; ++k)
          if (ext_step[k] > now) all.push_back({ext_step[k], n});
      } else {
        for (const step_t t : p.source_steps)
          if (t > now) all.push_back({t, n});
      }
    }
  }
  all.insert(all.end(), spikes.begin(), spikes.end());
  set_external(net, all);
  for (const auto& p : pops)
    if (p.model == model_kind::spike_source)
      for (neuron_id i = p.first; i < p.end(); ++i) schedule_source(p, i, now);
}

void neuron_state::init(const network& net, std::uint64_t seed) {
  external = false;
  const std::size_t n = net.num_neurons();
  v.assign(n, 0.0);
  ge.assign(n, 0.0);
  gi.assign(n, 0.0);
  const bool alpha = std::any_of(net.populations().begin(), net.populations().end(),
                                 [](const population& p) { return has_alpha_synapses(p.model); });
  he.assign(alpha ? n : 0, 0.0);
  hi.assign(alpha ? n : 0, 0.0);
  current.assign(n, 0.0);
  last.assign(n, 0);
  ref_until.assign(n, 0);
  next_spike.assign(n, INT64_MAX);
  slots = net.ring_slots();
  in_e.assign(slots * n, 0.0);
  in_i.assign(slots * n, 0.0);
  poisson_rng.clear();
  first_poisson = static_cast<neuron_id>(n);
  const auto& pops = net.populations();
  for (const auto& p : pops)
    if (is_source(p.model)) first_poisson = std::min(first_poisson, p.first);
  for (std::size_t pi = 0; pi < pops.size(); ++pi) {
    const auto& p = pops[pi];
    for (neuron_id i = p.first; i < p.end(); ++i) {
      current[i] = p.currents.empty() ? p.current : p.currents[i - p.first];
      if (is_source(p.model)) continue;
      v[i] = net.initial_value(p, pi, i, 0, seed);
      if (has_synaptic_state(p.model)) {
        ge[i] = net.initial_value(p, pi, i, 1, seed);
        gi[i] = net.initial_value(p, pi, i, 2, seed);
      }
    }
  }
  for (neuron_id i = first_poisson; i < n; ++i) poisson_rng.emplace_back(seed, stream_kind::poisson, i);
  for (const auto& p : pops)
    if (is_source(p.model))
      for (neuron_id i = p.first; i < p.end(); ++i) schedule_source(p, i, 0);
}

}  // namespace spikeworm
