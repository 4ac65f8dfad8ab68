// Baseline-policy rollouts: episodes of an [env] under a random or greedy policy, tallied.
#include "spikeworm/app/rollout.hpp"

#include <chrono>
#include <optional>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/io.hpp"

namespace spikeworm::app {

rollout_result rollout(const rollout_options& opt, const episode_callback& progress) {
  const auto doc = load_config_file(opt.config);
  const auto root = table_reader::root(doc);
  const auto env_table = root.subtable("env");
  if (!env_table) root.fail("env", "required table [env] is missing");
  rollout_result r;
  r.env = envs::read_env_config(*env_table);
  const envs::policy_kind policy = envs::parse_policy(opt.policy);
  const auto seed = static_cast<std::uint64_t>(opt.seed);
  envs::environment env(r.env);
  envs::rollout_tally tally;
  // The trajectory streams to its file episode by episode (one episode's rows in memory at a time).
  std::optional<atomic_file> file;
  std::string csv;
  if (!opt.trajectory.empty()) {
    file.emplace(opt.trajectory);
    file->stream() << envs::trajectory_header;
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (long long i = 0; i < opt.episodes; ++i) {
    tally.add(envs::run_episode(env, policy, seed, static_cast<std::uint64_t>(i), file ? &csv : nullptr));
    if (file) {
      file->stream() << csv;
      csv.clear();
    }
    if (progress && ((i + 1) % 256 == 0 || i + 1 == opt.episodes))
      progress(static_cast<std::uint64_t>(i + 1), static_cast<std::uint64_t>(opt.episodes));
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.summary = tally.summary();
  r.optimal_steps = env.optimal_steps();
  r.last_frame = env.render();
  if (file) file->commit();
  return r;
}

}  // namespace spikeworm::app
