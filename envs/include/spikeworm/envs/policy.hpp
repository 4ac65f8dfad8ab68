// Policies that need no learning, for baselines: uniform random and greedy along the gradient.
#pragma once

#include <cstdint>
#include <string_view>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm::envs {

enum class policy_kind : std::uint8_t { random = 0, greedy = 1 };

policy_kind parse_policy(std::string_view name);  // throws spikeworm::error naming an unknown policy
std::string_view policy_name(policy_kind k) noexcept;

// The action whose direction of travel (FORWARD 0, LEFT +1/2, RIGHT -1/2, in units of pi relative to
// the heading) is closest to the observed angle; ties go to FORWARD, then LEFT. Never STAY; FORWARD
// when the strength is 0 (no direction to follow). Uses the observation only, as a brain would.
action greedy_action(const observation& o) noexcept;

// One policy for one episode. random draws from its own stream, keyed by (run seed, episode), so
// it never shares numbers with the environment.
class baseline_policy {
 public:
  baseline_policy(policy_kind kind, std::uint64_t run_seed, std::uint64_t episode) noexcept
      : kind_(kind), rng_(run_seed, stream_kind::policy, episode) {}
  action operator()(const environment& env) {
    if (kind_ == policy_kind::random) return static_cast<action>(rng_.uniform_int(0, num_actions - 1));
    return greedy_action(env.observe());
  }

 private:
  policy_kind kind_;
  rng rng_;
};

}  // namespace spikeworm::envs
