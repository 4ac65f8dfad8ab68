// spikeworm simulate: run a network from TOML with the event engine or the reference stepper.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/output.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

void add_simulate(CLI::App& app, simulate_args& a) {
  auto* c = app.add_subcommand("simulate", "Run a network described in TOML and print its summary table");
  c->add_option("config", a.config, "network configuration (TOML)")->required();
  c->add_option("--duration", a.duration, "simulated time [s] (default: [simulation] duration)")
      ->check(CLI::Range(0.0, 1e6));
  c->add_option("--threads", a.threads, "worker threads; results do not depend on it (default: all cores)")
      ->check(CLI::Range(0, 1024));
  c->add_option("--seed", a.seed, "random seed for connectivity, initial state and Poisson sources")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--engine", a.engine, "event (event-driven) or clock (reference stepper)")
      ->check(CLI::IsMember({"event", "clock"}));
  c->add_option("--out", a.out_dir, "folder for spikes.csv and summary.json (not written when omitted)");
  c->add_flag("-q,--quiet", a.quiet, "no progress output");
}

network_desc read_network_file(const std::string& path) {
  const auto doc = load_config_file(path);
  const auto root = table_reader::root(doc);
  root.allow_only({"simulation", "population", "projection"});
  return read_network_desc(root);
}

void run_with_progress(engine& eng, step_t steps, const char* label, bool quiet, std::ostream& err) {
  progress_bar bar(err, label, static_cast<std::uint64_t>(steps), quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
  const step_t chunk = std::max<step_t>(1, steps / 100);
  for (step_t done = 0; done < steps;) {
    const step_t n = std::min(chunk, steps - done);
    eng.run(n);
    done += n;
    bar.update(static_cast<std::uint64_t>(done));
  }
}

int simulate(const simulate_args& a, std::ostream& out, std::ostream& err) {
  network_desc desc = read_network_file(a.config);
  if (a.duration >= 0) desc.sim.duration_s = a.duration;
  if (a.threads >= 0) desc.sim.threads = a.threads;
  if (a.seed >= 0) desc.sim.seed = static_cast<std::uint64_t>(a.seed);
  if (!a.engine.empty()) desc.sim.engine = a.engine;
  const int threads = worker_threads(desc.sim.threads);
  if (!a.out_dir.empty()) ensure_directory(a.out_dir);

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  network net(desc);
  const auto t1 = clock::now();
  auto eng = make_engine(desc.sim.engine, net, {desc.sim.seed, std::max(1, threads), desc.sim.record_spikes});
  const auto steps = static_cast<step_t>(std::llround(desc.sim.duration_s * 1000.0 / desc.sim.dt_ms));
  const auto t2 = clock::now();
  run_with_progress(*eng, steps, "simulate", a.quiet, err);
  const auto t3 = clock::now();

  run_report rep;
  rep.config = a.config;
  rep.engine = desc.sim.engine;
  rep.threads = std::max(1, threads);
  rep.seed = desc.sim.seed;
  rep.build_seconds = std::chrono::duration<double>(t1 - t0).count();
  rep.wall_seconds = std::chrono::duration<double>(t3 - t2).count();
  out << summary_table(net, eng->counters(), rep);
  if (!a.out_dir.empty()) {
    const std::filesystem::path dir(a.out_dir);
    if (desc.sim.record_spikes) write_spikes_csv(dir / "spikes.csv", *eng);
    write_file_atomically(dir / "summary.json", summary_json(net, eng->counters(), rep).dump(2) + "\n");
    out << fmt::format("\nwrote {}{}\n", desc.sim.record_spikes ? (dir / "spikes.csv").string() + ", " : "",
                       (dir / "summary.json").string());
  }
  return 0;
}

}  // namespace spikeworm::cli
