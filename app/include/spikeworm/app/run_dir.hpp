// Files and training-run folders shared by the operations that read them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::app {

// The whole file; an error naming it when it cannot be read.
std::string slurp(const std::filesystem::path& p);

// The project's source folder (SPIKEWORM_SOURCE_DIR, else the build's): configs/, scripts/.
std::filesystem::path source_dir();

// A training run folder (config.toml, weights/session_K.bin) or one weights file of such a folder.
struct loaded_run {
  std::filesystem::path dir;          // the run folder
  std::filesystem::path config_path;
  experiment_config cfg;
  std::vector<std::string> weights;   // session_0.bin, session_1.bin, ... in session order
};
loaded_run load_run(const std::string& path, const std::string& config_override);

}  // namespace spikeworm::app
