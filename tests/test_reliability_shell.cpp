// Reliability (docs/reliability.md): no shell for external programs, hostile run-folder names, JSON with
// non-UTF-8 paths, errors that name the real path and the OS reason, stale temporaries, outputs checked
// before the work, exit 3 never from bad input.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <csignal>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/process.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Folder names a shell would interpret, or that break quoting, UTF-8 or line-based output.
const std::vector<std::string> hostile_names = {
    "bob's run", "say \"hi\"", "a;b", "r'; touch PWNED; echo '", "$(touch PWNED)", "line\nbreak", "bad\xff\xfe utf8"};

bool have_matplotlib() { return run_program({"/usr/bin/python3", "-c", "import matplotlib"}, true).ok(); }

// Runs the test from inside `dir`, so that a shell running `touch PWNED` would leave its canary there.
class in_folder {
 public:
  explicit in_folder(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~in_folder() { fs::current_path(old_); }

 private:
  fs::path old_;
};

long dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

TEST(process, runs_argv_without_a_shell_and_reports_exit_and_signal) {
  test::temp_dir dir;
  const fs::path odd = dir.path() / "$(touch PWNED); 'x' \"y\"";
  in_folder here(dir.path());
  EXPECT_TRUE(run_program({"/usr/bin/touch", odd.string()}).ok());
  EXPECT_TRUE(fs::exists(odd));  // the argument reached the program byte for byte
  EXPECT_FALSE(fs::exists(dir.path() / "PWNED"));
  const auto exit3 = run_program({"/bin/sh", "-c", "exit 3"});
  EXPECT_EQ(exit3.exit_code, 3);
  EXPECT_EQ(exit3.describe(), "exit 3");
  const auto killed = run_program({"/bin/sh", "-c", "kill -SEGV $$"});
  EXPECT_EQ(killed.signal, 11);
  EXPECT_THAT(killed.describe(), HasSubstr("signal 11"));
  const auto missing = run_program({"/nonexistent/program"});
  EXPECT_FALSE(missing.started);
  EXPECT_THAT(missing.describe(), HasSubstr("No such file or directory"));
}

TEST(reliability, hostile_run_folder_names_run_nothing_and_never_exit_3) {
  test::temp_dir dir;
  in_folder here(dir.path());
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto plain = dir.path() / "plain";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", plain.string(), "-q"}).code, 0);
  // Without matplotlib, a stand-in interpreter "plots" by creating the PNG files named in its arguments,
  // which shows each path reaches the script byte for byte.
  const auto fake = dir.write("python", "#!/bin/sh\n[ \"$1\" = -c ] && exit 0\nshift\n"
                                        "[ $# -eq 1 ] && mkdir -p \"$1/plots\" && touch \"$1/plots/learning.png\"\n"
                                        "for a in \"$@\"; do case \"$a\" in *.png) touch \"$a\";; esac; done\n");
  fs::permissions(fake, fs::perms::owner_all);
  if (!have_matplotlib()) ::setenv("SPIKEWORM_PYTHON", fake.c_str(), 1);
  const bool plots = true;
  for (const auto& name : hostile_names) {
    SCOPED_TRACE(name);
    const fs::path run = dir.path() / name;
    fs::copy(plain, run, fs::copy_options::recursive);
    const auto p = test::run_cli({"plot", run.string()});
    EXPECT_EQ(p.code, plots ? 0 : 2) << p.err;
    if (plots) {
      EXPECT_TRUE(fs::exists(run / "plots" / "learning.png"));
    }
    const auto e = test::run_cli({"energy", run.string(), "--episodes", "2", "-q"});
    EXPECT_EQ(e.code, 0) << e.err;
    EXPECT_TRUE(fs::exists(run / "energy.json"));
    EXPECT_EQ(fs::exists(run / "energy.png"), plots);
    EXPECT_EQ(e.out.find("energy.png\n") != std::string::npos, plots);  // "wrote" only for a written plot
    const auto d = test::run_cli({"deploy", run.string(), "--chip", "loihi", "--episodes", "2", "--session", "0", "-q"});
    EXPECT_EQ(d.code, 0) << d.err;
    EXPECT_TRUE(fs::exists(run / "deploy_loihi.json"));
    EXPECT_EQ(fs::exists(run / "deploy_loihi.png"), plots);
    EXPECT_NO_THROW(test::read_json(run / "deploy_loihi.json"));
  }
  ::unsetenv("SPIKEWORM_PYTHON");
  EXPECT_FALSE(fs::exists(dir.path() / "PWNED"));
}

TEST(reliability, sweep_and_compare_in_hostile_folders_run_nothing) {
  test::temp_dir dir;
  in_folder here(dir.path());
  const fs::path base = dir.path() / "r'; touch PWNED; echo '";
  fs::create_directories(base);
  const auto cfg = base / "s.toml";
  std::ofstream(cfg) << test::small_experiment;
  const fs::path first = dir.path() / "$(touch PWNED) bad\xff\nname";
  const fs::path second = dir.path() / "bob's \"sweep\";";
  const std::vector<std::string> common{"--set", "brain.hidden=8", "--sessions", "1", "--episodes", "2",
                                        "--eval-episodes", "2", "--threads", "1", "-q"};
  auto args = std::vector<std::string>{"sweep", cfg.string(), "--out", first.string()};
  args.insert(args.end(), common.begin(), common.end());
  const auto s1 = test::run_cli(args);
  ASSERT_EQ(s1.code, 0) << s1.err;
  args = {"sweep", cfg.string(), "--out", second.string(), "--compare", first.string()};
  args.insert(args.end(), common.begin(), common.end());
  const auto s2 = test::run_cli(args);
  ASSERT_EQ(s2.code, 0) << s2.err;
  EXPECT_NO_THROW(test::read_json(second / "sweep.json"));
  EXPECT_EQ(fs::exists(second / "pareto.png"), have_matplotlib());
  EXPECT_FALSE(fs::exists(dir.path() / "PWNED"));
  EXPECT_FALSE(fs::exists(base / "PWNED"));
}

TEST(reliability, a_failed_plot_is_one_warning_line_and_no_wrote) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  // An interpreter that has "matplotlib" but crashes on every script.
  const auto fake = dir.write("python", "#!/bin/sh\nif [ \"$1\" = -c ]; then exit 0; fi\nkill -SEGV $$\n");
  fs::permissions(fake, fs::perms::owner_all);
  ::setenv("SPIKEWORM_PYTHON", fake.c_str(), 1);
  const auto e = test::run_cli({"energy", run.string(), "--episodes", "1", "-q"});
  const auto p = test::run_cli({"plot", run.string()});
  ::unsetenv("SPIKEWORM_PYTHON");
  EXPECT_EQ(e.code, 0) << e.err;  // the energy report itself was written
  EXPECT_THAT(e.out, HasSubstr("plot_energy.py failed (killed by signal 11"));
  EXPECT_THAT(e.out, Not(HasSubstr("energy.png\n")));
  EXPECT_EQ(p.code, 2);
  EXPECT_THAT(p.err, HasSubstr("plot_run.py failed (killed by signal 11"));
}

