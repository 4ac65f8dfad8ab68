// Running baseline policies over many episodes: per-episode records, summary and trajectory CSV.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/envs/policy.hpp"

namespace spikeworm::envs {

struct episode_record {
  outcome end = outcome::running;
  int steps = 0;
  int foods_eaten = 0;
  int bumps = 0;
  double total_reward = 0.0;
  double distance_efficiency_sum = 0.0;
  int distance_efficiency_count = 0;
};

inline constexpr std::string_view trajectory_header = "episode,step,x,y,heading,action,reward,event\n";

// Runs episode `episode` of a run: env.reset(episode_seed(run_seed, episode)), then the policy until
// the episode ends. When `csv` is given, appends one row for the start (step 0, no action) and one
// per step: the position and heading after the step, the action, the reward and the step's event.
episode_record run_episode(environment& env, policy_kind policy, std::uint64_t run_seed, std::uint64_t episode,
                           std::string* csv = nullptr);

struct rollout_summary {
  int episodes = 0;
  int successes = 0;
  double success_rate = 0.0;
  double mean_steps_success = 0.0;    // 0 when nothing succeeded
  double median_steps_success = 0.0;
  int max_steps_success = 0;
  int timeouts = 0;
  int starved = 0;
  int killed = 0;
  long long foods_eaten = 0;
  double mean_foods = 0.0;
  double mean_reward = 0.0;
  double distance_efficiency = 0.0;   // mean over every food eaten (foraging kinds)
  long long steps = 0;                // all steps of all episodes
};

// Accumulates episodes one at a time (memory: one int per successful episode, for the median).
class rollout_tally {
 public:
  void add(const episode_record& e);
  rollout_summary summary() const;

 private:
  rollout_summary s_;
  std::vector<int> success_steps_;
  double reward_ = 0.0;
  double efficiency_sum_ = 0.0;
  long long efficiency_count_ = 0;
};

rollout_summary summarize(std::span<const episode_record> episodes);

}  // namespace spikeworm::envs
