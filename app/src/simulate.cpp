// Network simulation runs: build, run in chunks, write the spikes and the summary.
#include "spikeworm/app/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>

#include <sys/resource.h>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/engine/recording.hpp"

namespace spikeworm::app {

namespace {
network_desc read_network_document(const config_document& doc) {
  const auto root = table_reader::root(doc);
  root.allow_only({"simulation", "population", "projection"});
  return read_network_desc(root);
}
}  // namespace

network_desc read_network_file(const std::string& path) { return read_network_document(load_config_file(path)); }

network_desc read_network_text(std::string_view text, const std::string& name) {
  return read_network_document(load_config_string(text, name));
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

namespace {

// The files a run writes, opened before it starts and fed after every chunk of steps.
struct recorders {
  std::optional<spike_csv_writer> csv;
  std::optional<spike_h5_writer> spikes;
  std::optional<trace_h5_writer> traces;
};

void open_recorders(recorders& rec, const network_desc& desc, const network& net, const engine& eng,
                    const std::filesystem::path& dir, simulate_result& r) {
  if (desc.sim.record_spikes) {
    if (desc.sim.spike_output != spike_format::hdf5) rec.csv.emplace(r.spikes_csv = dir / "spikes.csv", net);
    if (desc.sim.spike_output != spike_format::csv) rec.spikes.emplace(r.spikes_h5 = dir / "spikes.h5", net);
  }
  if (!eng.traces().empty()) rec.traces.emplace(r.traces_h5 = dir / "traces.h5", eng);
}

// A distributed run (docs/scaling.md): rank r steps neurons [N r / R, N (r + 1) / R) and holds the synapses
// into them; the spikes of every step go to every rank.
struct ranks_run {
  struct mpi_exchange final : spike_exchange {
    mpi::allgatherer gather;
    void exchange(std::vector<neuron_id>& fired) override { gather(fired); }
  };
  mpi_exchange ex;
  std::vector<neuron_id> bounds;  // rank r owns [bounds[r], bounds[r + 1])

  explicit ranks_run(std::size_t n) {
    const auto ranks = static_cast<std::size_t>(mpi::size());
    for (std::size_t r = 0; r <= ranks; ++r) bounds.push_back(static_cast<neuron_id>(n * r / ranks));
  }
  neuron_id begin() const { return bounds[static_cast<std::size_t>(mpi::rank())]; }
  neuron_id end() const { return bounds[static_cast<std::size_t>(mpi::rank()) + 1]; }
  int owner(neuron_id n) const {
    return static_cast<int>(std::upper_bound(bounds.begin(), bounds.end(), n) - bounds.begin()) - 1;
  }

  // Rank 0's traces get every column from the rank that steps its neuron (the others' copies of it were
  // never updated).
  void merge_traces(engine& eng) const {
    for (std::size_t k = 0; k < eng.traces().size(); ++k) {
      auto mine = eng.take_trace_values(k);
      const auto all = mpi::gather(std::string_view(reinterpret_cast<const char*>(mine.data()), mine.size() * sizeof(state_t)));
      if (mpi::rank() != 0) continue;
      const auto& cols = eng.traces()[k].neurons;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        const auto& from = all[static_cast<std::size_t>(owner(cols[c]))];
        for (std::size_t i = c; i < mine.size(); i += cols.size())
          std::memcpy(&mine[i], from.data() + i * sizeof(state_t), sizeof(state_t));
      }
      eng.set_trace_values(k, std::move(mine));
    }
  }

  // The counters summed over ranks (spikes, the raster and its digest are every rank's already), the
  // partition and the exchange figures.
  void finish(const network& part, const run_counters& c, run_report& report, run_counters& total, double run_s) const {
    total = c;
    const std::size_t np = c.sops_per_population.size();
    std::vector<std::uint64_t> v;
    for (const auto* per : {&c.sops_per_population, &c.updates_per_population, &c.events_per_population})
      v.insert(v.end(), per->begin(), per->end());
    v.insert(v.end(), {c.sops, c.neuron_updates, c.events_queued, ex.gather.bytes_received});
    const auto ranks = static_cast<std::size_t>(mpi::size());
    std::vector<std::uint64_t> mine(3 * ranks, 0);
    const auto me = static_cast<std::size_t>(mpi::rank());
    mine[me] = part.num_synapses();
    mine[ranks + me] = end() - begin();
    rusage use{};
    getrusage(RUSAGE_SELF, &use);
    mine[2 * ranks + me] = static_cast<std::uint64_t>(use.ru_maxrss) * 1024;  // kB on Linux
    v.insert(v.end(), mine.begin(), mine.end());
    const auto s = mpi::sum_over_ranks(std::move(v));
    auto at = s.begin();
    for (auto* per : {&total.sops_per_population, &total.updates_per_population, &total.events_per_population}) {
      std::copy(at, at + static_cast<std::ptrdiff_t>(np), per->begin());
      at += static_cast<std::ptrdiff_t>(np);
    }
    ranks_report rr;
    rr.ranks = mpi::size();
    total.sops = *at++;
    total.neuron_updates = *at++;
    total.events_queued = *at++;
    const std::uint64_t received = *at++;
    rr.synapses.assign(at, at + static_cast<std::ptrdiff_t>(ranks));
    rr.neurons.assign(at + static_cast<std::ptrdiff_t>(ranks), at + static_cast<std::ptrdiff_t>(2 * ranks));
    rr.peak_rss_bytes.assign(at + static_cast<std::ptrdiff_t>(2 * ranks), s.end());
    total.peak_queue = mpi::max_u64_over_ranks(c.peak_queue);
    rr.epochs = ex.gather.calls;
    rr.bytes_per_epoch = rr.epochs ? static_cast<double>(received) / static_cast<double>(rr.epochs * ranks) : 0.0;
    // Seconds as integer nanoseconds, for the integer reduction.
    rr.exchange_seconds = 1e-9 * static_cast<double>(mpi::max_u64_over_ranks(static_cast<std::uint64_t>(ex.gather.seconds * 1e9)));
    rr.compute_seconds = 1e-9 * static_cast<double>(mpi::max_u64_over_ranks(
                                    static_cast<std::uint64_t>(std::max(0.0, run_s - ex.gather.seconds) * 1e9)));
    report.ranks = std::move(rr);
  }
};

bool records_traces(const network_desc& desc) {
  return std::any_of(desc.populations.begin(), desc.populations.end(),
                     [](const population& p) { return !p.record.variables.empty(); });
}

std::size_t neuron_count(const network_desc& desc) {
  std::size_t n = 0;
  for (const auto& p : desc.populations) n += p.size;
  return n;
}

// The config with the options' overrides.
network_desc configured(const simulate_options& opt) {
  network_desc desc = read_network_file(opt.config);
  if (opt.duration >= 0) desc.sim.duration_s = opt.duration;
  if (opt.threads >= 0) desc.sim.threads = opt.threads;
  if (opt.min_neurons_per_thread >= 0) desc.sim.min_neurons_per_thread = static_cast<std::uint64_t>(opt.min_neurons_per_thread);
  if (opt.seed >= 0) desc.sim.seed = static_cast<std::uint64_t>(opt.seed);
  if (!opt.engine.empty()) desc.sim.engine = opt.engine;
  if (!opt.spike_format.empty()) {
    if (opt.spike_format != "hdf5" && opt.spike_format != "csv" && opt.spike_format != "both")
      throw error(fmt::format("--spike-format: expected hdf5, csv or both, got '{}'", opt.spike_format));
    desc.sim.spike_output = opt.spike_format == "csv"    ? spike_format::csv
                            : opt.spike_format == "both" ? spike_format::both
                                                         : spike_format::hdf5;
  }
  return desc;
}

}  // namespace

simulate_result simulate(const simulate_options& opt, const step_callback& progress) {
  const network_desc desc = configured(opt);
  const int asked = std::max(1, worker_threads(desc.sim.threads));
  const auto steps = step_count(desc.sim.duration_s, desc.sim.dt_ms, opt.duration >= 0 ? "--duration" : "duration");
  check_memory(fmt::format("network {}", opt.config), estimate_memory(desc), opt.max_memory);
  const std::filesystem::path dir(opt.out_dir);
  // Over MPI ranks every rank runs its part and rank 0 alone writes (docs/scaling.md).
  const bool spread = mpi::spread();
  if (spread && desc.sim.engine != "event")
    throw error(fmt::format("engine '{}' runs in one process: a run over {} MPI ranks needs the event engine",
                            desc.sim.engine, mpi::size()));
  const bool out = !opt.out_dir.empty() && mpi::rank() == 0;  // this rank writes the files
  // The same on every rank: the chunks of steps, and so the trace merges, must match.
  const bool stream = !opt.out_dir.empty() && desc.sim.record_spikes;
  if (out) {
    ensure_directory(dir);
    remove_stale_temporaries(dir);
    check_output_writable(dir / "summary.json");
  }

  using clock = std::chrono::steady_clock;
  simulate_result r;
  const auto t0 = clock::now();
  std::optional<ranks_run> parts;
  if (spread) parts.emplace(neuron_count(desc));
  r.net = parts ? std::make_unique<network>(desc, parts->begin(), parts->end()) : std::make_unique<network>(desc);
  const auto t1 = clock::now();
  const int threads = threads_for_size(asked, parts ? parts->end() - parts->begin() : r.net->num_neurons(),
                                       desc.sim.min_neurons_per_thread);
  engine_options eo{desc.sim.seed, threads, stream || opt.keep_spikes};
  if (parts) {
    eo.owned_begin = parts->begin();
    eo.owned_end = parts->end();
    eo.exchange = &parts->ex;
  }
  r.eng = make_engine(desc.sim.engine, *r.net, eo);
  if (!opt.out_dir.empty() && records_traces(desc)) r.eng->record_traces();  // every rank: merged on rank 0
  recorders rec;
  if (out) open_recorders(rec, desc, *r.net, *r.eng, dir, r);
  // Streaming: chunks of at most ~4M neuron-steps, so the buffered spikes stay below 64 MB even if every
  // neuron fired at every step, and of at most 32 MB of trace samples.
  step_t max_chunk =
      stream && !opt.keep_spikes
          ? std::max<step_t>(1, static_cast<step_t>((std::size_t{1} << 22) / std::max<std::size_t>(1, r.net->num_neurons())))
          : 0;
  if (const double per_step = trace_bytes_per_step(*r.eng); per_step > 0) {
    const auto bound = std::max<step_t>(1, static_cast<step_t>(double(std::size_t{1} << 25) / per_step));
    max_chunk = max_chunk > 0 ? std::min(max_chunk, bound) : bound;
  }
  std::size_t written = 0;  // spikes of eng->spikes() already in the files (keep_spikes)
  clock::duration writing{};
  const auto t2 = clock::now();
  run_chunked(*r.eng, steps, progress, max_chunk, [&] {
    if (parts && !r.eng->traces().empty()) parts->merge_traces(*r.eng);
    if (!rec.csv && !rec.spikes && !rec.traces) {
      if (!opt.keep_spikes) r.eng->clear_spike_record();
      return;
    }
    const auto w0 = clock::now();
    const auto& all = r.eng->spikes();
    const auto fresh = std::span(all).subspan(written);
    if (rec.csv) rec.csv->append(fresh);
    if (rec.spikes) rec.spikes->append(fresh);
    if (opt.keep_spikes) written = all.size();
    else r.eng->clear_spike_record();
    if (rec.traces) {
      rec.traces->append(*r.eng);
      r.eng->clear_trace_record();
    }
    writing += clock::now() - w0;
  });
  const auto t3 = clock::now();

  r.report.config = opt.config;
  r.report.engine = desc.sim.engine;
  r.report.threads = threads;
  r.report.threads_asked = asked;
  r.report.seed = desc.sim.seed;
  r.report.build_seconds = std::chrono::duration<double>(t1 - t0).count();
  r.report.wall_seconds = std::chrono::duration<double>(t3 - t2 - writing).count();
  r.record_spikes = desc.sim.record_spikes;
  r.counters = r.eng->counters();
  if (parts) parts->finish(*r.net, r.eng->counters(), r.report, r.counters, r.report.wall_seconds);
  for (std::size_t p = 0; p < r.net->populations().size(); ++p)
    if (const auto* ev = dynamic_cast<const event_engine*>(r.eng.get()))
      r.report.stepping.push_back(ev->stepping(p));
    else
      r.report.stepping.push_back("clock (the reference stepper steps every neuron)");
  if (out) {
    const auto w0 = clock::now();
    if (rec.csv) rec.csv->commit();
    if (rec.spikes) rec.spikes->commit(steps);
    if (rec.traces) rec.traces->commit();
    writing += clock::now() - w0;
    r.report.write_seconds = std::chrono::duration<double>(writing).count();
    r.summary_json = dir / "summary.json";
    write_file_atomically(r.summary_json, json_text(summary_json(*r.net, r.counters, r.report)));
  }
  return r;
}

}  // namespace spikeworm::app
