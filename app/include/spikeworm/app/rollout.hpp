// spikeworm rollout as an operation: a policy that needs no learning over many episodes of an [env].
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/envs/rollout.hpp"

namespace spikeworm::app {

struct rollout_options {
  std::string config;            // a configuration with an [env] table; other tables are ignored
  std::string policy = "random";
  long long episodes = 100;
  long long seed = 1;
  std::string trajectory;        // a CSV file of every step (envs::trajectory_header); none when empty
};

struct rollout_result {
  envs::env_config env;
  envs::rollout_summary summary;
  int optimal_steps = -1;
  std::string last_frame;        // the final frame of the last episode
  double wall_seconds = 0;
};

// Episodes done so far and the total, every 256 episodes and at the end.
using episode_callback = std::function<void(std::uint64_t done, std::uint64_t total)>;
rollout_result rollout(const rollout_options& opt, const episode_callback& progress = {});

}  // namespace spikeworm::app
