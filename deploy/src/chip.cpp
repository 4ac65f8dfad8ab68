// Chip profiles: reading and validation.
#include "spikeworm/deploy/chip.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

namespace fs = std::filesystem;

namespace {

// [width, height] or [min, max]: two integers.
std::pair<int, int> integer_pair(const table_reader& t, std::string_view key, std::string_view what) {
  const auto* arr = t.node(key)->as_array();
  if (!arr || arr->size() != 2 || !(*arr)[0].is_integer() || !(*arr)[1].is_integer())
    t.fail(key, fmt::format("must be {}, two integers", what));
  return {static_cast<int>(*(*arr)[0].value<std::int64_t>()), static_cast<int>(*(*arr)[1].value<std::int64_t>())};
}

std::int64_t count(const table_reader& t, std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  const auto v = t.integer(key, fallback);
  t.require(v >= lo && v <= hi, key, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return v;
}

double nonneg(const table_reader& t, std::string_view key) {
  const double v = t.number(key, 0.0);
  t.require(v >= 0.0, key, fmt::format("must be >= 0, got {}", v));
  return v;
}

// Cores, the mesh and the per-core capacity.
void read_capacity(const table_reader& t, chip_profile& c) {
  c.cores = count(t, "cores", 1, 1, 1 << 24);
  if (t.node("mesh")) {
    std::tie(c.mesh_w, c.mesh_h) = integer_pair(t, "mesh", "[width, height]");
    t.require(c.mesh_w >= 1 && c.mesh_h >= 1, "mesh", "width and height must be >= 1");
  } else {
    c.mesh_w = static_cast<int>(c.cores);
    c.mesh_h = 1;
  }
  c.cores_per_tile = static_cast<int>(count(t, "cores_per_tile", 1, 1, 1024));
  t.require(std::int64_t{c.mesh_w} * c.mesh_h * c.cores_per_tile >= c.cores, "mesh",
            fmt::format("{} x {} tiles of {} cores hold fewer than the {} cores", c.mesh_w, c.mesh_h, c.cores_per_tile, c.cores));
  c.neurons_per_core = count(t, "neurons_per_core", 0, 0, 1 << 30);
  c.axons_in_per_core = count(t, "axons_in_per_core", 0, 0, 1 << 30);
  c.axons_out_per_core = count(t, "axons_out_per_core", 0, 0, 1 << 30);
  c.synapse_memory_bytes = count(t, "synapse_memory_bytes", 0, 0, std::int64_t{1} << 40);
  c.synapse_bits = t.positive("synapse_bits", t.number("synapse_bits", 8.0));
  c.targets_per_neuron = static_cast<int>(count(t, "targets_per_neuron", 0, 0, 1 << 20));
}

// Weights, membrane, threshold, bias and decay widths.
void read_precision(const table_reader& t, chip_profile& c) {
  c.ternary = t.choice("weights", "integer", {"integer", "ternary"}) == "ternary";
  c.weight_bits = static_cast<int>(count(t, "weight_bits", 8, 2, 24));
  if (t.node("weight_shift")) {
    std::tie(c.weight_shift_min, c.weight_shift_max) = integer_pair(t, "weight_shift", "[min, max]");
    t.require(c.weight_shift_min <= c.weight_shift_max && c.weight_shift_min >= -24 && c.weight_shift_max <= 24,
              "weight_shift", "needs -24 <= min <= max <= 24");
  }
  c.membrane_bits = static_cast<int>(count(t, "membrane_bits", 24, 4, 32));  // <= 32: v x decay fits in int64
  c.threshold_bits = static_cast<int>(count(t, "threshold_bits", c.membrane_bits - 1, 2, 40));
  c.bias_bits = static_cast<int>(count(t, "bias_bits", 16, 2, 40));
  c.bias_shift_max = static_cast<int>(count(t, "bias_shift_max", 0, 0, 24));
  c.decay_bits = static_cast<int>(count(t, "decay_bits", 12, 0, 24));
  c.leak_bits = static_cast<int>(count(t, "leak_bits", 0, 0, 32));
  t.require(c.decay_bits > 0 || c.leak_bits > 0, "leak_bits", "a chip without decay_bits needs a linear leak (leak_bits)");
}

// Time and energy per operation, the host datapath and the chip's energy table.
void read_costs(const table_reader& t, chip_profile& c) {
  c.time_step_us = nonneg(t, "time_step_us");
  c.synop_ns = nonneg(t, "synop_ns");
  c.update_ns = nonneg(t, "update_ns");
  c.hop_ns = nonneg(t, "hop_ns");
  c.barrier_ns = nonneg(t, "barrier_ns");
  t.require(c.time_step_us > 0 || c.synop_ns > 0 || c.update_ns > 0, "time_step_us",
            "give a fixed tick (time_step_us) or per-operation times (synop_ns, update_ns)");
  c.energy_published = t.has("synop_pj");
  t.require(c.energy_published || !t.has("update_pj"), "update_pj", "needs synop_pj too");
  c.synop_pj = nonneg(t, "synop_pj");
  c.update_pj = nonneg(t, "update_pj");
  c.spike_pj = nonneg(t, "spike_pj");
  c.hop_pj = nonneg(t, "hop_pj");
  c.static_mw = nonneg(t, "static_mw");
  c.host = t.string("host", c.host);
  if (const auto e = t.subtable("energy_table")) {
    e->allow_only({"id", "name"});
    t.require(c.energy_published, "energy_table", "a chip's energy table needs its energies (synop_pj, update_pj)");
    c.energy_table_id = e->string("id", c.id);
    c.energy_table_name = e->string("name", c.name);
  }
}

}  // namespace

chip_profile read_chip_profile(const std::string& path) {
  const auto doc = load_config_file(path);
  const auto t = table_reader::root(doc);
  t.allow_only({"name", "cores", "mesh", "cores_per_tile", "neurons_per_core", "axons_in_per_core", "axons_out_per_core",
                "synapse_memory_bytes", "synapse_bits", "targets_per_neuron", "weights", "weight_bits", "weight_shift",
                "membrane_bits", "threshold_bits", "bias_bits", "bias_shift_max", "decay_bits", "leak_bits",
                "time_step_us", "synop_ns", "update_ns", "hop_ns", "barrier_ns", "synop_pj", "update_pj", "spike_pj",
                "hop_pj", "static_mw", "host", "energy_table"});
  chip_profile c;
  c.id = fs::path(path).stem().string();
  c.file = path;
  c.name = t.string("name");
  read_capacity(t, c);
  read_precision(t, c);
  read_costs(t, c);
  return c;
}

core_limits limits_of(const chip_profile& c) {
  core_limits l;
  l.cores = c.cores;
  l.mesh_w = c.mesh_w;
  l.mesh_h = c.mesh_h;
  l.cores_per_tile = c.cores_per_tile;
  l.neurons = c.neurons_per_core;
  l.axons_in = c.axons_in_per_core;
  l.axons_out = c.axons_out_per_core;
  l.synapse_bytes = c.synapse_memory_bytes;
  l.synapse_bits = c.synapse_bits;
  l.axons_per_source = c.ternary ? 2 : 1;
  l.targets_per_neuron = c.targets_per_neuron;
  return l;
}

std::vector<std::string> known_chips(const std::string& dir) {
  std::vector<std::string> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".toml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string chip_profile_path(const std::string& dir, const std::string& name) {
  fs::path p = fs::path(dir) / (name + ".toml");
  if (fs::is_regular_file(p)) return p.string();
  if (fs::path(name).extension() == ".toml" && fs::is_regular_file(name)) return name;
  std::string known;
  for (const auto& k : known_chips(dir)) known += (known.empty() ? "" : ", ") + k;
  throw error(fmt::format("unknown chip '{}' (known in {}: {})", name, dir, known.empty() ? "none" : known));
}

}  // namespace spikeworm
