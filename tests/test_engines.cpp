// The event engine against the reference stepper and analytic oracles; counters; determinism.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_helpers.hpp"
#include "net_helpers.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {
namespace {

using test::equivalent;
using test::net_from;

// Runs both engines for `steps`; the reference stepper keeps its membrane trace.
struct both {
  event_engine ev;
  clock_engine ck;
  both(const network& net, std::uint64_t seed, step_t steps, int threads = 1)
      : ev(net, {seed, threads, true}), ck(net, {seed, 1, true}) {
    ck.enable_membrane_trace(true);
    ev.run(steps);
    ck.run(steps);
  }
};

TEST(event_engine, ring_spikes_at_analytic_times) {
  // A source fires at step 1 into r0; r_i -> r_{i+1} (mod 10) with delay d_i = 1 + i % 3 and a
  // supra-threshold weight, so r_i fires first at 1 + d_src + sum_{j<i} d_j, then every ring period.
  std::string cfg = "[[population]]\nname = \"src\"\nsize = 1\nmodel = \"spike_source\"\nparams = { times = [1.0] }\n";
  const int n = 10;
  for (int i = 0; i < n; ++i)
    cfg += fmt::format("[[population]]\nname = \"r{}\"\nsize = 1\nmodel = \"lif\"\n", i);
  cfg += "[[projection]]\nsource = \"src\"\ntarget = \"r0\"\nrule = \"all_to_all\"\nweight = 1.5\ndelay = 2\n";
  int period = 0;
  for (int i = 0; i < n; ++i) {
    const int d = 1 + i % 3;
    period += d;
    cfg += fmt::format("[[projection]]\nsource = \"r{}\"\ntarget = \"r{}\"\nrule = \"all_to_all\"\nweight = 1.5\n"
                       "delay = {}\n",
                       i, (i + 1) % n, d);
  }
  auto net = net_from(cfg);
  const step_t steps = 200;
  both r(net, 1, steps);
  std::vector<spike> expected{{1, 0}};
  for (step_t base = 3; base <= steps; base += period) {
    step_t t = base;
    for (int i = 0; i < n && t <= steps; ++i) {
      expected.push_back({t, static_cast<neuron_id>(1 + i)});
      t += 1 + i % 3;
    }
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(r.ev.spikes(), expected);
  EXPECT_EQ(r.ck.spikes(), expected);
  // Each ring neuron is updated once per arriving spike and never otherwise.
  EXPECT_EQ(r.ev.counters().neuron_updates, expected.size());
}

TEST(event_engine, lif_constant_current_spikes_at_closed_form_steps) {
  for (auto [tau, cur, ref] : {std::tuple{10.0, 0.13, 3}, {20.0, 0.0512, 0}, {4.0, 0.9, 1}, {33.3, 0.031, 7}}) {
    auto net = net_from(fmt::format(
        "[[population]]\nname = \"n\"\nsize = 1\nmodel = \"lif\"\ncurrent = {}\nparams = {{ tau_m = {}, t_ref = {} }}\n",
        cur, tau, ref));
    // From v = 0: v_k = v*(1 - a^k), v* = tau I; first k with v_k >= 1, then reset, t_ref held steps, repeat.
    const double a = 1 - 1 / tau, vstar = tau * cur;
    const auto k = static_cast<step_t>(std::ceil(std::log(1 - 1 / vstar) / std::log(a)));
    ASSERT_GT(vstar * (1 - std::pow(a, static_cast<double>(k))) - 1, 1e-9) << "oracle too close to threshold";
    ASSERT_LT(vstar * (1 - std::pow(a, static_cast<double>(k - 1))), 1 - 1e-9);
    const step_t steps = 1000;
    both r(net, 1, steps);
    std::vector<spike> expected;
    for (step_t t = k; t <= steps; t += k + ref) expected.push_back({t, 0});
    EXPECT_EQ(r.ev.spikes(), expected) << "tau " << tau;
    EXPECT_EQ(r.ck.spikes(), expected) << "tau " << tau;
    // Lazy: one update per spike, none in between.
    EXPECT_EQ(r.ev.counters().neuron_updates, expected.size());
    EXPECT_EQ(r.ck.counters().neuron_updates, static_cast<std::uint64_t>(steps));
  }
}

// lif fires at v >= v_th: a membrane that lands exactly on threshold spikes, in both engines and every update
// mode. With dt = 1 ms and tau_m = 2 ms the decay is exactly 1/2, so from v = 0 with I = 0.5 per step the
// membrane is 0.5, then exactly 0.75 = v_th: a spike every 2 steps (with v > v_th it would be every 3).
TEST(event_engine, lif_membrane_exactly_on_threshold_spikes_in_every_update_mode) {
  for (const char* update : {"clock", "event", "auto"}) {
    auto net = net_from(fmt::format(R"(
[simulation]
dt = 1.0
units = "ms"
[[population]]
name = "n"
size = 3
model = "lif"
update = "{}"
current = 0.5
params = {{ tau_m = 2.0, v_th = 0.75 }}
)",
                                    update));
    both r(net, 1, 12);
    std::vector<spike> expected;
    for (step_t t = 2; t <= 12; t += 2)
      for (neuron_id n = 0; n < 3; ++n) expected.push_back({t, n});
    EXPECT_EQ(r.ev.spikes(), expected) << update;
    EXPECT_EQ(r.ck.spikes(), expected) << update;
  }
}

// cuba_lif and coba_lif under a constant current only: from v_reset the membrane relaxes towards
// E_L + I as v_k = vs + (v_reset - vs) a^k, a = exp(-dt/tau_m) (the exact solution at the steps, for both
// models when no conductance is open), so it first exceeds v_th at step k = ceil(ln((v_th - vs)/(v_reset - vs))
// / ln a); after each spike it is held at v_reset for t_ref, so the spikes fall at k, 2k + r, 3k + 2r, ...
// (r = t_ref in steps), in both engines. A refractory period off by a step, in the lowering or in the engines,
// fails it.
TEST(event_engine, cuba_and_coba_refractory_periods_at_closed_form_steps) {
  for (const char* model : {"cuba_lif", "coba_lif"})
    for (const double t_ref : {0.0, 0.1, 2.0, 5.3}) {
      auto net = net_from(test::one_neuron(
          model, fmt::format("tau_m = 20.0, e_l = -65.0, v_reset = -65.0, v_th = -50.0, t_ref = {}", t_ref),
          "current = 20.0\ninit = { v = -65.0 }"));
      const double vs = -45.0, a = std::exp(-0.1 / 20.0);
      const double x = std::log((-50.0 - vs) / (-65.0 - vs)) / std::log(a);
      const auto k = static_cast<step_t>(std::ceil(x));
      ASSERT_GT(static_cast<double>(k) - x, 1e-3) << "oracle too close to threshold";
      const auto r = static_cast<step_t>(std::lround(t_ref / 0.1));
      const step_t steps = 3000;
      both run(net, 1, steps);
      std::vector<spike> expected;
      for (step_t t = k; t <= steps; t += k + r)
        for (neuron_id n = 0; n < 2; ++n) expected.push_back({t, n});
      ASSERT_GT(expected.size(), 10u);
      EXPECT_EQ(run.ev.spikes(), expected) << model << " t_ref " << t_ref;
      EXPECT_EQ(run.ck.spikes(), expected) << model << " t_ref " << t_ref;
    }
}

// Every per-population counter sums to its network-wide total; the spikes to those recorded.
void expect_counters_add_up(const run_counters& c, std::size_t recorded_spikes) {
  const auto sum = [](const std::vector<std::uint64_t>& v) { return std::accumulate(v.begin(), v.end(), std::uint64_t{0}); };
  EXPECT_EQ(c.total_spikes(), recorded_spikes);
  EXPECT_EQ(sum(c.sops_per_population), c.sops);
  EXPECT_EQ(sum(c.updates_per_population), c.neuron_updates);
  EXPECT_EQ(sum(c.events_per_population), c.events_queued);
}

TEST(event_engine, neuron_without_events_is_never_updated) {
  auto net = net_from(R"(
[[population]]
name = "src"
size = 4
model = "spike_source"
params = { times = [5.0, 17.0, 40.0] }
[[population]]
name = "driven"
size = 10
model = "lif"
[[population]]
name = "quiet"
size = 1000
model = "lif"
init = { v = 0.5 }
[[projection]]
source = "src"
target = "driven"
rule = "all_to_all"
weight = 0.1
delay = 2
)");
  event_engine ev(net, {1, 1, true});
  ev.run(100);
  const auto& c = ev.counters();
  // Sources: 3 updates each. Driven: one update per arrival step (3), below threshold, no prediction.
  // Quiet neurons decay toward rest without input: 0 updates, although their membrane is not at rest.
  EXPECT_EQ(c.neuron_updates, 3u * 4u + 3u * 10u);
  EXPECT_EQ(c.dense_updates, 100u * 1014u);
  EXPECT_EQ(c.sops, 3u * 4u * 10u);
  EXPECT_EQ(c.total_spikes(), 12u);
  // The same counts per population (src, driven, quiet).
  EXPECT_EQ(c.updates_per_population, (std::vector<std::uint64_t>{3u * 4u, 3u * 10u, 0u}));
  EXPECT_EQ(c.sops_per_population, (std::vector<std::uint64_t>{3u * 4u * 10u, 0u, 0u}));
  // Scheduler entries: the sources' spikes and the driven neurons' arrivals; none for the quiet ones.
  EXPECT_GT(c.events_per_population[0], 0u);
  EXPECT_GT(c.events_per_population[1], 0u);
  EXPECT_EQ(c.events_per_population[2], 0u);
  expect_counters_add_up(c, ev.spikes().size());
}

// A random lif network: Poisson input, two hidden populations, delays 1-5, mixed signs,
// refractoriness, constant currents, recurrence when `recurrent`.
std::string random_lif_network(std::uint64_t seed, bool recurrent) {
  rng r(seed, stream_kind::weight, 99);
  std::string cfg = fmt::format(R"(
[simulation]
dt = 1.0
[[population]]
name = "in"
size = 20
model = "poisson"
params = {{ rate = {} }}
[[population]]
name = "h1"
size = 60
model = "lif"
current = {}
params = {{ tau_m = {}, t_ref = {} }}
init = {{ v = {{ dist = "uniform", low = -0.5, high = 0.9 }} }}
[[population]]
name = "h2"
size = 40
model = "lif"
params = {{ tau_m = {}, v_rest = -0.1, v_reset = -0.2 }}
[[projection]]
source = "in"
target = "h1"
rule = "fixed_probability"
p = 0.3
weight = {{ dist = "normal", mean = 0.25, std = 0.3 }}
delay = {{ dist = "uniform", low = 1, high = 5 }}
[[projection]]
source = "h1"
target = "h2"
rule = "fixed_probability"
p = 0.25
weight = {{ dist = "normal", mean = 0.12, std = 0.4 }}
delay = {{ dist = "uniform", low = 1, high = 5 }}
)",
                                r.uniform(50, 200), r.uniform(-0.01, 0.06), r.uniform(5, 30),
                                r.uniform_int(0, 3), r.uniform(5, 30));
  if (recurrent)
    cfg += R"(
[[projection]]
source = "h2"
target = "h1"
rule = "fixed_probability"
p = 0.1
weight = { dist = "normal", mean = -0.1, std = 0.3 }
delay = { dist = "uniform", low = 1, high = 5 }
receptor = "inhibitory"
[[projection]]
source = "h1"
target = "h1"
rule = "fixed_indegree"
k = 5
autapses = false
weight = { dist = "uniform", low = -0.5, high = 0.5 }
delay = { dist = "uniform", low = 1, high = 3 }
)";
  return cfg;
}

