// spikeworm rollout: parse, app::rollout (a random or greedy policy in an [env]), print the figures.
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/rollout.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

void add_rollout(CLI::App& app, rollout_args& a) {
  auto* c = app.add_subcommand("rollout", "Run a policy that needs no learning in the [env] of a configuration");
  c->add_option("config", a.config, "configuration with an [env] table (TOML); other tables are ignored")->required();
  c->add_option("--policy", a.policy, "random (uniform over the 4 actions) or greedy (follows the gradient)")
      ->check(CLI::IsMember({"random", "greedy"}));
  c->add_option("--episodes", a.episodes, "number of episodes (default 100)")->check(CLI::Range(1, 100'000'000));
  c->add_option("--seed", a.seed, "run seed: episode i uses its own environment and policy streams (default 1)")
      ->check(seed_check());
  c->add_flag("--render", a.render, "print the final frame of the last episode");
  c->add_option("--trajectory", a.trajectory,
                "write every step of every episode as CSV (episode,step,x,y,heading,action,reward,event)");
  c->add_flag("-q,--quiet", a.quiet, "no progress output");
}

int rollout(const rollout_args& a, std::ostream& out, std::ostream& err) {
  app::rollout_options o{a.config, a.policy, a.episodes, a.seed, a.trajectory};
  std::optional<progress_bar> bar;
  const auto r = app::rollout(o, [&](std::uint64_t done, std::uint64_t total) {
    if (!bar) bar.emplace(err, "rollout", total, a.quiet || a.episodes < 1000 ? progress_bar::mode::off : progress_bar::mode::automatic);
    bar->update(done);
  });
  bar.reset();
  const auto& cfg = r.env;
  const auto& s = r.summary;
  const double wall = r.wall_seconds;
  const bool forage = cfg.kind != envs::env_kind::static_goal;

  out << fmt::format("rollout {}: env {} {} ({}x{}, max {} steps), policy {}, {} episodes, seed {}\n", a.config,
                     envs::kind_name(cfg.kind), cfg.preset, cfg.grid, cfg.grid, cfg.max_steps, a.policy, a.episodes,
                     a.seed);
  auto row = [&](std::string_view name, const std::string& value) { out << fmt::format("  {:<34}{}\n", name, value); };
  row("success rate", fmt::format("{:.2f}% ({} / {})", 100 * s.success_rate, s.successes, s.episodes));
  if (s.successes > 0) {
    row("steps of successes: mean", fmt::format("{:.2f}", s.mean_steps_success));
    row("steps of successes: median", fmt::format("{:g}", s.median_steps_success));
    row("steps of successes: max", fmt::format("{}", s.max_steps_success));
  } else {
    row("steps of successes", "- (no success)");
  }
  if (r.optimal_steps > 0) {
    row("optimum", fmt::format("{} steps", r.optimal_steps));
    if (s.successes > 0)
      row("path efficiency (optimum / mean)", fmt::format("{:.3f}", r.optimal_steps / s.mean_steps_success));
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
  if (a.render) out << "\nlast episode, final frame:\n" << r.last_frame;
  if (!a.trajectory.empty()) {
    out << fmt::format("\nwrote {}\n", a.trajectory);
  }
  return 0;
}

}  // namespace spikeworm::cli
