// The chip time and energy model of docs/deployment.md.
#include "spikeworm/deploy/chip_model.hpp"

#include <algorithm>
#include <map>

namespace spikeworm {

core_fan fan_by_core(const mapping_problem& prob, const mapping& m) {
  core_fan f;
  f.neurons_per_core.assign(static_cast<std::size_t>(m.cores_used), 0);
  for (auto c : m.core_of) ++f.neurons_per_core[c];
  f.targets.resize(prob.size());
  for (std::size_t u = 0; u < prob.size(); ++u) {
    std::map<std::uint32_t, std::uint32_t> by_core;
    for (auto e = prob.out_begin[u]; e < prob.out_begin[u + 1]; ++e) by_core[m.core_of[prob.out[e]]] += prob.out_mult[e];
    f.targets[u].assign(by_core.begin(), by_core.end());
  }
  return f;
}

double step_timer::time_ns(std::span<const spike> spikes, step_t steps, std::span<const std::int64_t> local_of) {
  const std::size_t cores = fan_.neurons_per_core.size();
  work_.resize(cores);
  std::size_t i = 0;
  double total = 0;
  for (step_t t = 1; t <= steps; ++t) {
    for (std::size_t k = 0; k < cores; ++k) work_[k] = static_cast<double>(fan_.neurons_per_core[k]) * chip_.update_ns;
    for (; i < spikes.size() && spikes[i].step <= t; ++i) {
      if (spikes[i].step < t) continue;  // before step 1
      const auto l = local_of.empty() ? static_cast<std::int64_t>(spikes[i].neuron) : local_of[spikes[i].neuron];
      if (l < 0) continue;
      for (const auto& [core, n] : fan_.targets[static_cast<std::size_t>(l)]) work_[core] += n * chip_.synop_ns;
    }
    double busiest = 0;
    for (std::size_t k = 0; k < cores; ++k) busiest = std::max(busiest, work_[k]);
    total += busiest + max_hops_ * chip_.hop_ns + chip_.barrier_ns;
  }
  return total;
}

double updates_per_step(const mapping_problem& prob, const mapping& m) {
  return static_cast<double>(prob.size()) + static_cast<double>(m.splitter_neurons);
}

chip_energy energy_on(const chip_profile& chip, const chip_activity& a) {
  return {a.synops * chip.synop_pj, a.updates * chip.update_pj, a.messages * chip.spike_pj, a.hops * chip.hop_pj};
}

nlohmann::json cores_json(const mapping& m) {
  nlohmann::json cores = nlohmann::json::array();
  for (std::size_t c = 0; c < m.usage.size(); ++c) {
    const auto& u = m.usage[c];
    cores.push_back({{"core", c}, {"x", m.position.at(c).first}, {"y", m.position.at(c).second},
                     {"neurons", u.neurons}, {"axons_in", u.axons_in}, {"axons_out", u.axons_out},
                     {"synapse_bytes", u.synapse_bytes}, {"splitter", c >= static_cast<std::size_t>(m.cores_used)}});
  }
  return cores;
}

nlohmann::json mapping_json(const mapping& m, const traffic& t) {
  return {{"method", m.method}, {"cores_used", m.cores_used}, {"splitter_cores", m.splitter_cores},
          {"splitter_neurons", m.splitter_neurons}, {"extra_delay", m.extra_delay}, {"cores", cores_json(m)},
          {"routed_per_decision", t.routed}, {"local_per_decision", t.local}, {"hops_per_decision", t.hops},
          {"max_hops", t.max_hops}};
}

}  // namespace spikeworm
