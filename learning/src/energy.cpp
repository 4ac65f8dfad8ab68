// The energy model of docs/energy.md (its tables: deploy/energy_table.hpp).
#include "spikeworm/learning/energy.hpp"

#include <algorithm>
#include <cmath>

namespace spikeworm {

nlohmann::json energy_terms::to_json() const {
  return {{"synaptic_pj", synaptic}, {"neuron_pj", neuron}, {"memory_pj", memory}, {"dense_pj", dense},
          {"total_pj", total()}};
}

nlohmann::json energy_report::to_json() const {
  return {{"table", table_id},          {"table_name", table_name},       {"brain", brain.to_json()},
          {"mlp", mlp.to_json()},        {"ann", ann.to_json()},           {"episode_pj", episode_pj},
          {"breakeven_rate_mlp", breakeven_mlp}, {"breakeven_rate_ann", breakeven_ann},
          {"breakeven_rate_ann_synaptic", breakeven_ann_synaptic}};
}

energy_terms dense_pass(double macs, const energy_table& t) {
  energy_terms e;
  e.dense = macs * t.mac_pj;
  e.memory = macs * (t.weight_bits / 64.0) * t.read_64bit_pj(macs * t.weight_bits / 8.0);
  return e;
}

energy_report energy_of(const eval_result& r, const energy_table& t) {
  energy_report rep;
  rep.table_id = t.id;
  rep.table_name = t.name;
  rep.mlp = dense_pass(static_cast<double>(r.mlp_macs), t);
  if (r.brain_type != brain_kind::spiking) {
    rep.brain = rep.mlp;
    rep.ann = rep.mlp;
    rep.episode_pj = rep.brain.total() * (r.episodes ? static_cast<double>(r.decisions) / r.episodes : 0.0);
    return rep;
  }
  rep.ann = dense_pass(static_cast<double>(r.ann_macs), t);
  double sops = r.per_decision(r.input_spikes) * static_cast<double>(r.input_fan_out), performed = 0, neurons = 0;
  for (const auto& l : r.layers_counts) {
    sops += r.per_decision(l.sops);
    performed += r.per_decision(l.updates);
    neurons += static_cast<double>(l.neurons);
  }
  const double all_updates = r.per_decision(r.dense_updates);  // N x T
  const double updates = t.chip ? all_updates : performed;
  // SRAM: a synaptic op reads its weight (64-bit words hold 64 / weight_bits weights of a row); a neuron
  // update reads and writes its state. Chips: inside the per-operation figures.
  const double synapse_bytes = static_cast<double>(r.synapses) * t.weight_bits / 8.0;
  const double state_bytes = neurons * t.state_bits / 8.0;
  const double read_w = t.chip ? 0.0 : (t.weight_bits / 64.0) * t.read_64bit_pj(synapse_bytes);
  const double rw_state = t.chip ? 0.0 : 2.0 * (t.state_bits / 64.0) * t.read_64bit_pj(state_bytes);
  // The dense terms: the input layer and, with readout = dense, the head on the spike counts (MACs).
  const auto input = dense_pass(static_cast<double>(r.input_macs), t);
  const auto head = dense_pass(static_cast<double>(r.head_macs), t);
  rep.brain.synaptic = sops * t.sop_pj;
  rep.brain.neuron = updates * t.neuron_update_pj;
  rep.brain.memory = sops * read_w + updates * rw_state + input.memory + head.memory;
  rep.brain.dense = input.dense + head.dense;
  rep.episode_pj = rep.brain.total() * (r.episodes ? static_cast<double>(r.decisions) / r.episodes : 0.0);
  // Break-even: at a firing rate x in every layer, SOPs = x * clock_macs (every synapse of every neuron
  // that spikes); neuron updates counted as N x T (what a time-stepped datapath performs).
  const double slope = static_cast<double>(r.clock_macs) * (t.sop_pj + read_w);
  const double fixed = all_updates * (t.neuron_update_pj + rw_state) + input.total() + head.total();
  auto breakeven = [&](double reference) { return slope > 0 && reference > fixed ? (reference - fixed) / slope : -1.0; };
  rep.breakeven_mlp = breakeven(rep.mlp.total());
  rep.breakeven_ann = breakeven(rep.ann.total());
  rep.breakeven_ann_synaptic =
      r.clock_macs ? static_cast<double>(r.ann_macs) * t.mac_pj / (static_cast<double>(r.clock_macs) * t.sop_pj) : -1.0;
  return rep;
}

}  // namespace spikeworm
