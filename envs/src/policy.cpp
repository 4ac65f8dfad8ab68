// Baseline policies.
#include "spikeworm/envs/policy.hpp"

#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::envs {

policy_kind parse_policy(std::string_view name) {
  if (name == "random") return policy_kind::random;
  if (name == "greedy") return policy_kind::greedy;
  throw error(fmt::format("unknown policy '{}' (expected one of: random, greedy)", name));
}

std::string_view policy_name(policy_kind k) noexcept { return k == policy_kind::random ? "random" : "greedy"; }

action greedy_action(const observation& o) noexcept {
  if (!(o.strength > 0.0)) return action::forward;
  // Angular distance on the circle, in units of pi.
  auto gap = [&](double direction) {
    const double d = std::fabs(o.angle - direction);
    return d > 1.0 ? 2.0 - d : d;
  };
  const double f = gap(0.0), l = gap(0.5), r = gap(-0.5);
  if (f <= l && f <= r) return action::forward;
  return l <= r ? action::left : action::right;
}

}  // namespace spikeworm::envs
