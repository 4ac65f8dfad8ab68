// Running the spikeworm command line in-process from tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/cli/cli.hpp"

namespace spikeworm::test {

struct cli_result {
  int code;
  std::string out, err;
};

// A spiking brain on static medium small enough to train in well under a second (2 sessions x 5 episodes).
inline const std::string small_experiment = R"(
[env]
kind = "static"
preset = "medium"
[brain]
type = "spiking"
hidden = 16
layers = 2
steps = 12
[train]
episodes = 5
sessions = 2
seed = 3
)";

inline nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

inline cli_result run_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace spikeworm::test
