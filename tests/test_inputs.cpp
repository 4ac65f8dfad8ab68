// Networks given synapse by synapse (from_list), and inputs changed during a run (add_inputs, set_currents):
// the Python module's and the PyNN backend's path into the engines (docs/python.md).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net_helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace spikeworm::test {
namespace {

const char* two_populations = R"(
[simulation]
dt = 0.1
units = "ms"
seed = 3
[[population]]
name = "in"
size = 20
model = "spike_source"
params = { times = [1.0] }
[[population]]
name = "out"
size = 60
model = "cuba_lif"
params = { tau_m = 10.0, tau_e = 2.0, tau_i = 5.0, v_th = -50.0, v_reset = -65.0, e_l = -60.0, t_ref = 2.0 }
init = { v = { dist = "uniform", low = -65.0, high = -50.0 } }
%s
)";

std::string with(const char* update) {
  std::string s = two_populations;
  s.replace(s.find("%s"), 2, update);
  return s;
}

// A random from_list projection: every entry drawn (duplicates allowed), delays 1-30 steps.
std::shared_ptr<connection_list> random_list(std::uint64_t seed, neuron_id ns, neuron_id nt, std::size_t n, double w) {
  auto l = std::make_shared<connection_list>();
  rng r(seed, stream_kind::connectivity, 99, 0);
  for (std::size_t k = 0; k < n; ++k) {
    l->sources.push_back(static_cast<neuron_id>(r.uniform_int(0, ns - 1)));
    l->targets.push_back(static_cast<neuron_id>(r.uniform_int(0, nt - 1)));
    l->weights.push_back(static_cast<weight_t>(w * r.uniform()));
    l->delays.push_back(static_cast<delay_t>(r.uniform_int(1, 30)));
  }
  return l;
}

network_desc listed(const std::string& toml, std::uint64_t seed, double w_in, double w_rec) {
  auto d = desc_from(toml);
  projection_desc in;
  in.source = "in";
  in.target = "out";
  in.rule = connection_rule::from_list;
  in.list = random_list(seed, 20, 60, 400, w_in);
  d.projections.push_back(in);
  projection_desc rec = in;
  rec.source = "out";
  rec.list = random_list(seed + 1, 60, 60, 600, w_rec);
  rec.target_receptor = w_rec < 0 ? receptor::inhibitory : receptor::excitatory;
  d.projections.push_back(rec);
  return d;
}

// Poisson-like input spikes of the 20 sources over `steps` steps.
std::vector<spike> input_spikes(std::uint64_t seed, step_t steps) {
  std::vector<spike> s;
  rng r(seed, stream_kind::poisson, 7, 0);
  for (neuron_id n = 0; n < 20; ++n)
    for (step_t t = 1 + r.uniform_int(0, 40); t <= steps; t += 1 + r.uniform_int(5, 120)) s.push_back({t, n});
  return s;
}

}  // namespace

TEST(network, from_list_projection_equals_the_drawn_one) {
  const auto drawn = net_from(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "a"
size = 300
model = "cuba_lif"
[[projection]]
source = "a"
target = "a"
rule = "fixed_probability"
p = 0.05
weight = { dist = "uniform", low = -1.0, high = 2.0 }
delay = { dist = "uniform", low = 0.1, high = 0.5 }
)", 5);
  auto d = desc_from("[simulation]\ndt = 0.1\nunits = \"ms\"\n[[population]]\nname = \"a\"\nsize = 300\nmodel = \"cuba_lif\"\n");
  projection_desc p;
  p.source = p.target = "a";
  p.rule = connection_rule::from_list;
  auto l = std::make_shared<connection_list>();
  const auto rows = drawn.row_start();
  // Given in reverse: the network orders each row by target.
  for (std::size_t s = 300; s-- > 0;)
    for (edge_id e = rows[s + 1]; e-- > rows[s];) {
      l->sources.push_back(static_cast<neuron_id>(s));
      l->targets.push_back(drawn.targets()[e]);
      l->weights.push_back(drawn.weights()[e]);
      l->delays.push_back(drawn.delays()[e]);
    }
  p.list = l;
  d.projections.push_back(p);
  const network given(d);
  ASSERT_GT(drawn.num_synapses(), 3000u);
  ASSERT_EQ(given.num_synapses(), drawn.num_synapses());
  EXPECT_TRUE(std::equal(rows.begin(), rows.end(), given.row_start().begin()));
  EXPECT_TRUE(std::equal(drawn.targets().begin(), drawn.targets().end(), given.targets().begin()));
  EXPECT_TRUE(std::equal(drawn.weights().begin(), drawn.weights().end(), given.weights().begin()));
  EXPECT_TRUE(std::equal(drawn.delays().begin(), drawn.delays().end(), given.delays().begin()));
  EXPECT_EQ(given.max_delay(), drawn.max_delay());
}

