// The CUBA benchmark network (docs/benchmarks.md, CUBA against Brian2): rate, engine agreement, determinism
// across threads.
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "net_helpers.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/engine/output.hpp"

namespace spikeworm {
namespace {

network_desc cuba_desc() {
  const auto doc = load_config_file((test::source_dir() / "configs" / "cuba.toml").string());
  return read_network_desc(table_reader::root(doc));
}

// The CUBA network with every population's `update` key set (the event engine's lazy path or its clock-driven one).
network_desc cuba_desc(update_mode u) {
  auto d = cuba_desc();
  for (auto& p : d.populations) p.update = u;
  return d;
}

// Mean over neurons with >= 3 spikes of the coefficient of variation of their inter-spike intervals.
double mean_isi_cv(const engine& e) {
  std::vector<std::vector<step_t>> times(e.net().num_neurons());
  for (const auto& s : e.spikes()) times[s.neuron].push_back(s.step);
  double sum = 0;
  int n = 0;
  for (const auto& t : times) {
    if (t.size() < 3) continue;
    double m = 0, m2 = 0;
    const double k = static_cast<double>(t.size() - 1);
    for (std::size_t i = 1; i < t.size(); ++i) m += static_cast<double>(t[i] - t[i - 1]) / k;
    for (std::size_t i = 1; i < t.size(); ++i) m2 += std::pow(static_cast<double>(t[i] - t[i - 1]) - m, 2) / k;
    sum += std::sqrt(m2) / m;
    ++n;
  }
  return n ? sum / n : 0.0;
}

// The lazy path (update = "event"): closed-form jumps between events give the same statistics, not the same
// bits, as stepping (CUBA is chaotic: one rounding difference changes every later spike).
TEST(cuba, rate_in_brian2_range_and_engines_agree_statistically) {
  const auto d = cuba_desc(update_mode::event);
  network net(d);
  EXPECT_EQ(net.num_neurons(), 4000u);
  EXPECT_NEAR(static_cast<double>(net.num_synapses()), 320000.0, 3000.0);  // binomial sd ~ 560
  event_engine ev(net, {d.sim.seed, 1, true});
  clock_engine ck(net, {d.sim.seed, 1, true});
  const step_t steps = 10000;  // 1 s at 0.1 ms
  ev.run(steps);
  ck.run(steps);
  const double rate_ev = static_cast<double>(ev.counters().total_spikes()) / 4000.0;
  const double rate_ck = static_cast<double>(ck.counters().total_spikes()) / 4000.0;
  EXPECT_GE(rate_ev, 5.0);
  EXPECT_LE(rate_ev, 6.5);
  for (std::size_t p = 0; p < 2; ++p) {
    const double a = mean_rate_hz(net, ev.counters(), p), b = mean_rate_hz(net, ck.counters(), p);
    EXPECT_NEAR(a / b, 1.0, 0.02) << "population " << p;
  }
  EXPECT_NEAR(rate_ev / rate_ck, 1.0, 0.02);
  const double cv_ev = mean_isi_cv(ev), cv_ck = mean_isi_cv(ck);
  EXPECT_GT(cv_ev, 0.1);  // irregular firing, not a clock
  EXPECT_NEAR(cv_ev / cv_ck, 1.0, 0.05);
  // The event engine updates far fewer neurons than N x T.
  EXPECT_LT(ev.counters().neuron_updates * 5, ev.counters().dense_updates);
}

// The default (update = "auto"): every CUBA neuron is driven (E_L > V_t) and receives synapses, so the event
// engine steps both populations clock-driven, with the reference stepper's arithmetic: the same bits.
TEST(cuba, automatic_update_is_clock_driven_and_identical_to_the_reference) {
  const auto d = cuba_desc();
  network net(d);
  event_engine ev(net, {d.sim.seed, 1, true});
  clock_engine ck(net, {d.sim.seed, 1, true});
  EXPECT_TRUE(ev.clock_driven(0));
  EXPECT_TRUE(ev.clock_driven(1));
  const step_t steps = 10000;
  ev.run(steps);
  ck.run(steps);
  EXPECT_GT(ev.spikes().size(), 4000u * 5u);
  EXPECT_EQ(ev.spikes(), ck.spikes());
  EXPECT_EQ(ev.spikes_per_step(), ck.spikes_per_step());
  EXPECT_EQ(ev.counters().spikes_per_population, ck.counters().spikes_per_population);
  EXPECT_EQ(ev.counters().sops, ck.counters().sops);
  // Honest counters: a clock-driven population is N updates per step.
  EXPECT_EQ(ev.counters().neuron_updates, ev.counters().dense_updates);
  EXPECT_EQ(ev.counters().updates_per_population, ck.counters().updates_per_population);
  // Forcing the lazy path gives a different engine (fewer updates), not a different network.
  const auto lazy_d = cuba_desc(update_mode::event);
  network lazy_net(lazy_d);
  event_engine lazy(lazy_net, {d.sim.seed, 1, true});
  EXPECT_FALSE(lazy.clock_driven(0));
  EXPECT_FALSE(lazy.clock_driven(1));
}

// The scaled network (40k neurons, in-degree 80): clock-driven blocks larger than one tile of the event
// engine, so delivery goes through the per-tile buckets (random weights); the same bits as the reference stepper
// (spikes and state), with one, two and three threads, and with per-neuron currents.
// Equal vectors of doubles, or the number of differing entries and the first one.
::testing::AssertionResult same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "sizes " << a.size() << " and " << b.size();
  std::size_t differ = 0, first = 0;
  for (std::size_t i = a.size(); i-- > 0;)
    if (a[i] != b[i]) ++differ, first = i;
  if (differ == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << differ << " of " << a.size() << " differ, first at " << first << ": "
                                       << fmt::format("{:.17g} and {:.17g}", a[first], b[first]);
}

TEST(cuba, scaled_network_tiled_delivery_is_identical_to_the_reference) {
  std::ifstream in(test::source_dir() / "configs" / "cuba_40k.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string cfg = text.str();
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"weight = 1.62", R"(weight = { dist = "normal", mean = 1.62, std = 0.7 })"},
                                 {"weight = -9.0", R"(weight = { dist = "normal", mean = -9.0, std = 3.0 })"}})
    for (auto at = cfg.find(from); at != std::string::npos; at = cfg.find(from)) cfg.replace(at, from.size(), to);
  // Poisson noise onto every neuron, ~5 events per target and step: sums of 3 or more addends.
  cfg += R"(
[[population]]
name = "noise"
size = 1000
model = "poisson"
params = { rate = 500.0 }
[[projection]]
source = "noise"
target = "exc"
rule = "fixed_probability"
p = 0.1
weight = { dist = "normal", mean = 0.0, std = 1.0 }
delay = 0.1
[[projection]]
source = "noise"
target = "inh"
rule = "fixed_probability"
p = 0.1
weight = { dist = "normal", mean = 0.0, std = 1.0 }
delay = 0.1
receptor = "inhibitory"
)";
  const auto d = test::desc_from(cfg);
  network net(d);
  ASSERT_EQ(net.num_neurons(), 41000u);
  // A sum of a few float weights is exact in double, whatever its order, unless their exponents lie more
  // than 29 bits apart: scale the noise weights by 2^0 .. 2^-47, so that the rounding of each step's input
  // sum depends on the order of its addends, and the state comparison below sees an order change.
  const auto rows = net.row_start();
  auto w = net.weights();
  for (edge_id e = rows[40000]; e < rows[41000]; ++e)
    w[e] = std::ldexp(w[e], -static_cast<int>((std::uint64_t{e} * 2654435761u >> 7) % 48));
  event_engine one(net, {d.sim.seed, 1, true}), two(net, {d.sim.seed, 2, true}), three(net, {d.sim.seed, 3, true});
  clock_engine ck(net, {d.sim.seed, 1, true});
  ASSERT_TRUE(one.clock_driven(0) && one.clock_driven(1));
  one.run(800);
  two.run(800);
  // Three threads (uneven pieces), in runs of odd lengths: the events pushed at the last step of a run
  // are applied at the first step of the next.
  for (int steps : {1, 277, 1, 521}) three.run(steps);
  ck.run(800);
  EXPECT_GT(ck.spikes().size(), 40000u / 4u);
  EXPECT_EQ(one.spikes(), ck.spikes());
  EXPECT_EQ(two.spikes(), ck.spikes());
  EXPECT_EQ(three.spikes(), ck.spikes());
  EXPECT_EQ(one.counters().sops, ck.counters().sops);
  EXPECT_EQ(three.counters().sops, ck.counters().sops);
  // Bit for bit in every state variable: a one-ulp change of a sum's rounding (summation order) shows here
  // long before it moves a spike.
  for (const auto* ev : {&one, &two, &three}) {
    EXPECT_TRUE(same_bits(ev->state().v, ck.state().v));
    EXPECT_TRUE(same_bits(ev->state().ge, ck.state().ge));
    EXPECT_TRUE(same_bits(ev->state().gi, ck.state().gi));
  }
  std::vector<double> currents(net.num_neurons());
  for (std::size_t i = 0; i < currents.size(); ++i) currents[i] = 0.5 + 1.5 * static_cast<double>(i % 7) / 6.0;
  // reset() in the middle of a run (events of the last step still in the buckets) starts afresh.
  one.reset(currents);
  two.reset(currents);
  three.reset(currents);
  ck.reset(currents);
  one.run(500);
  two.run(500);
  three.run(500);
  ck.run(500);
  EXPECT_GT(ck.spikes().size(), 40000u / 4u);
  EXPECT_EQ(one.spikes(), ck.spikes());
  EXPECT_EQ(two.spikes(), ck.spikes());
  EXPECT_EQ(three.spikes(), ck.spikes());
  for (const auto* ev : {&one, &two, &three}) {
    EXPECT_TRUE(same_bits(ev->state().v, ck.state().v));
    EXPECT_TRUE(same_bits(ev->state().ge, ck.state().ge));
    EXPECT_TRUE(same_bits(ev->state().gi, ck.state().gi));
  }
}

