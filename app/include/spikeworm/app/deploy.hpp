// spikeworm deploy as a library operation (docs/deployment.md): a trained spiking agent mapped onto a chip,
// quantized and run in fixed point. Returns typed results and prints nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/deploy/energy_table.hpp"
#include "spikeworm/learning/deploy.hpp"
#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::app {

// Work done of a total (episodes, steps), reported from the thread that does the work.
using progress_callback = std::function<void(std::uint64_t done, std::uint64_t total)>;

// A chip profile and its host datapath table.
struct chip_setup {
  chip_profile chip;
  energy_table host;
};
// The chip `name` (in `chips_dir`, or a .toml path) and its host table (in `tables_dir`, or the host's own
// path). Errors list the known ones.
chip_setup load_chip(const std::string& chips_dir, const std::string& name, const std::string& tables_dir);

// Which session's agent a run deploys, and every agent's greedy figures on the selection episodes.
struct session_choice {
  int session = 0;
  bool selected = false;  // chosen on selection episodes rather than given
  double success = -1;    // its greedy success on them
  std::vector<policy_figures> agents;  // every agent's greedy figures on the selection episodes
};
inline constexpr int selection_episodes = 20;
inline constexpr const char* selection_rule =
    "highest greedy success, ties by fewer mean steps of successes, then lower session index";
// Every agent plays selection_episodes greedy episodes seeded apart from the report's (seed + 7919).
// `session` >= 0: that one is deployed (an error when the run has fewer); -1: the best by selection_rule.
session_choice choose_session(const experiment_config& cfg, const std::vector<std::string>& weights, int session,
                              std::uint64_t seed);

struct deploy_options {
  experiment_config cfg;
  std::string weights;  // the agent's weights file
  chip_setup chip;
  int episodes = 100;
  std::uint64_t seed = 1000;
  partitioner method = partitioner::greedy;
  progress_callback progress;  // episodes of the float and the quantized run: 2 x episodes in all
};
// The report; deploy_report::to_json() is its JSON.
deploy_report deploy(const deploy_options& opt);

// Where the report of chip `id` goes when `chips` chips are deployed from `run`: `out` itself for one chip,
// deploy_ID.json beside it for several; without `out`, RUN/deploy_ID.json for a run folder and
// WEIGHTS.deploy_ID.json for a weights file.
std::filesystem::path deploy_report_path(const std::string& run, const std::string& out, std::size_t chips,
                                         const std::string& id);
// The JSON report (deploy_CHIP.json): deploy_report::to_json with the run, the weights, the seed and the
// session selection.
nlohmann::json deploy_json(const deploy_report& rep, const loaded_run& run, const deploy_options& opt,
                           const session_choice& choice);

}  // namespace spikeworm::app
