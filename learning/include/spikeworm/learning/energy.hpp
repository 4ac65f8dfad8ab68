// Energy per decision from operation counts and a table of energies per operation (docs/energy.md),
// every term reported separately: synaptic ops, neuron updates, memory reads, the dense input layer.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {

// configs/energy/*.toml.
struct energy_table {
  std::string id;    // file stem, e.g. cmos45_fp32
  std::string name;  // e.g. "45 nm CMOS fp32"
  // cmos: an event-driven datapath: neuron updates are the ones performed; SRAM reads counted separately.
  // chip: a time-stepped neuromorphic chip: every neuron updated every step; memory inside the op figures.
  bool chip = false;
  double sop_pj = 0, neuron_update_pj = 0, mac_pj = 0;
  int weight_bits = 32, state_bits = 32;
  std::vector<double> sram_bytes, sram_read_pj;  // 64-bit read energy by array size (ascending sizes)
  // Energy of one 64-bit read from an array of `bytes` bytes: log-log interpolation between the listed
  // sizes, the first / last figure below / beyond them.
  double read_64bit_pj(double bytes) const noexcept;
};

energy_table read_energy_table(const std::string& path);  // errors name the file, line and key
// The tables in a folder (sorted by id), or one named table (id or path).
std::vector<energy_table> load_energy_tables(const std::string& dir, const std::vector<std::string>& names);

// Energy terms of one decision, in pJ.
struct energy_terms {
  double synaptic = 0;  // SOPs x sop
  double neuron = 0;    // neuron updates x update
  double memory = 0;    // SRAM reads: weights of each SOP / MAC, state of each update (cmos tables)
  double dense = 0;     // dense first layer (MACs on the real-valued input) or, for a dense brain, its MACs
  double total() const noexcept { return synaptic + neuron + memory + dense; }
  nlohmann::json to_json() const;
};

struct energy_report {
  std::string table_id, table_name;
  energy_terms brain;           // the evaluated brain (spiking or MLP)
  energy_terms mlp;             // the MLP baseline, one pass
  energy_terms ann;             // a ReLU network of the spiking brain's shape, one pass
  double episode_pj = 0;        // brain energy per episode (mean decisions per episode)
  // Firing rate (the same in every layer) at which the spiking brain costs as much as the MLP baseline
  // / the same-shape ANN with every term counted (neuron updates as N x T), and the synaptic-only
  // break-even against the same-shape ANN (SOP energy against MAC energy, docs/energy.md's 5%). < 0: never pays.
  double breakeven_mlp = -1, breakeven_ann = -1, breakeven_ann_synaptic = -1;
  nlohmann::json to_json() const;
};

energy_report energy_of(const eval_result& r, const energy_table& t);

}  // namespace spikeworm
