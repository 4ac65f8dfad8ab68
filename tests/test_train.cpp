// Training end to end: determinism across threads, resume after SIGKILL, metrics, bad input.
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.hpp"
#include "cli_helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

int run(const std::vector<std::string>& args, std::string* err_text = nullptr) {
  const auto r = test::run_cli(args);
  if (err_text) *err_text = r.err;
  return r.code;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(train, weights_identical_for_one_and_two_threads_and_seed_dependent) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  ASSERT_EQ(run({"train", cfg.string(), "--threads", "1", "--out", (dir.path() / "a").string(), "-q"}), 0);
  ASSERT_EQ(run({"train", cfg.string(), "--threads", "2", "--out", (dir.path() / "b").string(), "-q"}), 0);
  ASSERT_EQ(run({"train", cfg.string(), "--seed", "4", "--out", (dir.path() / "c").string(), "-q"}), 0);
  for (const char* f : {"weights/session_0.bin", "weights/session_1.bin", "episodes.csv"}) {
    const auto a = slurp(dir.path() / "a" / f);
    EXPECT_GT(a.size(), 100u) << f;
    EXPECT_EQ(a, slurp(dir.path() / "b" / f)) << f;
  }
  // Session 1 of seed 3 is seed 4: the same as session 0 of the run seeded 4.
  EXPECT_EQ(slurp(dir.path() / "a/weights/session_1.bin"), slurp(dir.path() / "c/weights/session_0.bin"));
  EXPECT_NE(slurp(dir.path() / "a/weights/session_0.bin"), slurp(dir.path() / "c/weights/session_0.bin"));
}

TEST(train, resume_after_sigkill_gives_the_uninterrupted_result) {
  test::temp_dir dir;
  std::string cfg_text = test::small_experiment;
  cfg_text.replace(cfg_text.find("episodes = 5"), 12, "episodes = 40");
  const auto cfg = dir.write("s.toml", cfg_text);
  const auto whole = dir.path() / "whole", killed = dir.path() / "killed";
  ASSERT_EQ(run({"train", cfg.string(), "--threads", "1", "--out", whole.string(), "-q"}), 0);
  // A real process, killed with SIGKILL once it has checkpointed a few episodes.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(SPIKEWORM_BINARY, SPIKEWORM_BINARY, "train", cfg.c_str(), "--threads", "1", "--checkpoint-every", "1",
          "--out", killed.c_str(), "-q", static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto ck = killed / "checkpoints" / "session_0.ckpt";
  for (int i = 0; i < 2000 && !std::filesystem::exists(ck); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed: make it longer";
  EXPECT_FALSE(std::filesystem::exists(killed / "summary.json"));
  ASSERT_EQ(run({"train", "--resume", killed.string(), "--threads", "2", "-q"}), 0);
  for (const char* f : {"weights/session_0.bin", "weights/session_1.bin", "episodes.csv", "sessions.csv"}) {
    auto a = slurp(whole / f), b = slurp(killed / f);
    if (std::string(f) == "sessions.csv") {  // columns 12 and 13 are wall time and episodes per second
      auto drop_timing = [](const std::string& text) {
        std::string out;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
          std::istringstream cells(line);
          int col = 0;
          for (std::string cell; std::getline(cells, cell, ','); ++col)
            if (col != 12 && col != 13) out += cell + ",";
          out += "\n";
        }
        return out;
      };
      a = drop_timing(a);
      b = drop_timing(b);
    }
    EXPECT_EQ(a, b) << f;
  }
}

TEST(train, metrics_follow_docs_training_md) {
  std::vector<episode_record> r(40);
  for (int i = 0; i < 40; ++i) {
    r[i].episode = i;
    r[i].success = i >= 25 || i == 3;  // converged at index 25
    r[i].steps = r[i].success ? 20 : 300;
  }
  r[39].success = false;
  r[39].steps = 300;
  brain_config mlp;
  mlp.kind = brain_kind::mlp;
  const auto m = compute_metrics(r, 14, false, mlp);
  EXPECT_EQ(m.convergence_run, 25);
  EXPECT_DOUBLE_EQ(m.success_rate, 15.0 / 40.0);
  EXPECT_DOUBLE_EQ(m.last30_success, 14.0 / 30.0);
  EXPECT_DOUBLE_EQ(m.last30_steps, 20.0);
  EXPECT_DOUBLE_EQ(m.path_efficiency, 14.0 / 20.0);
  EXPECT_DOUBLE_EQ(m.post_success, 14.0 / 15.0);
  EXPECT_DOUBLE_EQ(m.post_variance, (14.0 / 15.0) * (1.0 / 15.0));
  const double composite = 0.4 * m.post_success + 0.3 * m.post_success + 0.2 * (1 - 25.0 / 40.0) +
                           0.1 * (1 - m.post_variance / 0.2);
  EXPECT_DOUBLE_EQ(m.composite, composite);
  // Ten failures in a row are not convergence.
  for (auto& e : r) e.success = false;
  EXPECT_EQ(compute_metrics(r, 14, false, mlp).convergence_run, -1);
}

