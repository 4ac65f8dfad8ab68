// Run reports: the summary table, summary.json and spikes.csv.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "spikeworm/engine/engine.hpp"

namespace spikeworm {

struct run_report {
  std::string config;
  std::string engine;
  int threads = 1;
  std::uint64_t seed = 1;
  double build_seconds = 0.0;
  double wall_seconds = 0.0;
};

// Mean firing rate [Hz] of population p over the run.
double mean_rate_hz(const network& net, const run_counters& c, std::size_t p);

std::string summary_table(const network& net, const run_counters& c, const run_report& r);
nlohmann::json summary_json(const network& net, const run_counters& c, const run_report& r);
// Columns: step,time_ms,neuron,population. Written atomically.
void write_spikes_csv(const std::filesystem::path& path, const engine& e);

}  // namespace spikeworm
