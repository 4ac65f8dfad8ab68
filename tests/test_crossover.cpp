// Where spiking pays (docs/energy.md): a spiking layer against the dense layer of the same weights, its
// counts checked against the event engine, its energies against hand calculations, the break-even against
// the costs it balances.
#include <cmath>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/learning/crossover.hpp"
#include "net_helpers.hpp"

namespace spikeworm {
namespace {

// A 45 nm fp32-like table whose SRAM has two sizes (10 pJ up to 8 KB, 20 pJ at 32 KB).
energy_table cmos_table() {
  energy_table t;
  t.id = "test_cmos";
  t.sop_pj = 0.9;
  t.neuron_update_pj = 5.5;
  t.mac_pj = 4.6;
  t.sram_bytes = {8192, 32768};
  t.sram_read_pj = {10, 20};
  return t;
}

energy_table chip_table() {
  energy_table t = cmos_table();
  t.id = "test_chip";
  t.chip = true;
  t.sop_pj = 23.6;
  t.neuron_update_pj = 52;
  return t;
}

std::vector<energy_table> shipped_tables() {
  const std::string root = SPIKEWORM_SOURCE_DIR_FALLBACK;
  return load_energy_tables(root + "/configs/energy", root + "/configs/chips", {});
}

TEST(crossover, layer_energy_reproduces_a_hand_calculation) {
  // 4 inputs, 3 neurons, 5 steps, each input spiking with probability 1/4 per step.
  const layer_shape s{4, 3, 5, 0.25};
  const double sops = 0.25 * 4 * 5 * 3;                     // 15
  const double updates = 3 * 5 * (1 - std::pow(0.75, 4));  // a neuron is touched when any of its 4 inputs spiked
  EXPECT_DOUBLE_EQ(event_driven_updates(s), updates);
  const auto e = layer_energy_of(s, cmos_table());
  // Every array is under 8 KB: 10 pJ per 64-bit read, half of one per 32-bit weight or state.
  EXPECT_NEAR(e.spiking.synaptic, sops * 0.9, 1e-12);
  EXPECT_NEAR(e.spiking.neuron, updates * 5.5, 1e-12);
  EXPECT_NEAR(e.spiking.memory, sops * 0.5 * 10 + updates * 2 * 0.5 * 10, 1e-12);
  EXPECT_EQ(e.spiking.dense, 0.0);
  EXPECT_NEAR(e.dense.dense, 12 * 4.6, 1e-12);
  EXPECT_NEAR(e.dense.memory, 12 * 0.5 * 10, 1e-12);
  EXPECT_NEAR(e.ratio(), e.spiking.total() / (12 * 9.6), 1e-15);
  // A chip updates every neuron every step, with memory inside its figures; its dense layer is its host's.
  const auto c = layer_energy_of(s, chip_table());
  EXPECT_NEAR(c.spiking.synaptic, sops * 23.6, 1e-12);
  EXPECT_NEAR(c.spiking.neuron, 15 * 52, 1e-12);
  EXPECT_EQ(c.spiking.memory, 0.0);
  EXPECT_NEAR(c.dense.total(), 12 * 9.6, 1e-12);
  // Large arrays read at the interpolated SRAM figure: a 2048 x 2048 fp32 matrix is 16 MB, beyond the
  // last size, so 20 pJ; its 2048 states (8 KB) 10 pJ.
  const auto big = layer_energy_of({2048, 2048, 10, 0.01}, cmos_table());
  const double big_sops = 0.01 * 2048 * 10 * 2048;
  const double big_updates = 2048 * 10 * -std::expm1(2048 * std::log1p(-0.01));
  EXPECT_NEAR(big.spiking.memory, big_sops * 0.5 * 20 + big_updates * 2 * 0.5 * 10, 1e-6);
}

TEST(crossover, event_driven_updates_are_those_the_event_engine_performs) {
  // Poisson inputs into a lif layer through every synapse, weights too small to bring a neuron near
  // threshold: the event engine updates every neuron of the layer in each step in which some input spike
  // arrives (delay 1), and only then. Exactly, from the recorded input spikes, and on average, the model.
  for (const auto& [n_in, n_out, rate] : {std::tuple{64, 32, 0.01}, std::tuple{16, 8, 0.002}, std::tuple{200, 5, 0.05}}) {
    const int steps = 4000;
    auto net = test::net_from(fmt::format(R"(
[simulation]
dt = 1.0
[[population]]
name = "in"
size = {}
model = "poisson"
params = {{ rate = {} }}
[[population]]
name = "out"
size = {}
model = "lif"
[[projection]]
source = "in"
target = "out"
rule = "all_to_all"
weight = 0.0001
)", n_in, rate * 1000.0, n_out), 7);
    event_engine ev(net, {3, 1, true});
    ev.run(steps);
    std::vector<char> arrives(steps + 2, 0);
    for (const auto& sp : ev.spikes())
      if (sp.neuron < static_cast<neuron_id>(n_in) && sp.step + 1 <= steps) arrives[sp.step + 1] = 1;
    std::uint64_t touched_steps = 0;
    for (char a : arrives) touched_steps += a;
    const std::string what = fmt::format("{} inputs, {} neurons, rate {}", n_in, n_out, rate);
    ASSERT_EQ(ev.counters().updates_per_population.at(1), n_out * touched_steps) << what;
    // Steps with an arrival are Bernoulli(q), q = 1 - (1 - rate)^n_in, over steps - 1 steps (none arrives
    // at step 1): within 5 standard deviations of the model.
    const double expected = event_driven_updates({static_cast<std::uint64_t>(n_in), static_cast<std::uint64_t>(n_out), steps - 1, rate});
    const double q = expected / (n_out * (steps - 1.0));
    const double sd = n_out * std::sqrt((steps - 1.0) * q * (1 - q));
    EXPECT_NEAR(static_cast<double>(ev.counters().updates_per_population.at(1)), expected, 5 * sd) << what;
    // The synaptic ops are input spikes x fan-out, the model's rate x n_in x steps x n_out on average.
    const double sops = static_cast<double>(ev.counters().sops_per_population.at(0));
    const double sops_model = rate * n_in * steps * n_out;
    EXPECT_NEAR(sops, sops_model, 5 * n_out * std::sqrt(n_in * steps * rate * (1 - rate))) << what;
    // The clock-driven stepper (a time-stepped chip) updates every neuron every step.
    clock_engine ck(net, {3, 1, false});
    ck.run(steps);
    EXPECT_EQ(ck.counters().updates_per_population.at(1), static_cast<std::uint64_t>(n_out) * steps) << what;
  }
}

TEST(crossover, breakeven_rate_is_where_the_two_costs_meet) {
  int crossings = 0, nevers = 0;
  for (const auto& t : shipped_tables())
    for (std::uint64_t w : {64u, 300u, 4096u})
      for (int steps : {1, 7, 100}) {
        const double dense = dense_pass(static_cast<double>(w) * static_cast<double>(w), t).total();
        auto cost = [&](double r) { return layer_energy_of({w, w, steps, r}, t).spiking.total(); };
        const double r = breakeven_rate(w, w, steps, t);
        const std::string what = fmt::format("{} width {} steps {}", t.id, w, steps);
        if (r == never_pays) {
          ++nevers;
          EXPECT_GE(cost(1e-300), dense) << what;
          EXPECT_TRUE(t.chip) << what << ": on an event-driven datapath a silent layer costs nothing";
          continue;
        }
        if (r == always_pays) {
          EXPECT_LT(cost(1.0), dense) << what;
          continue;
        }
        ++crossings;
        ASSERT_GT(r, 0.0) << what;
        ASSERT_LE(r, 1.0) << what;
        EXPECT_NEAR(cost(r) / dense, 1.0, 1e-9) << what;
        EXPECT_LT(cost(r * 0.999), dense) << what;
        EXPECT_GT(cost(std::min(1.0, r * 1.001)), dense) << what;
        if (t.chip) {
          // Linear in the rate: (dense - N T update) / (N^2 T sop).
          const double closed = (dense - static_cast<double>(w) * steps * t.neuron_update_pj) /
                                (static_cast<double>(w) * static_cast<double>(w) * steps * t.sop_pj);
          EXPECT_NEAR(r, closed, 1e-12 * closed) << what;
        }
      }
  EXPECT_GT(crossings, 20) << "too few break-evens inside (0, 1] to mean much";
  EXPECT_GT(nevers, 0) << "SpiNNaker 1 should never pay at some size";
}

TEST(crossover, the_map_holds_every_table_width_and_step_count) {
  const auto tables = shipped_tables();
  crossover_grid g;
  g.widths = {64, 512};
  g.steps = {1, 25};
  g.rates = {0.001, 0.3};
  crossover_point agent{"agent L1->L2", 128, 25, 0.04, {}, {}};
  const auto m = crossover(tables, g, {agent});
  ASSERT_EQ(m.tables.size(), tables.size());
  for (std::size_t k = 0; k < tables.size(); ++k) {
    EXPECT_EQ(m.tables[k].id, tables[k].id);
    for (std::size_t s = 0; s < 2; ++s)
      for (std::size_t w = 0; w < 2; ++w) {
        EXPECT_EQ(m.breakeven(k, s, w), breakeven_rate(g.widths[w], g.widths[w], g.steps[s], tables[k]));
        for (std::size_t r = 0; r < 2; ++r)
          EXPECT_EQ(m.tables[k].ratio[(s * 2 + w) * 2 + r],
                    layer_energy_of({g.widths[w], g.widths[w], g.steps[s], g.rates[r]}, tables[k]).ratio());
      }
    EXPECT_EQ(m.points.at(0).ratio.at(k), layer_energy_of({128, 128, 25, 0.04}, tables[k]).ratio());
    EXPECT_EQ(m.points.at(0).breakeven.at(k), breakeven_rate(128, 128, 25, tables[k]));
  }
  const auto j = m.to_json();
  EXPECT_EQ(j["widths"], nlohmann::json({64, 512}));
  EXPECT_EQ(j["steps"], nlohmann::json({1, 25}));
  EXPECT_EQ(j["rates"], nlohmann::json({0.001, 0.3}));
  EXPECT_EQ(j["points"][0]["label"], "agent L1->L2");
  EXPECT_EQ(j["points"][0]["width"], 128);
  EXPECT_EQ(j["points"][0]["steps"], 25);
  EXPECT_EQ(j["points"][0]["rate"], 0.04);
  // Every value of the JSON is the map's: a break-even rate as a number, or "never" / "always".
  auto rate_of = [](const nlohmann::json& v) {
    if (v.is_string()) return v == "never" ? never_pays : v == "always" ? always_pays : std::nan("");
    return v.get<double>();
  };
  int finite = 0, sentinels = 0;
  ASSERT_EQ(j["tables"].size(), tables.size());
  for (std::size_t k = 0; k < tables.size(); ++k) {
    const auto& t = j["tables"][k];
    EXPECT_EQ(t["id"], tables[k].id);
    EXPECT_EQ(t["kind"], tables[k].chip ? "chip" : "cmos");
    ASSERT_EQ(t["breakeven_rate"].size(), 2u);
    for (std::size_t s = 0; s < 2; ++s) {
      ASSERT_EQ(t["breakeven_rate"][s].size(), 2u);
      for (std::size_t w = 0; w < 2; ++w) {
        const auto& v = t["breakeven_rate"][s][w];
        EXPECT_EQ(v.is_string(), m.breakeven(k, s, w) == never_pays || m.breakeven(k, s, w) == always_pays);
        EXPECT_EQ(rate_of(v), m.breakeven(k, s, w)) << t["id"] << " " << s << " " << w;
        (v.is_string() ? sentinels : finite) += 1;
        ASSERT_EQ(t["energy_ratio"][s][w].size(), 2u);
        for (std::size_t r = 0; r < 2; ++r)
          EXPECT_EQ(t["energy_ratio"][s][w][r].get<double>(), m.tables[k].ratio[(s * 2 + w) * 2 + r]);
      }
    }
    EXPECT_EQ(rate_of(j["points"][0]["breakeven_rate"][k]), m.points[0].breakeven[k]);
    EXPECT_EQ(j["points"][0]["energy_ratio"][k].get<double>(), m.points[0].ratio[k]);
  }
  EXPECT_GT(finite, 0);
  EXPECT_GT(sentinels, 0);
  // The default grid: widths 64-4096, 1-100 steps, rates 0.1%-30%.
  const auto d = crossover(tables, {});
  EXPECT_EQ(d.grid.widths.front(), 64u);
  EXPECT_EQ(d.grid.widths.back(), 4096u);
  EXPECT_EQ(d.grid.steps.front(), 1);
  EXPECT_EQ(d.grid.steps.back(), 100);
  EXPECT_NEAR(d.grid.rates.front(), 0.001, 1e-15);
  EXPECT_NEAR(d.grid.rates.back(), 0.3, 1e-12);
}

TEST(crossover, a_bad_axis_is_refused_naming_the_value) {
  const auto tables = shipped_tables();
  auto refused = [&](crossover_grid g, const std::string& needle) {
    try {
      (void)crossover(tables, std::move(g));
      ADD_FAILURE() << "accepted, expected an error naming " << needle;
    } catch (const error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  crossover_grid g;
  g.widths = {64, 0};
  refused(g, "width 0");
  g = {};
  g.steps = {0};
  refused(g, "steps 0");
  g = {};
  g.rates = {0.5, 1.5};
  refused(g, "rate 1.5");
  g = {};
  g.rates = {0.0};
  refused(g, "rate 0");
  g = {};
  g.rates = {std::nan("")};
  refused(g, "rate nan");
  g = {};
  g.widths.clear();
  refused(g, "must not be empty");
  try {
    (void)crossover(tables, {}, {{"a silent agent", 128, 0, 0.0, {}, {}}});
    ADD_FAILURE() << "a point of 0 steps was accepted";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("a silent agent: width 128, steps 0"), std::string::npos) << e.what();
  }
  g = {};
  g.rates = {1.0};  // the limits themselves are accepted
  g.widths = {1};
  g.steps = {1};
  EXPECT_NO_THROW((void)crossover(tables, g));
}

}  // namespace
}  // namespace spikeworm
