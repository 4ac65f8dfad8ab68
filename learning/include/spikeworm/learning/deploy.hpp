// Deployment of a trained spiking agent (docs/deployment.md): its float run on the event engine, mapped onto
// the chip's cores, quantized to the chip's precision (deploy/), its fixed-point run on the same episodes, and
// what it costs on the chip's time and energy model (deploy/chip_model.hpp) and what it loses.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/deploy/energy_table.hpp"
#include "spikeworm/deploy/mapper.hpp"
#include "spikeworm/deploy/quantize.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {

class spiking_brain;

struct deploy_options {
  int episodes = 100;
  std::uint64_t seed = 1000;
  partitioner method = partitioner::greedy;
  bool compare_partitioners = true;  // also map with round-robin and METIS, for the report
  energy_table host;                 // the host datapath of the dense input layer and the readout (chip.host)
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
// agent on the same episodes and costs it; `episode_done` is called after each of the 2 x episodes.
// Throws error naming the limit when the network cannot fit.
deploy_report deploy(const experiment_config& cfg, spiking_brain& agent, const chip_profile& chip,
                     const deploy_options& opt, const std::function<void()>& episode_done = {});

}  // namespace spikeworm
