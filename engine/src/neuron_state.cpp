// Initial neuron state, identical for both engines.
#include "spikeworm/engine/neuron_state.hpp"

namespace spikeworm {

void neuron_state::init(const network& net, std::uint64_t seed) {
  const std::size_t n = net.num_neurons();
  v.assign(n, 0.0);
  ge.assign(n, 0.0);
  gi.assign(n, 0.0);
  current.assign(n, 0.0);
  last.assign(n, 0);
  ref_until.assign(n, 0);
  next_spike.assign(n, INT64_MAX);
  slots = net.max_delay();
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
      current[i] = p.current;
      if (is_source(p.model)) continue;
      v[i] = net.initial_value(p, pi, i, 0, seed);
      if (p.model == model_kind::cuba_lif) {
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
