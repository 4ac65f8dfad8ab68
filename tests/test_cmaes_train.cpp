// Training by CMA-ES end to end (docs/training.md, "Gradient-free learning (CMA-ES)"): the run folder's
// outputs, determinism across threads, refused checkpoints, config errors, and the MLP brain.
#include <fstream>

#include <fmt/format.h>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "cli_helpers.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

std::string slurp_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 30 episodes, 4 candidates x 2 episodes per generation: three whole generations and 6 episodes of a fourth.
std::string cma_experiment(const std::string& brain = "type = \"spiking\"\nhidden = 16\nlayers = 2\nsteps = 12") {
  return "[env]\nkind = \"static\"\npreset = \"medium\"\n[brain]\n" + brain +
         "\n[train]\nepisodes = 30\nsessions = 1\nseed = 3\nalgorithm = \"cmaes\"\ncma_sigma0 = 0.1\n"
         "cma_population = 4\ncma_episodes_per_eval = 2\n";
}

TEST(train_cmaes, run_writes_every_output_and_is_identical_for_one_and_two_threads) {
  test::temp_dir dir;
  const auto cfg = dir.write("c.toml", cma_experiment());
  const auto a = dir.path() / "a", b = dir.path() / "b";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--threads", "1", "--out", a.string(), "-q"}).code, 0);
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--threads", "2", "--out", b.string(), "-q"}).code, 0);
  for (const char* f : {"weights/session_0.bin", "episodes.csv"}) {
    const auto x = slurp_file(a / f);
    EXPECT_GT(x.size(), 100u) << f;
    EXPECT_EQ(x, slurp_file(b / f)) << f;
  }
  // episodes.csv: one row per evaluated episode, in order; learning_rate holds sigma (0.1 in generation 0);
  // loss is the candidate's fitness, shared by its two episodes and equal to minus their mean reward.
  std::ifstream csv(a / "episodes.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    rows.push_back(cells);
  }
  ASSERT_EQ(rows.size(), 30u);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i][2], std::to_string(i));
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(rows[i][8], "0.1");
  EXPECT_NE(rows[8][8], "0.1");  // sigma adapted after the first generation
  for (std::size_t i = 0; i < 24; i += 2) {
    EXPECT_EQ(rows[i][7], rows[i + 1][7]);
    EXPECT_NEAR(std::stod(rows[i][7]), -(std::stod(rows[i][6]) + std::stod(rows[i + 1][6])) / 2, 1e-3 + 1e-5 * std::abs(std::stod(rows[i][7])));
  }
  const auto summary = test::read_json(a / "summary.json");
  EXPECT_EQ(summary["algorithm"], "cmaes");
  EXPECT_TRUE(summary.contains("greedy_eval"));
  EXPECT_TRUE(std::filesystem::exists(a / "sessions.csv"));
  EXPECT_FALSE(std::filesystem::exists(a / "checkpoints/session_0.ckpt"));
  // The run folder serves eval like a REINFORCE run's.
  EXPECT_EQ(test::run_cli({"eval", a.string(), "--episodes", "3", "--threads", "1", "-q"}).code, 0);
  // And the seed matters.
  const auto c = dir.path() / "c";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--seed", "4", "--out", c.string(), "-q"}).code, 0);
  EXPECT_NE(slurp_file(a / "weights/session_0.bin"), slurp_file(c / "weights/session_0.bin"));
}

TEST(train_cmaes, resume_and_checkpoints_are_refused_with_a_clear_error) {
  test::temp_dir dir;
  const auto cfg = dir.write("c.toml", cma_experiment());
  const auto a = dir.path() / "a";
  auto r = test::run_cli({"train", cfg.string(), "--checkpoint-every", "5", "--out", a.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("CMA-ES runs (train.algorithm = \"cmaes\") have no checkpoints"));
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", a.string(), "-q"}).code, 0);
  r = test::run_cli({"train", "--resume", a.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--resume"));
}

TEST(train_cmaes, bad_values_name_the_key) {
  test::temp_dir dir;
  auto bad = [&](const std::string& from, const std::string& to) {
    std::string t = cma_experiment();
    t.replace(t.find(from), from.size(), to);
    return test::run_cli({"train", dir.write("bad.toml", t).string(), "--out", (dir.path() / "o").string(), "-q"});
  };
  const std::pair<std::pair<const char*, const char*>, const char*> cases[] = {
      {{"algorithm = \"cmaes\"", "algorithm = \"cma\""}, "train.algorithm: unknown value 'cma'"},
      {{"cma_sigma0 = 0.1", "cma_sigma0 = 0"}, "train.cma_sigma0"},
      {{"cma_sigma0 = 0.1", "cma_sigma0 = -1.0"}, "train.cma_sigma0"},
      {{"cma_population = 4", "cma_population = 1"}, "train.cma_population: must be 0"},
      {{"cma_episodes_per_eval = 2", "cma_episodes_per_eval = 0"}, "train.cma_episodes_per_eval: must be in [1, 100000]"},
      {{"cma_population = 4", "cma_population = 4\ncma_covariance = \"diagonal\""}, "train.cma_covariance: unknown value 'diagonal'"},
  };
  for (const auto& [edit, message] : cases) {
    const auto r = bad(edit.first, edit.second);
    EXPECT_EQ(r.code, 2) << edit.second;
    EXPECT_THAT(r.err, HasSubstr(message)) << edit.second;
  }
}

// A full covariance past 10,000 parameters is refused before any work, with the memory it would need: three
// n x n matrices of doubles, 24 n^2 bytes (docs/training.md, "Gradient-free learning (CMA-ES)").
TEST(train_cmaes, full_covariance_past_ten_thousand_parameters_is_refused_with_its_memory) {
  test::temp_dir dir;
  for (int hidden : {72, 128}) {
    auto text = cma_experiment(fmt::format("type = \"spiking\"\nhidden = {}\nlayers = 2\nsteps = 12", hidden));
    text += "cma_covariance = \"full\"\n";
    const auto out = dir.path() / fmt::format("o{}", hidden);
    const auto r = test::run_cli({"train", dir.write("full.toml", text).string(), "--out", out.string(), "-q"});
    EXPECT_NE(r.code, 0);
    const auto at = r.err.find("with ");
    ASSERT_NE(at, std::string::npos) << r.err;
    const double n = std::stod(r.err.substr(at + 5));
    EXPECT_GT(n, 10000.0);
    EXPECT_THAT(r.err, HasSubstr(fmt::format("{} parameters needs {:.1f} GB per session", n, 24.0 * n * n / 1e9)));
    EXPECT_FALSE(std::filesystem::exists(out)) << "refused before the run folder is made";
  }
}

TEST(train_cmaes, trains_an_mlp_brain) {
  test::temp_dir dir;
  // 2 -> 4 -> 4 ReLU, 4 actions: 12 + 20 + 20 = 52 parameters (a full covariance under "auto").
  const auto cfg = dir.write("m.toml", cma_experiment("type = \"mlp\"\nhidden = 4\nlayers = 2"));
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", (dir.path() / "m").string(), "-q"}).code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "m/weights/session_0.bin"));
  EXPECT_EQ(test::read_json(dir.path() / "m/summary.json")["brain"], "mlp");
}

}  // namespace
}  // namespace spikeworm
