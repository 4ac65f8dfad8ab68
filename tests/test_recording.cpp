// State recording (docs/recording.md): the `record` key, traces sampled by both engines (bit for bit equal,
// and equal to hand-computed values), and the HDF5 writers' files.
#include <bit>
#include <cmath>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "net_helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/engine/recording.hpp"

namespace spikeworm {
namespace {

using test::desc_from;
using test::net_from;

// Runs `steps` steps on an engine of `kind` that records the network's traces.
std::unique_ptr<engine> run_recording(const std::string& kind, const network& net, step_t steps) {
  auto e = make_engine(kind, net, {3, 2, true});
  e->record_traces();
  e->run(steps);
  return e;
}

::testing::AssertionResult same_bits(const std::vector<trace>& a, const std::vector<trace>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " traces";
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].values.size() != b[k].values.size())
      return ::testing::AssertionFailure() << "trace " << k << ": " << a[k].values.size() << " vs " << b[k].values.size();
    for (std::size_t i = 0; i < a[k].values.size(); ++i)
      if (std::bit_cast<std::uint64_t>(a[k].values[i]) != std::bit_cast<std::uint64_t>(b[k].values[i]))
        return ::testing::AssertionFailure() << "trace " << k << " value " << i << ": " << a[k].values[i] << " vs "
                                             << b[k].values[i];
  }
  return ::testing::AssertionSuccess();
}

// Lazily updated lif and cuba_lif populations fed by Poisson sources, a clock-driven cuba_lif population,
// refractory periods and several sampling intervals.
const char* mixed = R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "in"
size = 40
model = "poisson"
params = { rate = 200.0 }
[[population]]
name = "l"
size = 30
model = "lif"
update = "event"
params = { tau_m = 0.7, v_th = 1.0, t_ref = 0.2 }
current = 0.05
record = { variables = ["v"], neurons = "all", interval = 0.1 }
[[population]]
name = "c"
size = 30
model = "cuba_lif"
update = "event"
params = { t_ref = 2.0 }
init = { v = { dist = "uniform", low = -60.0, high = -50.0 } }
record = { variables = ["v", "ge", "gi"], neurons = [0, 29, 3, 7], interval = 0.3 }
[[population]]
name = "k"
size = 30
model = "cuba_lif"
update = "clock"
init = { v = { dist = "uniform", low = -60.0, high = -50.0 } }
record = { variables = ["v"], neurons = 6, interval = 0.5 }
[[projection]]
source = "in"
target = "l"
rule = "fixed_probability"
p = 0.2
weight = 0.3
[[projection]]
source = "in"
target = "c"
rule = "fixed_probability"
p = 0.3
weight = 3.0
delay = { dist = "uniform", low = 0.1, high = 0.4 }
[[projection]]
source = "l"
target = "c"
rule = "fixed_probability"
p = 0.3
weight = -4.0
receptor = "inhibitory"
[[projection]]
source = "c"
target = "k"
rule = "fixed_probability"
p = 0.3
weight = 2.0
)";

TEST(recording, both_engines_sample_identical_traces_bit_for_bit) {
  const network net = net_from(mixed);
  const auto ev = run_recording("event", net, 997);
  const auto ck = run_recording("clock", net, 997);
  ASSERT_EQ(ev->traces().size(), 5u);  // l.v, c.v, c.ge, c.gi, k.v
  EXPECT_EQ(ev->traces()[1].rows(), 997u / 3);
  EXPECT_EQ(ev->traces()[4].rows(), 997u / 5);
  EXPECT_EQ(ev->traces()[4].neurons.size(), 6u);
  EXPECT_GT(ck->counters().spikes_per_population[1], 0u);
  EXPECT_GT(ck->counters().spikes_per_population[2], 0u);
  EXPECT_EQ(ev->spikes(), ck->spikes());
  EXPECT_TRUE(same_bits(ev->traces(), ck->traces()));
  // The lazy population is still lazy: only its recorded neurons are updated every step.
  EXPECT_FALSE(static_cast<const event_engine&>(*ev).clock_driven(2));
}

TEST(recording, traces_stream_in_chunks_like_one_run) {
  const network net = net_from(mixed);
  auto e = make_engine("event", net, {3, 1, true});
  e->record_traces();
  std::vector<double> streamed;
  for (int chunk = 0; chunk < 10; ++chunk) {
    e->run(37);
    streamed.insert(streamed.end(), e->traces()[2].values.begin(), e->traces()[2].values.end());
    e->clear_trace_record();
  }
  const auto whole = run_recording("event", net, 370);
  EXPECT_EQ(streamed, whole->traces()[2].values);
}

