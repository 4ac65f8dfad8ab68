// Neuron state as structs of arrays, shared by the event engine and the reference stepper.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "spikeworm/core/common_types.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

struct spike;

struct neuron_state {
  std::vector<state_t> v, ge, gi;      // membrane; excitatory and inhibitory currents (cuba_lif) or conductances (coba_lif)
  // Alpha synapses (cuba_alpha_lif, coba_alpha_lif; docs/models.md): the second state variable of ge, gi, which a
  // spike increments. Size N when the network has such a population, else empty.
  std::vector<state_t> he, hi;
  std::vector<state_t> current;        // constant injected input per neuron
  std::vector<step_t> last;            // the state is the state after step last[n]
  std::vector<step_t> ref_until;       // refractory through this step (v held at reset)
  std::vector<step_t> next_spike;      // Poisson sources: the step of their next spike
  std::vector<rng> poisson_rng;        // sources: one stream each, indexed n - first_poisson
  neuron_id first_poisson = 0;
  // Synaptic input waiting for delivery, by receptor: ring of `slots` steps, [slot * N + n].
  std::vector<state_t> in_e, in_i;
  std::size_t slots = 1;

  // External input (engine::reset_with_inputs): every spike_source neuron spikes at exactly its listed
  // steps, [ext_begin[n], ext_begin[n + 1]) of ext_step, instead of its population's steps.
  bool external = false;
  std::vector<std::uint32_t> ext_begin;
  std::vector<step_t> ext_step;
  std::vector<std::uint32_t> ext_fill;  // scratch of set_external, kept to reuse its buffer

  void init(const network& net, std::uint64_t seed);
  // Pre: init(). Throws error for a spike on a neuron that is not a spike_source or at a step < 1.
  void set_external(const network& net, std::span<const spike> spikes);
  // Adds spikes of spike_source neurons at steps > now (the state is at step now): the spikes still ahead
  // stay, and each source's next spike is set again from now. Throws error for a spike at a step <= now.
  void add_external(const network& net, std::span<const spike> spikes, step_t now);
  std::size_t slot_base(step_t t) const noexcept {
    return static_cast<std::size_t>(t % static_cast<step_t>(slots)) * v.size();
  }
  // Sets the spike after step t of source n of population p (Poisson: a geometric gap from its stream).
  void schedule_source(const population& p, neuron_id n, step_t t) noexcept {
    if (p.model == model_kind::poisson) {
      auto& r = poisson_rng[n - first_poisson];
      next_spike[n] = p.poisson.p_step <= 0.0 ? INT64_MAX : t + 1 + r.geometric(p.poisson.log1m_p);
    } else if (external) {
      const step_t* b = ext_step.data() + ext_begin[n];
      const step_t* e = ext_step.data() + ext_begin[n + 1];
      const step_t* it = std::upper_bound(b, e, t);
      next_spike[n] = it == e ? INT64_MAX : *it;
    } else {
      auto it = std::upper_bound(p.source_steps.begin(), p.source_steps.end(), t);
      next_spike[n] = it == p.source_steps.end() ? INT64_MAX : *it;
    }
  }
};

}  // namespace spikeworm