// The foraging kinds' metrics: foods and the distance efficiency of the last 30 episodes; and a spiking
// brain's firing rate per layer. Every value distinct, so that a metric read from the wrong field or window
// shows.
TEST(train, foraging_and_spiking_metrics_follow_docs_training_md) {
  std::vector<episode_record> r(36);
  double foods = 0, eff_last30 = 0;
  std::uint64_t decisions = 0, s1 = 0, s2 = 0;
  for (int i = 0; i < 36; ++i) {
    r[i].episode = i;
    r[i].success = i % 3 != 0;
    r[i].steps = 10 + i;
    r[i].foods = i % 5;
    r[i].distance_efficiency = 0.01 * (i + 1);
    r[i].spikes = {static_cast<std::uint64_t>(100 + 7 * i), static_cast<std::uint64_t>(3 * i)};
    foods += r[i].foods;
    if (i >= 6) eff_last30 += r[i].distance_efficiency;
    decisions += static_cast<std::uint64_t>(r[i].steps);
    s1 += r[i].spikes[0];
    s2 += r[i].spikes[1];
  }
  brain_config snn;
  snn.hidden = 16;
  snn.layers = 2;
  snn.steps = 5;
  const auto m = compute_metrics(r, -1, true, snn);
  EXPECT_DOUBLE_EQ(m.success_rate, 24.0 / 36.0);
  EXPECT_DOUBLE_EQ(m.mean_foods, foods / 36.0);
  EXPECT_DOUBLE_EQ(m.last30_success, 20.0 / 30.0);
  EXPECT_DOUBLE_EQ(m.path_efficiency, eff_last30 / 30.0);
  EXPECT_EQ(m.convergence_run, -1);  // never ten successes in a row
  EXPECT_DOUBLE_EQ(m.post_success, 7.0 / 10.0);  // the last 10 episodes without convergence: 26, 28, 29, 31, 32, 34, 35
  // post_variance 0.21 is above 0.2: its term is clamped at 0.
  const double composite = 0.4 * m.post_success + 0.3 * m.path_efficiency + 0.1 * std::max(0.0, 1 - m.post_variance / 0.2);
  EXPECT_DOUBLE_EQ(m.composite, composite);
  ASSERT_EQ(m.spike_rate.size(), 2u);
  EXPECT_DOUBLE_EQ(m.spike_rate[0], static_cast<double>(s1) / (static_cast<double>(decisions) * 16 * 5));
  EXPECT_DOUBLE_EQ(m.spike_rate[1], static_cast<double>(s2) / (static_cast<double>(decisions) * 16 * 5));
}