// Spikes streamed in chunks, each handed over (take_spikes) or copied then cleared (clear_spike_record), add
// up to one run's spikes and per-step counts on both engines; after either call both records are empty.
TEST(recording, spikes_stream_in_chunks_like_one_run) {
  const network net = net_from(mixed);
  for (const char* kind : {"event", "clock"}) {
    SCOPED_TRACE(kind);
    auto e = make_engine(kind, net, {3, 1, true});
    std::vector<spike> spikes;
    std::vector<std::uint32_t> per_step;
    for (int chunk = 0; chunk < 6; ++chunk) {
      e->run(61);
      EXPECT_EQ(e->spikes_per_step().size(), 61u * net.populations().size());
      per_step.insert(per_step.end(), e->spikes_per_step().begin(), e->spikes_per_step().end());
      if (chunk % 2 == 0) {
        const auto taken = e->take_spikes();
        spikes.insert(spikes.end(), taken.begin(), taken.end());
      } else {
        spikes.insert(spikes.end(), e->spikes().begin(), e->spikes().end());
        e->clear_spike_record();
      }
      EXPECT_TRUE(e->spikes().empty());
      EXPECT_TRUE(e->spikes_per_step().empty());
    }
    auto whole = make_engine(kind, net, {3, 1, true});
    whole->run(6 * 61);
    EXPECT_GT(whole->spikes().size(), 0u);
    EXPECT_EQ(spikes, whole->spikes());
    EXPECT_EQ(per_step, whole->spikes_per_step());
  }
}

// v <- (1 - 1/2) v + 0.25, threshold 0.4: 0.25, 0.375, 0.4375 (fires, reset to 0), ... exact in binary.
TEST(recording, lif_trace_matches_hand_computed_values) {
  const network net = net_from(R"(
[[population]]
name = "n"
size = 1
model = "lif"
params = { tau_m = 2.0, v_th = 0.4 }
current = 0.25
record = { variables = ["v"] }
[[population]]
name = "m"
size = 1
model = "lif"
params = { tau_m = 2.0, v_th = 0.4 }
current = 0.25
record = { variables = ["v"], interval = 2.0 }
)");
  for (const char* kind : {"event", "clock"}) {
    SCOPED_TRACE(kind);
    const auto e = run_recording(kind, net, 7);
    EXPECT_EQ(e->traces()[0].values, (std::vector<double>{0.25, 0.375, 0.0, 0.25, 0.375, 0.0, 0.25}));
    EXPECT_EQ(e->traces()[1].values, (std::vector<double>{0.375, 0.25, 0.0}));  // after steps 2, 4, 6
    EXPECT_EQ(e->spikes(), (std::vector<spike>{{3, 0}, {3, 1}, {6, 0}, {6, 1}}));
  }
}

// Without input the cuba_lif membrane relaxes to E_L + current: v(t) = v* + (v0 - v*) exp(-t dt / tau_m).
TEST(recording, cuba_lif_trace_matches_the_closed_form) {
  const network net = net_from(R"(
[simulation]
dt = 0.1
[[population]]
name = "n"
size = 1
model = "cuba_lif"
params = { tau_m = 20.0, e_l = -60.0, v_th = -50.0 }
current = 5.0
init = { v = -70.0 }
record = { variables = ["v", "ge"], interval = 1.0 }
)");
  for (const char* kind : {"event", "clock"}) {
    SCOPED_TRACE(kind);
    const auto e = run_recording(kind, net, 500);
    const auto& v = e->traces()[0].values;
    ASSERT_EQ(v.size(), 50u);
    for (std::size_t j = 0; j < v.size(); ++j)
      EXPECT_NEAR(v[j], -55.0 - 15.0 * std::exp(-static_cast<double>(10 * (j + 1)) * 0.1 / 20.0), 1e-9) << j;
    EXPECT_EQ(e->traces()[1].values, std::vector<double>(50, 0.0));
  }
}

