// Baseline rollouts and their summary.
#include "spikeworm/envs/rollout.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace spikeworm::envs {

episode_record run_episode(environment& env, policy_kind policy, std::uint64_t run_seed, std::uint64_t episode,
                           std::string* csv) {
  env.reset(episode_seed(run_seed, episode));
  baseline_policy pick(policy, run_seed, episode);
  if (csv)
    fmt::format_to(std::back_inserter(*csv), "{},0,{},{},{},,0,start\n", episode, env.position().x, env.position().y,
                   heading_name(env.facing()));
  while (!env.done()) {
    const action a = pick(env);
    const step_result r = env.step(a);
    if (csv)
      fmt::format_to(std::back_inserter(*csv), "{},{},{},{},{},{},{},{}\n", episode, env.steps(), env.position().x,
                     env.position().y, heading_name(env.facing()), action_name(a), r.reward,
                     event_name(env.last_event()));
  }
  const auto& i = env.info();
  return {i.end, i.steps, i.foods_eaten, i.bumps, i.total_reward, i.distance_efficiency_sum,
          i.distance_efficiency_count};
}

void rollout_tally::add(const episode_record& e) {
  ++s_.episodes;
  switch (e.end) {
    case outcome::success: success_steps_.push_back(e.steps); break;
    case outcome::timeout: ++s_.timeouts; break;
    case outcome::starved: ++s_.starved; break;
    case outcome::killed: ++s_.killed; break;
    case outcome::running: break;
  }
  s_.foods_eaten += e.foods_eaten;
  s_.steps += e.steps;
  reward_ += e.total_reward;
  efficiency_sum_ += e.distance_efficiency_sum;
  efficiency_count_ += e.distance_efficiency_count;
}

rollout_summary rollout_tally::summary() const {
  rollout_summary s = s_;
  s.successes = static_cast<int>(success_steps_.size());
  if (s.episodes > 0) {
    s.success_rate = static_cast<double>(s.successes) / s.episodes;
    s.mean_foods = static_cast<double>(s.foods_eaten) / s.episodes;
    s.mean_reward = reward_ / s.episodes;
  }
  if (!success_steps_.empty()) {
    std::vector<int> sorted = success_steps_;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0.0;
    for (int x : sorted) sum += x;
    s.mean_steps_success = sum / static_cast<double>(sorted.size());
    const std::size_t m = sorted.size() / 2;
    s.median_steps_success = sorted.size() % 2 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    s.max_steps_success = sorted.back();
  }
  if (efficiency_count_ > 0) s.distance_efficiency = efficiency_sum_ / static_cast<double>(efficiency_count_);
  return s;
}

rollout_summary summarize(std::span<const episode_record> episodes) {
  rollout_tally t;
  for (const auto& e : episodes) t.add(e);
  return t.summary();
}

}  // namespace spikeworm::envs
