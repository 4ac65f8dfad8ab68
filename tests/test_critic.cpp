// The learned value baseline (train.critic, docs/training.md "REINFORCE"): advantages, learning, checkpoints.
#include <cmath>

#include <gtest/gtest.h>

#include "integrity_helpers.hpp"
#include "spikeworm/learning/reinforce.hpp"

namespace spikeworm {
namespace {

using test::temp_dir;

experiment_config critic_config_of(bool critic, bool normalize) {
  auto cfg = test::small_config();
  cfg.train.critic = critic;
  cfg.train.normalize_returns = normalize;
  return cfg;
}

TEST(critic, advantages_are_returns_minus_values) {
  train_config c;
  c.gamma = 0.5;
  c.normalize_returns = false;
  c.subtract_baseline = true;  // ignored when values are given
  const std::vector<double> rewards{1.0, 0.0, 2.0};
  // G = [1 + 0.5 (0 + 0.5 * 2), 0 + 0.5 * 2, 2] = [1.5, 1, 2]
  EXPECT_EQ(discounted_returns(0.5, rewards), (std::vector<double>{1.5, 1.0, 2.0}));
  const auto a = advantages(c, rewards, 100.0, std::vector<double>{0.5, 1.5, 1.0});
  EXPECT_EQ(a, (std::vector<double>{1.0, -0.5, 1.0}));
  // Normalised: mean 0.5, unbiased sd sqrt(0.75).
  c.normalize_returns = true;
  const auto z = advantages(c, rewards, 100.0, std::vector<double>{0.5, 1.5, 1.0});
  const double sd = std::sqrt(0.75);
  EXPECT_NEAR(z[0], 0.5 / (sd + 1e-8), 1e-12);
  EXPECT_NEAR(z[1], -1.0 / (sd + 1e-8), 1e-12);
  EXPECT_NEAR(z[2], 0.5 / (sd + 1e-8), 1e-12);
  EXPECT_THROW(advantages(c, rewards, 0.0, std::vector<double>{1.0}), internal_error);
}

TEST(advantages, without_a_critic_the_running_baseline_is_subtracted_only_when_asked) {
  train_config c;
  c.gamma = 0.5;
  c.normalize_returns = false;
  const std::vector<double> rewards{1.0, 0.0, 2.0};  // G = [1.5, 1, 2]
  c.subtract_baseline = true;
  EXPECT_EQ(advantages(c, rewards, 0.25, {}), (std::vector<double>{1.25, 0.75, 1.75}));
  c.subtract_baseline = false;
  EXPECT_EQ(advantages(c, rewards, 0.25, {}), (std::vector<double>{1.5, 1.0, 2.0}));
  // One decision: nothing to normalise against, the advantage stays G - b.
  c.subtract_baseline = true;
  c.normalize_returns = true;
  EXPECT_EQ(advantages(c, std::vector<double>{3.0}, 1.0, {}), (std::vector<double>{2.0}));
  // Normalised: the baseline cancels in (G - b - mean) / (sd + 1e-8); mean 1.5 - 0.25, unbiased sd 0.5.
  const auto z = advantages(c, rewards, 0.25, {});
  // Exact in double up to the last bit of the division: (x - mean) and sd are exact binary fractions here.
  EXPECT_EQ(z[0], 0.0);
  EXPECT_NEAR(z[1], -0.5 / (0.5 + 1e-8), 1e-15);
  EXPECT_NEAR(z[2], 0.5 / (0.5 + 1e-8), 1e-15);
}

// The critic's mean squared error on each episode's returns (measured before that episode's update) falls
// as the session trains: it is trained towards the discounted returns.
TEST(critic, learns_the_returns_of_the_episodes) {
  auto cfg = critic_config_of(true, false);
  cfg.train.episodes = 60;
  session s(cfg, 0, 7);
  std::vector<double> errors;
  for (int e = 0; e < cfg.train.episodes; ++e) {
    s.run_episode();
    errors.push_back(s.last_critic_error());
  }
  double early = 0, late = 0;
  for (int e = 0; e < 10; ++e) early += errors[static_cast<std::size_t>(e)] / 10;
  for (int e = 50; e < 60; ++e) late += errors[static_cast<std::size_t>(e)] / 10;
  EXPECT_GT(early, 0.0);
  EXPECT_LT(late, 0.5 * early) << "early " << early << " late " << late;
}

TEST(critic, checkpoint_round_trip_continues_exactly) {
  temp_dir t;
  const auto cfg = critic_config_of(true, false);
  session whole(cfg, 0, 3), first(cfg, 0, 3), second(cfg, 0, 3);
  for (int e = 0; e < 4; ++e) whole.run_episode();
  for (int e = 0; e < 2; ++e) first.run_episode();
  first.save(t.path() / "c.ckpt");
  second.load(t.path() / "c.ckpt");
  for (int e = 0; e < 2; ++e) second.run_episode();
  const auto& pw = whole.policy().params();
  const auto& ps = second.policy().params();
  for (std::size_t k = 0; k < pw.size(); ++k)
    for (std::size_t i = 0; i < pw[k].value.size(); ++i) ASSERT_EQ(pw[k].value[i], ps[k].value[i]) << pw[k].name;
  for (int e = 0; e < 4; ++e) EXPECT_EQ(whole.records()[e].loss, second.records()[e].loss);
  // A checkpoint without a critic does not load into a session with one (and the reverse).
  const auto plain = critic_config_of(false, false);
  session p(plain, 0, 3);
  p.run_episode();
  p.save(t.path() / "p.ckpt");
  EXPECT_THROW(second.load(t.path() / "p.ckpt"), error);
  session q(plain, 0, 3);
  EXPECT_THROW(q.load(t.path() / "c.ckpt"), error);
}

TEST(critic, changes_the_updates_and_is_off_by_default) {
  EXPECT_FALSE(train_config{}.critic);
  session a(critic_config_of(false, false), 0, 3), b(critic_config_of(true, false), 0, 3);
  a.run_episode();
  b.run_episode();
  // Same first episode (same weights and streams), different advantages, so different losses.
  EXPECT_EQ(a.records()[0].steps, b.records()[0].steps);
  EXPECT_NE(a.records()[0].loss, b.records()[0].loss);
}

}  // namespace
}  // namespace spikeworm
