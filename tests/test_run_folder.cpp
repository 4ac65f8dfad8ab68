// The run folder's guarantees of docs/training.md ("Failure"): honest failure and a self-consistent folder.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/app/sweep.hpp"
#include "spikeworm/core/lock.hpp"

#include <csignal>
#include <chrono>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace spikeworm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// configs/spiking_static_medium.toml with the sigmoid surrogate at alpha = 1e5 and T = 100: session 0
// (seed 2) diverges at its first episode and session 1 (seed 3) finishes (docs/reliability.md, "The run
// folder and honest failure").
std::string diverging_experiment() {
  std::string t = read_text(test::source_dir() / "configs" / "spiking_static_medium.toml");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"surrogate_alpha = 1.0", "surrogate_alpha = 1e5"},
                                 {"surrogate = \"fast_sigmoid\"", "surrogate = \"sigmoid\""},
                                 {"steps = 25", "steps = 100"}}) {
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
  }
  return t;
}

TEST(run_folder, failed_session_is_marked_excluded_and_never_overwrites_weights) {
  test::temp_dir dir;
  const auto cfg = dir.write("alpha.toml", diverging_experiment());
  const auto out = dir.path() / "o";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--seed", "2", "--sessions", "2", "--episodes", "1", "--out",
                          out.string(), "-q"}).code, 2);
  ASSERT_FALSE(fs::exists(out / "weights" / "session_0.bin"));
  // An export of session 0 from elsewhere; resuming re-trains session 0 from scratch and it diverges again.
  std::ofstream(out / "weights" / "session_0.bin") << "earlier export";
  const auto r = test::run_cli({"train", "--resume", out.string(), "--episodes", "2", "-q"});
  ASSERT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("non-finite"));
  EXPECT_THAT(r.err, Not(HasSubstr("last good checkpoint is kept")));
  EXPECT_THAT(r.err, HasSubstr("no checkpoint was kept"));
  EXPECT_THAT(r.err, HasSubstr("was not overwritten"));
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
  EXPECT_THAT(r.out, HasSubstr("      -      -  FAILED"));  // no final greedy evaluation of a failed session
  EXPECT_THAT(r.out, HasSubstr("1 failed, excluded"));
  EXPECT_EQ(read_text(out / "weights" / "session_0.bin"), "earlier export");
  EXPECT_TRUE(fs::exists(out / "weights" / "session_1.bin"));
  const auto summary = test::read_json(out / "summary.json");
  EXPECT_EQ(summary["failed_sessions"], nlohmann::json::array({0}));
  EXPECT_EQ(summary["per_session"][0]["status"], "failed");
  EXPECT_EQ(summary["per_session"][1]["status"], "finished");
  EXPECT_TRUE(summary["per_session"][0]["greedy_eval_success"].is_null());
  EXPECT_TRUE(summary["per_session"][1]["greedy_eval_success"].is_number());
  const auto csv = read_text(out / "sessions.csv");
  EXPECT_THAT(csv, HasSubstr(",status\n"));
  EXPECT_THAT(csv, HasSubstr(",failed\n"));
  EXPECT_THAT(csv, HasSubstr(",finished\n"));
}

TEST(run_folder, every_session_failing_still_writes_the_summary) {
  test::temp_dir dir;
  const auto cfg = dir.write("alpha.toml", diverging_experiment());
  const auto out = dir.path() / "o";
  const auto r = test::run_cli({"train", cfg.string(), "--seed", "2", "--sessions", "1", "--episodes", "1", "--out",
                                out.string(), "-q"});
  ASSERT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.out, HasSubstr("every session failed"));
  EXPECT_THAT(r.err, HasSubstr("no weights were exported for session 0"));
  EXPECT_FALSE(fs::exists(out / "weights" / "session_0.bin"));
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

TEST(run_folder, a_second_writer_gets_in_use_by_pid) {
  test::temp_dir dir;
  const auto cfg = dir.write("small.toml", test::small_experiment);
  const auto out = dir.path() / "o";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", out.string(), "-q"}).code, 0);
  const std::string held = fmt::format("is in use by pid {}", ::getpid());
  {
    const folder_lock lock(out);  // another process's train, eval, energy or deploy
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"train", cfg.string(), "--out", out.string(), "-q"},
             {"train", "--resume", out.string(), "-q"},
             {"eval", out.string(), "-q"},
             {"energy", out.string(), "--no-plot", "-q"},
             {"deploy", out.string(), "--chip", "loihi", "--episodes", "2", "--no-plot", "-q"}}) {
      const auto r = test::run_cli(args);
      EXPECT_EQ(r.code, 2) << args[0];
      EXPECT_THAT(r.err, HasSubstr(held)) << args[0];
    }
  }
  EXPECT_EQ(test::run_cli({"eval", out.string(), "-q"}).code, 0);  // released with its holder
}