TEST(event_engine, matches_reference_on_random_feedforward_lif) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    auto net = net_from(random_lif_network(seed, false), seed);
    both r(net, seed, 3000);
    EXPECT_GT(r.ck.counters().total_spikes(), 2000u) << "the network must be active for the test to mean much";
    EXPECT_TRUE(equivalent(r.ev, r.ck)) << "seed " << seed;
    EXPECT_EQ(r.ev.counters().spikes_per_population, r.ck.counters().spikes_per_population);
    EXPECT_EQ(r.ev.counters().sops, r.ck.counters().sops);
    EXPECT_EQ(r.ev.counters().sops_per_population, r.ck.counters().sops_per_population);
    EXPECT_LT(r.ev.counters().neuron_updates, r.ck.counters().neuron_updates);
    EXPECT_GT(r.ev.counters().events_queued, 0u);
    expect_counters_add_up(r.ev.counters(), r.ev.spikes().size());
    expect_counters_add_up(r.ck.counters(), r.ck.spikes().size());
  }
}

TEST(event_engine, matches_reference_on_random_recurrent_lif) {
  for (std::uint64_t seed = 11; seed <= 16; ++seed) {
    auto net = net_from(random_lif_network(seed, true), seed);
    both r(net, seed, 3000);
    EXPECT_GT(r.ck.counters().total_spikes(), 2000u);
    EXPECT_TRUE(equivalent(r.ev, r.ck)) << "seed " << seed;
    EXPECT_EQ(r.ev.counters().spikes_per_population, r.ck.counters().spikes_per_population);
  }
}

