// Limits checked before work (docs/reliability.md): config size and nesting, non-finite numbers,
// step counts, NaN options and out-of-range seeds are refused with a message naming the value.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& text) {
  try {
    load_config_string(text, "t.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

const std::string net = R"(
[simulation]
dt = 1.0
duration = 0.1
[[population]]
name = "a"
size = 4
model = "poisson"
params = { rate = 50.0 }
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

test::cli_result run_config(const std::string& text, std::vector<std::string> args) {
  test::temp_dir dir;
  const auto cfg = dir.write("c.toml", text);
  args.insert(args.begin() + 1, cfg.string());
  return test::run_cli(args);
}

TEST(limits, deep_table_header_is_refused_before_parsing) {
  std::string header = "[a";
  for (int i = 0; i < 40000; ++i) header += ".a";
  EXPECT_THAT(error_of(header + "]\n"), HasSubstr("t.toml:1:"));
  EXPECT_THAT(error_of(header + "]\n"), HasSubstr("nesting deeper than 256"));
}

TEST(limits, deep_arrays_inline_tables_and_dotted_keys_are_refused) {
  EXPECT_THAT(error_of("x = " + std::string(40000, '[') + std::string(40000, ']') + "\n"), HasSubstr("nesting deeper"));
  std::string inl = "x = ";
  for (int i = 0; i < 300; ++i) inl += "{ a = ";
  EXPECT_THAT(error_of(inl + "1" + std::string(300, '}') + "\n"), HasSubstr("nesting deeper"));
  std::string dotted = "a";
  for (int i = 0; i < 300; ++i) dotted += ".a";
  EXPECT_THAT(error_of(dotted + " = 1\n"), HasSubstr("nesting deeper"));
}

TEST(limits, nesting_scan_ignores_strings_comments_and_float_values) {
  const std::string brackets(1000, '[');
  EXPECT_EQ(error_of("s = \"" + brackets + "\"\nt = '" + brackets + "'\n# " + brackets + "\nu = \"\"\"\n" + brackets +
                     "\"\"\"\nf = 1.5\n[a.b.c]\nx = [[1, 2], [3]]\n[[d.e]]\ny = { p = 1.0, q.r = 2 }\n"),
            "");
}

TEST(limits, config_above_size_cap_is_refused) {
  EXPECT_THAT(error_of(std::string(max_config_bytes + 1, '\n')), HasSubstr("larger than the 64 MB limit"));
}

TEST(limits, config_that_is_not_a_regular_file_is_refused) {
  EXPECT_THROW(load_config_file("/dev/zero"), error);
  test::temp_dir dir;
  const auto fifo = dir.path() / "fifo.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    load_config_file(fifo.string());
    FAIL();
  } catch (const error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("not a regular file"));
  }
}

TEST(limits, non_finite_numbers_are_refused_with_location_and_key) {
  const auto doc = load_config_string("[train]\nentropy_beta = inf\nx = nan\ny = -inf\n", "t.toml");
  table_reader t(doc.root, "", doc.file);
  const auto train = t.subtable("train");
  ASSERT_TRUE(train);
  for (const char* key : {"entropy_beta", "x", "y"}) {
    try {
      (void)train->number(key);
      FAIL() << key;
    } catch (const config_error& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("must be a finite number"));
      EXPECT_THAT(std::string(e.what()), HasSubstr(std::string("train.") + key));
      EXPECT_THAT(std::string(e.what()), HasSubstr("t.toml:"));
    }
  }
}

TEST(limits, step_counts_that_overflow_or_vanish_are_refused) {
  EXPECT_EQ(steps_of(0.1, 1.0), step_t{100});
  EXPECT_EQ(steps_of(0.0, 1.0), step_t{0});
  EXPECT_FALSE(steps_of(1e300, 1.0));
  EXPECT_FALSE(steps_of(1.0, 1e-300));
  EXPECT_FALSE(steps_of(1e-9, 1.0));
  EXPECT_FALSE(steps_of(std::numeric_limits<double>::quiet_NaN(), 1.0));
  EXPECT_THROW(step_count(1e300, 1.0, "--duration"), error);
}

TEST(limits, simulate_refuses_absurd_duration_and_dt_in_the_config) {
  auto r = run_config(replace(net, "duration = 0.1", "duration = 1e300"), {"simulate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("simulation.duration"));
  EXPECT_THAT(r.err, HasSubstr("1e+300"));
  r = run_config(replace(net, "dt = 1.0", "dt = 1e-300"), {"simulate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("simulation.duration"));
  r = run_config(replace(net, "duration = 0.1", "duration = inf"), {"simulate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("must be a finite number"));
}

TEST(limits, nan_and_inf_duration_options_are_refused) {
  for (const char* v : {"nan", "inf", "-1", "1e7"}) {
    const auto r = run_config(net, {"simulate", "--duration", v});
    EXPECT_NE(r.code, 0) << v;
    EXPECT_THAT(r.err, HasSubstr("--duration")) << v;
  }
  EXPECT_EQ(run_config(net, {"simulate", "--duration", "0.05"}).code, 0);
}

TEST(limits, seeds_above_int64_max_or_negative_are_refused_not_clamped) {
  for (const char* v : {"9223372036854775808", "18446744073709551615", "-1", "1e3", "12x"}) {
    const auto r = run_config(net, {"simulate", "--seed", v});
    EXPECT_NE(r.code, 0) << v;
    EXPECT_THAT(r.err, HasSubstr("--seed")) << v;
  }
  EXPECT_EQ(run_config(net, {"simulate", "--seed", "9223372036854775807"}).code, 0);
  for (const char* cmd : {"train", "eval", "deploy", "rollout", "map"}) {
    const auto r = test::run_cli({cmd, "x", "--seed", "9223372036854775808"});
    EXPECT_NE(r.code, 0) << cmd;
    EXPECT_THAT(r.err, HasSubstr("--seed")) << cmd;
  }
}

TEST(limits, config_seed_out_of_range_is_refused) {
  auto r = run_config(net + "", {"simulate"});
  EXPECT_EQ(r.code, 0);
  r = run_config(replace(net, "dt = 1.0", "dt = 1.0\nseed = 1e19"), {"simulate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("simulation.seed"));
  r = run_config(replace(net, "dt = 1.0", "dt = 1.0\nseed = 18446744073709551615"), {"simulate"});
  EXPECT_EQ(r.code, 2);
  r = run_config(replace(net, "dt = 1.0", "dt = 1.0\nseed = -1"), {"simulate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("simulation.seed"));
}

}  // namespace
}  // namespace spikeworm
