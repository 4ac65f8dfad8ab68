// A planned NIR graph as a spikeworm network (docs/nir.md, "Simulation"): every neuron node a population of
// the nir model, every Input a population of spike sources, and every linear path between them (Affine,
// Linear, Scale, Flatten, Delay) folded into one matrix of synapses with its delay in steps: 0 within the
// step, one more for each recurrent edge and the steps of each Delay. Biases become the targets' currents.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/engine/nir_plan.hpp"

namespace spikeworm::nir {

// y_consumer(t) += matrix (rows x cols, row-major) * output of `source` at step t - delay.
struct term {
  std::size_t source = 0;  // a plan node: an Input or a neuron node
  std::size_t rows = 0, cols = 0;
  std::vector<double> matrix;
  step_t delay = 0;
};

// What a neuron node or an Output node receives: the sum of its terms, plus a constant bias.
struct consumer {
  std::vector<term> terms;
  std::vector<double> bias;  // rows
};

struct translate_options {
  double dt_s = 1e-3;                   // the step [s], the unit of NIR's time constants
  nir_reset reset = nir_reset::value;   // how spiking neurons reset
};

struct translation {
  std::vector<population> populations;       // inputs and neuron nodes, in the plan's order
  std::vector<nir_params> params;            // per population: its (first neuron's) nir parameters, times in ms
  std::vector<bool> uniform;                 // per population: every neuron has those parameters
  std::vector<projection_desc> projections;  // from_list
  std::vector<int> population_of;            // per plan node: its population, or -1
  std::vector<consumer> inputs_of;           // per plan node: filled for neuron and Output nodes
  std::vector<std::size_t> inputs, outputs;  // plan indices of the top-level Input and Output nodes
  std::vector<bool> spiking;                 // per plan node: emits spikes (Input, LIF, CubaLIF, IF, Threshold)
  double dt_ms = 1.0;
};

// Is the plan node a neuron (LIF, CubaLIF, IF, LI, CubaLI, I, Threshold)?
bool is_neuron(const plan_node& n);

// Throws error naming the node: a cycle through linear nodes only, a non-spiking neuron (LI, CubaLI, I) whose
// output feeds another neuron (only spikes cross synapses), a Delay that is not a whole number of steps or
// not the same for all elements, a non-finite parameter, a dt that is not positive. Parameters that differ
// between a node's neurons give each neuron its own model (population::nir_neurons).
translation translate(const document& d, const plan& p, const translate_options& o);

}  // namespace spikeworm::nir

namespace spikeworm::nir {

// A (rows x cols) matrix of doubles, row-major: an input or output train (steps x width).
struct matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<double> values;
  double at(std::size_t r, std::size_t c) const noexcept { return values[r * cols + c]; }
};

struct run_options {
  std::string engine = "event";  // "event" or "clock"
  int threads = 1;
  std::vector<std::string> record;  // nodes whose state (v, and I of CubaLIF and CubaLI) and spikes to keep
};

struct recorded {
  std::string node, what;  // what: "v", "i", "spikes"
  matrix values;           // steps x node width
};

struct run_result {
  std::vector<std::pair<std::string, matrix>> outputs;  // per top-level Output node, steps x width
  std::vector<recorded> records;
  run_counters counters;
  bool binary_input = true;  // the inputs were spike trains (0 or 1), fed as spikes; else as currents
};

// Runs the translated graph for inputs.rows steps; inputs has one column per element of the top-level Input
// nodes, in the order of translation::inputs. 0/1 inputs enter as spikes of the Input populations; any other
// value makes every Input a current source (their terms are added to the targets' currents step by step).
// Throws error naming a recorded node that does not exist, or an input of the wrong width.
run_result run(const translation& tr, const plan& p, const matrix& inputs, const run_options& o);

}  // namespace spikeworm::nir
