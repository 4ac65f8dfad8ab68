// Files, the source folder and training-run folders with their weights.
#include "spikeworm/app/run_dir.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

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

fs::path source_dir() {
  const char* env = std::getenv("SPIKEWORM_SOURCE_DIR");
  return fs::path(env ? env : SPIKEWORM_SOURCE_DIR);
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

}  // namespace spikeworm::app
