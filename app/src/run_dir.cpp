// Files and training-run folders with their weights.
#include "spikeworm/app/run_dir.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm::app {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open for reading", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A run folder is used with exactly the sessions its run.json lists (docs/training.md, "The run folder").
static void check_sessions(const loaded_run& run) {
  const auto n = read_run_json(run.dir).sessions;  // range-checked; names the file when missing
  std::vector<bool> seen(static_cast<std::size_t>(n), false);
  for (const auto& w : run.weights) {
    int k = -1;
    const auto name = fs::path(w).filename().string();
    if (std::sscanf(name.c_str(), "session_%d.bin", &k) != 1 || k < 0 || k >= n)
      throw error(fmt::format("{}: extra weights file {} (run.json lists {} sessions)", run.dir.string(), w, n));
    seen[static_cast<std::size_t>(k)] = true;
  }
  for (std::size_t k = 0; k < seen.size(); ++k)
    if (!seen[k])
      throw error(fmt::format("{}: weights/session_{}.bin is missing (run.json lists {} sessions; a failed session "
                              "exports no weights)", run.dir.string(), k, n));
}

loaded_run load_run(const std::string& path, const std::string& config_override) {
  loaded_run r;
  const fs::path p(path);
  if (!fs::exists(p)) throw error(fmt::format("{}: no such run folder or weights file", path));
  if (fs::is_directory(p)) {
    r.dir = p;
    const fs::path wdir = p / "weights";
    if (!fs::is_directory(wdir)) throw error(fmt::format("{}: not a training run folder (no weights/)", path));
    std::vector<std::pair<int, std::string>> found;
    for (const auto& e : fs::directory_iterator(wdir)) {
      const std::string name = e.path().filename().string();
      int k = -1;
      if (std::sscanf(name.c_str(), "session_%d.bin", &k) == 1 && name == fmt::format("session_{}.bin", k))
        found.emplace_back(k, e.path().string());
    }
    if (found.empty()) throw error(fmt::format("{}: no weights/session_K.bin files (has training finished?)", path));
    std::sort(found.begin(), found.end());
    for (auto& f : found) r.weights.push_back(f.second);
    check_sessions(r);
    r.config_path = config_override.empty() ? p / "config.toml" : fs::path(config_override);
  } else {
    r.weights.push_back(p.string());
    r.dir = p.parent_path().parent_path();
    r.config_path = config_override.empty() ? r.dir / "config.toml" : fs::path(config_override);
    if (!fs::exists(r.config_path))
      throw error(fmt::format("{}: no config.toml two folders up; give --config FILE", path));
  }
  const std::string text = slurp(r.config_path);
  const auto doc = load_config_string(text, r.config_path.string());
  r.cfg = read_experiment(table_reader::root(doc));
  return r;
}

namespace {

// An integer of run.json in [lo, hi]; the error names the file and key.
std::int64_t run_integer(const nlohmann::json& j, const std::string& file, const char* key, std::int64_t lo,
                         std::int64_t hi) {
  if (!j.contains(key)) throw error(fmt::format("{}: missing key '{}'", file, key));
  const auto& v = j.at(key);
  const bool ok = v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX) &&
                  v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi;
  if (!ok) throw error(fmt::format("{}: key '{}': must be an integer in [{}, {}], got {}", file, key, lo, hi, v.dump()));
  return v.get<std::int64_t>();
}

}  // namespace

run_record parse_run_json(const std::string& text, const std::string& file) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw error(fmt::format("{}: not valid JSON (not a spikeworm run folder?)", file));
  run_record r;
  if (!j.contains("config") || !j.at("config").is_string())
    throw error(fmt::format("{}: key 'config': must be a string", file));
  r.config = j.at("config").get<std::string>();
  r.sessions = static_cast<int>(run_integer(j, file, "sessions", 1, 10000));
  r.episodes = static_cast<int>(run_integer(j, file, "episodes", 1, 10'000'000));
  if (!j.contains("seed")) throw error(fmt::format("{}: missing key 'seed'", file));
  const auto& seed = j.at("seed");
  if (!seed.is_number_integer() || (!seed.is_number_unsigned() && seed.get<std::int64_t>() < 0))
    throw error(fmt::format("{}: key 'seed': must be an integer in [0, 2^64-1], got {}", file, seed.dump()));
  r.seed = seed.get<std::uint64_t>();
  if (j.contains("checkpoint_every"))
    r.checkpoint_every = static_cast<int>(run_integer(j, file, "checkpoint_every", 0, 10'000'000));
  if (j.contains("init_weights")) {
    const auto& v = j.at("init_weights");
    if (!v.is_string() || v.get<std::string>().empty())
      throw error(fmt::format("{}: key 'init_weights': must be a non-empty string, got {}", file, v.dump()));
    r.init_weights = v.get<std::string>();
  }
  return r;
}

run_record read_run_json(const fs::path& dir) {
  const fs::path file = dir / "run.json";
  if (!fs::exists(file)) throw error(fmt::format("{}: not a spikeworm run folder (no run.json)", dir.string()));
  return parse_run_json(slurp(file), file.string());
}

}  // namespace spikeworm::app
