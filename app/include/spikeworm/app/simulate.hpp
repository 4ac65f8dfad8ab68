// spikeworm simulate as an operation: a network from TOML on the event engine or the reference stepper.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/output.hpp"

namespace spikeworm::app {

// A network config ([simulation], [[population]], [[projection]] only), validated.
network_desc read_network_file(const std::string& path);
// The same from TOML text; `name` stands for the file in error messages.
network_desc read_network_text(std::string_view text, const std::string& name);

// Steps done so far and the total.
using step_callback = std::function<void(std::uint64_t done, std::uint64_t total)>;
// Runs `steps` steps in about 100 chunks (of at most `max_chunk` steps when > 0), calling `after_chunk`
// then `progress` after each.
void run_chunked(engine& eng, step_t steps, const step_callback& progress, step_t max_chunk = 0,
                 const std::function<void()>& after_chunk = {});

struct simulate_options {
  std::string config;
  double duration = -1;  // [s]; < 0: from the config
  int threads = -1;      // < 0: from the config
  long long seed = -1;   // < 0: from the config
  std::string engine;    // empty: from the config
  // spikes.h5 and/or spikes.csv, traces.h5 (populations' record.variables), all streamed during the run, and
  // summary.json; nothing written when empty
  std::string out_dir;
  std::string spike_format{};  // "hdf5", "csv" or "both"; empty: from the config ([simulation] spike_format)
  bool keep_spikes = false;      // also keep the raster in memory (eng->spikes()); grows with the run
  std::uint64_t max_memory = 0;  // refuse a network whose estimated peak memory exceeds it (0: the machine's)
  long long min_neurons_per_thread = -1;  // < 0: from the config ([simulation] min_neurons_per_thread)
};

struct simulate_result {
  std::unique_ptr<network> net;
  std::unique_ptr<engine> eng;
  run_report report;
  run_counters counters;  // the engine's; in a distributed run the sums over ranks (docs/scaling.md)
  bool record_spikes = false;
  std::filesystem::path spikes_csv, spikes_h5, traces_h5, summary_json;  // empty when not written
};

// Validates the options and the network config, checks the memory estimate and the output folder, builds
// the network, runs it and writes spikes.h5 and/or spikes.csv (when [simulation] record_spikes), traces.h5
// (when a population records state variables) and summary.json.
simulate_result simulate(const simulate_options& opt, const step_callback& progress = {});

}  // namespace spikeworm::app
