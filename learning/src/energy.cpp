// Energy tables and the energy model of docs/energy.md.
#include "spikeworm/learning/energy.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

namespace fs = std::filesystem;

double energy_table::read_64bit_pj(double bytes) const noexcept {
  if (sram_bytes.empty()) return 0.0;
  if (bytes <= sram_bytes.front()) return sram_read_pj.front();
  if (bytes >= sram_bytes.back()) return sram_read_pj.back();
  std::size_t k = 1;
  while (sram_bytes[k] < bytes) ++k;
  // Log-log interpolation between the two listed sizes around `bytes`.
  const double f = std::log(bytes / sram_bytes[k - 1]) / std::log(sram_bytes[k] / sram_bytes[k - 1]);
  return sram_read_pj[k - 1] * std::pow(sram_read_pj[k] / sram_read_pj[k - 1], f);
}

namespace {

std::vector<double> number_array(const table_reader& t, std::string_view key) {
  const auto* n = t.node(key);
  if (!n) t.fail(key, "required: an array of numbers");
  const auto* arr = n->as_array();
  if (!arr || arr->empty()) t.fail(key, "must be a non-empty array of numbers");
  std::vector<double> out;
  for (const auto& x : *arr) {
    const auto v = x.value<double>();
    if (!v || !(*v > 0)) t.fail(key, "every element must be a positive number");
    out.push_back(*v);
  }
  return out;
}

}  // namespace

energy_table read_energy_table(const std::string& path) {
  const auto doc = load_config_file(path);
  const auto t = table_reader::root(doc);
  t.allow_only({"name", "kind", "sop_pj", "neuron_update_pj", "mac_pj", "weight_bits", "state_bits", "sram_bytes",
                "sram_read_64bit_pj"});
  energy_table e;
  e.id = fs::path(path).stem().string();
  e.name = t.string("name");
  e.chip = t.choice("kind", "", {"cmos", "chip"}) == "chip";
  e.sop_pj = t.positive("sop_pj", t.number("sop_pj"));
  e.neuron_update_pj = t.positive("neuron_update_pj", t.number("neuron_update_pj"));
  e.mac_pj = t.positive("mac_pj", t.number("mac_pj"));
  e.weight_bits = static_cast<int>(t.integer("weight_bits"));
  t.require(e.weight_bits >= 1 && e.weight_bits <= 64, "weight_bits", fmt::format("must be in [1, 64], got {}", e.weight_bits));
  e.state_bits = static_cast<int>(t.integer("state_bits"));
  t.require(e.state_bits >= 1 && e.state_bits <= 64, "state_bits", fmt::format("must be in [1, 64], got {}", e.state_bits));
  e.sram_bytes = number_array(t, "sram_bytes");
  e.sram_read_pj = number_array(t, "sram_read_64bit_pj");
  t.require(e.sram_bytes.size() == e.sram_read_pj.size(), "sram_read_64bit_pj",
            fmt::format("needs one energy per size in sram_bytes ({} sizes, {} energies)", e.sram_bytes.size(),
                        e.sram_read_pj.size()));
  t.require(std::is_sorted(e.sram_bytes.begin(), e.sram_bytes.end()), "sram_bytes", "sizes must be ascending");
  return e;
}

std::vector<energy_table> load_energy_tables(const std::string& dir, const std::vector<std::string>& names) {
  std::vector<energy_table> out;
  if (names.empty()) {
    if (!fs::is_directory(dir)) throw error(fmt::format("{}: no such folder of energy tables", dir));
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".toml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw error(fmt::format("{}: no energy tables (*.toml)", dir));
    for (const auto& f : files) out.push_back(read_energy_table(f));
    return out;
  }
  for (const auto& n : names) {
    fs::path p = fs::path(dir) / (n + ".toml");
    if (!fs::exists(p)) p = fs::path(n);
    if (!fs::exists(p) || fs::is_directory(p)) {
      std::string known;
      if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
          if (e.path().extension() == ".toml") known += (known.empty() ? "" : ", ") + e.path().stem().string();
      throw error(fmt::format("unknown energy table '{}' (known in {}: {})", n, dir, known));
    }
    out.push_back(read_energy_table(p.string()));
  }
  return out;
}

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

namespace {

// One pass of a dense network with `macs` multiply-accumulates and as many weights (fp32/int8 reads).
energy_terms dense_pass(double macs, const energy_table& t) {
  energy_terms e;
  e.dense = macs * t.mac_pj;
  e.memory = macs * (t.weight_bits / 64.0) * t.read_64bit_pj(macs * t.weight_bits / 8.0);
  return e;
}

}  // namespace

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
  const auto input = dense_pass(static_cast<double>(r.input_macs), t);
  rep.brain.synaptic = sops * t.sop_pj;
  rep.brain.neuron = updates * t.neuron_update_pj;
  rep.brain.memory = sops * read_w + updates * rw_state + input.memory;
  rep.brain.dense = input.dense;
  rep.episode_pj = rep.brain.total() * (r.episodes ? static_cast<double>(r.decisions) / r.episodes : 0.0);
  // Break-even: at a firing rate x in every layer, SOPs = x * clock_macs (every synapse of every neuron
  // that spikes); neuron updates counted as N x T (what a time-stepped datapath performs).
  const double slope = static_cast<double>(r.clock_macs) * (t.sop_pj + read_w);
  const double fixed = all_updates * (t.neuron_update_pj + rw_state) + input.total();
  auto breakeven = [&](double reference) { return slope > 0 && reference > fixed ? (reference - fixed) / slope : -1.0; };
  rep.breakeven_mlp = breakeven(rep.mlp.total());
  rep.breakeven_ann = breakeven(rep.ann.total());
  rep.breakeven_ann_synaptic =
      r.clock_macs ? static_cast<double>(r.ann_macs) * t.mac_pj / (static_cast<double>(r.clock_macs) * t.sop_pj) : -1.0;
  return rep;
}

}  // namespace spikeworm
