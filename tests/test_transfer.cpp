// Transfer (docs/training.md, "Transfer"): sessions started from trained weights, their errors and resume.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/app/sweep.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) return text;
  return text.replace(at, from.size(), to);
}

experiment_config experiment_of(const std::string& text) {
  const auto doc = load_config_string(text, "test.toml");
  return read_experiment(table_reader::root(doc));
}

// The rows of episodes.csv for one session, as written.
std::vector<std::string> rows_of(const fs::path& csv, int session) {
  std::vector<std::string> rows;
  std::istringstream in(read_text(csv));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line))
    if (line.rfind(fmt::format("{},", session), 0) == 0) rows.push_back(line);
  return rows;
}

// A source run: test::small_experiment, 2 sessions x 5 episodes.
struct source_run {
  test::temp_dir dir;
  fs::path cfg, run;
  source_run() {
    cfg = dir.write("s.toml", test::small_experiment);
    run = dir.path() / "a";
    const auto r = test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"});
    EXPECT_EQ(r.code, 0) << r.err;
  }
};

TEST(transfer, session_k_plays_its_first_episode_with_the_source_sessions_k_mod_n_weights) {
  source_run a;
  const auto b = a.dir.path() / "b";
  // 3 sessions from a run of 2: session 2 starts from session 0's weights.
  const auto r = test::run_cli({"train", a.cfg.string(), "--init-weights", a.run.string(), "--sessions", "3",
                                "--episodes", "1", "--final-eval", "0", "--out", b.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto cfg = experiment_of(test::small_experiment);
  for (int k = 0; k < 3; ++k) {
    // The oracle: a session of the same seed whose brain was loaded by read_weights, as eval loads agents.
    session s(cfg, k, 3 + static_cast<std::uint64_t>(k));
    read_weights(a.run / "weights" / fmt::format("session_{}.bin", k % 2), s.policy().params());
    const auto& e = s.run_episode();
    const auto rows = rows_of(b / "episodes.csv", k);
    ASSERT_EQ(rows.size(), 1u);
    const auto expected = fmt::format("{},{},{},{},{},{},{:.6g},{:.6g},", k, 3 + k, 0, e.success ? 1 : 0, e.steps,
                                      e.outcome, e.reward, e.loss);
    EXPECT_EQ(rows[0].substr(0, expected.size()), expected) << "session " << k;
    // And not the episode of the initialisation.
    session fresh(cfg, k, 3 + static_cast<std::uint64_t>(k));
    const auto& f = fresh.run_episode();
    EXPECT_NE(fmt::format("{:.6g} {:.6g}", f.loss, f.reward), fmt::format("{:.6g} {:.6g}", e.loss, e.reward));
  }
  EXPECT_EQ(test::read_json(b / "run.json").at("init_weights"), fs::absolute(a.run).lexically_normal().string());
}

TEST(transfer, a_negligible_learning_rate_reproduces_the_source_runs_greedy_eval) {
  source_run a;
  ASSERT_EQ(test::run_cli({"train", a.cfg.string(), "--out", (a.dir.path() / "e").string(), "--force", "-q",
                           "--final-eval", "20", "--episodes", "30"}).code, 0);
  const auto src = a.dir.path() / "e";
  // lr 1e-30: Adam moves every weight by at most ~1e-30, below float resolution of the trained weights.
  const auto cfg = a.dir.write("tiny_lr.toml", with(test::small_experiment, "[train]", "[train]\nlearning_rate = 1e-30"));
  const auto b = a.dir.path() / "b";
  const auto r = test::run_cli({"train", cfg.string(), "--init-weights", src.string(), "--episodes", "3",
                                "--final-eval", "20", "--out", b.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto was = test::read_json(src / "summary.json"), now = test::read_json(b / "summary.json");
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(was["per_session"][k]["greedy_eval_success"], now["per_session"][k]["greedy_eval_success"]) << k;
    EXPECT_EQ(was["per_session"][k]["greedy_eval_steps"], now["per_session"][k]["greedy_eval_steps"]) << k;
  }
  // The weights themselves: equal up to the step of lr 1e-30.
  for (int k = 0; k < 2; ++k) {
    const auto cfgx = experiment_of(test::small_experiment);
    const auto one = make_brain(cfgx.brain, 1), two = make_brain(cfgx.brain, 2);
    read_weights(src / "weights" / fmt::format("session_{}.bin", k), one->params());
    read_weights(b / "weights" / fmt::format("session_{}.bin", k), two->params());
    for (std::size_t t = 0; t < one->params().size(); ++t)
      for (std::size_t i = 0; i < one->params()[t].value.size(); ++i)
        ASSERT_NEAR(one->params()[t].value[i], two->params()[t].value[i], 1e-25) << one->params()[t].name;
  }
}

TEST(transfer, bad_init_weights_exit_2_naming_file_and_tensor_before_the_run_folder_is_written) {
  source_run a;
  const auto w0 = a.run / "weights" / "session_0.bin";
  const auto out = a.dir.path() / "never";
  auto refused = [&](const std::string& config_text, const std::string& init) {
    const auto cfg = a.dir.write("bad.toml", config_text);
    const auto r = test::run_cli({"train", cfg.string(), "--init-weights", init, "--out", out.string(), "-q"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_FALSE(fs::exists(out)) << r.err;
    return r.err;
  };
  // Another width: the first tensor that differs, with both shapes (the source's hidden is 16).
  auto err = refused(with(test::small_experiment, "hidden = 16", "hidden = 8"), w0.string());
  EXPECT_THAT(err, HasSubstr("--init-weights: " + w0.string()));
  EXPECT_THAT(err, HasSubstr("tensor input.weight [16x"));
  EXPECT_THAT(err, HasSubstr("does not match the brain's input.weight [8x"));
  // Another encoder: the input width differs.
  err = refused(with(test::small_experiment, "steps = 12", "steps = 12\nencoder = \"population\""), w0.string());
  EXPECT_THAT(err, HasSubstr("does not match the brain's input.weight [16x"));
  // Another brain: both tensor lists.
  err = refused(with(test::small_experiment, "type = \"spiking\"", "type = \"mlp\""), w0.string());
  EXPECT_THAT(err, HasSubstr("weights of another brain: the file holds 8 tensors (input.weight [16x"));
  EXPECT_THAT(err, HasSubstr("the brain expects 6 tensors (hidden.0.weight [16x"));
  err = refused(with(test::small_experiment, "layers = 2", "layers = 3"), w0.string());
  EXPECT_THAT(err, HasSubstr("the file holds 8 tensors"));
  EXPECT_THAT(err, HasSubstr("the brain expects 10 tensors"));
  // Missing, corrupt, not a run folder.
  err = refused(test::small_experiment, (a.dir.path() / "nothing.bin").string());
  EXPECT_THAT(err, HasSubstr("nothing.bin: no such weights file or run folder"));
  std::string bytes = read_text(w0);
  bytes[bytes.size() / 2] ^= 0x5a;
  const auto broken = a.dir.write("broken.bin", bytes);
  err = refused(test::small_experiment, broken.string());
  EXPECT_THAT(err, HasSubstr("broken.bin: corrupt (checksum mismatch)"));
  fs::create_directories(a.dir.path() / "empty");
  err = refused(test::small_experiment, (a.dir.path() / "empty").string());
  EXPECT_THAT(err, HasSubstr("not a training run folder"));
  // The config key names the config file and key; an empty value is refused by the config reader.
  const auto keyed = a.dir.write("keyed.toml", with(test::small_experiment, "[train]", "[train]\ninit_weights = \"nothing.bin\""));
  auto r = test::run_cli({"train", keyed.string(), "--out", out.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("keyed.toml: train.init_weights: " + (a.dir.path() / "nothing.bin").string()));
  EXPECT_FALSE(fs::exists(out));
  const auto empty = a.dir.write("empty.toml", with(test::small_experiment, "[train]", "[train]\ninit_weights = \"\""));
  r = test::run_cli({"train", empty.string(), "--out", out.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("train.init_weights: must be a weights file or a run folder"));
  // The run's own folder, which a fresh run clears.
  r = test::run_cli({"train", a.cfg.string(), "--init-weights", w0.string(), "--out", a.run.string(), "--force", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("lies in this run's own folder"));
  EXPECT_TRUE(fs::exists(w0));
}

TEST(transfer, the_config_key_resolves_against_the_config_files_folder_and_the_option_overrides_it) {
  source_run a;
  fs::create_directories(a.dir.path() / "sub");
  // Relative to sub/, where the config is, not to the working folder.
  const auto cfg = a.dir.write("sub/t.toml", with(test::small_experiment, "[train]",
                                                  "[train]\ninit_weights = \"../a/weights/session_1.bin\""));
  const auto b = a.dir.path() / "b", c = a.dir.path() / "c";
  auto r = test::run_cli({"train", cfg.string(), "--episodes", "1", "--final-eval", "0", "--out", b.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(test::read_json(b / "run.json").at("init_weights"),
            (a.dir.path() / "a" / "weights" / "session_1.bin").string());
  r = test::run_cli({"train", cfg.string(), "--init-weights", (a.run / "weights" / "session_0.bin").string(),
                     "--episodes", "1", "--final-eval", "0", "--out", c.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(test::read_json(c / "run.json").at("init_weights"), (a.run / "weights" / "session_0.bin").string());
  // The same seed from other weights (b: the key's session 1, c: the option's session 0) plays another episode.
  EXPECT_NE(rows_of(b / "episodes.csv", 0), rows_of(c / "episodes.csv", 0));
}

TEST(transfer, a_sweep_resolves_the_key_against_the_sweeps_config_not_the_points_copy) {
  source_run a;
  fs::create_directories(a.dir.path() / "sub");
  app::sweep_options o;
  o.config = a.dir.write("sub/t.toml", with(test::small_experiment, "[train]",
                                            "[train]\ninit_weights = \"../a/weights/session_0.bin\"")).string();
  o.sets = {"train.learning_rate=0.001,0.002"};
  o.out_dir = (a.dir.path() / "sweep").string();
  o.sessions = 1;
  o.episodes = 2;
  o.eval_episodes = 1;
  app::sweep(o);
  for (const char* point : {"p000", "p001"})
    EXPECT_EQ(test::read_json(a.dir.path() / "sweep" / point / "run.json").at("init_weights"),
              (a.run / "weights" / "session_0.bin").string()) << point;
}

TEST(transfer, resume_continues_a_transfer_run_exactly_and_refuses_changed_init_weights) {
  source_run a;
  const auto src = a.dir.path() / "src";
  fs::create_directories(src);
  fs::copy_file(a.run / "weights" / "session_0.bin", src / "w.bin");
  const auto whole = a.dir.path() / "whole", part = a.dir.path() / "part";
  ASSERT_EQ(test::run_cli({"train", a.cfg.string(), "--init-weights", (src / "w.bin").string(), "--episodes", "6",
                           "--out", whole.string(), "-q"}).code, 0);
  ASSERT_EQ(test::run_cli({"train", a.cfg.string(), "--init-weights", (src / "w.bin").string(), "--episodes", "3",
                           "--out", part.string(), "-q"}).code, 0);
  auto r = test::run_cli({"train", "--resume", part.string(), "--init-weights", (src / "w.bin").string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--init-weights is fixed by the run being resumed"));
  r = test::run_cli({"train", "--resume", part.string(), "--episodes", "6", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"weights/session_0.bin", "weights/session_1.bin", "episodes.csv"})
    EXPECT_EQ(read_text(whole / f), read_text(part / f)) << f;
  // Other bytes under the same name: the checkpoints were made from other weights.
  fs::copy_file(a.run / "weights" / "session_1.bin", src / "w.bin", fs::copy_options::overwrite_existing);
  r = test::run_cli({"train", "--resume", part.string(), "--episodes", "7", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("the checkpoints were made under another run: init_weights_hash"));
  // Gone: named with the run.json that points at it.
  fs::remove(src / "w.bin");
  r = test::run_cli({"train", "--resume", part.string(), "--episodes", "7", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("run.json init_weights: " + (src / "w.bin").string() + ": no such weights file"));
}

}  // namespace
}  // namespace spikeworm
