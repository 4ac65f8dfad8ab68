// spikeworm plot (docs/getting-started.md, "Plots"): a simulate output folder gets raster, rates, ISI and CV
// plots and a training run its three plots, every PNG non-trivial; a failing plot script fails the command
// with the script's own error; a folder of neither kind is an error. Skipped without Debian's
// python3-matplotlib. scripts/plot_sim.py's statistics are tested against hand-computed values by
// tests/test_plot_sim.py.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/core/process.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool have_matplotlib() { return run_program({"/usr/bin/python3", "-c", "import matplotlib"}, true).ok(); }

// A PNG of a drawn figure: the PNG signature and more than an empty canvas's few kilobytes.
void expect_real_png(const fs::path& png) {
  ASSERT_TRUE(fs::exists(png)) << png;
  const std::string bytes = read_bytes(png);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
  EXPECT_GT(bytes.size(), 15000u) << png;
}

// A 0.2 s CUBA simulation (4000 neurons, two populations, about 4500 spikes) written to dir/sim.
fs::path simulate_small(const test::temp_dir& dir) {
  const auto sim = dir.path() / "sim";
  const auto cfg = (test::source_dir() / "configs" / "cuba.toml").string();
  const auto r = test::run_cli(
      {"simulate", cfg, "--duration", "0.2", "--threads", "1", "--out", sim.string(), "-q", "--spike-format", "csv"});
  EXPECT_EQ(r.code, 0) << r.err;
  return sim;
}

// The real binary, with its stderr (and so the plot script's) captured in a file.
int run_binary(const std::vector<std::string>& args, const fs::path& err_file) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) _exit(126);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(SPIKEWORM_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(SPIKEWORM_BINARY, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(plot, simulate_folder_gets_raster_rates_isi_and_cv) {
  if (!have_matplotlib()) GTEST_SKIP() << "needs Debian's python3-matplotlib";
  test::temp_dir dir;
  const auto sim = simulate_small(dir);
  ASSERT_TRUE(fs::exists(sim / "spikes.csv"));
  const auto r = test::run_cli({"plot", sim.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* png : {"raster.png", "rates.png", "isi.png", "cv.png"}) expect_real_png(sim / "plots" / png);
  EXPECT_FALSE(fs::exists(sim / "plots" / "learning.png"));
}

TEST(plot, training_run_gets_learning_loss_and_spikes) {
  if (!have_matplotlib()) GTEST_SKIP() << "needs Debian's python3-matplotlib";
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  const auto r = test::run_cli({"plot", run.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* png : {"learning.png", "loss.png", "spikes.png"}) expect_real_png(run / "plots" / png);
}

TEST(plot, a_failing_plot_script_fails_the_command_with_its_error) {
  if (!have_matplotlib()) GTEST_SKIP() << "needs Debian's python3-matplotlib";
  test::temp_dir dir;
  const auto sim = simulate_small(dir);
  std::ofstream(sim / "spikes.csv") << "when,who\n1,2\n";  // not simulate's header
  const auto err = dir.path() / "stderr.txt";
  EXPECT_EQ(run_binary({"plot", sim.string()}, err), 2);
  const std::string text = read_bytes(err);
  EXPECT_THAT(text, HasSubstr("is not step,time_ms,neuron,population"));  // the script's own message
  EXPECT_THAT(text, HasSubstr("plot_sim.py failed (exit 1)"));
}

TEST(plot, a_folder_of_neither_kind_is_an_error) {
  test::temp_dir dir;
  auto r = test::run_cli({"plot", dir.path().string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("neither a training run folder"));
  dir.write("summary.json", "{}");
  r = test::run_cli({"plot", dir.path().string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("without spikes.csv"));
}

}  // namespace
}  // namespace spikeworm