TEST(event_engine, comparison_detects_a_real_difference) {
  // The oracle must be able to fail: one weight changed by 0.3 gives a difference away from threshold.
  auto net = net_from(random_lif_network(3, true), 3);
  auto other = net_from(random_lif_network(3, true), 3);
  other.weights()[0] += 0.3f;
  event_engine ev(other, {3, 1, true});
  clock_engine ck(net, {3, 1, true});
  ck.enable_membrane_trace(true);
  ev.run(3000);
  ck.run(3000);
  const auto c = test::compare_spikes(ev, ck);
  EXPECT_FALSE(c.identical);
  EXPECT_GE(c.unexplained, 1u) << c.detail;
  EXPECT_FALSE(equivalent(ev, ck));
}

// A difference after a tolerated flip is still found: the flip's consequences are only the spikes its
// neuron's synapses can reach, so an independent change elsewhere later is judged on its own.
TEST(event_engine, comparison_continues_past_a_threshold_flip) {
  auto net = net_from(R"(
[[population]]
name = "a"
size = 2
model = "lif"
current = 0.1
params = { tau_m = 20.0 }
)");
  clock_engine ck(net, {1, 1, true});
  ck.enable_membrane_trace(true);
  ck.run(200);
  ASSERT_GE(ck.spikes().size(), 4u);
  // Pretend the event engine lost neuron 0's first spike while the reference's membrane was on threshold:
  // a flip, whose consequences are neuron 0's later spikes only (no synapses). Neuron 1's spikes still count.
  std::vector<spike> flipped = ck.spikes();
  const auto first0 = std::find_if(flipped.begin(), flipped.end(), [](const spike& s) { return s.neuron == 0; });
  const auto first1 = std::find_if(flipped.begin(), flipped.end(), [](const spike& s) { return s.neuron == 1; });
  const spike lost0 = *first0, lost1 = *first1;
  const auto check = [&](const std::vector<spike>& spikes, double tol) { return test::compare_spikes(spikes, ck, tol); };
  std::erase(flipped, lost0);
  auto c = check(flipped, 1.0);  // a loose tol: the lost spike counts as a flip
  EXPECT_EQ(c.flips, 1u) << c.detail;
  EXPECT_EQ(c.unexplained, 0u) << c.detail;
  EXPECT_EQ(c.differences, 1u);
  std::erase(flipped, lost1);  // and an independent difference on neuron 1: found, counted
  c = check(flipped, 1e-300);
  EXPECT_EQ(c.unexplained, 2u) << c.detail;
  EXPECT_EQ(c.differences, 2u);
}