// The scaled network with delays of 1 to 4 steps: clock-driven blocks of several tiles that read their input
// from the ring (not tiled), with one, two and three threads: the same spikes and state as the reference.
TEST(cuba, scaled_network_with_delays_is_identical_to_the_reference) {
  std::ifstream in(test::source_dir() / "configs" / "cuba_40k.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string cfg = text.str();
  int k = 0;  // the four projections get delays 0.1, 0.2, 0.3 and 0.4 ms: 1 to 4 steps of dt = 0.1 ms
  for (auto at = cfg.find("delay = 0.1"); at != std::string::npos; at = cfg.find("delay = 0.1", at + 1))
    cfg[at + 10] = static_cast<char>('1' + k++);
  ASSERT_EQ(k, 4);
  const auto d = test::desc_from(cfg);
  network net(d);
  ASSERT_EQ(net.max_delay(), 4);
  event_engine one(net, {d.sim.seed, 1, true}), two(net, {d.sim.seed, 2, true}), three(net, {d.sim.seed, 3, true});
  clock_engine ck(net, {d.sim.seed, 1, true});
  ASSERT_TRUE(one.clock_driven(0) && one.clock_driven(1));
  for (auto* e : std::initializer_list<engine*>{&one, &two, &three, &ck}) e->run(400);
  EXPECT_GT(ck.spikes().size(), 1000u);
  for (const auto* ev : {&one, &two, &three}) {
    EXPECT_EQ(ev->spikes(), ck.spikes());
    EXPECT_TRUE(same_bits(ev->state().v, ck.state().v));
    EXPECT_TRUE(same_bits(ev->state().ge, ck.state().ge));
    EXPECT_TRUE(same_bits(ev->state().gi, ck.state().gi));
  }
}

TEST(cuba, identical_rasters_for_one_and_two_threads) {
  const auto d = cuba_desc();
  network net(d);
  event_engine one(net, {d.sim.seed, 1, true}), two(net, {d.sim.seed, 2, true});
  one.run(3000);
  two.run(3000);
  EXPECT_GT(one.spikes().size(), 1000u);
  EXPECT_EQ(one.spikes(), two.spikes());
  EXPECT_EQ(one.counters(), two.counters());
  // The same for the lazy path.
  const auto lazy_d = cuba_desc(update_mode::event);
  network lazy_net(lazy_d);
  event_engine lazy_one(lazy_net, {d.sim.seed, 1, true}), lazy_two(lazy_net, {d.sim.seed, 2, true});
  lazy_one.run(3000);
  lazy_two.run(3000);
  EXPECT_GT(lazy_one.spikes().size(), 1000u);
  EXPECT_EQ(lazy_one.spikes(), lazy_two.spikes());
  EXPECT_EQ(lazy_one.counters(), lazy_two.counters());
}

}  // namespace
}  // namespace spikeworm
