// The memory a network run needs, estimated from its description before anything is built
// (docs/reliability.md, "Limits checked before work").
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/engine/network.hpp"

namespace spikeworm {

namespace {

const population* find_population(const network_desc& d, const std::string& name) {
  for (const auto& p : d.populations)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace

double expected_synapses(const network_desc& d) {
  double total = 0;
  for (const auto& pr : d.projections) {
    const auto* s = find_population(d, pr.source);
    const auto* t = find_population(d, pr.target);
    if (!s || !t) continue;  // the network's constructor names the missing population
    const double ns = s->size, nt = t->size;
    switch (pr.rule) {
      case connection_rule::all_to_all: total += ns * nt; break;
      case connection_rule::one_to_one: total += std::min(ns, nt); break;
      // Binomial: the mean plus six standard deviations bounds the drawn count in practice.
      case connection_rule::fixed_probability: {
        const double mean = pr.p * ns * nt;
        total += std::min(ns * nt, mean + 6 * std::sqrt(mean * (1 - pr.p)));
        break;
      }
      case connection_rule::fixed_indegree: total += static_cast<double>(pr.k) * nt; break;
      case connection_rule::from_list: total += pr.list ? static_cast<double>(pr.list->sources.size()) : 0.0; break;
    }
  }
  return total;
}

memory_estimate estimate_memory(const network_desc& d) {
  // Per synapse: target (4 B), weight (4), delay (2), receptor (1). Per neuron: model state, scheduler
  // and delivery buffers (measured at 60-110 B on the CUBA networks; 128 counted), 16 B more for every neuron
  // when a population has alpha synapses (neuron_state's he, hi), one pending byte per delay slot, and a 4 B
  // out-degree count per projection source during the build. Base: the process with its libraries and thread
  // pool. Calibrated against peak RSS in docs/reliability.md.
  constexpr double per_synapse = 11, base = 64.0 * (1 << 20);
  double per_neuron = 128, neurons = 0, sources = 0, max_delay = 1;
  for (const auto& p : d.populations) {
    neurons += p.size;
    if (has_alpha_synapses(p.model)) per_neuron = 128 + 16;
  }
  for (const auto& pr : d.projections) {
    if (const auto* s = find_population(d, pr.source)) sources += s->size;
    max_delay = std::max(max_delay, pr.delay.type == value_spec::kind::constant ? pr.delay.a : pr.delay.b);
    if (pr.list && !pr.list->delays.empty())
      max_delay = std::max(max_delay, static_cast<double>(*std::max_element(pr.list->delays.begin(), pr.list->delays.end())));
  }
  const double synapses = expected_synapses(d);
  const double bytes = base + per_synapse * synapses + (per_neuron + max_delay + 1) * neurons + 4 * sources;
  memory_estimate e;
  e.bytes = bytes >= 0x1p63 ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(bytes);
  e.detail = fmt::format("{:.3g} synapses x {:g} B + {:.3g} neurons x {:g} B + {}", synapses, per_synapse, neurons,
                         per_neuron + max_delay + 1, format_bytes(static_cast<std::uint64_t>(base)));
  return e;
}

}  // namespace spikeworm
