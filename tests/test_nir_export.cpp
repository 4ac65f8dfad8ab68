// nir export (docs/nir.md, "nir export"): a spiking agent written as a NIR graph and run by the NIR runner
// gives the agent's own logits (the sum of the Output over the T steps) and last-layer spike counts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "spikeworm/app/nir.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/nir_graph.hpp"
#include "spikeworm/engine/nir_plan.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/spiking_brain.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct exported {
  std::vector<double> logits;  // sum of the Output over T steps
  std::vector<double> counts;  // spikes of the last LIF node over T steps
};

exported run_exported(const fs::path& file, std::span<const double> obs, int steps, int layers, const std::string& engine) {
  const auto doc = nir::read(file);
  const auto pl = nir::make_plan(doc);
  const auto tr = nir::translate(doc, pl, {std::stod(doc.metadata.at("dt")), nir_reset::value});
  nir::matrix in{static_cast<std::size_t>(steps), obs.size(), {}};
  for (int t = 0; t < steps; ++t) in.values.insert(in.values.end(), obs.begin(), obs.end());
  const auto r = nir::run(tr, pl, in, {engine, 1, {fmt::format("lif{}", layers - 1)}});
  exported e;
  const auto& out = r.outputs.at(0).second;
  e.logits.assign(out.cols, 0.0);
  for (std::size_t t = 0; t < out.rows; ++t)
    for (std::size_t a = 0; a < out.cols; ++a) e.logits[a] += out.at(t, a);
  for (const auto& rec : r.records)
    if (rec.what == "spikes") {
      e.counts.assign(rec.values.cols, 0.0);
      for (std::size_t t = 0; t < rec.values.rows; ++t)
        for (std::size_t j = 0; j < rec.values.cols; ++j) e.counts[j] += rec.values.at(t, j);
    }
  return e;
}

TEST(nir_export, the_exported_graph_gives_the_agents_logits_and_spike_counts) {
  const test::temp_dir tmp;
  const fs::path& dir = tmp.path();
  struct variant {
    int layers;
    bool recurrent;
    int steps;
  };
  for (const variant v : {variant{1, false, 20}, variant{2, false, 25}, variant{3, false, 10}, variant{2, true, 25}}) {
    experiment_config cfg;
    cfg.brain.hidden = 24;
    cfg.brain.layers = v.layers;
    cfg.brain.recurrent = v.recurrent;
    cfg.brain.steps = v.steps;
    cfg.brain.output_scale = 1.0;
    const int n_obs = cfg.brain.enc.width(envs::observation_size);
    for (const std::uint64_t seed : {1u, 2u}) {
      auto agent = make_brain(cfg.brain, n_obs, envs::num_actions, seed);
      const fs::path weights = dir / fmt::format("w_{}_{}_{}.bin", v.layers, v.recurrent, seed);
      write_weights(weights, agent->params());
      const fs::path file = dir / fmt::format("agent_{}_{}_{}.nir", v.layers, v.recurrent, seed);
      const auto rep = app::nir_export({cfg, weights.string(), file});
      EXPECT_EQ(rep.nodes.front(), "input");
      auto& sb = dynamic_cast<spiking_brain&>(*agent);
      double total = 0;
      for (const std::vector<double>& obs : {std::vector<double>{0.9, 0.1}, std::vector<double>{0.3, -0.7},
                                            std::vector<double>{1.0, 0.5}, std::vector<double>{0.05, 0.95}}) {
        std::vector<double> logits(envs::num_actions);
        sb.forward(obs, logits);
        const std::vector<double> counts(sb.counts().begin(), sb.counts().end());
        for (const char* engine : {"clock", "event"}) {
          const auto e = run_exported(file, obs, v.steps, v.layers, engine);
          EXPECT_EQ(e.counts, counts) << v.layers << " layers, recurrent " << v.recurrent << ", seed " << seed << ", "
                                      << engine;
          ASSERT_EQ(e.logits.size(), logits.size());
          for (std::size_t a = 0; a < logits.size(); ++a)
            EXPECT_NEAR(e.logits[a], logits[a], 1e-9 * std::max(1.0, std::abs(logits[a]))) << engine << " action " << a;
        }
        for (double c : counts) total += c;
      }
      EXPECT_GT(total, 0.0) << "the agent must spike for the comparison to mean something";
    }
  }
}

