// Limits checked before work (docs/reliability.md): config size and nesting, non-finite numbers,
// step counts, NaN options and out-of-range seeds are refused with a message naming the value.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/app/simulate.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/core/parallel.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>

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

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
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

TEST(limits, worker_pools_above_1024_threads_are_refused_naming_the_count) {
  // The config and --threads stop at 1024; a library caller (the Python module) reaches the pool directly.
  EXPECT_EQ(worker_pool(max_worker_threads).threads(), 1024);
  try {
    worker_pool pool(1000001);
    FAIL() << "a pool of 1000001 threads was made";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("1000001"));
    EXPECT_THAT(e.what(), HasSubstr("1024"));
  }
  EXPECT_LE(worker_threads(0), max_worker_threads);
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

TEST(limits, byte_sizes_parse_in_binary_units_and_bad_sizes_are_refused) {
  EXPECT_EQ(parse_byte_size("1024"), 1024u);
  EXPECT_EQ(parse_byte_size("64k"), 64u << 10);
  EXPECT_EQ(parse_byte_size("512M"), 512u << 20);
  EXPECT_EQ(parse_byte_size("512MiB"), 512u << 20);
  EXPECT_EQ(parse_byte_size("8G"), std::uint64_t{8} << 30);
  EXPECT_EQ(parse_byte_size("1.5GB"), std::uint64_t{3} << 29);
  EXPECT_EQ(parse_byte_size("2T"), std::uint64_t{2} << 40);
  for (const char* bad : {"", "0", "-1", "1X", "G", "nanG", "1e3", "1.5.2M", "0.1", "9999999999T", "8 G"}) {
    try {
      parse_byte_size(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const error& e) {
      EXPECT_THAT(e.what(), HasSubstr(fmt::format("'{}'", bad)));
      EXPECT_THAT(e.what(), HasSubstr("--max-memory"));
    }
  }
  EXPECT_EQ(format_bytes(1000), "1000 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(std::uint64_t{3} << 30), "3.00 GiB");
  EXPECT_GT(machine_memory_bytes(), std::uint64_t{1} << 26);
}

TEST(limits, check_memory_names_the_estimate_its_terms_and_the_limit) {
  const memory_estimate e{std::uint64_t{3} << 30, "3 parts"};
  EXPECT_NO_THROW(check_memory("x", e, std::uint64_t{3} << 30));
  try {
    check_memory("training", e, std::uint64_t{1} << 30);
    ADD_FAILURE();
  } catch (const error& err) {
    EXPECT_THAT(err.what(), HasSubstr("training needs an estimated 3.00 GiB of memory (3 parts)"));
    EXPECT_THAT(err.what(), HasSubstr("limit of 1.00 GiB (--max-memory)"));
  }
  const memory_estimate huge{std::uint64_t{1} << 62, "many"};
  try {
    check_memory("training", huge, 0);
    ADD_FAILURE();
  } catch (const error& err) {
    EXPECT_THAT(err.what(), HasSubstr("this machine's memory"));
  }
}

// The estimate of a network bounds what the build allocates: 11 B per synapse drawn, for every rule.
TEST(limits, network_memory_estimate_bounds_the_built_synapse_arrays) {
  network_desc d;
  d.sim.seed = 5;
  for (auto [name, size] : {std::pair{"a", 3000u}, std::pair{"b", 2000u}}) {
    population p;
    p.name = name;
    p.size = size;
    p.model = model_kind::poisson;
    d.populations.push_back(p);
  }
  auto proj = [&](connection_rule rule, double p, std::int64_t k, const char* src, const char* tgt) {
    projection_desc pr;
    pr.source = src;
    pr.target = tgt;
    pr.rule = rule;
    pr.p = p;
    pr.k = k;
    d.projections.push_back(pr);
  };
  proj(connection_rule::fixed_probability, 0.05, 0, "a", "b");
  proj(connection_rule::fixed_probability, 0.5, 0, "b", "b");
  proj(connection_rule::all_to_all, 1, 0, "a", "a");
  proj(connection_rule::one_to_one, 1, 0, "b", "a");
  proj(connection_rule::fixed_indegree, 1, 7, "b", "a");
  const double expected = expected_synapses(d);
  const network built(d);
  const double drawn = static_cast<double>(built.num_synapses());
  EXPECT_GE(expected, drawn);
  EXPECT_LE(expected, drawn * 1.01);  // the six-sigma margin of two fixed_probability projections
  const auto e = estimate_memory(d);
  const double arrays = drawn * (sizeof(neuron_id) + sizeof(weight_t) + sizeof(delay_t) + sizeof(receptor));
  EXPECT_GE(static_cast<double>(e.bytes), arrays + 5000.0 * 128);
  EXPECT_THAT(e.detail, HasSubstr("synapses x 11 B"));
  // The documented sum, term by term: 64 MiB, 11 B per expected synapse, (128 + the longest delay + 1) B per
  // neuron, 4 B per projection source.
  double longest = 1, sources = 0;
  for (const auto& pr : d.projections) {
    longest = std::max(longest, pr.delay.a);
    sources += pr.source == "a" ? 3000 : 2000;
  }
  EXPECT_EQ(sources, 12000);
  EXPECT_EQ(e.bytes, static_cast<std::uint64_t>(64.0 * (1 << 20) + 11 * expected + (128 + longest + 1) * 5000 + 4 * sources));
  // Past the 32-bit edge index the network refuses before allocating, whatever the memory.
  d.populations[0].size = 100000;
  d.projections[2].source = d.projections[2].target = "a";
  try {
    const network too_big(d);
    ADD_FAILURE();
  } catch (const error& err) {
    EXPECT_THAT(err.what(), HasSubstr("projection a -> a brings the network to about 1e+10 synapses"));
  }
}

// The issue's reproduction: hidden = 4096, layers = 8, steps = 10000 ran 75 s and died of bad_alloc.
TEST(limits, training_memory_bomb_is_refused_before_any_work) {
  test::temp_dir dir;
  std::string text = test::small_experiment;
  text = replace(text, "hidden = 16", "hidden = 4096");
  text = replace(text, "layers = 2", "layers = 8");
  text = replace(text, "steps = 12", "steps = 10000");
  const auto cfg = dir.write("bomb.toml", text);
  const auto out = dir.path() / "run";
  auto r = test::run_cli({"train", cfg.string(), "--out", out.string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("training needs an estimated"));
  EXPECT_THAT(r.err, HasSubstr("per decision"));
  EXPECT_THAT(r.err, HasSubstr("this machine's memory"));
  EXPECT_FALSE(std::filesystem::exists(out));  // refused before the folder was touched
  r = test::run_cli({"sweep", cfg.string(), "--set", "brain.layers=2,8", "--out", (dir.path() / "sw").string(), "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("training needs an estimated"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "sw"));
}

TEST(limits, max_memory_applies_to_simulate_map_train_and_sweep) {
  test::temp_dir dir;
  const auto exp = dir.write("small.toml", test::small_experiment);
  const auto netcfg = dir.write("net.toml", net);
  const std::vector<std::vector<std::string>> cases{
      {"simulate", netcfg.string()},
      {"map", netcfg.string(), "--chip", "loihi"},
      {"train", exp.string(), "--out", (dir.path() / "t").string()},
      {"sweep", exp.string(), "--set", "brain.hidden=8", "--out", (dir.path() / "s").string(), "--no-plot"}};
  for (auto args : cases) {
    args.insert(args.end(), {"-q", "--max-memory", "1M"});
    auto r = test::run_cli(args);
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_THAT(r.err, HasSubstr("limit of 1.00 MiB (--max-memory)")) << args[0];
    args.back() = "2G";
    r = test::run_cli(args);
    EXPECT_EQ(r.code, 0) << args[0] << ": " << r.err;
    args.back() = "lots";
    r = test::run_cli(args);
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_THAT(r.err, HasSubstr("'lots'")) << args[0];
  }
}

// spikes.csv is written chunk by chunk while the run goes on: the engine keeps no raster, and the file is
// the one the whole in-memory raster gives.
TEST(limits, simulate_streams_its_raster_and_keeps_none_in_memory) {
  test::temp_dir dir;
  const auto cfg = dir.write("net.toml", replace(replace(net, "size = 4", "size = 3000"), "duration = 0.1", "duration = 2.0"));
  app::simulate_options o;
  o.config = cfg.string();
  o.out_dir = (dir.path() / "streamed").string();
  o.spike_format = "both";
  const auto streamed = app::simulate(o);
  EXPECT_TRUE(std::filesystem::exists(streamed.spikes_h5));
  EXPECT_TRUE(streamed.eng->spikes().empty());
  o.out_dir = (dir.path() / "kept").string();
  o.keep_spikes = true;
  const auto kept = app::simulate(o);
  ASSERT_GT(kept.eng->spikes().size(), 250000u);  // 3000 x 50 Hz x 2 s: more than one chunk
  EXPECT_EQ(read_all(streamed.spikes_csv), read_all(kept.spikes_csv));
  std::ostringstream ref;
  ref << "step,time_ms,neuron,population\n";
  for (const auto& sp : kept.eng->spikes()) ref << fmt::format("{},{:.6g},{},a\n", sp.step, static_cast<double>(sp.step), sp.neuron);
  EXPECT_EQ(read_all(kept.spikes_csv), ref.str());
  o.out_dir.clear();  // no --out: nothing recorded
  o.keep_spikes = false;
  EXPECT_TRUE(app::simulate(o).eng->spikes().empty());
}

}  // namespace
}  // namespace spikeworm
