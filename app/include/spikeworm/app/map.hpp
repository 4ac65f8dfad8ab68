// spikeworm map as a library operation (docs/deployment.md): a network placed onto chips' cores by every
// partitioner, with its traffic, energy and chip time per simulated second on the chosen placement.
// Returns typed results and prints nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/app/deploy.hpp"
#include "spikeworm/deploy/chip_model.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm::app {

struct map_options {
  network_desc desc;   // the network (its seed and time step used)
  std::string config;  // its file, for the JSON report
  double duration = 1;  // simulated time that measures the firing rates [s]
  int threads = 0;      // engine threads (0: the default); results do not depend on it
  std::vector<chip_profile> chips;
  partitioner method = partitioner::greedy;  // the placement costed
  progress_callback progress;                // simulated steps of the rate run
  std::uint64_t max_memory = 0;              // refuse a network whose estimate exceeds it (0: the machine's)
};

// Peak memory of map: the network run, plus the mapping graph of distinct connections both ways and the
// partitioner's copy of it (16 B + 16 B per synapse) and per-neuron tables (64 B).
memory_estimate map_memory(const network_desc& desc);

// One partitioner's placement: the busiest core's usage, or why there is none.
struct placement_row {
  partitioner method = partitioner::greedy;
  std::optional<mapping> map;  // none: `error` says why
  std::string error;
  traffic per_second;
  std::int64_t max_neurons = 0, max_axons_in = 0, max_axons_out = 0, max_synapse_bytes = 0;
  nlohmann::json to_json() const;
};

// One chip: every partitioner, and on the costed placement the activity, energy and chip time per
// simulated second.
struct chip_map {
  chip_profile chip;
  std::vector<placement_row> rows;  // round_robin, sequential, greedy, metis
  int costed = -1;                  // the chosen partitioner's row; -1: it found no placement
  const placement_row* costed_row() const noexcept { return costed < 0 ? nullptr : &rows[static_cast<std::size_t>(costed)]; }
  chip_activity per_second;
  chip_energy energy;       // dynamic energy per simulated second, by term [pJ]
  double dynamic_pj = 0;    // their sum
  double static_pj = 0;     // static energy per simulated second
  double chip_seconds = 0;  // chip time per simulated second
};

struct map_result {
  std::string config;
  double seconds = 0;  // simulated
  std::size_t neurons = 0, synapses = 0;
  double spikes_per_s = 0, sops_per_s = 0;
  std::vector<chip_map> chips;
  // map_CHIP.json of chip k (its costed placement).
  nlohmann::json to_json(std::size_t k) const;
};

map_result map(const map_options& opt);

}  // namespace spikeworm::app
