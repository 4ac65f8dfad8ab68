// spikeworm simulate: parse, app::simulate, print the summary table.
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/simulate.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

void add_simulate(CLI::App& app, simulate_args& a) {
  auto* c = app.add_subcommand("simulate", "Run a network described in TOML and print its summary table");
  c->footer("Under `mpirun -np R` the network is split between the ranks (contiguous blocks of neurons, each rank "
            "holding the synapses into its own); spikes and state are bit-identical to one process, and rank 0 "
            "writes the files (docs/scaling.md).");
  c->add_option("config", a.config, "network configuration (TOML)")->required();
  c->add_option("--duration", a.duration, "simulated time [s] (default: [simulation] duration)")
      ->check(finite_range(0.0, 1e6));
  c->add_option("--threads", a.threads, "worker threads; results do not depend on it (default: all cores; a network "
                                      "uses one per --min-neurons-per-thread neurons)")
      ->check(CLI::Range(0, 1024));
  c->add_option("--min-neurons-per-thread", a.min_neurons_per_thread,
                "neurons per thread below which fewer threads run than asked; 0: every thread asked (default: "
                "[simulation] min_neurons_per_thread, 30000)")
      ->check(CLI::Range(0LL, 4294967296LL));
  c->add_option("--seed", a.seed, "random seed for connectivity, initial state and Poisson sources")
      ->check(seed_check());
  c->add_option("--engine", a.engine, "event (event-driven) or clock (reference stepper)")
      ->check(CLI::IsMember({"event", "clock"}));
  c->add_option("--out", a.out_dir,
                 "folder for spikes.h5 and/or spikes.csv, traces.h5 (populations' record) and summary.json "
                 "(not written when omitted)");
  c->add_option("--spike-format", a.spike_format,
                "spike file: hdf5 (spikes.h5, NIR EventData), csv (spikes.csv) or both (default: [simulation] "
                "spike_format, hdf5)")
      ->check(CLI::IsMember({"hdf5", "csv", "both"}));
  add_max_memory(c, a.max_memory);
  c->add_flag("-q,--quiet", a.quiet, "no progress output");
}

void run_with_progress(engine& eng, step_t steps, const char* label, bool quiet, std::ostream& err) {
  progress_bar bar(err, label, static_cast<std::uint64_t>(steps), quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
  app::run_chunked(eng, steps, [&](std::uint64_t done, std::uint64_t) { bar.update(done); });
}

int simulate(const simulate_args& a, std::ostream& out, std::ostream& err) {
  app::simulate_options o{a.config, a.duration, a.threads, a.seed, a.engine, a.out_dir};
  o.spike_format = a.spike_format;
  o.min_neurons_per_thread = a.min_neurons_per_thread;
  o.max_memory = a.max_memory;
  std::optional<progress_bar> bar;
  const auto r = app::simulate(o, [&](std::uint64_t done, std::uint64_t total) {
    if (!bar) bar.emplace(err, "simulate", total, a.quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
    bar->update(done);
  });
  bar.reset();
  out << summary_table(*r.net, r.counters, r.report);
  if (!r.summary_json.empty()) {
    std::string files;
    for (const auto* f : {&r.spikes_h5, &r.spikes_csv, &r.traces_h5, &r.summary_json})
      if (!f->empty()) files += (files.empty() ? "" : ", ") + f->string();
    out << fmt::format("\nwrote {}\n", files);
  }
  return 0;
}

}  // namespace spikeworm::cli
