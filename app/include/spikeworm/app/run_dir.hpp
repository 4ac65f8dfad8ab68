// Files and training-run folders shared by the operations that read them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::app {

// The whole file; an error naming it when it cannot be read.
std::string slurp(const std::filesystem::path& p);

// A training run folder (config.toml, weights/session_K.bin) or one weights file of such a folder.
struct loaded_run {
  std::filesystem::path dir;          // the run folder
  std::filesystem::path config_path;
  experiment_config cfg;
  std::vector<std::string> weights;   // session_0.bin, session_1.bin, ... in session order
};
loaded_run load_run(const std::string& path, const std::string& config_override);

// A run folder's run.json (docs/training.md, "File formats"), every field type- and range-checked.
struct run_record {
  std::string config;
  int sessions = 1, episodes = 1;
  std::uint64_t seed = 0;
  int checkpoint_every = 0;
  std::string init_weights;  // the absolute path the sessions started from (docs/training.md, "Transfer"); empty: none
};
// Throws spikeworm::error naming the file and key for invalid JSON, a missing key or a value out of range.
run_record parse_run_json(const std::string& text, const std::string& file);
run_record read_run_json(const std::filesystem::path& dir);

}  // namespace spikeworm::app