TEST(nir_export, refuses_what_nir_cannot_express) {
  const test::temp_dir tmp;
  const fs::path& dir = tmp.path();
  experiment_config cfg;
  cfg.brain.hidden = 8;
  cfg.brain.readout = readout_kind::dense;
  cfg.brain.head_hidden = 4;
  auto agent = make_brain(cfg.brain, cfg.brain.enc.width(envs::observation_size), envs::num_actions, 1);
  write_weights(dir / "w.bin", agent->params());
  try {
    app::nir_export({cfg, (dir / "w.bin").string(), dir / "a.nir"});
    FAIL() << "exported a dense head";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("dense head"));
  }
  EXPECT_FALSE(fs::exists(dir / "a.nir"));
  cfg.brain.kind = brain_kind::mlp;
  cfg.brain.readout = readout_kind::spikes;
  try {
    app::nir_export({cfg, (dir / "w.bin").string(), dir / "a.nir"});
    FAIL() << "exported an mlp";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("mlp brain"));
  }
}

// Export a briefly trained default agent (configs/spiking_static_medium.toml), import the file again, and play
// 20 greedy episodes with the imported graph on the event engine: at every decision its spikes, layer by layer
// and step by step, equal the agent's own, and its action is the agent's; the successes equal the agent's
// own greedy play of the same episodes.
TEST(nir_export, an_exported_and_imported_agent_plays_as_the_agent_does) {
  const test::temp_dir tmp;
  const auto doc = load_config_file((test::source_dir() / "configs" / "spiking_static_medium.toml").string());
  experiment_config cfg = read_experiment(table_reader::root(doc));
  session s(cfg, 0, 5);
  for (int e = 0; e < 60; ++e) s.run_episode();
  auto& b = dynamic_cast<spiking_brain&>(s.policy());
  const fs::path weights = tmp.path() / "w.bin", file = tmp.path() / "agent.nir";
  write_weights(weights, b.params());
  app::nir_export({cfg, weights.string(), file});
  const auto nir_doc = nir::read(file);
  const auto pl = nir::make_plan(nir_doc);
  const auto tr = nir::translate(nir_doc, pl, {std::stod(nir_doc.metadata.at("dt")), nir_reset::value});
  const int L = cfg.brain.layers, T = cfg.brain.steps, H = cfg.brain.hidden;
  std::vector<std::string> lifs;
  for (int k = 0; k < L; ++k) lifs.push_back(fmt::format("lif{}", k));
  envs::environment env(cfg.env), own(cfg.env);
  int decisions = 0, successes = 0, own_successes = 0;
  std::uint64_t spikes = 0;
  for (int episode = 0; episode < 20; ++episode) {
    const auto seed = envs::episode_seed(31, static_cast<std::uint64_t>(episode));
    env.reset(seed);
    while (!env.done()) {
      const auto obs = envs::to_array(env.observe());
      action_values logits{};
      b.forward_train(obs, logits, 0);
      const spike_tape& tape = b.tape(0);
      nir::matrix in{static_cast<std::size_t>(T), obs.size(), {}};
      for (int t = 0; t < T; ++t) in.values.insert(in.values.end(), obs.begin(), obs.end());
      const auto r = nir::run(tr, pl, in, {"event", 1, lifs});
      for (const auto& rec : r.records) {
        if (rec.what != "spikes") continue;
        const int k = rec.node.back() - '0';
        for (int t = 0; t < T; ++t)
          for (int j = 0; j < H; ++j) {
            const auto want = tape.spiked[(static_cast<std::size_t>(k) * T + t) * H + j];
            ASSERT_EQ(rec.values.at(static_cast<std::size_t>(t), static_cast<std::size_t>(j)), static_cast<double>(want))
                << "episode " << episode << ", decision " << decisions << ", layer " << k << ", step " << t << ", neuron " << j;
            spikes += want;
          }
      }
      std::vector<double> sum(envs::num_actions, 0.0);
      const auto& out = r.outputs.at(0).second;
      for (std::size_t t = 0; t < out.rows; ++t)
        for (std::size_t a = 0; a < out.cols; ++a) sum[a] += out.at(t, a);
      const int action = static_cast<int>(std::max_element(sum.begin(), sum.end()) - sum.begin());
      ASSERT_EQ(action, greedy_action(logits)) << "episode " << episode << ", decision " << decisions;
      env.step(static_cast<envs::action>(action));
      ++decisions;
    }
    successes += env.info().end == envs::outcome::success;
    own.reset(seed);
    while (!own.done()) {
      action_values logits{};
      b.forward(envs::to_array(own.observe()), logits);
      own.step(static_cast<envs::action>(greedy_action(logits)));
    }
    own_successes += own.info().end == envs::outcome::success;
  }
  EXPECT_EQ(successes, own_successes);
  EXPECT_GT(decisions, 100);
  EXPECT_GT(spikes, 10000u);
  std::printf("round trip: %d decisions, %llu spikes, %d of 20 successes\n", decisions,
              static_cast<unsigned long long>(spikes), successes);
}

}  // namespace
}  // namespace spikeworm
