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

rollout_summary summarize(std::span<const episode_record> episodes) {
  rollout_summary s;
  s.episodes = static_cast<int>(episodes.size());
  std::vector<int> success_steps;
  double reward = 0.0, eff_sum = 0.0;
  long long eff_count = 0;
  for (const auto& e : episodes) {
    switch (e.end) {
      case outcome::success: success_steps.push_back(e.steps); break;
      case outcome::timeout: ++s.timeouts; break;
      case outcome::starved: ++s.starved; break;
      case outcome::killed: ++s.killed; break;
      case outcome::running: break;
    }
    s.foods_eaten += e.foods_eaten;
    s.steps += e.steps;
    reward += e.total_reward;
    eff_sum += e.distance_efficiency_sum;
    eff_count += e.distance_efficiency_count;
  }
  s.successes = static_cast<int>(success_steps.size());
  if (s.episodes > 0) {
    s.success_rate = static_cast<double>(s.successes) / s.episodes;
    s.mean_foods = static_cast<double>(s.foods_eaten) / s.episodes;
    s.mean_reward = reward / s.episodes;
  }
  if (!success_steps.empty()) {
    std::sort(success_steps.begin(), success_steps.end());
    double sum = 0.0;
    for (int x : success_steps) sum += x;
    s.mean_steps_success = sum / static_cast<double>(success_steps.size());
    const std::size_t m = success_steps.size() / 2;
    s.median_steps_success = success_steps.size() % 2 ? success_steps[m] : 0.5 * (success_steps[m - 1] + success_steps[m]);
    s.max_steps_success = success_steps.back();
  }
  if (eff_count > 0) s.distance_efficiency = eff_sum / static_cast<double>(eff_count);
  return s;
}

}  // namespace spikeworm::envs