// Sets the `update` key of populations h1 and h2 of random_lif_network.
std::string with_update(std::string cfg, const std::string& mode) {
  for (const char* name : {"name = \"h1\"\n", "name = \"h2\"\n"}) {
    const auto at = cfg.find(name);
    cfg.insert(at + std::string(name).size(), "update = \"" + mode + "\"\n");
  }
  return cfg;
}

TEST(event_engine, clock_driven_populations_are_bit_identical_to_the_reference) {
  // Both hidden populations stepped clock-driven (refractoriness, delays 1-5, mixed signs, recurrence),
  // the Poisson input lazily: the same spikes, bit for bit, and N updates per step in the hidden layers.
  for (std::uint64_t seed = 31; seed <= 34; ++seed) {
    auto net = net_from(with_update(random_lif_network(seed, true), "clock"), seed);
    both r(net, seed, 3000);
    ASSERT_TRUE(r.ev.clock_driven(1) && r.ev.clock_driven(2));
    EXPECT_FALSE(r.ev.clock_driven(0));
    EXPECT_GT(r.ck.counters().total_spikes(), 2000u);
    EXPECT_EQ(r.ev.spikes(), r.ck.spikes()) << "seed " << seed;
    EXPECT_EQ(r.ev.counters().updates_per_population[1], 3000u * 60u);
    EXPECT_EQ(r.ev.counters().updates_per_population[2], 3000u * 40u);
    // Per-neuron currents (not uniform across the population), after a reset of both engines.
    rng cr(seed, stream_kind::weight, 7);
    std::vector<double> currents(net.num_neurons());
    for (auto& c : currents) c = cr.uniform(-0.02, 0.08);
    r.ev.reset(currents);
    r.ck.reset(currents);
    r.ev.run(2000);
    r.ck.run(2000);
    EXPECT_EQ(r.ev.spikes(), r.ck.spikes()) << "seed " << seed << " with per-neuron currents";
    // Any thread count.
    event_engine two(net, {seed, 2, true});
    two.reset(currents);
    two.run(2000);
    EXPECT_EQ(two.spikes(), r.ck.spikes());
  }
}

