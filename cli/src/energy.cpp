// spikeworm energy: parse, app::energy, print the energy per decision and per episode of a trained run on
// every energy table, each term separately, next to the MLP baseline and a same-shape ANN, with the
// break-even firing rate.
#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/units.hpp"
#include "spikeworm/app/eval.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

void add_energy(CLI::App& app, energy_args& a) {
  auto* c = app.add_subcommand("energy",
                               "Energy per decision and episode of a trained run on energy tables (45 nm CMOS fp32 "
                               "and int8, Loihi, SpiNNaker 1 and 2): every term, the MLP baseline, the break-even rate");
  c->add_option("run", a.run, "a training run folder (its eval.json is used, or made with spikeworm eval); optional "
                             "with --crossover");
  c->add_flag("--crossover", a.crossover, "where spiking pays: the break-even input rate of a spiking layer against a "
                                          "dense layer on every table, over width 64-4096 and 1-100 steps; with RUN, "
                                          "its layers are placed on the map (crossover.json, crossover.png)");
  c->add_option("--table", a.tables, "energy table by id (a host table's file stem, a chip's [energy_table] id) or "
                                     "a host table's path; repeatable (default: every table)");
  c->add_option("--tables-dir", a.tables_dir, "folder of host energy tables (default: configs/energy of the data "
                                              "folder); the chips' tables come from the chip profiles in the chips folder "
                                              "beside it");
  c->add_flag("--reeval", a.reeval, "run spikeworm eval again even if RUN/eval.json exists");
  c->add_option("--episodes", a.episodes, "episodes per agent when evaluating (default 100)")->check(CLI::Range(1, 1000000));
  c->add_option("--out", a.out, "folder for energy.json, energy.png and eval.json if one is made (default: RUN, or "
                               "the current folder for --crossover without RUN); RUN is then only read, so it may be "
                               "read-only");
  c->add_flag("--no-plot", a.no_plot, "do not draw energy.png (crossover.png)");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

namespace {

// A break-even firing rate (a fraction of neuron-steps) in Hz at the brain's dt (docs/energy.md).
std::string rate_hz(double r, double dt_ms) {
  if (r < 0) return "never";
  if (r > 1) return fmt::format("> {:.4g} Hz", 1000.0 / dt_ms);  // more than one spike per step
  return fmt::format("{:.3g} Hz", r * 1000.0 / dt_ms);
}

// A break-even input rate of the crossover map: a percentage, or never / always.
std::string breakeven_cell(double r) {
  if (r == never_pays) return "never";
  if (r == always_pays) return "always";
  return fmt::format("{:.3g}%", 100.0 * r);
}

void print_crossover(const app::crossover_outcome& o, const std::string& run, std::ostream& out) {
  const auto& g = o.map.grid;
  out << "where spiking pays: the input rate (spikes per input per step) below which a spiking layer of width x\n"
         "width costs less than the dense layer of the same weights, one pass (docs/energy.md)\n";
  for (std::size_t k = 0; k < o.map.tables.size(); ++k) {
    const auto& t = o.map.tables[k];
    out << fmt::format("\n{} ({}{})\n{:>8}", t.id, t.name, t.chip ? "; the dense layer on its host" : "", "steps");
    for (auto w : g.widths) out << fmt::format("{:>9}", w);
    out << "\n";
    for (std::size_t s = 0; s < g.steps.size(); ++s) {
      out << fmt::format("{:>8}", g.steps[s]);
      for (std::size_t w = 0; w < g.widths.size(); ++w) out << fmt::format("{:>9}", breakeven_cell(o.map.breakeven(k, s, w)));
      out << "\n";
    }
  }
  if (!run.empty() && o.map.points.empty())
    out << fmt::format("\n{}: a {} brain has no hidden-to-hidden spiking layer to place on the map\n", run,
                       o.brain == "spiking" ? "one-layer spiking" : o.brain);
  if (!o.map.points.empty()) {
    out << "\nthe run's layers on the map: spiking / dense energy (< 1: spiking pays), and the break-even rate at\n"
           "their width and steps\n";
    for (const auto& p : o.map.points) {
      out << fmt::format("{}: width {}, {} steps, input rate {:.3g}%\n", p.label, p.width, p.steps, 100.0 * p.rate);
      for (std::size_t k = 0; k < o.map.tables.size(); ++k)
        out << fmt::format("  {:<14} energy ratio {:>8.3g}   break-even {:>8}\n", o.map.tables[k].id, p.ratio[k],
                           breakeven_cell(p.breakeven[k]));
    }
  }
  out << fmt::format("wrote {}\n", o.written.string());
}

}  // namespace

int energy(const energy_args& a, std::ostream& out, std::ostream& err) {
  const app::energy_request req{a.run, a.tables, a.tables_dir, a.out};
  if (a.run.empty() && !a.crossover) throw error("energy: give a training run folder RUN, or --crossover for the map alone");
  auto tables = app::energy_tables(req);  // bad table names fail before any work
  const fs::path dir = app::prepare_energy_out(req, "--out DIR");
  remove_stale_temporaries(dir);
  if (!a.run.empty() && (a.reeval || !fs::exists(app::eval_path_of(req)))) {
    eval_args ea;
    ea.run = a.run;
    if (!a.out.empty()) ea.out = (dir / "eval.json").string();
    ea.episodes = a.episodes;
    ea.quiet = a.quiet;
    ea.spread = false;  // energy runs on rank 0 alone (docs/scaling.md)
    if (const int rc = eval(ea, out, err); rc != 0) return rc;
    out << "\n";
  }
  if (a.crossover) {
    const auto o = app::crossover(req, std::move(tables));
    print_crossover(o, a.run, out);
    const fs::path png = dir / "crossover.png";
    if (!a.no_plot && run_python_plot("plot_crossover.py", {o.written.string(), png.string()}, out))
      out << fmt::format("wrote {}\n", png.string());
    return 0;
  }
  const auto o = app::energy(req, std::move(tables));
  const auto& r = o.counts;
  const bool spiking = r.brain_type == brain_kind::spiking;
  out << fmt::format("energy per decision ({} brain, {} engine counts from {}; {:.1f} decisions per episode)\n",
                     brain_kind_name(r.brain_type), r.engine, o.eval_path.string(),
                     r.episodes ? static_cast<double>(r.decisions) / r.episodes : 0.0);
  out << fmt::format("{:<14}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}{:>13}\n", "table", "synaptic", "neuron",
                     "memory", "dense in", "total", "MLP", "ANN", "per episode");
  for (std::size_t k = 0; k < o.tables.size(); ++k) {
    const auto& rep = o.reports[k];
    out << fmt::format("{:<14}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}{:>13}\n", o.tables[k].id,
                       format_energy(rep.brain.synaptic), format_energy(rep.brain.neuron),
                       format_energy(rep.brain.memory), format_energy(rep.brain.dense),
                       format_energy(rep.brain.total()), format_energy(rep.mlp.total()),
                       format_energy(rep.ann.total()), format_energy(rep.episode_pj));
  }
  out << fmt::format("synaptic: synaptic operations (spikes x fan-out); neuron: neuron updates; memory: weight and state\n"
                     "reads; dense in: the dense input layer's multiply-accumulates; total: the four; MLP: the multilayer\n"
                     "perceptron baseline {}x{}; ANN: a ReLU network of the spiking brain's shape (one pass each); per\n"
                     "episode: total x decisions per episode (docs/energy.md)\n",
                     r.mlp_layers, r.mlp_hidden);
  if (spiking) {
    out << "\nbreak-even firing rate: every layer's rate at which the spiking brain costs as much as\n";
    out << fmt::format("{:<14}{:>14}{:>14}{:>32}\n", "table", "the MLP", "the ANN", "the ANN, synaptic terms only");
    for (std::size_t k = 0; k < o.tables.size(); ++k) {
      const auto& rep = o.reports[k];
      out << fmt::format("{:<14}{:>14}{:>14}{:>32}\n", o.tables[k].id, rate_hz(rep.breakeven_mlp, r.dt_ms),
                         rate_hz(rep.breakeven_ann, r.dt_ms), rate_hz(rep.breakeven_ann_synaptic, r.dt_ms));
    }
    out << "\nfiring rate";
    for (std::size_t k = 0; k < r.layers_counts.size(); ++k)
      out << fmt::format(" {} {:.3g} Hz", r.layers_counts[k].name, r.firing_rate_hz(k));
    out << fmt::format(" (spikes per neuron per {} ms step x {:.4g})\n", r.dt_ms, 1000.0 / r.dt_ms);
  }
  out << fmt::format("wrote {}\n", o.written.string());
  if (!a.no_plot && run_python_plot("plot_energy.py", {o.written.string(), (dir / "energy.png").string()}, out))
    out << fmt::format("wrote {}\n", (dir / "energy.png").string());
  return 0;
}

}  // namespace spikeworm::cli