TEST(reliability, json_text_replaces_invalid_utf8_and_keeps_valid_output) {
  const nlohmann::json good{{"path", "runs/\xc3\xa9t\xc3\xa9"}, {"n", 3}};
  EXPECT_EQ(json_text(good), good.dump(2) + "\n");
  const nlohmann::json bad{{"path", std::string("runs/bad\xff\xfe")}};
  std::string text;
  ASSERT_NO_THROW(text = json_text(bad));
  EXPECT_THAT(text, HasSubstr("runs/bad\xef\xbf\xbd"));  // U+FFFD
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(reliability, write_errors_name_the_target_and_the_os_reason) {
  test::temp_dir dir;
  const fs::path missing = dir.path() / "no such folder" / "x.json";
  try {
    write_file_atomically(missing, "{}");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing.string()));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
    EXPECT_THAT(e.what(), Not(HasSubstr(".tmp")));
  }
  const auto file = dir.write("plain", "x");
  try {
    write_file_atomically(file / "x.json", "{}");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr((file / "x.json").string()));
    EXPECT_THAT(e.what(), HasSubstr("Not a directory"));
  }
  {
    in_folder here(dir.path());
    EXPECT_NO_THROW(check_output_writable("new/deeper/x.json"));  // a relative folder that can be created
    EXPECT_NO_THROW(check_output_writable("x.json"));
    EXPECT_THROW(check_output_writable("plain/x.json"), error);
  }
  if (::access("/proc/self", F_OK) == 0) {  // a folder nobody may create files in, even root
    EXPECT_THROW(write_file_atomically("/proc/self/spikeworm-x.json", "{}"), error);
    EXPECT_THROW(check_output_writable("/proc/self/spikeworm-x.json"), error);
  }
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr("tmp")));  // no temporary left behind
}

