// Network simulation runs: build, run in chunks, write the spikes and the summary.
#include "spikeworm/app/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace spikeworm::app {

network_desc read_network_file(const std::string& path) {
  const auto doc = load_config_file(path);
  const auto root = table_reader::root(doc);
  root.allow_only({"simulation", "population", "projection"});
  return read_network_desc(root);
}

void run_chunked(engine& eng, step_t steps, const step_callback& progress, step_t max_chunk,
                 const std::function<void()>& after_chunk) {
  step_t chunk = std::max<step_t>(1, steps / 100);
  if (max_chunk > 0) chunk = std::min(chunk, max_chunk);
  for (step_t done = 0; done < steps;) {
    const step_t n = std::min(chunk, steps - done);
    eng.run(n);
    done += n;
    if (after_chunk) after_chunk();
    if (progress) progress(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(steps));
  }
}

simulate_result simulate(const simulate_options& opt, const step_callback& progress) {
  network_desc desc = read_network_file(opt.config);
  if (opt.duration >= 0) desc.sim.duration_s = opt.duration;
  if (opt.threads >= 0) desc.sim.threads = opt.threads;
  if (opt.seed >= 0) desc.sim.seed = static_cast<std::uint64_t>(opt.seed);
  if (!opt.engine.empty()) desc.sim.engine = opt.engine;
  const int threads = worker_threads(desc.sim.threads);
  const auto steps = step_count(desc.sim.duration_s, desc.sim.dt_ms, opt.duration >= 0 ? "--duration" : "duration");
  check_memory(fmt::format("network {}", opt.config), estimate_memory(desc), opt.max_memory);
  const std::filesystem::path dir(opt.out_dir);
  const bool stream = !opt.out_dir.empty() && desc.sim.record_spikes;
  if (!opt.out_dir.empty()) {
    ensure_directory(dir);
    remove_stale_temporaries(dir);
    check_output_writable(dir / "summary.json");
  }

  using clock = std::chrono::steady_clock;
  simulate_result r;
  const auto t0 = clock::now();
  r.net = std::make_unique<network>(desc);
  const auto t1 = clock::now();
  r.eng = make_engine(desc.sim.engine, *r.net, {desc.sim.seed, std::max(1, threads), stream || opt.keep_spikes});
  std::optional<spike_csv_writer> csv;
  if (stream) {
    r.spikes_csv = dir / "spikes.csv";
    csv.emplace(r.spikes_csv, *r.net);
  }
  // Streaming: chunks of at most ~4M neuron-steps, so the buffered spikes stay below 64 MB even if every
  // neuron fired at every step.
  const step_t max_chunk =
      stream && !opt.keep_spikes
          ? std::max<step_t>(1, static_cast<step_t>((std::size_t{1} << 22) / std::max<std::size_t>(1, r.net->num_neurons())))
          : 0;
  std::size_t written = 0;  // spikes of eng->spikes() already in the file (keep_spikes)
  clock::duration writing{};
  const auto t2 = clock::now();
  run_chunked(*r.eng, steps, progress, max_chunk, [&] {
    if (!csv) return;
    const auto w0 = clock::now();
    const auto& all = r.eng->spikes();
    csv->append(std::span(all).subspan(written));
    if (opt.keep_spikes) written = all.size();
    else r.eng->clear_spike_record();
    writing += clock::now() - w0;
  });
  const auto t3 = clock::now();

  r.report.config = opt.config;
  r.report.engine = desc.sim.engine;
  r.report.threads = std::max(1, threads);
  r.report.seed = desc.sim.seed;
  r.report.build_seconds = std::chrono::duration<double>(t1 - t0).count();
  r.report.wall_seconds = std::chrono::duration<double>(t3 - t2 - writing).count();
  r.report.write_seconds = std::chrono::duration<double>(writing).count();
  r.record_spikes = desc.sim.record_spikes;
  for (std::size_t p = 0; p < r.net->populations().size(); ++p)
    if (const auto* ev = dynamic_cast<const event_engine*>(r.eng.get()))
      r.report.stepping.push_back(ev->stepping(p));
    else
      r.report.stepping.push_back("clock (the reference stepper steps every neuron)");
  if (!opt.out_dir.empty()) {
    if (csv) csv->commit();
    r.summary_json = dir / "summary.json";
    write_file_atomically(r.summary_json, json_text(summary_json(*r.net, r.eng->counters(), r.report)));
  }
  return r;
}

}  // namespace spikeworm::app
