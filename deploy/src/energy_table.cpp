// Energy tables: host tables from configs/energy, chip tables from the chip profiles (docs/energy.md).
#include "spikeworm/deploy/energy_table.hpp"

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

std::vector<std::string> toml_files(const std::string& dir) {
  std::vector<std::string> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".toml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// The chip tables of the profiles in `chips_dir` that carry an [energy_table].
std::vector<energy_table> chip_tables(const std::string& tables_dir, const std::string& chips_dir) {
  std::vector<energy_table> out;
  for (const auto& f : toml_files(chips_dir)) {
    const auto chip = read_chip_profile(f);
    if (!chip.energy_table_id.empty()) out.push_back(chip_energy_table(chip, host_table(tables_dir, chip.host)));
  }
  return out;
}

std::string known_ids(const std::vector<energy_table>& tables) {
  std::string known;
  for (const auto& t : tables) known += (known.empty() ? "" : ", ") + t.id;
  return known.empty() ? "none" : known;
}

}  // namespace

energy_table read_energy_table(const std::string& path) {
  const auto doc = load_config_file(path);
  const auto t = table_reader::root(doc);
  t.allow_only({"name", "kind", "sop_pj", "neuron_update_pj", "mac_pj", "weight_bits", "state_bits", "sram_bytes",
                "sram_read_64bit_pj"});
  energy_table e;
  e.id = fs::path(path).stem().string();
  e.file = path;
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

energy_table host_table(const std::string& tables_dir, const std::string& name) {
  const fs::path p = fs::path(tables_dir) / (name + ".toml");
  if (fs::is_regular_file(p)) return read_energy_table(p.string());
  if (fs::path(name).extension() == ".toml" && fs::is_regular_file(name)) return read_energy_table(name);
  std::string known;
  for (const auto& f : toml_files(tables_dir)) known += (known.empty() ? "" : ", ") + fs::path(f).stem().string();
  throw error(fmt::format("unknown energy table '{}' (known in {}: {})", name, tables_dir, known.empty() ? "none" : known));
}

energy_table chip_energy_table(const chip_profile& chip, const energy_table& host) {
  energy_table e = host;
  e.id = chip.energy_table_id.empty() ? chip.id : chip.energy_table_id;
  e.name = chip.energy_table_name.empty() ? chip.name : chip.energy_table_name;
  e.file = chip.file;
  e.chip = true;
  e.sop_pj = chip.synop_pj;
  e.neuron_update_pj = chip.update_pj;
  return e;
}

std::vector<energy_table> load_energy_tables(const std::string& tables_dir, const std::string& chips_dir,
                                             const std::vector<std::string>& names) {
  if (!fs::is_directory(tables_dir)) throw error(fmt::format("{}: no such folder of energy tables", tables_dir));
  std::vector<energy_table> all;
  for (const auto& f : toml_files(tables_dir)) all.push_back(read_energy_table(f));
  for (auto& t : chip_tables(tables_dir, chips_dir)) all.push_back(std::move(t));
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  const auto twice = std::adjacent_find(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id == b.id; });
  if (twice != all.end())
    throw error(fmt::format("energy table id '{}' is given twice: by {} and by {}; rename one", twice->id, twice->file,
                            std::next(twice)->file));
  if (names.empty()) {
    if (all.empty()) throw error(fmt::format("{}: no energy tables (*.toml)", tables_dir));
    return all;
  }
  std::vector<energy_table> out;
  for (const auto& n : names) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.id == n; });
    if (it != all.end()) {
      out.push_back(*it);
    } else if (fs::is_regular_file(n)) {
      out.push_back(read_energy_table(n));
    } else {
      throw error(fmt::format("unknown energy table '{}' (known in {} and {}: {})", n, tables_dir, chips_dir,
                              known_ids(all)));
    }
  }
  return out;
}

std::vector<energy_table> load_energy_tables(const std::string& tables_dir, const std::vector<std::string>& names) {
  fs::path dir = fs::path(tables_dir);
  if (!dir.has_filename()) dir = dir.parent_path();  // "configs/energy/"
  return load_energy_tables(tables_dir, (dir.parent_path() / "chips").string(), names);
}

}  // namespace spikeworm