TEST(event_engine, lazy_populations_match_the_reference_when_forced) {
  for (std::uint64_t seed = 41; seed <= 43; ++seed) {
    auto net = net_from(with_update(random_lif_network(seed, true), "event"), seed);
    both r(net, seed, 3000);
    EXPECT_FALSE(r.ev.clock_driven(1) || r.ev.clock_driven(2));
    EXPECT_TRUE(equivalent(r.ev, r.ck)) << "seed " << seed;
    EXPECT_LT(r.ev.counters().neuron_updates, r.ck.counters().neuron_updates);
  }
}

TEST(event_engine, automatic_update_steps_only_driven_populations_with_input) {
  auto net = net_from(R"(
[[population]]
name = "src"
size = 4
model = "spike_source"
params = { times = [5.0, 17.0, 40.0] }
[[population]]
name = "driven_with_input"
size = 10
model = "lif"
current = 0.2
[[population]]
name = "driven_alone"
size = 10
model = "lif"
current = 0.2
[[population]]
name = "quiet_with_input"
size = 10
model = "cuba_lif"
params = { e_l = -60.0 }
[[population]]
name = "cuba_driven"
size = 10
model = "cuba_lif"
params = { e_l = -49.0 }
[[population]]
name = "forced"
size = 10
model = "cuba_lif"
update = "clock"
[[projection]]
source = "src"
target = "driven_with_input"
rule = "all_to_all"
weight = 0.1
[[projection]]
source = "src"
target = "quiet_with_input"
rule = "all_to_all"
weight = 0.1
[[projection]]
source = "src"
target = "cuba_driven"
rule = "all_to_all"
weight = 0.1
)");
  event_engine ev(net, {1, 1, true});
  EXPECT_FALSE(ev.clock_driven(0));
  EXPECT_TRUE(ev.clock_driven(1));   // v* = 20 x 0.2 = 4 > v_th = 1, and it receives synapses
  EXPECT_FALSE(ev.clock_driven(2));  // driven, but nothing invalidates its predicted crossings
  EXPECT_FALSE(ev.clock_driven(3));  // E_L = -60 < v_th: costs nothing without input
  EXPECT_TRUE(ev.clock_driven(4));
  EXPECT_TRUE(ev.clock_driven(5));
  // A current below threshold (reset(currents)) makes the driven population lazy again.
  const std::vector<double> low(net.num_neurons(), 0.01);
  ev.reset(low);
  EXPECT_FALSE(ev.clock_driven(1));
  clock_engine ck(net, {1, 1, true});
  ck.enable_membrane_trace(true);
  ck.reset(low);
  ev.run(300);
  ck.run(300);
  EXPECT_TRUE(equivalent(ev, ck));
}