TEST(reliability, a_failed_write_names_the_target_and_the_os_reason) {
  // The file-size limit makes the write itself fail (EFBIG), as a full disk does (ENOSPC), in a child process.
  test::temp_dir dir;
  const fs::path target = dir.path() / "big.json";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    try {
      write_file_atomically(target, std::string(1 << 20, 'x'));
    } catch (const error& e) {
      const std::string what = e.what();
      const bool good = what.find(target.string() + ": write failed: File too large") == 0;
      if (!good || what.find(".tmp") != std::string::npos) std::fprintf(stderr, "%s\n", what.c_str());
      ::_exit(good && what.find(".tmp") == std::string::npos ? 0 : 1);
    }
    ::_exit(2);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::is_empty(dir.path()));  // the temporary is gone too
}

TEST(reliability, malformed_json_input_is_exit_2_not_internal_error) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  for (const char* text : {R"({"agents": "x", "episodes": [1]})", "[1, 2", "{\"brain\": 3}"}) {
    std::ofstream(run / "eval.json") << text;
    const auto r = test::run_cli({"energy", run.string(), "--no-plot", "-q"});
    EXPECT_EQ(r.code, 2) << text << ": " << r.err;
  }
  const auto e = test::run_cli({"eval", run.string(), "--episodes", "1", "--out", (dir.path() / "new" / "e.json").string(), "-q"});
  EXPECT_EQ(e.code, 0) << e.err;  // --out in a folder that does not exist yet: created
}

TEST(reliability, stale_temporaries_of_dead_writers_are_removed) {
  test::temp_dir dir;
  const long dead = dead_pid();
  const auto t = temporary_name_for(dir.path() / "eval.json");
  EXPECT_THAT(t.filename().string(), HasSubstr(fmt::format(".eval.json.tmp-{}-", ::getpid())));
  const auto stale = dir.write(fmt::format(".eval.json.tmp-{}-0", dead), "half");
  const auto old_style = dir.write(fmt::format("run.json.tmp.{}.3", dead), "half");
  const auto live = dir.write(fmt::format(".run.json.tmp-{}-7", ::getpid()), "being written");
  const auto other = dir.write(".notes.tmp-abc-1", "not ours");
  EXPECT_EQ(remove_stale_temporaries(dir.path()), 2);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(old_style));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(remove_stale_temporaries(dir.path() / "missing"), 0);
}

TEST(reliability, commands_remove_stale_temporaries_of_the_run_folder) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  const long dead = dead_pid();
  const auto stale = dir.write(fmt::format("run/.eval.json.tmp-{}-0", dead), "half");
  const auto stale_w = dir.write(fmt::format("run/weights/.session_0.bin.tmp-{}-0", dead), "half");
  ASSERT_EQ(test::run_cli({"energy", run.string(), "--episodes", "1", "--no-plot", "-q"}).code, 0);
  EXPECT_FALSE(fs::exists(stale));
  ASSERT_EQ(test::run_cli({"train", "--resume", run.string(), "-q"}).code, 0);
  EXPECT_FALSE(fs::exists(stale_w));
}

TEST(reliability, unwritable_outputs_fail_before_the_work) {
  // A million episodes would take minutes: an error within the test's time shows the check comes first.
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  const auto file = dir.write("plain", "x");
  const auto bad = (file / "sub" / "report.json").string();
  const auto e = test::run_cli({"eval", run.string(), "--episodes", "1000000", "--out", bad, "-q"});
  EXPECT_EQ(e.code, 2);
  EXPECT_THAT(e.err, HasSubstr((file / "sub").string()));  // the folder eval would create
  EXPECT_THAT(e.err, HasSubstr("Not a directory"));
  const auto d = test::run_cli({"deploy", run.string(), "--chip", "loihi", "--episodes", "1000000", "--out", bad, "-q"});
  EXPECT_EQ(d.code, 2);
  EXPECT_THAT(d.err, HasSubstr(bad));
  fs::create_directories(run / "energy.json");  // energy.json cannot be written: it is a folder
  const auto n = test::run_cli({"energy", run.string(), "--reeval", "--episodes", "1000000", "-q"});
  EXPECT_EQ(n.code, 2);
  EXPECT_THAT(n.err, HasSubstr((run / "energy.json").string()));
  const auto s = test::run_cli({"sweep", cfg.string(), "--set", "brain.hidden=8,16", "--episodes", "10000000", "--out",
                                (dir.path() / "sw").string(), "--compare", (dir.path() / "nothing").string(), "-q"});
  EXPECT_EQ(s.code, 2);
  EXPECT_THAT(s.err, HasSubstr("--compare"));
  EXPECT_FALSE(fs::exists(dir.path() / "sw"));
}

}  // namespace
}  // namespace spikeworm
