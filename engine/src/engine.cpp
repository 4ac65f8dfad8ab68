// Shared engine plumbing: counters, spike records, the engine factory.
#include "spikeworm/engine/engine.hpp"

#include <fmt/format.h>

#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/engine/neuron_state.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

std::uint64_t run_counters::total_spikes() const noexcept {
  std::uint64_t s = 0;
  for (auto c : spikes_per_population) s += c;
  return s;
}

void engine::clear_records() {
  now_ = 0;
  spikes_.clear();
  per_step_.clear();
  clear_trace_record();
  counters_ = run_counters{};
  counters_.spikes_per_population.assign(net_->populations().size(), 0);
  counters_.sops_per_population.assign(net_->populations().size(), 0);
  counters_.updates_per_population.assign(net_->populations().size(), 0);
  counters_.events_per_population.assign(net_->populations().size(), 0);
}

// Pre: step_spikes ascending. Counts spikes and SOPs (spikes x fan-out) per population.
void engine::record_step(step_t t, std::span<const neuron_id> step_spikes) {
  const auto& pops = net_->populations();
  const auto rows = net_->row_start();
  const std::size_t np = pops.size();
  if (opt_.record_spikes) per_step_.resize(per_step_.size() + np, 0);
  std::size_t p = 0;
  for (neuron_id n : step_spikes) {
    while (n >= pops[p].end()) ++p;
    ++counters_.spikes_per_population[p];
    const std::uint64_t fan_out = rows[n + 1] - rows[n];
    counters_.sops_per_population[p] += fan_out;
    counters_.sops += fan_out;
    // Order-dependent mix of (step, neuron) (splitmix64 finaliser), kept even when spikes are not recorded.
    std::uint64_t h = counters_.raster_digest ^ (static_cast<std::uint64_t>(t) * 0x9E3779B97F4A7C15ull + n);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    counters_.raster_digest = h ^ (h >> 31);
    if (opt_.record_spikes) {
      ++per_step_[per_step_.size() - np + p];
      spikes_.push_back({t, n});
    }
  }
}

void engine::record_traces() {
  traces_.clear();
  const auto& pops = net_->populations();
  for (std::uint32_t p = 0; p < pops.size(); ++p) {
    const auto& r = pops[p].record;
    for (const state_variable v : r.variables) {
      trace t;
      t.population = p;
      t.variable = v;
      t.interval = r.interval;
      for (const neuron_id i : r.neurons) t.neurons.push_back(pops[p].first + i);
      traces_.push_back(std::move(t));
    }
  }
  reset();
}

void engine::sample_traces_at(step_t t) {
  for (auto& tr : traces_) {
    if (t % tr.interval != 0) continue;
    const auto& x = tr.variable == state_variable::v    ? sampled_state_->v
                    : tr.variable == state_variable::ge ? sampled_state_->ge
                                                        : sampled_state_->gi;
    for (const neuron_id n : tr.neurons) tr.values.push_back(x[n]);
  }
}

std::unique_ptr<engine> make_engine(std::string_view kind, const network& net, engine_options opt) {
  if (kind == "event") return std::make_unique<event_engine>(net, opt);
  if (kind == "clock") return std::make_unique<clock_engine>(net, opt);
  throw error(fmt::format("unknown engine '{}' (expected event or clock)", kind));
}

}  // namespace spikeworm