TEST(event_engine, identical_for_any_thread_count_and_seed_dependent) {
  auto net = net_from(random_lif_network(21, true), 21);
  event_engine one(net, {21, 1, true}), two(net, {21, 2, true}), again(net, {21, 1, true}), other(net, {22, 1, true});
  for (auto* e : {&one, &two, &again, &other}) e->run(2000);
  EXPECT_EQ(one.spikes(), two.spikes());
  EXPECT_EQ(one.counters(), two.counters());
  EXPECT_EQ(one.spikes(), again.spikes());
  EXPECT_EQ(one.counters(), again.counters());
  EXPECT_NE(one.spikes(), other.spikes());
  // reset() returns to the same initial state.
  one.reset();
  one.run(2000);
  EXPECT_EQ(one.spikes(), again.spikes());
}

// Units (docs/config-reference.md, "Units"): a lif network. `{dt}` and the ms times are filled in.
std::string units_net(const std::string& sim, const std::string& lif, const std::string& d1, const std::string& d2,
                      const std::string& input) {
  return fmt::format(R"([simulation]
{}
duration = 0.5
seed = 7
[[population]]
name = "in"
size = 50
{}
[[population]]
name = "h"
size = 200
model = "lif"
params = {{ {}, v_th = 1.0, v_reset = 0.0, v_rest = 0.1 }}
[[projection]]
source = "in"
target = "h"
rule = "fixed_probability"
p = 0.2
weight = 0.4
delay = {}
[[projection]]
source = "h"
target = "h"
rule = "fixed_indegree"
k = 10
weight = {{ dist = "normal", mean = 0.05, std = 0.1 }}
delay = {}
)",
                     sim, input, lif, d1, d2);
}

std::uint64_t raster_digest(const std::string& cfg, step_t steps) {
  const auto d = test::desc_from(cfg);
  network net(d);
  event_engine ev(net, {d.sim.seed, 1, true});
  ev.run(steps);
  return ev.counters().raster_digest;
}

TEST(units, lif_config_in_ms_gives_the_spikes_of_the_same_network_in_steps) {
  // The same network in steps of 1 ms and of 0.5 ms: tau_m 20 steps, t_ref 2 steps, delays 1-5 and 3 steps.
  // The input spikes at steps 1, 3, 4, 9, 10, 11, 40 .. 44 in both.
  const std::string src = "model = \"spike_source\"\nparams = { times = [1, 3, 4, 9, 10, 11, 40, 41, 42, 43, 44] }";
  const std::string src_half =
      "model = \"spike_source\"\nparams = { times = [0.5, 1.5, 2, 4.5, 5, 5.5, 20, 20.5, 21, 21.5, 22] }";
  const auto at_1 = units_net("dt = 1.0", "tau_m = 20.0, t_ref = 2", R"({ dist = "uniform", low = 1, high = 5 })", "3",
                              src);
  const auto at_half = units_net("dt = 0.5\nunits = \"ms\"", "tau_m = 10.0, t_ref = 1.0",
                                 R"({ dist = "uniform", low = 0.5, high = 2.5 })", "1.5", src_half);
  EXPECT_EQ(raster_digest(at_1, 300), raster_digest(at_half, 300));
  EXPECT_NE(raster_digest(at_1, 300), 0u);
  // The Poisson-driven network at dt = 0.5 ms in ms gives the raster the steps reader gave for tau_m = 20,
  // t_ref = 2, delays 1-5 and 3 (digest recorded with that reader); at dt = 1 ms the old text is unchanged.
  const std::string poisson = "model = \"poisson\"\nparams = { rate = 40.0 }";
  EXPECT_EQ(raster_digest(units_net("dt = 0.5\nunits = \"ms\"", "tau_m = 10.0, t_ref = 1.0",
                                    R"({ dist = "uniform", low = 0.5, high = 2.5 })", "1.5", poisson),
                          1000),
            0x04a27fa665d6fbf8u);
  EXPECT_EQ(raster_digest(units_net("dt = 1.0", "tau_m = 20.0, t_ref = 2", R"({ dist = "uniform", low = 1, high = 5 })",
                                    "3", poisson),
                          500),
            0x46f04d6ff4bf87b6u);
}

