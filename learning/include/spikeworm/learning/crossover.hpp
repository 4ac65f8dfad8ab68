// Where spiking pays (docs/energy.md, "Where spiking pays"): the energy of one spiking layer against one dense
// layer of the same matrix on an energy table, and the map of their break-even over width, activity and time
// steps.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/deploy/energy_table.hpp"
#include "spikeworm/learning/energy.hpp"

namespace spikeworm {

// A layer of n_out neurons fed by n_in inputs through every synapse (n_in x n_out weights); the spiking layer
// runs `steps` steps and each input spikes with probability `rate` per step.
struct layer_shape {
  std::uint64_t n_in = 0, n_out = 0;
  int steps = 1;
  double rate = 0;
};

// Operation counts of one inference of the spiking layer (expected values) and of the dense layer.
struct layer_ops {
  double sops = 0;     // rate x n_in x steps x n_out
  double updates = 0;  // chip tables: n_out x steps; cmos tables: the steps in which a neuron receives a spike
  double macs = 0;     // the dense layer: n_in x n_out, one pass
};

// Expected updates of an event-driven layer: a neuron is updated in a step where at least one of its n_in
// inputs spiked, n_out x steps x (1 - (1 - rate)^n_in).
double event_driven_updates(const layer_shape& s);
layer_ops layer_ops_of(const layer_shape& s, const energy_table& t);

struct layer_energy {
  energy_terms spiking;  // synaptic ops, neuron updates, weight and state reads (cmos tables)
  energy_terms dense;    // MACs and weight reads (chip tables: on their host datapath)
  double ratio() const noexcept { return dense.total() > 0 ? spiking.total() / dense.total() : 0.0; }
};
layer_energy layer_energy_of(const layer_shape& s, const energy_table& t);

// The input rate at which the spiking layer costs as much as the dense one (the spiking layer's energy grows
// with the rate): never_pays (< 0) when it costs more even at rate 0+, always_pays (+inf) when it costs less
// even when every input spikes every step.
inline constexpr double never_pays = -1.0;
inline constexpr double always_pays = std::numeric_limits<double>::infinity();
double breakeven_rate(std::uint64_t n_in, std::uint64_t n_out, int steps, const energy_table& t);

// The map over square layers (n_in = n_out = width).
struct crossover_grid {
  std::vector<std::uint64_t> widths{64, 128, 256, 512, 1024, 2048, 4096};
  std::vector<int> steps{1, 2, 5, 10, 25, 50, 100};
  std::vector<double> rates;  // input rates of the ratio grid; empty: 25 log-spaced from 0.1% to 30%
};

// An agent placed on the map: one hidden-to-hidden projection of a trained spiking brain.
struct crossover_point {
  std::string label;  // e.g. "runs/snn L1->L2"
  std::uint64_t width = 0;
  int steps = 1;
  double rate = 0;    // the source layer's measured firing rate
  std::vector<double> ratio;      // spiking / dense energy on each table of the map
  std::vector<double> breakeven;  // the break-even rate at its width and steps on each table
};

struct crossover_table {
  std::string id, name;
  bool chip = false;
  std::vector<double> breakeven;  // [steps][width]
  std::vector<double> ratio;      // [steps][width][rate]: spiking / dense energy
};

struct crossover_map {
  crossover_grid grid;
  std::vector<crossover_table> tables;
  std::vector<crossover_point> points;
  double breakeven(std::size_t table, std::size_t step, std::size_t width) const {
    return tables.at(table).breakeven.at(step * grid.widths.size() + width);
  }
  nlohmann::json to_json() const;
};

// Throws error naming the value for an empty axis, a width of 0, steps < 1, or a rate outside (0, 1].
crossover_map crossover(const std::vector<energy_table>& tables, crossover_grid grid,
                        std::vector<crossover_point> points = {});

}  // namespace spikeworm
