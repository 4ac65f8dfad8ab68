// The C++ BPTT against PyTorch float64 autograd of the same brain and loss, on committed fixtures
// made by bench/torch_reference.py (PyTorch is not needed to run this test).
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm {
namespace {

nlohmann::json fixture(const char* name = "torch_gradients.json") {
  std::ifstream in(test::source_dir() / "tests" / "fixtures" / name);
  EXPECT_TRUE(in) << "missing fixture";
  return nlohmann::json::parse(in);
}

surrogate_kind kind_of(const std::string& s) {
  if (s == "sigmoid") return surrogate_kind::sigmoid;
  if (s == "fast_sigmoid") return surrogate_kind::fast_sigmoid;
  if (s == "arctan") return surrogate_kind::arctan;
  if (s == "triangle") return surrogate_kind::triangle;
  return surrogate_kind::rectangular;
}

TEST(torch_reference, advantages_match) {
  const auto f = fixture();
  const std::vector<double> rewards = f["rewards"];
  const std::vector<double> expected = f["advantages"];
  const auto got = advantages(train_config{}, rewards, 0.0);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-12);
}

// One case of the fixture: load the weights (PyTorch layout: weight[out][in]), play the episode's decisions,
// compare logits and every tensor's gradient.
void check_case(const nlohmann::json& f, const brain_config& cfg, const nlohmann::json& weights, const nlohmann::json& c) {
  const std::vector<std::vector<double>> obs = f["obs"];
  const std::vector<int> actions = f["actions"];
  const std::vector<double> adv = f["advantages"];
  const double beta = f["beta"];
  spiking_brain b(cfg, envs::observation_size, envs::num_actions, 1);
  ASSERT_EQ(b.params().size(), weights.size()) << "the fixture's tensors are the brain's";
  for (auto& p : b.params()) {
    const auto& w = weights[p.name];
    ASSERT_FALSE(w.is_null()) << p.name;
    for (std::size_t r = 0; r < p.rows; ++r)
      for (std::size_t col = 0; col < p.cols; ++col)
        p.at(r, col) = static_cast<float>(p.cols == 1 ? w[r].get<double>() : w[r][col].get<double>());
  }
  b.zero_grad();
  const double n = static_cast<double>(obs.size());
  for (std::size_t t = 0; t < obs.size(); ++t) {
    std::vector<double> logits(4), probs(4), g(4);
    b.forward(obs[t], logits);
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(logits[k], c["logits"][t][k].get<double>(), 1e-9) << "forward";
    softmax(logits, probs);
    policy_gradient(probs, actions[t], adv[t], beta, n, g);
    b.backward(obs[t], g);
  }
  for (auto& p : b.params()) {
    const auto& g = c["grads"][p.name];
    double num = 0, den = 0;
    for (std::size_t r = 0; r < p.rows; ++r)
      for (std::size_t col = 0; col < p.cols; ++col) {
        const double ref = p.cols == 1 ? g[r].get<double>() : g[r][col].get<double>();
        const double got = p.grad_at(r, col);
        num += (got - ref) * (got - ref);
        den += ref * ref;
      }
    // PyTorch runs in float64. The C++ BPTT keeps its tape of membranes in float and evaluates the surrogate
    // there (docs/architecture.md, "the tape"), so each surrogate factor carries a float rounding (2^-24 relative) and the
    // gradients differ from float64 autograd by about 1e-7 relative: 0.9e-7 to 1.04e-6 over these cases and
    // tensors (the rectangular surrogate, whose window edges the float membranes move, the largest). The bound
    // is 4e-6, four times the largest seen: a wrong factor or a dropped term is orders of magnitude above it.
    EXPECT_LE(std::sqrt(num), 4e-6 * std::sqrt(den)) << c["surrogate"] << " " << p.name << " |g| " << std::sqrt(den);
    EXPECT_GT(den, 0.0) << c["surrogate"] << " " << p.name << ": an all-zero gradient would make the check empty";
  }
}

brain_config fixture_brain(const nlohmann::json& f, const nlohmann::json& c) {
  brain_config cfg;
  cfg.hidden = f["hidden"];
  cfg.layers = f["layers"];
  cfg.steps = f["steps"];
  cfg.lif.tau_m = f["tau_m"];
  cfg.grad = {kind_of(c["surrogate"]), c["alpha"]};
  if (f.contains("head_hidden")) {  // the hybrid head (readout = dense)
    cfg.readout = readout_kind::dense;
    cfg.head_hidden = f["head_hidden"];
  }
  return cfg;
}

TEST(torch_reference, gradients_match_autograd_for_every_surrogate) {
  const auto f = fixture();
  ASSERT_EQ(f["cases"].size(), 5u);
  for (const auto& c : f["cases"]) check_case(f, fixture_brain(f, c), f["weights"], c);
}

TEST(torch_reference, recurrent_gradients_match_autograd) {
  // [brain] recurrent = true, with 1 layer (the recurrent layer is layer 1) and 2; recurrent.{L-1}.weight included.
  const auto f = fixture();
  ASSERT_EQ(f["recurrent"].size(), 2u);
  for (const auto& r : f["recurrent"]) {
    ASSERT_EQ(r["cases"].size(), 2u);
    for (const auto& c : r["cases"]) {
      auto cfg = fixture_brain(f, c);
      cfg.layers = r["layers"];
      cfg.recurrent = true;
      SCOPED_TRACE(testing::Message() << cfg.layers << " layers");
      check_case(f, cfg, r["weights"], c);
    }
  }
}

TEST(torch_reference, hybrid_head_gradients_match_autograd_for_every_surrogate) {
  const auto f = fixture("torch_gradients_hybrid.json");
  ASSERT_EQ(f["head_hidden"], 16);
  ASSERT_EQ(f["cases"].size(), 5u);
  for (const auto& c : f["cases"]) check_case(f, fixture_brain(f, c), f["weights"], c);
}

}  // namespace
}  // namespace spikeworm