TEST(run_folder, a_second_sweep_on_one_folder_gets_in_use_by_pid) {
  test::temp_dir dir;
  const auto cfg = dir.write("small.toml", test::small_experiment);
  const auto out = dir.path() / "sweep";
  const std::vector<std::string> args{"sweep", cfg.string(), "--set", "brain.hidden=8", "--out", out.string(),
                                      "--sessions", "1", "--episodes", "2", "--eval-episodes", "2", "--no-plot", "-q"};
  {
    fs::create_directories(out);
    const folder_lock lock(out);
    const auto r = test::run_cli(args);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr(fmt::format("is in use by pid {}", ::getpid())));
    EXPECT_FALSE(fs::exists(out / "p000"));
  }
  EXPECT_EQ(test::run_cli(args).code, 0);
}

TEST(run_folder, out_must_be_empty_unless_force_which_clears_only_the_runs_outputs) {
  test::temp_dir dir;
  const auto cfg = dir.write("small.toml", test::small_experiment);
  const auto out = dir.path() / "o";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--sessions", "3", "--out", out.string(), "-q"}).code, 0);
  ASSERT_EQ(test::run_cli({"eval", out.string(), "-q"}).code, 0);
  std::ofstream(out / "notes.txt") << "mine";
  const auto refused = test::run_cli({"train", cfg.string(), "--sessions", "2", "--out", out.string(), "-q"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.err, HasSubstr("is not empty: give --force"));
  EXPECT_TRUE(fs::exists(out / "weights" / "session_2.bin"));
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--sessions", "2", "--out", out.string(), "--force", "-q"}).code, 0);
  EXPECT_FALSE(fs::exists(out / "weights" / "session_2.bin"));  // stale weights of the old run
  EXPECT_FALSE(fs::exists(out / "checkpoints" / "session_2.ckpt"));
  EXPECT_FALSE(fs::exists(out / "eval.json"));                  // stale results of the old run
  EXPECT_EQ(read_text(out / "notes.txt"), "mine");              // never anything else
}

TEST(run_folder, resume_refuses_checkpoints_made_under_another_config) {
  test::temp_dir dir;
  const auto cfg = dir.write("small.toml", test::small_experiment);
  const auto out = dir.path() / "o";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", out.string(), "-q"}).code, 0);
  // The folder's config now says foraging, its checkpoints hold a static run (docs/training.md, "The run folder").
  std::ofstream(out / "config.toml") << read_text(test::source_dir() / "configs" / "spiking_foraging_small.toml");
  const auto r = test::run_cli({"train", "--resume", out.string(), "--episodes", "6", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("the checkpoints were made under another run"));
  EXPECT_THAT(r.err, HasSubstr("config_hash"));
  EXPECT_THAT(r.err, HasSubstr("env \"static\" (checkpoints) vs \"foraging\" (now)"));
  // Same config: resume goes on.
  std::ofstream(out / "config.toml") << test::small_experiment;
  EXPECT_EQ(test::run_cli({"train", "--resume", out.string(), "--episodes", "6", "-q"}).code, 0);
}

// Trains in a child process, sends `sig` once training has started, and checks the exit code, the
// checkpoints of every session, and that resuming gives the uninterrupted run byte for byte.
void stop_and_resume(int sig, int expected_exit) {
  test::temp_dir dir;
  std::string cfg_text = test::small_experiment;
  // Long enough that neither session can finish while the other is being started on a loaded machine (at
  // 60 episodes, a few ms of work, session 0 sometimes ended before session 1 reached its episode 2).
  cfg_text.replace(cfg_text.find("episodes = 5"), 12, "episodes = 5000");
  const auto cfg = dir.write("s.toml", cfg_text);
  const auto whole = dir.path() / "whole", stopped = dir.path() / "stopped";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", whole.string(), "-q"}).code, 0);
  // The child's -v lines (one per episode, flushed) tell when both sessions are under way; the default
  // checkpoint period is end-only, so every checkpoint found afterwards was written because of the signal.
  const auto log = dir.path() / "train.log";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(126);
    execl(SPIKEWORM_BINARY, SPIKEWORM_BINARY, "train", cfg.c_str(), "--threads", "2", "--out", stopped.c_str(), "-v",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 5000; ++i) {
    const auto text = read_text(log);
    if (text.find("session 0 episode    2") != std::string::npos && text.find("session 1 episode    2") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), expected_exit) << "the run finished before the signal: make it longer";
  EXPECT_TRUE(fs::exists(stopped / "checkpoints" / "session_0.ckpt"));
  EXPECT_TRUE(fs::exists(stopped / "checkpoints" / "session_1.ckpt"));
  EXPECT_FALSE(fs::exists(stopped / "summary.json"));
  EXPECT_FALSE(fs::exists(stopped / "weights" / "session_0.bin"));
  ASSERT_EQ(test::run_cli({"train", "--resume", stopped.string(), "-q"}).code, 0);
  for (const char* f : {"weights/session_0.bin", "weights/session_1.bin", "episodes.csv"})
    EXPECT_EQ(read_text(whole / f), read_text(stopped / f)) << f;
}

TEST(run_folder, sigterm_checkpoints_every_session_exits_143_and_resume_is_byte_identical) {
  stop_and_resume(SIGTERM, 143);
}

TEST(run_folder, sigint_checkpoints_every_session_exits_130_and_resume_is_byte_identical) {
  stop_and_resume(SIGINT, 130);
}

// 32 sessions of a 512-neuron brain hold about 10 MB each (parameters, gradients, Adam moments and the
// network): built up front they would take over 300 MB. Built lazily on one thread, the peak stays near one.
TEST(run_folder, sessions_are_built_lazily_one_per_thread) {
  test::temp_dir dir;
  const auto cfg = dir.write("lazy.toml", R"([env]
kind = "static"
preset = "medium"
max_steps = 5
[brain]
type = "spiking"
hidden = 512
layers = 2
steps = 12
[train]
episodes = 1
sessions = 32
seed = 3
)");
  const auto out = dir.path() / "o";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(SPIKEWORM_BINARY, SPIKEWORM_BINARY, "train", cfg.c_str(), "--threads", "1", "--final-eval", "0", "--out",
          out.c_str(), "-q", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  ASSERT_EQ(wait4(pid, &status, 0, &usage), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(out / "weights" / "session_31.bin"));
  const double peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
  EXPECT_LT(peak_mb, 150.0) << "sessions held at once: the peak grows with the session count";
}

TEST(run_folder, sweep_reuses_a_point_only_under_the_same_options) {
  test::temp_dir dir;
  app::sweep_options o;
  o.config = dir.write("s.toml", test::small_experiment).string();
  o.sets = {"brain.hidden=8"};
  o.out_dir = (dir.path() / "sweep").string();
  o.sessions = 1;
  o.episodes = 3;
  o.eval_episodes = 2;
  app::sweep(o);
  const auto episodes = dir.path() / "sweep" / "p000" / "episodes.csv";
  const auto first = read_text(episodes);
  app::sweep(o);  // same options: reused
  EXPECT_EQ(read_text(episodes), first);
  o.episodes = 4;  // other --episodes: re-run
  app::sweep(o);
  EXPECT_NE(read_text(episodes), first);
  EXPECT_EQ(test::read_json(dir.path() / "sweep" / "p000" / "run.json")["episodes"], 4);
}

TEST(run_folder, eval_refuses_missing_or_extra_weights) {
  test::temp_dir dir;
  const auto cfg = dir.write("small.toml", test::small_experiment);
  const auto out = dir.path() / "o";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", out.string(), "-q"}).code, 0);
  fs::copy_file(out / "weights" / "session_1.bin", out / "weights" / "session_5.bin");
  auto r = test::run_cli({"eval", out.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("extra weights file"));
  fs::remove(out / "weights" / "session_5.bin");
  fs::remove(out / "weights" / "session_1.bin");
  r = test::run_cli({"eval", out.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("weights/session_1.bin is missing"));
}

TEST(run_folder, deploy_uses_the_sessions_run_json_lists) {
  test::temp_dir dir;
  const auto cfg = dir.write("small.toml", test::small_experiment);
  const auto out = dir.path() / "o";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", out.string(), "-q"}).code, 0);
  const std::vector<std::string> deploy{"deploy", out.string(), "--chip", "loihi", "--episodes", "2", "--no-plot", "-q"};
  ASSERT_EQ(test::run_cli(deploy).code, 0);
  auto with = [&](std::vector<std::string> extra) {
    auto args = deploy;
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run_cli(args);
  };
  auto r = with({"--session", "2"});  // run.json lists sessions 0 and 1
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--session 2"));
  fs::copy_file(out / "weights" / "session_1.bin", out / "weights" / "session_2.bin");
  r = with({"--session", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("extra weights file"));
  fs::remove(out / "weights" / "session_2.bin");
  fs::remove(out / "weights" / "session_0.bin");
  r = with({"--session", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("weights/session_0.bin is missing"));
}

}  // namespace
}  // namespace spikeworm
