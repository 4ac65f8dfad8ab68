// spikeworm rollout: run a baseline policy (random or greedy) in the [env] of a configuration file.
#include <chrono>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/envs/rollout.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

void add_rollout(CLI::App& app, rollout_args& a) {
  auto* c = app.add_subcommand("rollout", "Run a policy that needs no learning in the [env] of a configuration");
  c->add_option("config", a.config, "configuration with an [env] table (TOML); other tables are ignored")->required();
  c->add_option("--policy", a.policy, "random (uniform over the 4 actions) or greedy (follows the gradient)")
      ->check(CLI::IsMember({"random", "greedy"}));
  c->add_option("--episodes", a.episodes, "number of episodes (default 100)")->check(CLI::Range(1, 100'000'000));
  c->add_option("--seed", a.seed, "run seed: episode i uses its own environment and policy streams (default 1)")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("--render", a.render, "print the final frame of the last episode");
  c->add_option("--trajectory", a.trajectory,
                "write every step of every episode as CSV (episode,step,x,y,heading,action,reward,event)");
  c->add_flag("-q,--quiet", a.quiet, "no progress output");
}

int rollout(const rollout_args& a, std::ostream& out, std::ostream& err) {
  const auto doc = load_config_file(a.config);
  const auto root = table_reader::root(doc);
  const auto env_table = root.subtable("env");
  if (!env_table) root.fail("env", "required table [env] is missing");
  const envs::env_config cfg = envs::read_env_config(*env_table);
  const envs::policy_kind policy = envs::parse_policy(a.policy);
  const auto seed = static_cast<std::uint64_t>(a.seed);

  envs::environment env(cfg);
  envs::rollout_tally tally;
  std::string csv;
  if (!a.trajectory.empty()) csv = std::string(envs::trajectory_header);
  const auto t0 = std::chrono::steady_clock::now();
  {
    progress_bar bar(err, "rollout", static_cast<std::uint64_t>(a.episodes),
                     a.quiet || a.episodes < 1000 ? progress_bar::mode::off : progress_bar::mode::automatic);
    for (long long i = 0; i < a.episodes; ++i) {
      tally.add(envs::run_episode(env, policy, seed, static_cast<std::uint64_t>(i),
                                  a.trajectory.empty() ? nullptr : &csv));
      if ((i + 1) % 256 == 0 || i + 1 == a.episodes) bar.update(static_cast<std::uint64_t>(i + 1));
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto s = tally.summary();
  const bool forage = cfg.kind != envs::env_kind::static_goal;

  out << fmt::format("rollout {}: env {} {} ({}x{}, max {} steps), policy {}, {} episodes, seed {}\n", a.config,
                     envs::kind_name(cfg.kind), cfg.preset, cfg.grid, cfg.grid, cfg.max_steps, a.policy, a.episodes,
                     a.seed);
  auto row = [&](std::string_view name, const std::string& value) { out << fmt::format("  {:<34}{}\n", name, value); };
  row("success rate", fmt::format("{:.4f} ({} / {})", s.success_rate, s.successes, s.episodes));
  if (s.successes > 0) {
    row("steps of successes: mean", fmt::format("{:.2f}", s.mean_steps_success));
    row("steps of successes: median", fmt::format("{:g}", s.median_steps_success));
    row("steps of successes: max", fmt::format("{}", s.max_steps_success));
  } else {
    row("steps of successes", "- (no success)");
  }
  if (env.optimal_steps() > 0) {
    row("optimum", fmt::format("{} steps", env.optimal_steps()));
    if (s.successes > 0)
      row("path efficiency (optimum / mean)", fmt::format("{:.3f}", env.optimal_steps() / s.mean_steps_success));
  } else {
    row("optimum", "- (foraging: see distance efficiency)");
  }
  row("timeouts", fmt::format("{}", s.timeouts));
  if (forage) {
    row("foods eaten: total", fmt::format("{}", s.foods_eaten));
    row("foods eaten: mean per episode", fmt::format("{:.2f} (target {})", s.mean_foods, cfg.target_foods));
    row("distance efficiency (per food)", s.foods_eaten > 0 ? fmt::format("{:.3f}", s.distance_efficiency) : "-");
    row("starvation deaths", fmt::format("{}", s.starved));
    if (cfg.kind == envs::env_kind::predators) row("predator deaths", fmt::format("{}", s.killed));
  }
  row("mean total reward", fmt::format("{:.3f}", s.mean_reward));
  row("wall time", fmt::format("{:.3f} s ({:.1f} M steps/s)", wall, wall > 0 ? static_cast<double>(s.steps) / wall / 1e6 : 0.0));
  if (a.render) out << "\nlast episode, final frame:\n" << env.render();
  if (!a.trajectory.empty()) {
    write_file_atomically(a.trajectory, csv);
    out << fmt::format("\nwrote {}\n", a.trajectory);
  }
  return 0;
}

}  // namespace spikeworm::cli
