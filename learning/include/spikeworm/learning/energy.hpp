// Energy per decision from operation counts and a table of energies per operation (docs/energy.md; the
// tables are deploy/'s), every term reported separately: synaptic ops, neuron updates, memory reads, the
// dense input layer.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/deploy/energy_table.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {

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
  // break-even against the same-shape ANN (SOP energy against MAC energy, docs/energy.md). < 0: never pays.
  double breakeven_mlp = -1, breakeven_ann = -1, breakeven_ann_synaptic = -1;
  nlohmann::json to_json() const;
};

energy_report energy_of(const eval_result& r, const energy_table& t);
// One pass of a dense layer of `macs` multiply-accumulates and as many weights: the MACs and the weight reads
// from an SRAM array holding those weights.
energy_terms dense_pass(double macs, const energy_table& t);

}  // namespace spikeworm
