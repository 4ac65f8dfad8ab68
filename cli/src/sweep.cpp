// spikeworm sweep: parse, app::sweep (a grid over config keys, each point trained, evaluated and costed),
// print the energy-accuracy Pareto report, draw it.
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "spikeworm/app/sweep.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/core/progress.hpp"
#include "spikeworm/core/units.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

void add_sweep(CLI::App& app, sweep_args& a) {
  auto* c = app.add_subcommand("sweep",
                               "Train, evaluate and cost a grid of configurations (--set key=v1,v2,...), with an "
                               "energy-accuracy Pareto report and plot");
  c->footer("mpirun -np R spikeworm sweep ...: point k on rank k mod R, the files of one process (docs/scaling.md)");
  c->add_option("config", a.opt.config, "base experiment configuration (TOML)")->required();
  c->add_option("--set", a.opt.sets, "KEY=V1,V2,...: a dotted config key (e.g. brain.hidden, train.activity_l1) and its "
                                 "values; repeatable, the grid is every combination")
      ->required();
  c->add_option("--out", a.opt.out_dir, "output folder (default runs/sweep); finished points are reused on a rerun");
  c->add_option("--sessions", a.opt.sessions, "sessions per point (default: [train] sessions)")->check(CLI::Range(1, 10000));
  c->add_option("--episodes", a.opt.episodes, "training episodes per session (default: [train] episodes)")
      ->check(CLI::Range(1, 10000000));
  c->add_option("--threads", a.opt.threads, "worker threads (default: all cores)")->check(CLI::Range(1, 256));
  c->add_option("--eval-episodes", a.opt.eval_episodes, "evaluation episodes per agent (default 20)")->check(CLI::Range(1, 100000));
  c->add_option("--eval-engine", a.opt.eval_engine, "engine counting spikes at evaluation: dense (default; counts are "
                                                "identical to the event engine's, tested) or event")
      ->check(CLI::IsMember({"event", "clock", "dense"}));
  c->add_option("--table", a.opt.tables, "energy tables (default: cmos45_fp32 and loihi)");
  c->add_option("--compare", a.compare, "other sweep folders whose points join the Pareto plot");
  add_max_memory(c, a.opt.max_memory);
  c->add_flag("--no-plot", a.no_plot, "do not draw pareto.png");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

namespace {

void print_sweep(const sweep_args& a, const app::sweep_result& s, std::ostream& out) {
  out << fmt::format("sweep of {} over {} point(s); last-30 success is the training mean over sessions (sampled\n"
                     "actions); greedy and sampled success, steps (greedy successes) and energy per decision come from\n"
                     "{} evaluation episodes per agent ({} counts)\n\n",
                     a.opt.config, s.points.size(), a.opt.eval_episodes, a.opt.eval_engine);
  out << fmt::format("{:<5} {:<36} {:>7} {:>7} {:>7} {:>7} {:>16}", "point", "values", "last30", "greedy", "sampled",
                     "steps", "L1/L2.. [Hz]");
  for (const auto& t : s.tables) out << fmt::format(" {:>12}", t.id);
  out << "\n";
  for (const auto& p : s.points) {
    std::string rates;
    for (double x : p.firing_rate_hz) rates += fmt::format("{}{:.3g}", rates.empty() ? "" : "/", x);
    if (rates.empty()) rates = "-";
    out << fmt::format("{:<5} {:<36} {:>6.1f}% {:>6.1f}% {:>6.1f}% {:>7} {:>16}", p.name, p.label,
                       100 * p.last30_success, 100 * p.eval_success, 100 * p.sampled_success,
                       p.eval_success > 0 ? fmt::format("{:.1f}", p.eval_steps) : std::string("-"), rates);
    for (std::size_t t = 0; t < s.tables.size(); ++t)
      out << fmt::format(" {:>10}{}{}", format_energy(p.energy_pj[t]), p.pareto[t] ? "*" : " ",
                         p.pareto_sampled[t] ? "+" : " ");
    out << "\n";
  }
  out << "last30: training success of the last 30 episodes; greedy, sampled: evaluation success; steps: mean steps of\n"
         "the greedy successes; L1/L2.. [Hz]: hidden-layer firing rates; per table: energy per decision\n"
         "* on the energy-success Pareto front (greedy evaluation) of its brain type for that table; + the same "
         "with sampled success\n";
  // Cheapest configuration whose evaluation success reaches 0.9, per table and policy.
  for (std::size_t t = 0; t < s.tables.size(); ++t)
    for (const bool sampled : {false, true}) {
      const auto& id = s.tables[t].id;
      const char* what = sampled ? "sampled" : "greedy";
      if (const auto* best = s.cheapest(t, sampled))
        out << fmt::format("cheapest with {} success >= 90% on {}: {} ({}) {} per decision\n", what, id,
                           best->name, best->label, format_energy(best->energy_pj[t]));
      else
        out << fmt::format("no point reaches {} success >= 90% ({})\n", what, id);
    }
}

}  // namespace

int sweep(const sweep_args& a, std::ostream& out, std::ostream& err) {
  std::vector<std::string> compared;  // --compare folders are checked before the sweep
  for (const auto& c : a.compare) {
    if (!fs::is_regular_file(fs::path(c) / "sweep.json")) throw error(fmt::format("--compare {}: no sweep.json there", c));
    compared.push_back((fs::path(c) / "sweep.json").string());
  }
  std::optional<progress_bar> bar;
  const auto s = app::sweep(a.opt, [&](std::size_t done, std::size_t total, const std::string& label) {
    if (!bar) bar.emplace(err, "sweep", total, a.quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
    bar->update(done, label);
  });
  if (!s.train_failures.empty()) {
    for (const auto& f : s.train_failures)
      err << "spikeworm: error: " << f << "\n";
    return 2;
  }
  bar.reset();
  if (mpi::rank() != 0) return 0;  // rank 0 holds the points, prints and draws (docs/scaling.md)
  print_sweep(a, s, out);
  out << fmt::format("wrote {}/{{sweep.json, sweep.csv, pNNN/}}\n", s.dir);
  if (!a.no_plot) {
    const fs::path dir(s.dir);
    std::vector<std::string> args{(dir / "pareto.png").string(), (dir / "sweep.json").string()};
    args.insert(args.end(), compared.begin(), compared.end());
    if (run_python_plot("plot_pareto.py", args, out)) out << fmt::format("wrote {}\n", (dir / "pareto.png").string());
  }
  return 0;
}

}  // namespace spikeworm::cli
