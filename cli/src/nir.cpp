// spikeworm nir run and nir import: parse, app::nir_run (a NIR graph on the engines) or app::nir_import (the
// graph as a network config), print what was written (docs/nir.md).
#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/nir.hpp"

namespace spikeworm::cli {

void add_nir(CLI::App& app, nir_args& a) {
  auto* c = app.add_subcommand("nir", "Run graphs in the Neuromorphic Intermediate Representation (NIR, HDF5)");
  c->require_subcommand(1);
  auto* r = c->add_subcommand("run", "Run a NIR graph on an input train; write its outputs as .npy (docs/nir.md)");
  r->add_option("file", a.file, "the NIR graph (.nir, HDF5), versions 0.1 to 1.0")->required();
  r->add_option("--input", a.input,
                "input train, time steps x input width: .npy or CSV; 0/1 values enter as spikes, others as currents")
      ->required();
  r->add_option("--dt", a.dt, "time step in seconds, the unit of NIR's time constants (e.g. 1e-4)")
      ->required()
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
  a.run_cmd = r;
  auto* i = c->add_subcommand("import", "Write a NIR graph as a spikeworm network config (TOML) to simulate, map or deploy");
  i->add_option("file", a.import_file, "the NIR graph (.nir, HDF5), versions 0.1 to 1.0")->required();
  i->add_option("--out", a.import_out, "the network config to write (e.g. net.toml)")->required();
  i->add_option("--dt", a.import_dt, "time step in seconds, the unit of NIR's time constants (e.g. 1e-4)")
      ->required()
      ->check(finite_range(1e-12, 1e6));
  i->add_option("--reset", a.import_reset, "value or subtract; default: the file's metadata 'reset', else value")
      ->check(CLI::IsMember({"value", "subtract"}));
  i->add_option("--duration", a.duration, "[simulation] duration in seconds (default 1)")->check(finite_range(0, 1e9));
  a.import_cmd = i;
}

int nir(const nir_args& a, std::ostream& out, std::ostream&) {
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
                     a.file, rep.version, rep.steps, a.dt, rep.populations, rep.synapses,
                     rep.reset == nir_reset::subtract ? "subtract" : "value", rep.reset_source,
                     rep.result.binary_input ? "spikes" : "currents");
  out << fmt::format("  spikes {}, synaptic events {}, neuron updates {}, wall time {:.3f} s\n",
                     rep.result.counters.total_spikes(), rep.result.counters.sops, rep.result.counters.neuron_updates,
                     rep.wall_seconds);
  for (const auto& p : rep.written) out << fmt::format("wrote {}\n", p.string());
  return 0;
}

}  // namespace spikeworm::cli