void expect_config_error(const std::string& record, const std::string& key, const std::string& words) {
  const std::string toml = R"(
[[population]]
name = "a"
size = 10
model = "cuba_lif"
record = )" + record + "\n";
  try {
    desc_from(toml);
    ADD_FAILURE() << "accepted record = " << record;
  } catch (const config_error& e) {
    EXPECT_EQ(e.key(), key) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

// A built network given other populations' settings (recording, initial values, currents, parameters) runs
// as a network built with them from the start: same synapses, same spikes, same traces, both engines. What the
// synapses or the engine's layout depend on (name, model, size, update mode) is refused, and the network is
// left as it was.
TEST(recording, replaced_populations_run_as_a_network_built_with_them) {
  auto changed = desc_from(mixed);
  for (auto& p : changed.populations) {
    p.record = {};
    p.init_v = value_spec::constant(-52.0);
    p.current = 0.0;
  }
  changed.populations[1].lif.v_th = 2.0;
  const network fresh = net_from(mixed);
  network reused(changed);
  const std::size_t synapses = reused.num_synapses();
  reused.replace_populations(desc_from(mixed).populations);
  EXPECT_EQ(reused.num_synapses(), synapses);
  for (const char* kind : {"event", "clock"}) {
    const auto a = run_recording(kind, reused, 997);
    const auto b = run_recording(kind, fresh, 997);
    EXPECT_GT(a->spikes().size(), 50u) << kind;
    EXPECT_EQ(a->spikes(), b->spikes()) << kind;
    ASSERT_EQ(a->traces().size(), 5u) << kind;
    EXPECT_TRUE(same_bits(a->traces(), b->traces())) << kind;
  }
  const auto before = run_recording("event", reused, 500)->spikes();
  for (const auto& [field, change] : std::vector<std::pair<std::string, void (*)(population&)>>{
           {"size", [](population& p) { p.size += 1; }},
           {"model", [](population& p) { p.model = model_kind::cuba_lif; }},
           {"name", [](population& p) { p.name = "other"; }},
           {"update", [](population& p) { p.update = update_mode::clock; }}}) {
    auto pops = reused.populations();
    change(pops[1]);
    try {
      reused.replace_populations(pops);
      ADD_FAILURE() << field << " changed without an error";
    } catch (const error& e) {
      EXPECT_NE(std::string(e.what()).find("population 'l': its " + field), std::string::npos) << e.what();
    }
  }
  auto short_list = reused.populations();
  short_list.pop_back();
  EXPECT_THROW(reused.replace_populations(short_list), error);
  EXPECT_EQ(run_recording("event", reused, 500)->spikes(), before);
}

TEST(recording, bad_record_keys_are_one_error_naming_the_key) {
  expect_config_error(R"({ variables = ["v", "i_syn"] })", "population[0].record.variables",
                      "unknown variable 'i_syn' of a cuba_lif population (its variables: v, ge, gi)");
  expect_config_error(R"({ variables = ["v", "v"] })", "population[0].record.variables", "'v' is listed twice");
  expect_config_error(R"({ variables = ["v"], neurons = [0, 10] })", "population[0].record.neurons",
                      "neuron 10 is out of range: population 'a' has 10 neurons (indices 0 .. 9)");
  expect_config_error(R"({ variables = ["v"], neurons = [-1] })", "population[0].record.neurons", "out of range");
  expect_config_error(R"({ variables = ["v"], neurons = 11 })", "population[0].record.neurons", "must be in [1, 10]");
  expect_config_error(R"({ variables = ["v"], neurons = "some" })", "population[0].record.neurons", "\"all\"");
  expect_config_error(R"({ variables = ["v"], interval = 0.0 })", "population[0].record.interval", "must be > 0 ms, got 0");
  expect_config_error(R"({ variables = ["v"], interval = -2.0 })", "population[0].record.interval", "must be > 0 ms");
  expect_config_error(R"({ variables = ["v"], interval = 1.5 })", "population[0].record.interval",
                      "whole number of steps of dt = 1 ms");
  expect_config_error(R"({ neurons = [1] })", "population[0].record.neurons", "only with a non-empty `variables`");
  expect_config_error(R"({ variable = ["v"] })", "population[0].record.variable", "");
  try {
    desc_from("[[population]]\nname = \"p\"\nsize = 3\nmodel = \"poisson\"\nrecord = { variables = [\"v\"] }\n");
    ADD_FAILURE();
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("a poisson population has no state variables"), std::string::npos) << e.what();
  }
}

TEST(recording, record_spec_reads_all_a_count_and_a_list) {
  const auto d = desc_from(R"(
[simulation]
dt = 0.5
units = "ms"
spike_format = "both"
[[population]]
name = "a"
size = 10
model = "lif"
record = { variables = ["v"], neurons = 4, interval = 2.0 }
[[population]]
name = "b"
size = 5
model = "cuba_lif"
record = { spikes = false, variables = ["gi", "v"], neurons = [4, 0] }
[[population]]
name = "c"
size = 3
model = "lif"
)");
  EXPECT_EQ(d.sim.spike_output, spike_format::both);
  EXPECT_EQ(d.populations[0].record.neurons, (std::vector<neuron_id>{0, 2, 5, 7}));
  EXPECT_EQ(d.populations[0].record.interval, 4);
  EXPECT_TRUE(d.populations[0].record.spikes);
  EXPECT_FALSE(d.populations[1].record.spikes);
  EXPECT_EQ(d.populations[1].record.variables, (std::vector<state_variable>{state_variable::gi, state_variable::v}));
  EXPECT_EQ(d.populations[1].record.neurons, (std::vector<neuron_id>{4, 0}));
  EXPECT_EQ(d.populations[1].record.interval, 1);
  EXPECT_TRUE(d.populations[2].record.variables.empty());
  EXPECT_EQ(desc_from("[[population]]\nname = \"a\"\nsize = 1\nmodel = \"lif\"\n").sim.spike_output, spike_format::hdf5);
}

TEST(recording, an_uncommitted_writer_leaves_no_file) {
  const network net = net_from(mixed);
  const auto dir = std::filesystem::temp_directory_path() / ("spikeworm_rec_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { spike_h5_writer w(dir / "spikes.h5", net); }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  {
    spike_h5_writer w(dir / "spikes.h5", net);
    w.commit(10);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "spikes.h5"));
  std::filesystem::remove_all(dir);
  EXPECT_THROW(spike_h5_writer(dir / "missing" / "spikes.h5", net), error);
}

}  // namespace
}  // namespace spikeworm
