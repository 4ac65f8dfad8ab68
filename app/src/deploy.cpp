// spikeworm deploy as a library operation.
#include "spikeworm/app/deploy.hpp"

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/lock.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm::app {

chip_setup load_chip(const std::string& chips_dir, const std::string& name, const std::string& tables_dir) {
  chip_setup s;
  s.chip = read_chip_profile(chip_profile_path(chips_dir, name));
  s.host = host_table(tables_dir, s.chip.host);
  return s;
}

session_choice choose_session(const experiment_config& cfg, const std::vector<std::string>& weights, int session,
                              std::uint64_t seed) {
  if (session >= 0 && static_cast<std::size_t>(session) >= weights.size())
    throw error(fmt::format("--session {}: the run has {} session(s)", session, weights.size()));
  eval_options sel;
  sel.episodes = selection_episodes;
  sel.seed = seed + 7919;
  sel.policy = eval_policy::greedy;
  session_choice c{session >= 0 ? session : 0, session < 0, -1, {}};
  for (std::size_t k = 0; k < weights.size(); ++k) {
    auto b = make_brain(cfg.brain, cfg.brain.enc.width(envs::observation_size), envs::num_actions, 1);
    read_weights(weights[k], b->params());
    sel.agent = k;
    c.agents.push_back(*evaluate(cfg, *b, sel).greedy);
  }
  // selection_rule: the first agent that no later one beats on success, or equals with fewer steps.
  auto better = [](const policy_figures& x, const policy_figures& y) {
    if (x.successes != y.successes) return x.successes > y.successes;
    return x.successes > 0 && x.mean_steps_success < y.mean_steps_success;
  };
  if (c.selected)
    for (std::size_t k = 1; k < c.agents.size(); ++k)
      if (better(c.agents[k], c.agents[static_cast<std::size_t>(c.session)])) c.session = static_cast<int>(k);
  c.success = c.agents[static_cast<std::size_t>(c.session)].success_rate();
  return c;
}

namespace {

// RUN for RUN/weights/session_K.bin; the weights file's own folder otherwise.
std::filesystem::path run_folder_of(const std::string& weights) {
  const auto parent = std::filesystem::absolute(std::filesystem::path(weights)).parent_path();
  return parent.filename() == "weights" ? parent.parent_path() : parent;
}

}  // namespace

deploy_report deploy(const deploy_options& opt) {
  const folder_lock lock(run_folder_of(opt.weights));  // docs/training.md, "The run folder"
  auto agent = make_brain(opt.cfg.brain, opt.cfg.brain.enc.width(envs::observation_size), envs::num_actions, 1);
  read_weights(opt.weights, agent->params());
  auto* sb = dynamic_cast<spiking_brain*>(agent.get());
  if (!sb) throw internal_error("deploy: spiking config, non-spiking brain");
  spikeworm::deploy_options run;
  run.episodes = opt.episodes;
  run.seed = opt.seed;
  run.method = opt.method;
  run.host = opt.chip.host;
  const auto total = static_cast<std::uint64_t>(2 * opt.episodes);
  std::uint64_t done = 0;
  return spikeworm::deploy(opt.cfg, *sb, opt.chip.chip, run, [&] {
    ++done;
    if (opt.progress) opt.progress(done, total);
  });
}

std::filesystem::path deploy_report_path(const std::string& run, const std::string& out, std::size_t chips,
                                         const std::string& id) {
  namespace fs = std::filesystem;
  return !out.empty() && chips == 1 ? fs::path(out)
         : !out.empty()             ? fs::path(out).parent_path() / fmt::format("deploy_{}.json", id)
         : fs::is_directory(fs::path(run)) ? fs::path(run) / fmt::format("deploy_{}.json", id)
                                           : fs::path(run + fmt::format(".deploy_{}.json", id));
}

nlohmann::json deploy_json(const deploy_report& rep, const loaded_run& run, const deploy_options& opt,
                           const session_choice& choice) {
  auto j = rep.to_json();
  j["run"] = run.dir.string();
  j["weights"] = opt.weights;
  j["seed"] = opt.seed;
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& g : choice.agents) agents.push_back(g.to_json());
  j["selection"] = {{"session", choice.session},
                    {"rule", choice.selected ? std::string(selection_rule) : std::string("given by --session")},
                    {"episodes", selection_episodes}, {"seed", opt.seed + 7919}, {"agents", agents}};
  return j;
}

}  // namespace spikeworm::app