TEST(network, from_list_refuses_bad_entries_naming_them) {
  auto make = [](auto change) {
    auto d = listed(with(""), 1, 5.0, 1.0);
    auto l = std::make_shared<connection_list>(*d.projections[0].list);
    change(*l);
    d.projections[0].list = l;
    try {
      network n(d);
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(make([](connection_list& l) { l.sources[3] = 20; }).find("sources[3] = 20 is not a neuron of 'in' (size 20)"),
            std::string::npos);
  EXPECT_NE(make([](connection_list& l) { l.targets[7] = 60; }).find("targets[7] = 60"), std::string::npos);
  EXPECT_NE(make([](connection_list& l) { l.weights[2] = std::nanf(""); }).find("weights[2] = nan is not finite"),
            std::string::npos);
  EXPECT_NE(make([](connection_list& l) { l.delays[5] = 0; }).find("delays[5] = 0 steps"), std::string::npos);
  EXPECT_NE(make([](connection_list& l) { l.weights.pop_back(); }).find("400 sources, 400 targets, 399 weights"),
            std::string::npos);
  EXPECT_EQ(make([](connection_list&) {}), "no error");
}

// Spikes handed over window by window during a run give the same run as all of them given at reset, in both
// engines, and the engines agree bit for bit (the sources drive a recurrent network with delays 1-30).
TEST(engines, inputs_added_during_a_run_equal_inputs_given_at_reset) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const network net(listed(with(""), seed, 12.0, seed % 2 ? 2.0 : -4.0));
    const step_t steps = 3000;
    const auto in = input_spikes(seed, steps);
    clock_engine whole(net, {seed, 1, true});
    whole.reset_with_inputs({}, in);
    whole.run(steps);
    ASSERT_GT(whole.counters().spikes_per_population[1], 100u) << "seed " << seed;
    auto windowed = [&](engine& e) {
      e.reset();
      e.add_inputs({});  // the population's own times = [1.0] are replaced by the inputs below
      for (step_t t = 0; t < steps; t += 250) {
        std::vector<spike> w;
        for (const auto& s : in)
          if (s.step > t && s.step <= t + 250) w.push_back(s);
        std::reverse(w.begin(), w.end());  // any order
        e.add_inputs(w);
        e.run(250);
      }
    };
    // add_inputs({}) keeps the population's own spike at 1.0 ms: the whole run must have it too.
    std::vector<spike> own = in;
    for (neuron_id n = 0; n < 20; ++n) own.push_back({10, n});
    whole.reset_with_inputs({}, own);
    whole.run(steps);
    clock_engine ck(net, {seed, 1, true});
    event_engine ev(net, {seed, 2, true});
    windowed(ck);
    windowed(ev);
    EXPECT_EQ(ck.spikes(), whole.spikes()) << "seed " << seed;
    EXPECT_EQ(ev.spikes(), whole.spikes()) << "seed " << seed;
    EXPECT_THROW(ev.add_inputs(std::vector<spike>{{steps, 0}}), error) << "a step already simulated";
    EXPECT_THROW(ev.add_inputs(std::vector<spike>{{steps + 1, 25}}), error) << "not a spike_source neuron";
  }
}

// Currents changed every few hundred steps: both engines agree bit for bit, and a change takes effect at the
// next step (a silent neuron driven above threshold fires at the closed-form step).
TEST(engines, currents_set_during_a_run_take_effect_at_the_next_step_in_both_engines) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const network net(listed(with("update = \"clock\""), seed, 8.0, -3.0));
    const step_t steps = 2400;
    const auto in = input_spikes(seed, steps);
    auto run = [&](engine& e) {
      e.reset_with_inputs({}, in);
      rng r(seed, stream_kind::weight, 5, 0);
      std::vector<double> cur(net.num_neurons(), 0.0);
      for (step_t t = 0; t < steps; t += 300) {
        for (neuron_id n = 20; n < 80; ++n) cur[n] = r.uniform() * 25.0 - 5.0;
        e.set_currents(cur);
        e.run(300);
      }
    };
    clock_engine ck(net, {seed, 1, true});
    event_engine ev(net, {seed, 2, true});
    run(ck);
    run(ev);
    ASSERT_GT(ck.counters().spikes_per_population[1], 200u);
    EXPECT_EQ(ev.spikes(), ck.spikes()) << "seed " << seed;
  }
  // One neuron at rest (-60 mV), no input; from step 101 on, 20 mV more drive: v* = -40 mV, so with
  // v_k = v* + (v0 - v*) a^k the first step with v > -50 is k = ceil(ln(10 / 20) / ln a), a = exp(-dt/tau_m).
  const network one(desc_from(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "n"
size = 1
model = "cuba_lif"
update = "clock"
params = { tau_m = 10.0, v_th = -50.0, v_reset = -65.0, e_l = -60.0, t_ref = 2.0 }
init = { v = -60.0 }
)"));
  const double a = std::exp(-0.1 / 10.0);
  const auto k = static_cast<step_t>(std::ceil(std::log(0.5) / std::log(a)));
  for (int kind = 0; kind < 2; ++kind) {
    std::unique_ptr<engine> e = kind ? std::unique_ptr<engine>(std::make_unique<event_engine>(one, engine_options{1, 1, true}))
                                     : std::unique_ptr<engine>(std::make_unique<clock_engine>(one, engine_options{1, 1, true}));
    e->run(100);
    EXPECT_TRUE(e->spikes().empty());
    e->set_currents(std::vector<double>{20.0});
    e->run(k + 5);
    ASSERT_FALSE(e->spikes().empty());
    EXPECT_EQ(e->spikes().front().step, 100 + k) << (kind ? "event" : "clock");
  }
}

TEST(event_engine, set_currents_refuses_lazy_neurons_and_changes_nothing) {
  const network net(listed(with("update = \"event\""), 1, 8.0, 1.0));
  event_engine ev(net, {1, 1, true});
  std::vector<double> cur(net.num_neurons(), 0.0);
  cur[20 + 7] = 3.0;
  try {
    ev.set_currents(cur);
    FAIL() << "a lazy neuron's current changed";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("neuron 7 of population 'out' is updated lazily"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ev.state().current[27], 0.0);
  cur[27] = 0.0;
  cur[3] = 1.0;  // a source's current is not used, so it may change
  EXPECT_NO_THROW(ev.set_currents(cur));
}

}  // namespace spikeworm::test
