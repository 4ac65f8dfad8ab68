// spikeworm nir run and nir import: parse, app::nir_run (a NIR graph on the engines) or app::nir_import (the
// graph as a network config), print what was written (docs/nir.md).
#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/deploy.hpp"
#include "spikeworm/app/nir.hpp"
#include "spikeworm/core/io.hpp"

namespace spikeworm::cli {

void add_nir(CLI::App& app, nir_args& a) {
  auto* c = app.add_subcommand("nir", "Run graphs in the Neuromorphic Intermediate Representation (NIR, HDF5)");
  c->require_subcommand(1);
  auto* r = c->add_subcommand("run", "Run a NIR graph on an input train; write its outputs as .npy (docs/nir.md)");
  r->add_option("file", a.file, "the NIR graph (.nir, HDF5), versions 0.1 to 1.0")->required();
  r->add_option("--input", a.input,
                "input train, time steps x input width: .npy or CSV; 0/1 values enter as spikes, others as currents")
      ->required();
  r->add_option("--dt", a.dt, "time step in seconds, the unit of NIR's time constants (e.g. 1e-4); default: the "
                              "file's metadata dt (nir export writes it)")
      ->check(finite_range(1e-12, 1e6));
  r->add_option("--out", a.out, "output folder (default nir-run)");
  r->add_option("--reset", a.reset, "value (to v_reset) or subtract (v - (v_threshold - v_reset)); default: the "
                                    "file's metadata 'reset', else value")
      ->check(CLI::IsMember({"value", "subtract"}));
  r->add_option("--record", a.record, "a neuron node whose v (and I), and spikes, to write as NODE.v.npy, NODE.i.npy, "
                                      "NODE.spikes.npy (repeatable)");
  r->add_option("--engine", a.engine, "event (default) or clock (the reference stepper)")
      ->check(CLI::IsMember({"event", "clock"}));
  r->add_option("--threads", a.threads, "worker threads of the event engine (default 1)")->check(CLI::Range(1, 1024));
  r->add_flag("--no-plot", a.no_plot, "no OUT/nir_run.png (outputs, recorded spikes and membranes over time)");
  a.run_cmd = r;
  auto* i = c->add_subcommand("import", "Write a NIR graph as a spikeworm network config (TOML) to simulate, map or deploy");
  i->add_option("file", a.import_file, "the NIR graph (.nir, HDF5), versions 0.1 to 1.0")->required();
  i->add_option("--out", a.import_out, "the network config to write (e.g. net.toml)")->required();
  i->add_option("--dt", a.import_dt, "time step in seconds, the unit of NIR's time constants (e.g. 1e-4); default: "
                                     "the file's metadata dt")
      ->check(finite_range(1e-12, 1e6));
  i->add_option("--reset", a.import_reset, "value or subtract; default: the file's metadata 'reset', else value")
      ->check(CLI::IsMember({"value", "subtract"}));
  i->add_option("--duration", a.duration, "[simulation] duration in seconds (default 1)")->check(finite_range(0, 1e9));
  a.import_cmd = i;
  auto* x = c->add_subcommand("export", "Write a trained spiking agent as a NIR graph (for Lava, py-spinnaker2, ...)");
  x->add_option("run", a.export_run, "a training run folder or one weights file")->required();
  x->add_option("--out", a.export_out, "the .nir file to write")->required();
  x->add_option("--session", a.session, "which session's agent of a run folder (default: the best on 20 greedy "
                                        "selection episodes, then lower session index)")
      ->check(CLI::NonNegativeNumber);
  x->add_option("--config", a.export_config, "the run's config (default: RUN/config.toml, or beside WEIGHTS)");
  x->add_option("--seed", a.seed, "seed of the selection episodes (default 1)")->check(seed_check());
  a.export_cmd = x;
}

int nir(const nir_args& a, std::ostream& out, std::ostream&) {
  if (a.export_cmd && a.export_cmd->parsed()) {
    const loaded_run run = load_run(a.export_run, a.export_config);
    if (run.cfg.brain.kind != brain_kind::spiking)
      throw error(fmt::format("{}: a {} brain; nir export writes spiking agents", a.export_run,
                              brain_kind_name(run.cfg.brain.kind)));
    check_output_writable(a.export_out);
    const auto choice = app::choose_session(run.cfg, run.weights, a.session, static_cast<std::uint64_t>(a.seed));
    const auto& weights = run.weights[static_cast<std::size_t>(choice.session)];
    const auto rep = app::nir_export({run.cfg, weights, a.export_out});
    out << fmt::format("nir export {} (session {}{}): {} nodes, {} edges, {} x {} lif, T = {}, dt = {} ms\n", a.export_run,
                       choice.session, choice.selected ? fmt::format(", best greedy success {:.2f}", choice.success) : "",
                       rep.nodes.size(), rep.edges.size(), run.cfg.brain.layers, run.cfg.brain.hidden,
                       run.cfg.brain.steps, run.cfg.brain.dt_ms);
    for (const auto& [k, v] : rep.metadata) out << fmt::format("  metadata {}: {}\n", k, v);
    out << fmt::format("wrote {}\n", a.export_out);
    return 0;
  }
  if (a.import_cmd && a.import_cmd->parsed()) {
    app::nir_import_options io;
    io.file = a.import_file;
    io.out = a.import_out;
    io.dt_s = a.import_dt;
    io.duration_s = a.duration;
    if (!a.import_reset.empty()) io.reset = a.import_reset == "subtract" ? nir_reset::subtract : nir_reset::value;
    const auto rep = app::nir_import(io);
    out << fmt::format("nir import {}: NIR {}, {} populations, {} projections, {} synapses, reset = {}\nwrote {}\n",
                       a.import_file, rep.version, rep.populations, rep.projections, rep.synapses,
                       rep.reset == nir_reset::subtract ? "subtract" : "value", a.import_out);
    return 0;
  }
  app::nir_run_options o;
  o.file = a.file;
  o.input = a.input;
  o.out = a.out;
  o.dt_s = a.dt;
  if (!a.reset.empty()) o.reset = a.reset == "subtract" ? nir_reset::subtract : nir_reset::value;
  o.engine = a.engine;
  o.threads = a.threads;
  o.record = a.record;
  const auto rep = app::nir_run(o);
  out << fmt::format("nir run {}: NIR {}, {} steps of {} s, {} populations, {} synapses, reset = {} ({}), input as {}\n",
                     a.file, rep.version, rep.steps, rep.dt_s, rep.populations, rep.synapses,
                     rep.reset == nir_reset::subtract ? "subtract" : "value", rep.reset_source,
                     rep.result.binary_input ? "spikes" : "currents");
  out << fmt::format("  spikes {}, synaptic events {}, neuron updates {}, wall time {:.3f} s\n",
                     rep.result.counters.total_spikes(), rep.result.counters.sops, rep.result.counters.neuron_updates,
                     rep.wall_seconds);
  for (const auto& p : rep.written) out << fmt::format("wrote {}\n", p.string());
  const std::string png = (std::filesystem::path(a.out) / "nir_run.png").string();
  if (!a.no_plot && run_python_plot("plot_nir.py", {a.out, png}, out)) out << fmt::format("wrote {}\n", png);
  return 0;
}

}  // namespace spikeworm::cli
