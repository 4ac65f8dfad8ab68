// Neuron state as structs of arrays, shared by the event engine and the reference stepper.
#pragma once

#include <cstdint>
#include <vector>

#include "spikeworm/common_types.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/random.hpp"

namespace spikeworm {

struct neuron_state {
  std::vector<state_t> v, ge, gi;      // membrane; excitatory and inhibitory currents (cuba_lif)
  std::vector<state_t> current;        // constant injected input per neuron
  std::vector<step_t> last;            // the state is the state after step last[n]
  std::vector<step_t> ref_until;       // refractory through this step (v held at reset)
  std::vector<step_t> next_spike;      // Poisson sources: the step of their next spike
  std::vector<rng> poisson_rng;        // Poisson sources: one stream each, indexed n - first_poisson
  neuron_id first_poisson = 0;
  // Synaptic input waiting for delivery, by receptor: ring of `slots` steps, [slot * N + n].
  std::vector<state_t> in_e, in_i;
  std::size_t slots = 1;

  void init(const network& net, std::uint64_t seed);
  std::size_t slot_base(step_t t) const noexcept {
    return static_cast<std::size_t>(t % static_cast<step_t>(slots)) * v.size();
  }
  // Draws the Poisson spike after step t for source n of population p.
  void schedule_poisson(const population& p, neuron_id n, step_t t) noexcept {
    auto& r = poisson_rng[n - first_poisson];
    next_spike[n] = p.poisson.p_step <= 0.0 ? INT64_MAX : t + 1 + r.geometric(p.poisson.log1m_p);
  }
};

}  // namespace spikeworm
