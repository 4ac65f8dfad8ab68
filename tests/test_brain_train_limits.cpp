// Every range check of the [brain] and [train] readers holds at its limit and refuses the next value
// beyond it, naming its key (docs/training.md, "Configuration").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/reinforce.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

struct limit {
  std::string context;  // other keys the limit needs
  std::string key, at, beyond;
};

template <class Read>
void expect_limits(const std::vector<limit>& limits, const std::string& table, Read read) {
  for (const auto& l : limits) {
    const auto text = [&](const std::string& v) { return l.context + l.key + " = " + v + "\n"; };
    const auto at = load_config_string(text(l.at), "at.toml");
    EXPECT_NO_THROW(read(table_reader(at.root, table, at.file))) << l.context << l.key << " = " << l.at;
    const auto beyond = load_config_string(text(l.beyond), "beyond.toml");
    try {
      read(table_reader(beyond.root, table, beyond.file));
      ADD_FAILURE() << l.context << l.key << " = " << l.beyond << " was accepted";
    } catch (const config_error& e) {
      EXPECT_THAT(e.what(), HasSubstr(table + "." + l.key + ": ")) << l.key << " = " << l.beyond;
    }
  }
}

TEST(brain_config, every_range_holds_at_its_limits_and_refuses_just_beyond) {
  const std::string mlp = "type = \"mlp\"\n", dense = "readout = \"dense\"\n";
  const std::vector<limit> limits{
      {"", "hidden", "1", "0"},
      {"", "hidden", "4096", "4097"},
      {mlp, "hidden", "1", "0"},
      {"", "layers", "1", "0"},  // a spiking brain has at least one layer
      {"", "layers", "8", "9"},
      {mlp, "layers", "0", "-1"},  // the MLP's linear policy
      {mlp, "layers", "8", "9"},
      {"", "steps", "1", "0"},
      {"", "steps", "10000", "10001"},
      {"", "dt", "1e-300", "0.0"},
      {"", "surrogate_alpha", "1e-300", "0.0"},
      {"", "output_scale", "1e-300", "0.0"},
      {"recurrent = true\n", "recurrent_scale", "1e-300", "0.0"},
      {dense, "head_hidden", "1", "0"},
      {dense, "head_hidden", "4096", "4097"},
      {"dt = 1.0\n", "tau_m", "1.0", "0.9999999999999999"},  // tau_m >= dt
  };
  expect_limits(limits, "brain", [](const table_reader& t) { return read_brain_config(t); });
}

TEST(train_config, every_range_holds_at_its_limits_and_refuses_just_beyond) {
  std::vector<limit> limits{
      {"", "episodes", "1", "0"},
      {"", "episodes", "10000000", "10000001"},
      {"", "sessions", "1", "0"},
      {"", "sessions", "10000", "10001"},
      {"", "seed", "0", "-1"},
      {"", "entropy_beta", "0.0", "-1e-300"},
      {"", "entropy_beta_final", "0.0", "-1e-300"},
      {"", "entropy_decay_episodes", "0", "-1"},
      {"", "batch_size", "1", "0"},
      {"", "activity_l1", "0.0", "-1e-300"},
      {"", "critic_hidden", "1", "0"},
      {"", "critic_hidden", "4096", "4097"},
      {"", "cma_population", "0", "1"},  // 0 is the default population; 1 is no population
      {"", "cma_population", "2", "1"},
      {"", "cma_population", "100000", "100001"},
      {"", "cma_episodes_per_eval", "1", "0"},
      {"", "cma_episodes_per_eval", "100000", "100001"},
  };
  // [0, 1] and [0, 1) ranges.
  for (const char* key : {"gamma", "baseline_alpha", "activity_target"}) {
    limits.push_back({"", key, "0.0", "-1e-300"});
    limits.push_back({"", key, "1.0", "1.0000000000000002"});
  }
  for (const char* key : {"lr_decay_rate", "adam_beta1", "adam_beta2"}) {
    limits.push_back({"", key, "0.0", "-1e-300"});
    limits.push_back({"", key, "0.9999999999999999", "1.0"});
  }
  for (const char* key : {"learning_rate", "value_clip", "norm_clip", "adam_eps", "critic_learning_rate", "cma_sigma0"})
    limits.push_back({"", key, "1e-300", "0.0"});
  expect_limits(limits, "train", [](const table_reader& t) { return read_train_config(t); });
}

}  // namespace
}  // namespace spikeworm
