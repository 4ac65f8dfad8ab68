// Deployment modelling (SPEC section 10): quantize a trained spiking brain to a chip's precision, run it in
// fixed point on the event engine, map it onto the chip's cores, and report what it costs and what it loses.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/deploy/mapper.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/deploy/chip.hpp"

namespace spikeworm {

class spiking_brain;

core_limits limits_of(const chip_profile& chip);

// How one population's values map to integers: membrane value = integer x lsb.
struct population_quant {
  std::string name;
  double lsb = 0;               // membrane least significant bit [float units]
  std::int64_t v_th = 0, bias_max = 0;
  std::int64_t decay_num = 0, leak = 0;
  int decay_shift = 0;
  double decay_float = 0, decay_quant = 0;  // the float decay and its quantized value
};
struct projection_quant {
  std::string source, target;
  double max_abs = 0;     // largest float weight
  double scale = 0;       // float value of one weight step (lsb x 2^shift; ternary: the magnitude a)
  int shift = 0;          // weights enter the membrane << shift (integer chips)
  double max_error = 0;   // largest |w_q - w| over the projection
  double zero_fraction = 0;  // ternary: weights set to 0
};

// A fixed-point copy of a float network (lif populations become fixed_lif, weights integers in units of
// the target population's lsb) for one chip. Spike sources and the topology are unchanged; projections
// out of `delayed` populations get `extra_delay` more steps (TrueNorth's splitters).
struct quantized_network {
  std::unique_ptr<network> net;
  std::vector<population_quant> pops;   // per population of net (sources: lsb 0)
  std::vector<projection_quant> projs;
  // Integer currents (bias) from float currents, per neuron; counts values that saturated the bias range.
  void quantize_currents(std::span<const double> in, std::span<double> out, std::uint64_t& saturated) const;
  nlohmann::json to_json() const;
};

// `current_max[p]`: the largest |current| population p receives (sizes the bias range; 0: none).
quantized_network quantize(const network& float_net, const chip_profile& chip, std::span<const double> current_max,
                           int extra_delay = 0);

struct deploy_options {
  int episodes = 100;
  std::uint64_t seed = 1000;
  partitioner method = partitioner::greedy;
  bool compare_partitioners = true;  // also map with round-robin and METIS, for the report
};

// The per-decision figures of one execution (float or quantized) of an agent on the chip.
struct chip_run {
  int episodes = 0, successes = 0;
  double mean_steps_success = 0, mean_reward = 0, mean_foods = 0;
  std::uint64_t decisions = 0, saturated_biases = 0;
  std::vector<double> spikes_per_neuron;  // summed over decisions, per on-chip neuron (mapping problem ids)
  std::vector<std::uint64_t> spikes_per_population;
  std::uint64_t sops = 0;                  // on-chip synaptic events
  std::uint64_t identical_decisions = 0;   // quantized run: decisions whose spike raster equals the float one's
  std::uint64_t compared_decisions = 0;
  double latency_us_sum = 0;               // asynchronous chips: summed step times
  double success_rate() const noexcept { return episodes ? static_cast<double>(successes) / episodes : 0.0; }
};

struct deploy_report {
  chip_profile chip;
  std::string encoder;
  int hidden = 0, layers = 0, steps = 0;
  quantized_network quant;
  mapping map;
  std::vector<mapping> alternatives;  // the other partitioners on the same problem (null placement: skipped)
  std::vector<traffic> alternative_traffic;
  traffic routes;                      // per decision, quantized run's rates
  chip_run float_run, quant_run;
  // per decision
  double synops = 0, updates = 0, messages = 0, hops = 0, host_macs = 0;
  double host_spikes = 0;  // spikes of the last layer read by the host (its readout), off-chip messages
  double energy_synop_pj = 0, energy_update_pj = 0, energy_route_pj = 0, energy_host_pj = 0, energy_static_pj = 0;
  double latency_us = 0;
  nlohmann::json to_json() const;
};

// Runs the float agent on the event engine (profile), maps the network, quantizes it, runs the quantized
// agent on the same episodes and costs it. Throws error naming the limit when the network cannot fit.
deploy_report deploy(const experiment_config& cfg, spiking_brain& agent, const chip_profile& chip,
                     const deploy_options& opt, std::atomic<int>* done = nullptr);

}  // namespace spikeworm