TEST(train, bad_input_is_named) {
  test::temp_dir dir;
  std::string err;
  auto bad = [&](const std::string& from, const std::string& to) {
    std::string t = test::small_experiment;
    t.replace(t.find(from), from.size(), to);
    return dir.write("bad.toml", t).string();
  };
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"spiking\"\nsurrogate = \"erf\""), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.surrogate: unknown value 'erf'"));
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"spiking\"\ninit = \"xavier\""), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.init: unknown value 'xavier'"));
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"spiking\"\nencoder = \"phase\""), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.encoder: unknown value 'phase'"));
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"mlp\"\nrecurrent = true"), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.recurrent"));
  EXPECT_THAT(err, HasSubstr("the MLP has no recurrent layer"));
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"spiking\"\nrecurrent = true\nrecurrent_scale = 0"), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.recurrent_scale"));
  EXPECT_EQ(run({"train", bad("[train]", "[trian]"), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("trian: unknown key"));
  EXPECT_EQ(run({"train", "--resume", (dir.path() / "nothing").string(), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("cannot open"));
  // The hybrid head's keys (docs/training.md, "Hybrid head").
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"mlp\"\nreadout = \"dense\""), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.readout: 'dense' is the spiking brain's hybrid head"));
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"spiking\"\nhead_hidden = 32"), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.head_hidden: applies to readout = \"dense\" only"));
  EXPECT_EQ(run({"train", bad("type = \"spiking\"", "type = \"spiking\"\nreadout = \"dense\"\nhead_hidden = 0"),
                 "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("brain.head_hidden: must be in [1, 4096], got 0"));
}

TEST(train, memory_estimate_counts_the_recurrent_weights) {
  // [brain] recurrent adds H x H synapses: 28 B per parameter (value, gradient, Adam m and v) and the
  // graph's 11 B per edge, nothing else.
  const auto doc = load_config_string(test::small_experiment, "small.toml");
  auto cfg = read_experiment(table_reader::root(doc));
  ASSERT_EQ(cfg.brain.kind, brain_kind::spiking);
  const auto ff = estimate_session_memory(cfg);
  cfg.brain.recurrent = true;
  const auto rec = estimate_session_memory(cfg);
  const std::uint64_t H = static_cast<std::uint64_t>(cfg.brain.hidden);
  EXPECT_EQ(rec.bytes - ff.bytes, H * H * (28 + 11));
}

TEST(train, the_linear_policy_has_twelve_parameters_and_trains) {
  // An MLP with layers = 0 is logits = W obs + b: 2 x 4 weights and 4 biases, in the estimate, the weights
  // file and eval.json alike.
  test::temp_dir dir;
  std::string t = test::small_experiment;
  t.replace(t.find("type = \"spiking\""), 16, "type = \"mlp\"");
  t.replace(t.find("layers = 2"), 10, "layers = 0");
  const auto path = dir.write("linear.toml", t);
  const auto doc = load_config_string(t, "linear.toml");
  const auto cfg = read_experiment(table_reader::root(doc));
  EXPECT_THAT(estimate_session_memory(cfg).detail, HasSubstr("12 parameters"));
  ASSERT_EQ(run({"train", path.string(), "--out", (dir.path() / "o").string(), "-q"}), 0);
  ASSERT_EQ(run({"eval", (dir.path() / "o").string(), "--episodes", "3", "-q"}), 0);
  const auto e = test::read_json(dir.path() / "o" / "eval.json");
  EXPECT_EQ(e["parameters"], 12);
  EXPECT_EQ(e["mlp_macs"], 8);
  // Spiking brains keep at least one layer.
  std::string s = test::small_experiment;
  s.replace(s.find("layers = 2"), 10, "layers = 0");
  std::string err;
  EXPECT_EQ(run({"train", dir.write("bad.toml", s).string(), "--out", (dir.path() / "b").string(), "-q"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("layers"));
}

TEST(train, non_finite_gradient_stops_the_session_and_keeps_the_last_checkpoint) {
  test::temp_dir dir;
  // A learning rate of 1e38 drives the float weights past 3.4e38 (infinity) within a few updates.
  std::string t = test::small_experiment;
  t.replace(t.find("seed = 3"), 8, "seed = 3\nlearning_rate = 1e38\nlr_decay_rate = 0.0");
  t.replace(t.find("episodes = 5"), 12, "episodes = 40");
  const auto cfg = dir.write("nan.toml", t);
  std::string err;
  const int code = run({"train", cfg.string(), "--sessions", "1", "--checkpoint-every", "1", "--out",
                        (dir.path() / "o").string(), "-q"}, &err);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("non-finite"));
  EXPECT_THAT(err, HasSubstr("checkpoints/session_0.ckpt holds its first"));
  // The checkpoint holds the last good state, and it loads.
  const auto ck = dir.path() / "o" / "checkpoints" / "session_0.ckpt";
  ASSERT_TRUE(std::filesystem::exists(ck));
  const auto doc = load_config_string(t, "nan.toml");
  session s(read_experiment(table_reader::root(doc)), 0, 3);
  s.load(ck);
  EXPECT_GE(s.episodes_done(), 1);
  for (auto& p : s.policy().params())
    for (float v : p.value) ASSERT_TRUE(std::isfinite(v)) << p.name;
}

}  // namespace
}  // namespace spikeworm
