// spikeworm rollout: the table, the trajectory export, the rendered frame and bad input.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "cli_helpers.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

using result = test::cli_result;
inline result run(const std::vector<std::string>& args) { return test::run_cli(args); }

std::string config(const char* name) { return (test::source_dir() / "configs" / name).string(); }

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(rollout_cli, greedy_static_prints_the_table_with_the_optimum) {
  const auto r = run({"rollout", config("static_medium.toml"), "--policy", "greedy", "--episodes", "40", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("policy greedy, 40 episodes, seed 1"));
  EXPECT_THAT(r.out, HasSubstr("success rate                      100.00% (40 / 40)"));
  EXPECT_THAT(r.out, HasSubstr("steps of successes: mean          14.00"));
  EXPECT_THAT(r.out, HasSubstr("steps of successes: median        14"));
  EXPECT_THAT(r.out, HasSubstr("optimum                           14 steps"));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(rollout_cli, predators_print_foods_and_deaths) {
  const auto r = run({"rollout", config("predators_small.toml"), "--policy", "random", "--episodes", "30", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* row : {"foods eaten: total", "foods eaten: mean per episode", "distance efficiency",
                          "starvation deaths", "predator deaths", "optimum                           -"})
    EXPECT_THAT(r.out, HasSubstr(row));
}

TEST(rollout_cli, trajectory_is_written_atomically_and_reproducible) {
  test::temp_dir dir;
  const auto a = dir.path() / "a.csv", b = dir.path() / "b.csv", c = dir.path() / "c.csv";
  const std::string cfg = config("foraging_small.toml");
  ASSERT_EQ(run({"rollout", cfg, "--episodes", "3", "--seed", "5", "--trajectory", a.string(), "-q"}).code, 0);
  ASSERT_EQ(run({"rollout", cfg, "--episodes", "3", "--seed", "5", "--trajectory", b.string(), "-q"}).code, 0);
  ASSERT_EQ(run({"rollout", cfg, "--episodes", "3", "--seed", "6", "--trajectory", c.string(), "-q"}).code, 0);
  const std::string ta = slurp(a);
  EXPECT_THAT(ta, ::testing::StartsWith("episode,step,x,y,heading,action,reward,event\n0,0,10,10,up,,0,start\n"));
  EXPECT_EQ(ta, slurp(b)) << "same seed, same bytes";
  EXPECT_NE(ta, slurp(c));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().extension(), ".csv") << "no temporary file left: " << e.path();
  }
  EXPECT_EQ(files, 3);
}

TEST(rollout_cli, render_shows_the_final_frame) {
  const auto r =
      run({"rollout", config("static_medium.toml"), "--policy", "greedy", "--episodes", "1", "--render", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("last episode, final frame:\n+----------+\n"));
  EXPECT_THAT(r.out, HasSubstr("step 14/300"));
  EXPECT_THAT(r.out, HasSubstr("[success]"));
}

TEST(rollout_cli, other_top_level_tables_are_ignored) {
  test::temp_dir dir;
  const auto path = dir.write("full.toml", "[brain]\nhidden = 128\n[train]\nepisodes = 100\n[env]\nkind = \"static\"\n");
  const auto r = run({"rollout", path.string(), "--episodes", "5", "-q"});
  EXPECT_EQ(r.code, 0) << r.err;
}

// One line on stderr, exit code 2, naming the file and every fragment.
void expect_bad(const std::string& text, std::vector<std::string> fragments) {
  test::temp_dir dir;
  const auto path = dir.write("bad.toml", text);
  const auto r = run({"rollout", path.string(), "--episodes", "2", "-q"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bad.toml")) << r.err;
  for (const auto& f : fragments) EXPECT_THAT(r.err, HasSubstr(f));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(rollout_cli, bad_configs_get_one_line_naming_the_key) {
  expect_bad("[env]\ngrid = 4\n", {"bad.toml:2:8: env.grid: must be at least 5"});
  expect_bad("[env]\nkind = \"foraging\"\ngrid = 5\nexclusion_radius = 0.0\nfoods = 30\n", {"env.foods", "do not fit"});
  expect_bad("[env]\nkind = \"foraging\"\npreset = \"giant\"\n", {"env.preset", "unknown preset 'giant'"});
  expect_bad("[env]\n[env.rewards]\nstep = -0.005\n", {"env.rewards.step", "must be >= 0"});
  expect_bad("[env]\nsize = 10\n", {"env.size: unknown key"});
  expect_bad("[brain]\nhidden = 128\n", {"env: required table [env] is missing"});
}

TEST(rollout_cli, bad_command_lines_fail) {
  EXPECT_NE(run({"rollout", config("static_medium.toml"), "--policy", "smart"}).code, 0);
  EXPECT_NE(run({"rollout", config("static_medium.toml"), "--episodes", "0"}).code, 0);
  EXPECT_NE(run({"rollout", config("static_medium.toml"), "--seed", "-1"}).code, 0);
  const auto r = run({"rollout", "/no/such/file.toml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no such file"));
  test::temp_dir dir;
  const auto t = run({"rollout", config("static_medium.toml"), "--episodes", "1", "--trajectory",
                      (dir.path() / "missing" / "t.csv").string(), "-q"});
  EXPECT_EQ(t.code, 2) << t.err;
}

}  // namespace
}  // namespace spikeworm
