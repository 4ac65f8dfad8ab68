// spikeworm map as a library operation: firing rates from a run of the event engine, every partitioner on
// every chip, the chip time and energy model on the chosen placement (docs/deployment.md).
#include "spikeworm/app/map.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm::app {

nlohmann::json placement_row::to_json() const {
  if (!map) return {{"method", partitioner_name(method)}, {"error", error}};
  return {{"method", partitioner_name(method)}, {"cores", map->cores_used + map->splitter_cores},
          {"routed_per_s", per_second.routed}, {"hops_per_s", per_second.hops}, {"max_neurons", max_neurons},
          {"max_axons_in", max_axons_in}, {"max_axons_out", max_axons_out}, {"max_synapse_bytes", max_synapse_bytes}};
}

namespace {

placement_row place_with(const mapping_problem& prob, const core_limits& lim, std::span<const double> rates,
                         partitioner method) {
  placement_row row;
  row.method = method;
  try {
    row.map = map_network(prob, lim, rates, method);
    row.per_second = route(prob, *row.map, rates);
    for (const auto& u : row.map->usage) {
      row.max_neurons = std::max(row.max_neurons, u.neurons);
      row.max_axons_in = std::max(row.max_axons_in, u.axons_in);
      row.max_axons_out = std::max(row.max_axons_out, u.axons_out);
      row.max_synapse_bytes = std::max(row.max_synapse_bytes, u.synapse_bytes);
    }
  } catch (const spikeworm::error& e) {
    row.map.reset();
    row.error = e.what();
  }
  return row;
}

// The chip time and energy model on the costed placement, per simulated second.
void cost_per_second(chip_map& c, const mapping_problem& prob, const engine& eng, step_t steps, double seconds,
                     double sops_per_s, double steps_per_s) {
  const auto& chip = c.chip;
  const auto& m = *c.costed_row()->map;
  const auto& t = c.costed_row()->per_second;
  c.per_second = {sops_per_s, updates_per_step(prob, m) * steps_per_s, t.routed + t.local, t.hops};
  c.energy = energy_on(chip, c.per_second);
  c.dynamic_pj = c.energy.synaptic + c.energy.update + c.energy.spike + c.energy.hop;
  if (chip.time_step_us > 0) {
    c.chip_seconds = steps_per_s * chip.time_step_us * 1e-6;
  } else {
    const auto fan = fan_by_core(prob, m);
    step_timer timer(chip, fan, t.max_hops);
    c.chip_seconds = timer.time_ns(eng.spikes(), steps) * 1e-9 / seconds;
  }
  c.static_pj = chip.static_mw * 1e-3 * c.chip_seconds * 1e12;  // pJ per simulated second
}

}  // namespace

memory_estimate map_memory(const network_desc& desc) {
  auto e = estimate_memory(desc);
  double neurons = 0;
  for (const auto& p : desc.populations) neurons += p.size;
  const double extra = 32 * expected_synapses(desc) + 64 * neurons;
  e.bytes = e.bytes + static_cast<std::uint64_t>(std::min(extra, 0x1p62));
  e.detail += fmt::format(" + the mapping graph, {}", format_bytes(static_cast<std::uint64_t>(std::min(extra, 0x1p62))));
  return e;
}

map_result map(const map_options& opt) {
  map_result res;
  res.config = opt.config;
  const auto& desc = opt.desc;
  check_memory(fmt::format("mapping {}", opt.config), map_memory(desc), opt.max_memory);
  network net(desc);
  auto eng = make_engine("event", net, {desc.sim.seed, worker_threads(opt.threads), true});
  const auto steps = std::max<step_t>(1, step_count(opt.duration, desc.sim.dt_ms, "--duration"));
  const step_t chunk = std::max<step_t>(1, steps / 100);
  for (step_t done = 0; done < steps;) {
    const step_t n = std::min(chunk, steps - done);
    eng->run(n);
    done += n;
    if (opt.progress) opt.progress(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(steps));
  }
  res.seconds = static_cast<double>(steps) * desc.sim.dt_ms / 1000.0;
  res.neurons = net.num_neurons();
  res.synapses = net.num_synapses();
  const auto prob = make_problem(net);
  std::vector<double> rates(prob.size(), 0.0);  // spikes per simulated second
  for (const auto& s : eng->spikes()) rates[s.neuron] += 1.0 / res.seconds;
  res.sops_per_s = static_cast<double>(eng->counters().sops) / res.seconds;
  const double steps_per_s = 1000.0 / desc.sim.dt_ms;
  for (double r : rates) res.spikes_per_s += r;
  res.chips.reserve(opt.chips.size());
  for (const auto& chip : opt.chips) {
    auto& c = res.chips.emplace_back();
    c.chip = chip;
    const auto lim = limits_of(chip);
    for (auto m : all_partitioners)
      c.rows.push_back(place_with(prob, lim, rates, m));
    for (std::size_t r = 0; r < c.rows.size(); ++r)
      if (c.rows[r].method == opt.method && c.rows[r].map) c.costed = static_cast<int>(r);
    if (c.costed_row()) cost_per_second(c, prob, *eng, steps, res.seconds, res.sops_per_s, steps_per_s);
  }
  return res;
}

nlohmann::json map_result::to_json(std::size_t k) const {
  const auto& c = chips.at(k);
  const auto* costed = c.costed_row();
  if (!costed) throw internal_error("map_result::to_json: no costed placement");
  const auto& m = *costed->map;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) rows.push_back(r.to_json());
  return {{"config", config}, {"chip", c.chip.id}, {"chip_name", c.chip.name}, {"seconds_simulated", seconds},
          {"neurons", neurons}, {"synapses", synapses}, {"partitioner", m.method},
          {"partitioners", rows}, {"cores", cores_json(m)}, {"splitter_neurons", m.splitter_neurons},
          {"per_second",
           {{"spikes", spikes_per_s}, {"synaptic_events", sops_per_s}, {"neuron_updates", c.per_second.updates},
            {"messages", c.per_second.messages}, {"routed", costed->per_second.routed},
            {"hops", costed->per_second.hops},
            {"energy_dynamic_pj", c.chip.energy_published ? nlohmann::json(c.dynamic_pj) : nlohmann::json(nullptr)},
            {"energy_static_pj", c.static_pj}, {"chip_seconds", c.chip_seconds}}}};
}

}  // namespace spikeworm::app
