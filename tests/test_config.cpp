// The configuration reader: every error names the file, line, column and key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spikeworm/core/parallel.hpp"

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/units.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;

// EXPECT_THROW_MSG in the manner of {fmt}: the exception type and a substring of what().
#define EXPECT_THROW_MSG(stmt, type, substring)                                     \
  do {                                                                              \
    try {                                                                           \
      stmt;                                                                         \
      ADD_FAILURE() << "no exception from " #stmt;                                  \
    } catch (const type& e) {                                                       \
      EXPECT_THAT(std::string(e.what()), HasSubstr(substring));                     \
    }                                                                               \
  } while (0)

TEST(config, malformed_toml_names_file_line_and_column) {
  EXPECT_THROW_MSG(load_config_string("a = 1\nb = [1, 2\n", "bad.toml"), config_error, "bad.toml:2:");
  try {
    load_config_string("x = 1\ny = = 2\n", "f.toml");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_GT(e.column(), 0);
    EXPECT_THAT(e.what(), HasSubstr("malformed TOML"));
  }
}

TEST(config, unknown_key_is_named_with_the_allowed_keys) {
  auto doc = load_config_string("[sec]\nalpha = 1\nbta = 2\n", "c.toml");
  auto sec = *table_reader::root(doc).subtable("sec");
  EXPECT_THROW_MSG(sec.allow_only({"alpha", "beta"}), config_error,
                   "c.toml:3:1: sec.bta: unknown key (allowed here: alpha, beta)");
}

TEST(config, wrong_type_and_missing_key) {
  auto doc = load_config_string("n = \"ten\"\nf = 1.5\ni = 3\n", "t.toml");
  auto root = table_reader::root(doc);
  EXPECT_THROW_MSG((void)root.number("n"), config_error, "n: expected a number, got a string");
  EXPECT_THROW_MSG((void)root.integer("f"), config_error, "f: expected an integer, got 1.5");
  EXPECT_EQ(root.integer("i"), 3);
  EXPECT_DOUBLE_EQ(root.number("i"), 3.0);  // integers are numbers
  EXPECT_THROW_MSG((void)root.number("missing"), config_error, "missing: required key is missing");
  EXPECT_THROW_MSG((void)root.choice("n", "", {"one", "two"}), config_error, "expected one of: one, two");
}

TEST(config, value_specs_constant_uniform_normal) {
  auto doc = load_config_string(
      "a = 2\nb = { dist = \"uniform\", low = 1, high = 3 }\nc = { dist = \"normal\", mean = 0, std = 2 }\n"
      "d = { dist = \"uniform\", low = 3, high = 1 }\ne = { dist = \"gamma\" }\n",
      "v.toml");
  auto root = table_reader::root(doc);
  EXPECT_EQ(read_value_spec(root, "a", {}).type, value_spec::kind::constant);
  const auto b = read_value_spec(root, "b", {});
  rng r(1, stream_kind::weight);
  for (int i = 0; i < 1000; ++i) {
    const double x = b.sample(r);
    ASSERT_GE(x, 1.0);
    ASSERT_LT(x, 3.0);
  }
  EXPECT_EQ(read_value_spec(root, "c", {}).b, 2.0);
  EXPECT_THROW_MSG(read_value_spec(root, "d", {}), config_error, "d.high: must be >= low");
  EXPECT_THROW_MSG(read_value_spec(root, "e", {}), config_error, "unknown value 'gamma'");
}

// docs/benchmarks.md, "Threads by size": one thread per min_per_thread neurons, between 1 and the threads asked.
TEST(threads_for_size, one_thread_per_min_neurons_between_one_and_asked) {
  EXPECT_EQ(threads_for_size(2, 4000, 30000), 1);
  EXPECT_EQ(threads_for_size(2, 59999, 30000), 1);
  EXPECT_EQ(threads_for_size(2, 60000, 30000), 2);
  EXPECT_EQ(threads_for_size(2, 400000, 30000), 2);
  EXPECT_EQ(threads_for_size(16, 400000, 30000), 13);
  EXPECT_EQ(threads_for_size(8, 0, 30000), 1);
  EXPECT_EQ(threads_for_size(4, 10, 0), 4) << "0: every thread asked";
  EXPECT_EQ(threads_for_size(1, 1000000, 30000), 1);
  EXPECT_EQ(threads_for_size(0, 1000000, 30000), 1);
}

TEST(format_energy, scales_to_the_largest_unit_at_its_boundaries) {
  EXPECT_EQ(format_energy(0.0), "0.00 pJ");
  EXPECT_EQ(format_energy(999.994), "999.99 pJ");
  EXPECT_EQ(format_energy(999.996), "1.00 nJ");  // chosen on the rounded value
  EXPECT_EQ(format_energy(1000.0), "1.00 nJ");
  EXPECT_EQ(format_energy(999'994.0), "999.99 nJ");
  EXPECT_EQ(format_energy(1e6), "1.00 \u00b5J");
  EXPECT_EQ(format_energy(1e9), "1.00 mJ");
  EXPECT_EQ(format_energy(5'494'119'980.0), "5.49 mJ");  // was printed as 5494119.98 nJ
  EXPECT_EQ(format_energy(999'994'000'000.0), "999.99 mJ");
  EXPECT_EQ(format_energy(1e12), "1.00 J");
  EXPECT_EQ(format_energy(-2500.0), "-2.50 nJ");
}

}  // namespace
}  // namespace spikeworm
