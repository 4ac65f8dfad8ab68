// nir export (docs/nir.md, "nir export"): a spiking agent written as a NIR graph and run by the NIR runner
// gives the agent's own logits (the sum of the Output over the T steps) and last-layer spike counts.
#include <cmath>
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

}  // namespace
}  // namespace spikeworm
