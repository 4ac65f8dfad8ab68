// Run reports: the summary table, summary.json and spikes.csv.
#pragma once

#include <filesystem>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/core/io.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm {

// A run spread over MPI ranks (docs/scaling.md): the partition and the spike exchange.
struct ranks_report {
  int ranks = 1;
  std::vector<std::uint64_t> neurons, synapses;  // per rank
  std::vector<std::uint64_t> peak_rss_bytes;     // per rank: its peak resident memory so far
  std::uint64_t epochs = 0;                      // exchanges (one per step)
  double bytes_per_epoch = 0;                    // received by a rank, mean over ranks and epochs
  double exchange_seconds = 0;                   // in the exchange, the most of any rank
  double compute_seconds = 0;                    // the run without the exchange, the most of any rank
};

struct run_report {
  std::string config;
  std::string engine;
  int threads = 1;        // the threads the run used
  int threads_asked = 1;  // the threads asked for (more than `threads`: the network is small)
  std::uint64_t seed = 1;
  double build_seconds = 0.0;
  double wall_seconds = 0.0;   // the simulation loop, without write_seconds
  double write_seconds = 0.0;  // writing spikes.csv while the run went on
  std::vector<std::string> stepping;  // per population: how it was stepped and why (empty: not reported)
  std::optional<ranks_report> ranks;  // a distributed run: its counters are the sums over ranks
};

// Mean firing rate [Hz] of population p over the run.
double mean_rate_hz(const network& net, const run_counters& c, std::size_t p);

std::string summary_table(const network& net, const run_counters& c, const run_report& r);
nlohmann::json summary_json(const network& net, const run_counters& c, const run_report& r);
// Columns: step,time_ms,neuron,population (the populations whose record.spikes is true). Written atomically.
void write_spikes_csv(const std::filesystem::path& path, const engine& e);

// spikes.csv written while the run goes on: append() the spikes of each chunk of steps (then
// clear_spike_record()), commit() at the end renames the temporary onto `path`; a writer destroyed without
// commit() leaves no file.
class spike_csv_writer {
 public:
  spike_csv_writer(const std::filesystem::path& path, const network& net);
  void append(std::span<const spike> spikes);
  void commit() { file_.commit(); }

 private:
  const network* net_;
  atomic_file file_;
  std::string line_;
};

}  // namespace spikeworm
