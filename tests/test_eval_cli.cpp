// spikeworm eval, energy and sweep from the command line: outputs, determinism and bad input.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using test::read_json;

TEST(eval_cli, reports_and_writes_json_deterministically_for_any_thread_count) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  const auto a = test::run_cli({"eval", run.string(), "--episodes", "3", "--threads", "1", "-q"});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_THAT(a.out, HasSubstr("firing rate"));
  EXPECT_THAT(a.out, HasSubstr("MACs, MLP baseline"));
  EXPECT_THAT(a.out, HasSubstr("session_1"));  // the per-agent table
  auto j1 = read_json(run / "eval.json");
  EXPECT_EQ(j1["agents"], 2);
  EXPECT_EQ(j1["per_agent"].size(), 2u);
  EXPECT_EQ(j1["sampled"]["episodes"], 6);
  EXPECT_EQ(j1["episodes"], 6);
  EXPECT_EQ(j1["engine"], "event");
  const auto b = test::run_cli({"eval", run.string(), "--episodes", "3", "--threads", "2", "-q", "--engine", "dense",
                                "--out", (dir.path() / "dense.json").string()});
  ASSERT_EQ(b.code, 0) << b.err;
  auto j2 = read_json(dir.path() / "dense.json");
  // Same decisions, same spikes: the dense pass and the event engine count the same.
  EXPECT_EQ(j1["decisions"], j2["decisions"]);
  EXPECT_EQ(j1["successes"], j2["successes"]);
  EXPECT_EQ(j1["per_agent"], j2["per_agent"]) << "greedy and sampled, 1 and 2 threads";
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(j1["layer"][k]["spikes"], j2["layer"][k]["spikes"]);
    EXPECT_EQ(j1["layer"][k]["sops"], j2["layer"][k]["sops"]);
  }
  // One weights file of the run.
  const auto c = test::run_cli({"eval", (run / "weights" / "session_1.bin").string(), "--episodes", "2", "-q"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_TRUE(fs::exists(run / "weights" / "session_1.bin.eval.json"));
}

TEST(eval_cli, table_shows_greedy_zero_and_sampled_success_of_an_agent_that_only_works_sampling) {
  // An MLP whose weights are all 0 but an output bias favouring "stay": greedy never moves, sampled walks.
  test::temp_dir dir;
  const std::string text = "[env]\nkind = \"static\"\npreset = \"medium\"\n[brain]\ntype = \"mlp\"\nhidden = 16\n";
  const auto cfg_path = dir.write("mlp.toml", text);
  const auto doc = load_config_string(text, cfg_path.string());
  const auto cfg = read_experiment(table_reader::root(doc));
  auto b = make_brain(cfg.brain, 1);
  for (auto& p : b->params()) {
    std::fill(p.value.begin(), p.value.end(), 0.0f);
    if (p.name == "output.bias") p.value[static_cast<std::size_t>(envs::action::stay)] = 0.1f;
  }
  const auto weights = dir.path() / "session_0.bin";
  write_weights(weights, b->params());
  const auto r = test::run_cli({"eval", weights.string(), "--config", cfg_path.string(), "--episodes", "30", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = read_json(dir.path() / "session_0.bin.eval.json");
  EXPECT_EQ(j["greedy"]["successes"], 0);
  EXPECT_GT(j["sampled"]["successes"].get<int>(), 0);
  EXPECT_EQ(j["per_agent"][0]["greedy"], j["greedy"]);
  // The row of the agent: greedy 0.0% (0/30), no steps, then the sampled success.
  std::istringstream lines(r.out);
  std::string line, row;
  while (std::getline(lines, line))
    if (line.rfind("  session_0 ", 0) == 0) row = line;
  EXPECT_THAT(row, HasSubstr("0.0%      0/30       -       -"));
  EXPECT_THAT(row, HasSubstr(fmt::format("{}/30", j["sampled"]["successes"].get<int>())));
  EXPECT_THAT(r.out, HasSubstr("greedy: the most likely action"));
  // --policy greedy plays only greedy: no sampled figures.
  const auto g = test::run_cli({"eval", weights.string(), "--config", cfg_path.string(), "--episodes", "3", "-q",
                                "--policy", "greedy"});
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_FALSE(read_json(dir.path() / "session_0.bin.eval.json").contains("sampled"));
}

TEST(eval_cli, bad_input_is_one_clear_error) {
  test::temp_dir dir;
  auto r = test::run_cli({"eval", (dir.path() / "nope").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("nope"));
  fs::create_directories(dir.path() / "empty");
  r = test::run_cli({"eval", (dir.path() / "empty").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("weights"));
  r = test::run_cli({"eval", (dir.path() / "empty").string(), "--engine", "quantum"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("quantum"));
}

TEST(energy_cli, every_table_and_a_clear_error_for_an_unknown_one) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  auto r = test::run_cli({"energy", run.string(), "--table", "cmos45_fp32", "--table", "no_such_chip", "--no-plot"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no_such_chip"));
  EXPECT_THAT(r.err, HasSubstr("loihi"));  // lists the known tables
  EXPECT_FALSE(fs::exists(run / "energy.json")) << "nothing written on bad input";
  r = test::run_cli({"energy", run.string(), "--episodes", "2", "--no-plot", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = read_json(run / "energy.json");
  ASSERT_EQ(j["tables"].size(), 5u);
  for (const auto& t : j["tables"]) {
    EXPECT_GT(t["brain"]["total_pj"].get<double>(), 0.0);
    EXPECT_NEAR(t["brain"]["total_pj"].get<double>(),
                t["brain"]["synaptic_pj"].get<double>() + t["brain"]["neuron_pj"].get<double>() +
                    t["brain"]["memory_pj"].get<double>() + t["brain"]["dense_pj"].get<double>(),
                1e-6 * t["brain"]["total_pj"].get<double>());
  }
}

// What a user does with an installed example (docs/install.md): the run folder is only read.
TEST(energy_cli, out_folder_leaves_a_read_only_run_untouched) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  ASSERT_EQ(test::run_cli({"eval", run.string(), "--episodes", "2", "-q"}).code, 0);
  std::vector<fs::path> before;
  for (const auto& e : fs::recursive_directory_iterator(run)) before.push_back(e.path());
  fs::permissions(run, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  const auto out = dir.path() / "elsewhere";
  const auto r = test::run_cli({"energy", run.string(), "--out", out.string(), "--no-plot", "-q"});
  fs::permissions(run, fs::perms::owner_write, fs::perm_options::add);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_json(out / "energy.json")["eval"], (run / "eval.json").string());
  std::vector<fs::path> after;
  for (const auto& e : fs::recursive_directory_iterator(run)) after.push_back(e.path());
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(before, after) << "nothing written into the run folder";
}

TEST(sweep_cli, grid_points_pareto_flags_and_bad_keys) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  auto r = test::run_cli({"sweep", cfg.string(), "--set", "brain.hidden"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("KEY=V1,V2"));
  r = test::run_cli({"sweep", cfg.string(), "--set", "brain.hiden=8,16", "--out", (dir.path() / "x").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("hiden"));
  EXPECT_FALSE(fs::exists(dir.path() / "x" / "p000")) << "every point is validated before any runs";
  const auto out = dir.path() / "sw";
  r = test::run_cli({"sweep", cfg.string(), "--set", "brain.hidden=8,16", "--set", "train.activity_l1=0,5", "--out",
                     out.string(), "--eval-episodes", "2", "--no-plot", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = read_json(out / "sweep.json");
  ASSERT_EQ(j["points"].size(), 4u);
  int front = 0;
  for (const auto& p : j["points"]) {
    EXPECT_TRUE(p["energy_pj"].contains("cmos45_fp32"));
    front += p["pareto"]["cmos45_fp32"].get<bool>();
  }
  EXPECT_GE(front, 1);
  EXPECT_EQ(j["points"][1]["values"]["train.activity_l1"], "5");
  EXPECT_TRUE(fs::exists(out / "p003" / "weights" / "session_0.bin"));
  EXPECT_TRUE(fs::exists(out / "sweep.csv"));
}

}  // namespace
}  // namespace spikeworm
