// spikeworm deploy and map from the command line (report, JSON, one clear error for what cannot fit) and
// app::map under it.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/app/deploy.hpp"
#include "spikeworm/app/map.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/learning/encoders.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using test::read_json;

TEST(deploy_cli, reports_every_figure_and_writes_json_per_chip) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  const auto r = test::run_cli({"deploy", run.string(), "--chip", "loihi", "--chip", "truenorth", "--episodes", "3",
                                "--no-plot", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Intel Loihi"));
  EXPECT_THAT(r.out, HasSubstr("splitter"));  // TrueNorth's one target axon
  EXPECT_THAT(r.out, HasSubstr("latency per decision"));
  // Every agent's greedy selection success, and the rule that picked one.
  EXPECT_THAT(r.out, HasSubstr("session_0"));
  EXPECT_THAT(r.out, HasSubstr("session_1"));
  EXPECT_THAT(r.out, HasSubstr("picked: session"));
  EXPECT_THAT(r.out, HasSubstr("highest greedy success, ties by fewer mean steps of successes, then lower session index"));
  const std::string src = SPIKEWORM_SOURCE_DIR_FALLBACK;
  for (const char* chip : {"loihi", "truenorth"}) {
    const auto j = read_json(run / fmt::format("deploy_{}.json", chip));
    EXPECT_EQ(j["chip"], chip);
    EXPECT_EQ(j["selection"]["agents"].size(), 2u);
    EXPECT_EQ(j["float"]["episodes"], 3);
    EXPECT_EQ(j["quantized"]["episodes"], 3);
    EXPECT_GE(j["mapping"]["cores_used"].get<int>(), 1);
    // The per-decision figures, recomputed from the report's own counts and the chip's table
    // (docs/deployment.md): what the command writes is what the model says, not merely positive numbers.
    const auto c = app::load_chip(src + "/configs/chips", chip, src + "/configs/energy").chip;
    const auto& d = j["per_decision"];
    const auto num = [&](const char* k) { return d[k].get<double>(); };
    EXPECT_GT(num("synops"), 0);
    EXPECT_DOUBLE_EQ(num("synops"), j["quantized"]["sops_per_decision"].get<double>()) << chip;
    EXPECT_DOUBLE_EQ(num("messages"), j["mapping"]["routed_per_decision"].get<double>() +
                                          j["mapping"]["local_per_decision"].get<double>()) << chip;
    EXPECT_DOUBLE_EQ(num("hops"), j["mapping"]["hops_per_decision"].get<double>()) << chip;
    EXPECT_EQ(num("neuron_updates"),
              j["steps"].get<double>() * (j["hidden"].get<double>() * j["layers"].get<double>() +
                                          j["mapping"]["splitter_neurons"].get<double>()))
        << chip << ": every neuron on the chip, splitters included, updated every step";
    if (c.time_step_us > 0) {
      EXPECT_DOUBLE_EQ(num("latency_us"), j["steps"].get<double>() * c.time_step_us) << chip;
    }
    EXPECT_GT(num("latency_us"), 0) << chip;
    EXPECT_DOUBLE_EQ(num("energy_static_pj"), c.static_mw * num("latency_us") * 1000.0) << chip;
    EXPECT_DOUBLE_EQ(num("energy_synop_pj"), num("synops") * c.synop_pj) << chip;
    EXPECT_DOUBLE_EQ(num("energy_update_pj"), num("neuron_updates") * c.update_pj) << chip;
    EXPECT_DOUBLE_EQ(num("energy_route_pj"), num("messages") * c.spike_pj + num("hops") * c.hop_pj) << chip;
    EXPECT_DOUBLE_EQ(num("energy_chip_pj"), num("energy_synop_pj") + num("energy_update_pj") + num("energy_route_pj"))
        << chip;
    EXPECT_GT(num("energy_chip_pj"), 0) << chip;
  }
  // A chip with no published energy says so instead of inventing one.
  const auto l2 = test::run_cli({"deploy", run.string(), "--chip", "loihi2", "--episodes", "2", "--no-plot", "-q",
                                 "--session", "1"});
  ASSERT_EQ(l2.code, 0) << l2.err;
  EXPECT_THAT(l2.out, HasSubstr("not published"));
  EXPECT_THAT(l2.out, HasSubstr("picked: session 1, given by --session"));
  EXPECT_TRUE(read_json(run / "deploy_loihi2.json")["per_decision"]["energy_chip_pj"].is_null());
  // Under the command: app::deploy returns the same report, prints nothing and counts 2 x episodes.
  const auto cfg_doc = load_config_string(test::small_experiment, "s.toml");
  const auto ecfg = read_experiment(table_reader::root(cfg_doc));
  std::vector<std::string> weights;
  for (int k = 0; fs::exists(run / "weights" / fmt::format("session_{}.bin", k)); ++k)
    weights.push_back((run / "weights" / fmt::format("session_{}.bin", k)).string());
  const auto choice = app::choose_session(ecfg, weights, -1, 1000);
  EXPECT_TRUE(choice.selected);
  EXPECT_THROW(app::choose_session(ecfg, weights, static_cast<int>(weights.size()), 1000), error);
  app::deploy_options opt;
  opt.cfg = ecfg;
  opt.weights = weights.at(static_cast<std::size_t>(choice.session));
  const std::string root = SPIKEWORM_SOURCE_DIR_FALLBACK;
  opt.chip = app::load_chip(root + "/configs/chips", "loihi", root + "/configs/energy");
  EXPECT_EQ(opt.chip.host.id, "cmos45_fp32");
  opt.episodes = 3;
  std::vector<std::uint64_t> seen;
  opt.progress = [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_EQ(total, 6u);
    seen.push_back(done);
  };
  testing::internal::CaptureStdout();
  const auto rep = app::deploy(opt);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  auto from_cli = read_json(run / "deploy_loihi.json");
  for (const char* k : {"run", "weights", "seed", "selection"}) from_cli.erase(k);  // what the command adds
  EXPECT_EQ(rep.to_json(), from_cli);
}

// The host's work per decision (docs/deployment.md): the dense input layer of a constant-input encoder
// (W_in: width x H, then W_1: H x H) and the readout (W_out: H x A, or the hybrid head H x Hh then Hh x A),
// for every encoder kind the host treats differently and both readouts, and its energy at the host's MAC cost.
TEST(deploy_cli, host_macs_count_the_dense_input_and_the_readout) {
  test::temp_dir dir;
  struct variant {
    const char* brain;
    double width;  // of the input layer (0: spike-train input, folded onto the chip)
    double head;   // the hybrid head's units (0: the spike-count readout)
  };
  const double pop = encoder{}.population_size;
  for (const auto& v : {variant{"encoder = \"current\"", 2, 0}, variant{"encoder = \"population\"", 2 * pop, 0},
                        variant{"encoder = \"rate\"", 0, 0},
                        variant{"encoder = \"current\"\nreadout = \"dense\"\nhead_hidden = 8", 2, 8}}) {
    SCOPED_TRACE(v.brain);
    std::string text = test::small_experiment;
    text.replace(text.find("steps = 12\n"), 11, fmt::format("steps = 12\n{}\n", v.brain));
    text.replace(text.find("episodes = 5\nsessions = 2"), 25, "episodes = 1\nsessions = 1");
    const auto cfg = dir.write("v.toml", text);
    const auto run = dir.path() / fmt::format("run{}", v.width + v.head);
    ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
    const auto r = test::run_cli({"deploy", run.string(), "--chip", "loihi", "--episodes", "1", "--no-plot", "-q"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = read_json(run / "deploy_loihi.json");
    const double H = 16, A = 4;
    const double want = (v.width > 0 ? v.width * H + H * H : 0.0) + (v.head > 0 ? H * v.head + v.head * A : H * A);
    const auto& d = j["per_decision"];
    EXPECT_EQ(d["host_macs"].get<double>(), want);
    const std::string src = SPIKEWORM_SOURCE_DIR_FALLBACK;
    const auto chip = app::load_chip(src + "/configs/chips", "loihi", src + "/configs/energy");
    EXPECT_DOUBLE_EQ(d["energy_host_pj"].get<double>(), want * chip.host.mac_pj);
  }
}

TEST(deploy_cli, a_network_that_cannot_fit_is_one_clear_error) {
  test::temp_dir dir;
  const auto cfg = dir.write("s.toml", test::small_experiment);
  const auto run = dir.path() / "run";
  ASSERT_EQ(test::run_cli({"train", cfg.string(), "--out", run.string(), "-q"}).code, 0);
  const auto tiny = dir.write("tiny.toml", R"(
name = "tiny"
cores = 2
neurons_per_core = 8
weight_bits = 8
decay_bits = 12
time_step_us = 1000
synop_pj = 1
update_pj = 1
)");
  auto r = test::run_cli({"deploy", run.string(), "--chip", tiny.string(), "--episodes", "1", "--no-plot", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot fit"));
  EXPECT_THAT(r.err, HasSubstr("neurons per core"));
  EXPECT_THAT(r.err, HasSubstr("short by 2"));  // 32 neurons need 4 cores of 8
  EXPECT_FALSE(fs::exists(run / "deploy_tiny.json"));
  r = test::run_cli({"deploy", run.string(), "--chip", "no_such_chip", "--no-plot", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no_such_chip"));
  EXPECT_THAT(r.err, HasSubstr("truenorth"));
  const auto bad = dir.write("bad.toml", "name = \"bad\"\nweight_bits = 1\ntime_step_us = 1\n");
  r = test::run_cli({"deploy", run.string(), "--chip", bad.string(), "--no-plot", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.toml"));
  EXPECT_THAT(r.err, HasSubstr("weight_bits"));
}

}  // namespace
}  // namespace spikeworm

namespace spikeworm {
namespace {

// 300 Poisson sources into 600 lif neurons, p = 0.3: 900 neurons need 4 cores of 256 on SpiNNaker, and
// cannot fit TrueNorth's 256 input axons per core with one splitter core per source.
const std::string map_net = R"(
[simulation]
dt = 1.0
duration = 0.2
seed = 2
[[population]]
name = "in"
size = 300
model = "poisson"
params = { rate = 20.0 }
[[population]]
name = "out"
size = 600
model = "lif"
[[projection]]
source = "in"
target = "out"
rule = "fixed_probability"
p = 0.3
weight = 0.05
)";

TEST(map_cli, maps_a_network_config_on_chips_and_names_what_cannot_fit) {
  test::temp_dir dir;
  const auto cfg = dir.write("net.toml", map_net);
  const auto out = dir.path() / "maps";
  auto r = test::run_cli({"map", cfg.string(), "--chip", "spinnaker", "--chip", "loihi", "--out", out.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("round_robin"));
  EXPECT_THAT(r.out, HasSubstr("metis"));
  const auto j = read_json(out / "map_spinnaker.json");
  EXPECT_EQ(j["cores"].size(), 4u);  // 900 neurons, 256 per core
  EXPECT_GT(j["per_second"]["routed"].get<double>(), 0);
  EXPECT_EQ(j["partitioners"].size(), 4u);
  r = test::run_cli({"map", cfg.string(), "--chip", "truenorth", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("cannot fit"));
  EXPECT_THAT(r.err, HasSubstr("does not fit on truenorth"));
}

TEST(map_app, returns_typed_results_prints_nothing_and_reports_progress) {
  app::map_options opt;
  opt.desc = read_network_desc(table_reader::root(load_config_string(map_net, "net.toml")));
  opt.config = "net.toml";
  opt.duration = 0.2;
  const std::string chips = std::string(SPIKEWORM_SOURCE_DIR_FALLBACK) + "/configs/chips";
  for (const char* c : {"spinnaker", "truenorth"}) opt.chips.push_back(read_chip_profile(chip_profile_path(chips, c)));
  std::uint64_t last = 0, total = 0, calls = 0;
  opt.progress = [&](std::uint64_t done, std::uint64_t all) {
    EXPECT_GT(done, last);
    last = done;
    total = all;
    ++calls;
  };
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const auto res = app::map(opt);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(total, 200u);  // 0.2 s at dt = 1 ms
  EXPECT_EQ(last, total);
  EXPECT_GE(calls, 100u);
  EXPECT_EQ(res.neurons, 900u);
  ASSERT_EQ(res.chips.size(), 2u);
  const auto& sp = res.chips[0];
  ASSERT_EQ(sp.rows.size(), 4u);
  ASSERT_EQ(sp.costed, 2);  // round_robin, sequential, greedy, metis
  const auto& row = sp.rows[2];
  EXPECT_EQ(row.method, partitioner::greedy);
  ASSERT_TRUE(row.map.has_value());
  EXPECT_EQ(row.map->cores_used, 4);
  EXPECT_GT(sp.per_second.messages, 0);
  EXPECT_DOUBLE_EQ(sp.chip_seconds, 1.0);  // 1 ms steps on a 1 ms tick
  EXPECT_DOUBLE_EQ(sp.dynamic_pj, sp.energy.synaptic + sp.energy.update + sp.energy.spike + sp.energy.hop);
  EXPECT_EQ(res.to_json(0)["cores"].size(), 4u);
  // TrueNorth: no placement; every row says why.
  EXPECT_EQ(res.chips[1].costed, -1);
  for (const auto& r : res.chips[1].rows) EXPECT_THAT(r.error, HasSubstr("cannot fit"));
}

}  // namespace
}  // namespace spikeworm
