// The chip time and energy model (docs/deployment.md), one for `spikeworm deploy` (per decision) and
// `spikeworm map` (per simulated second): what a mapped network's activity costs on a chip, and the
// per-core JSON of a mapping.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/deploy/mapper.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm {

// Where each on-chip neuron's synapses land: per local neuron, (core, synapses into it) by ascending core;
// and the neurons of each main core.
struct core_fan {
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> targets;
  std::vector<std::int64_t> neurons_per_core;
};
core_fan fan_by_core(const mapping_problem& prob, const mapping& m);

// Asynchronous chips (time_step_us = 0): a step lasts as long as its busiest core (its neurons x update_ns
// plus the synaptic events into it x synop_ns), plus the longest route (max_hops x hop_ns) and the barrier.
class step_timer {
 public:
  step_timer(const chip_profile& chip, const core_fan& fan, double max_hops) : chip_(chip), fan_(fan), max_hops_(max_hops) {}
  // The chip time [ns] of steps 1..steps given their spikes in step order (as engines record them);
  // `local_of` maps a network neuron to its local id (-1: off chip; empty: the identity).
  double time_ns(std::span<const spike> spikes, step_t steps, std::span<const std::int64_t> local_of = {});

 private:
  const chip_profile& chip_;
  const core_fan& fan_;
  double max_hops_;
  std::vector<double> work_;
};

// What a mapped network does per unit of time (one decision or one simulated second).
struct chip_activity {
  double synops = 0;    // synaptic events on chip
  double updates = 0;   // neuron updates: every on-chip neuron and splitter, every step
  double messages = 0;  // spike messages (routed between cores and local)
  double hops = 0;      // mesh hops of the routed ones
};
// Neuron updates per step: a time-stepped chip updates every on-chip neuron and every splitter.
double updates_per_step(const mapping_problem& prob, const mapping& m);

// Its energy on the chip [pJ], term by term.
struct chip_energy {
  double synaptic = 0, update = 0, spike = 0, hop = 0;
  double routing() const noexcept { return spike + hop; }
};
chip_energy energy_on(const chip_profile& chip, const chip_activity& a);

// Per core: its mesh position, usage and whether it is a splitter core.
nlohmann::json cores_json(const mapping& m);
// A mapping and its traffic (the quantities of `t` in its unit: per decision).
nlohmann::json mapping_json(const mapping& m, const traffic& t);

}  // namespace spikeworm