std::string refusal(const std::string& cfg) {
  try {
    (void)test::desc_from(cfg);
  } catch (const config_error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(units, config_in_steps_is_refused_with_the_ms_value) {
  const std::string src = "model = \"spike_source\"\nparams = { times = [0.5] }";
  // At dt = 0.5 ms without units = "ms", the old steps reading differs: each time is refused with its ms value.
  EXPECT_THAT(refusal(units_net("dt = 0.5", "tau_m = 20.0, t_ref = 2", "1", "3", src)),
              ::testing::HasSubstr("population[1].params.tau_m: times are in ms (they were in steps before): a config "
                                   "written in steps meant tau_m = 20 steps = 10 ms at dt = 0.5 ms; write tau_m = 10 "
                                   "and add units = \"ms\" to [simulation]"));
  EXPECT_THAT(refusal(units_net("dt = 0.5", "t_ref = 2", "1", "3", src)),
              ::testing::HasSubstr("t_ref = 2 steps = 1 ms at dt = 0.5 ms; write t_ref = 1"));
  const auto no_lif = std::string("[simulation]\ndt = 0.1\n[[population]]\nname = \"a\"\nsize = 2\nmodel = \"cuba_lif\"\n"
                                  "[[projection]]\nsource = \"a\"\ntarget = \"a\"\nrule = \"all_to_all\"\nweight = 1.0\n");
  EXPECT_THAT(refusal(no_lif + "delay = 3\n"),
              ::testing::HasSubstr("projection[0].delay: times are in ms (they were in steps before): a config written "
                                   "in steps meant delay = 3 steps = 0.3 ms at dt = 0.1 ms; write delay = 0.3"));
  EXPECT_EQ(refusal(no_lif), "accepted");  // the default delay is one step in either reading
  EXPECT_EQ(refusal("[simulation]\ndt = 0.1\nunits = \"ms\"\n" + no_lif.substr(no_lif.find("[[population]]")) +
                    "delay = 0.3\n"),
            "accepted");
  // spike_source spike steps are refused with their times; a time must be a whole multiple of dt.
  const std::string steps_src = "model = \"spike_source\"\nparams = { steps = [1, 3] }";
  EXPECT_THAT(refusal(units_net("dt = 0.5\nunits = \"ms\"", "tau_m = 10.0", "0.5", "0.5", steps_src)),
              ::testing::HasSubstr("population[0].params.steps: spike times are in ms (they were steps before): write "
                                   "times = [0.5, 1.5]"));
  EXPECT_THAT(refusal(units_net("dt = 0.5\nunits = \"ms\"", "tau_m = 10.0", "0.5", "0.5",
                                "model = \"spike_source\"\nparams = { times = [0.75] }")),
              ::testing::HasSubstr("every time must be a whole multiple of dt = 0.5 ms, >= dt"));
  // In ms, a delay must be a whole multiple of dt.
  EXPECT_THAT(refusal("[simulation]\ndt = 0.1\nunits = \"ms\"\n" + no_lif.substr(no_lif.find("[[population]]")) +
                      "delay = 0.25\n"),
              ::testing::HasSubstr("projection[0].delay: must be a whole multiple of dt = 0.1 ms, got 0.25 ms"));
}

}  // namespace
}  // namespace spikeworm
