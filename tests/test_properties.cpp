// Property tests (RapidCheck, docs/testing.md): rules that must hold for every network, checked on networks
// RapidCheck draws (100 per property; a failure is shrunk to a smallest counterexample and printed). The draws
// are seeded, so every run checks the same networks; RC_PARAMS="seed=N max_success=M" draws others.
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <stdlib.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "engine_helpers.hpp"
#include "net_helpers.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace spikeworm {
namespace {

// Before main(): RapidCheck reads RC_PARAMS when the first property runs. A value the user set is kept.
const int seeded = ::setenv("RC_PARAMS", "seed=20261207", 0);

using test::desc_from;

// The synapses of a network as (source, target) -> count.
std::map<std::pair<neuron_id, neuron_id>, int> pairs_of(const network& net) {
  std::map<std::pair<neuron_id, neuron_id>, int> out;
  const auto rows = net.row_start();
  const auto tgt = net.targets();
  for (neuron_id s = 0; s < net.num_neurons(); ++s)
    for (edge_id e = rows[s]; e < rows[s + 1]; ++e) ++out[{s, tgt[e]}];
  return out;
}

// all_to_all, fixed_probability with p = 1 and p = 0, fixed_indegree and one_to_one, within one population or
// between two, with and without autapses: exactly the synapses the rule names, each once.
RC_GTEST_PROP(properties, connectors_make_exactly_the_synapses_their_rule_names, ()) {
  const int ns = *rc::gen::inRange(1, 30), nt_drawn = *rc::gen::inRange(1, 30);
  const bool same = *rc::gen::arbitrary<bool>(), autapses = *rc::gen::arbitrary<bool>();
  const int rule = *rc::gen::inRange(0, 5);
  const int nt = same || rule == 4 ? ns : nt_drawn;
  const int self_excluded = same && !autapses ? 1 : 0;
  const int k = *rc::gen::inRange(0, ns - self_excluded + 1);
  const char* rules[] = {"rule = \"all_to_all\"", "rule = \"fixed_probability\"\np = 1.0",
                         "rule = \"fixed_probability\"\np = 0.0", "rule = \"fixed_indegree\"", "rule = \"one_to_one\""};
  std::string text = fmt::format("[[population]]\nname = \"a\"\nsize = {}\nmodel = \"lif\"\n", ns);
  if (!same) text += fmt::format("[[population]]\nname = \"b\"\nsize = {}\nmodel = \"lif\"\n", nt);
  text += fmt::format("[[projection]]\nsource = \"a\"\ntarget = \"{}\"\nweight = 1.0\n{}\nautapses = {}\n{}", same ? "a" : "b",
                      rules[rule], autapses ? "true" : "false", rule == 3 ? fmt::format("k = {}\n", k) : "");
  const network net(desc_from(text));
  const neuron_id t0 = same ? 0 : static_cast<neuron_id>(ns);
  const auto got = pairs_of(net);
  std::map<std::pair<neuron_id, neuron_id>, int> want;
  for (int s = 0; s < ns; ++s)
    for (int t = 0; t < nt; ++t) {
      const bool self = same && s == t;
      const bool wanted = rule == 0 || rule == 1 ? !(self && !autapses) : rule == 4 ? (s == t && (autapses || !same)) : false;
      if (wanted) want[{static_cast<neuron_id>(s), t0 + static_cast<neuron_id>(t)}] = 1;
    }
  if (rule == 3) {  // fixed in-degree: which sources is random; how many, and that self is excluded, is not
    std::vector<int> indegree(static_cast<std::size_t>(nt), 0);
    for (const auto& [st, n] : got) {
      RC_ASSERT(st.second >= t0);
      RC_ASSERT(!(same && !autapses && st.first == st.second));
      indegree[st.second - t0] += n;
    }
    for (int t = 0; t < nt; ++t) RC_ASSERT(indegree[static_cast<std::size_t>(t)] == k);
  } else {
    RC_ASSERT(got == want);
  }
}

// fixed_probability at p = 1/2 gives every target column a binomial(ns, 1/2) count: within 5 standard
// deviations, so a target that is never connected, or connected twice as often, fails.
RC_GTEST_PROP(properties, fixed_probability_columns_are_binomial, ()) {
  const int ns = *rc::gen::inRange(100, 600), nt = *rc::gen::inRange(1, 40);
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
  const network net(desc_from(fmt::format(R"(
[simulation]
seed = {}
[[population]]
name = "a"
size = {}
model = "lif"
[[population]]
name = "b"
size = {}
model = "lif"
[[projection]]
source = "a"
target = "b"
rule = "fixed_probability"
p = 0.5
weight = 1.0
)",
                                          seed, ns, nt)));
  std::vector<int> column(static_cast<std::size_t>(nt), 0);
  for (const auto& [st, n] : pairs_of(net)) {
    RC_ASSERT(n == 1);
    column[st.second - static_cast<neuron_id>(ns)] += 1;
  }
  const double sd = std::sqrt(ns * 0.25);
  for (int c : column) RC_ASSERT(std::abs(c - ns / 2.0) <= 5 * sd);
}

// One spike of weight w through an excitatory or an inhibitory synapse onto cuba_lif neurons: only the
// receptor's current moves, with the sign of w, and the membrane's first departure from where it would be
// without the synapse has the sign of w. Onto coba_lif (w > 0, a conductance): only the receptor's conductance
// opens, and the membrane departs towards that receptor's reversal potential (a spike and reset may follow).
RC_GTEST_PROP(properties, a_weights_sign_and_receptor_reach_the_membrane, ()) {
  const bool coba = *rc::gen::arbitrary<bool>(), inhibitory = *rc::gen::arbitrary<bool>();
  const int mag = *rc::gen::inRange(1, 400);
  const bool negative = !coba && *rc::gen::arbitrary<bool>();
  const double w = (negative ? -1 : 1) * mag / 100.0;
  const std::string text = fmt::format(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "src"
size = 1
model = "spike_source"
params = {{ times = [0.5] }}
[[population]]
name = "n"
size = 2
model = "{}"
update = "clock"
params = {{ tau_e = 3.0, tau_i = 7.0, t_ref = 0.0 }}
record = {{ variables = ["v", "ge", "gi"], neurons = [0, 1] }}
[[projection]]
source = "src"
target = "n"
rule = "all_to_all"
weight = {}
receptor = "{}"
)",
                                       coba ? "coba_lif" : "cuba_lif", w, inhibitory ? "inhibitory" : "excitatory");
  const network net(test::desc_from(text));
  auto baseline = test::desc_from(text);
  baseline.projections.clear();  // the same neurons without the synapse: what the membrane does on its own
  const network alone(baseline);
  for (const char* kind : {"event", "clock"}) {
    auto e = make_engine(kind, net, {1, 1, true});
    e->record_traces();
    e->run(30);
    auto b = make_engine(kind, alone, {1, 1, true});
    b->record_traces();
    b->run(30);
    const auto& tr = e->traces();  // v, ge, gi of both neurons, one row per step
    RC_ASSERT(tr.size() == 3u);
    const auto at = [&](int var, int step) { return tr[static_cast<std::size_t>(var)].values[static_cast<std::size_t>(step) * 2]; };
    const int on = inhibitory ? 2 : 1, off = inhibitory ? 1 : 2;
    double moved = 0, opened = 0;
    for (int s = 0; s < 30; ++s) {
      RC_ASSERT(at(off, s) == 0.0);
      opened = std::max(opened, std::abs(at(on, s)));
      if (at(on, s) != 0.0) RC_ASSERT((at(on, s) > 0) == (w > 0));
      if (moved == 0) moved = at(0, s) - b->traces()[0].values[static_cast<std::size_t>(s) * 2];  // its first effect
    }
    RC_ASSERT(opened > 0.0);
    const bool up = coba ? !inhibitory : w > 0;
    RC_ASSERT((up ? moved > 0 : moved < 0));
  }
}

// A random network of lif populations (clock-driven or lazily updated) and Poisson input, delays 1-5 steps.
std::string random_network(int n_in, int n1, int n2, double p, double w1, double w2, const char* update,
                           bool recurrent, std::uint64_t seed) {
  std::string t = fmt::format(R"(
[simulation]
seed = {}
[[population]]
name = "in"
size = {}
model = "poisson"
params = {{ rate = 80.0 }}
[[population]]
name = "h1"
size = {}
model = "lif"
update = "{}"
params = {{ tau_m = 12.0, t_ref = 2 }}
record = {{ variables = ["v"], neurons = "all" }}
[[population]]
name = "h2"
size = {}
model = "lif"
update = "{}"
params = {{ tau_m = 20.0 }}
[[projection]]
source = "in"
target = "h1"
rule = "fixed_probability"
p = {}
weight = {}
delay = {{ dist = "uniform", low = 1, high = 5 }}
[[projection]]
source = "h1"
target = "h2"
rule = "fixed_probability"
p = {}
weight = {{ dist = "normal", mean = {}, std = 0.2 }}
delay = {{ dist = "uniform", low = 1, high = 5 }}
)",
                              seed, n_in, n1, update, n2, update, p, w1, p, w2);
  if (recurrent)
    t += "[[projection]]\nsource = \"h2\"\ntarget = \"h1\"\nrule = \"fixed_probability\"\np = 0.2\nweight = -0.3\n"
         "receptor = \"inhibitory\"\n";
  return t;
}

std::string drawn_network() {
  const char* updates[] = {"clock", "event", "auto"};
  return random_network(*rc::gen::inRange(5, 40), *rc::gen::inRange(2, 40), *rc::gen::inRange(2, 40),
                        *rc::gen::inRange(5, 60) / 100.0, *rc::gen::inRange(5, 60) / 100.0,
                        *rc::gen::inRange(0, 40) / 100.0, updates[*rc::gen::inRange(0, 3)],
                        *rc::gen::arbitrary<bool>(), *rc::gen::inRange<std::uint64_t>(1, 1000000));
}

// The event engine against the reference stepper on random networks: every difference is a threshold flip
// (test::compare_spikes, every spike compared), and the counts of what both do agree when no flip happened.
RC_GTEST_PROP(properties, event_engine_equals_the_reference_stepper, ()) {
  const auto net = test::net_from(drawn_network());
  event_engine ev(net, {3, 1, true});
  clock_engine ck(net, {3, 1, true});
  ck.enable_membrane_trace(true);
  ev.run(600);
  ck.run(600);
  const auto c = test::compare_spikes(ev, ck);
  RC_ASSERT(c.unexplained == 0u);
  if (c.identical) {
    RC_ASSERT(ev.counters().spikes_per_population == ck.counters().spikes_per_population);
    RC_ASSERT(ev.counters().sops == ck.counters().sops);
  }
}

// The same on cuba_lif networks, whose lazy path predicts threshold crossings from a sum of exponentials, with
// each synaptic time constant drawn equal to tau_m half the time (the degenerate forms k dt/tau_m e^-k, which
// the prediction scans instead): leak reversals above and below threshold, excitatory and inhibitory input.
RC_GTEST_PROP(properties, cuba_event_engine_equals_the_reference_stepper, ()) {
  const double tau_m = *rc::gen::element(10.0, 20.0);
  const double tau_e = *rc::gen::arbitrary<bool>() ? tau_m : *rc::gen::element(2.0, 5.0, 30.0);
  const double tau_i = *rc::gen::arbitrary<bool>() ? tau_m : *rc::gen::element(3.0, 10.5, 40.0);
  const char* update = *rc::gen::element("clock", "event", "auto");
  const auto text = fmt::format(R"(
[simulation]
seed = {}
dt = 0.1
units = "ms"
[[population]]
name = "in"
size = {}
model = "poisson"
params = {{ rate = 200.0 }}
[[population]]
name = "h"
size = {}
model = "cuba_lif"
update = "{}"
params = {{ tau_m = {}, tau_e = {}, tau_i = {}, e_l = {}, t_ref = {} }}
[[projection]]
source = "in"
target = "h"
rule = "fixed_probability"
p = 0.3
weight = {}
[[projection]]
source = "in"
target = "h"
rule = "fixed_probability"
p = 0.3
weight = {}
receptor = "inhibitory"
[[projection]]
source = "h"
target = "h"
rule = "fixed_probability"
p = 0.1
weight = {}
delay = {{ dist = "uniform", low = 0.1, high = 2.0 }}
)",
                                *rc::gen::inRange<std::uint64_t>(1, 1000000), *rc::gen::inRange(5, 40),
                                *rc::gen::inRange(2, 30), update, tau_m, tau_e, tau_i,
                                *rc::gen::element(-55.0, -49.0, -45.0), *rc::gen::element(0.0, 2.0),
                                *rc::gen::inRange(5, 40) / 10.0, -*rc::gen::inRange(5, 40) / 10.0,
                                *rc::gen::inRange(-20, 20) / 10.0);
  const auto net = test::net_from(text);
  event_engine ev(net, {3, 1, true});
  clock_engine ck(net, {3, 1, true});
  ck.enable_membrane_trace(true);
  ev.run(2000);
  ck.run(2000);
  RC_ASSERT(ck.spikes().size() > 0u);
  const auto c = test::compare_spikes(ev, ck);
  RC_ASSERT(c.unexplained == 0u);
}

// reset() then a run gives what a fresh engine's run gives: the same spikes and the same recorded bits.
RC_GTEST_PROP(properties, a_reset_engine_runs_as_a_fresh_one, ()) {
  const auto net = test::net_from(drawn_network());
  const int before = *rc::gen::inRange(0, 300), steps = *rc::gen::inRange(1, 300);
  for (const char* kind : {"event", "clock"}) {
    auto used = make_engine(kind, net, {5, 1, true});
    used->record_traces();
    used->run(before);
    used->reset();
    used->run(steps);
    auto fresh = make_engine(kind, net, {5, 1, true});
    fresh->record_traces();
    fresh->run(steps);
    RC_ASSERT(used->spikes() == fresh->spikes());
    RC_ASSERT(used->traces().size() == fresh->traces().size());
    for (std::size_t k = 0; k < used->traces().size(); ++k) {
      const auto& a = used->traces()[k].values;
      const auto& b = fresh->traces()[k].values;
      RC_ASSERT(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) RC_ASSERT(std::bit_cast<std::uint64_t>(a[i]) == std::bit_cast<std::uint64_t>(b[i]));
    }
  }
}

// Inputs whose weights span many binary orders (±2^e, e in [-30, 30]) from sources spiking in the same step
// onto one cuba_lif neuron: its current is their sum in ascending source order (synapses of one source in the
// order given), bit for bit, clock-driven and lazily updated, in both engines. Any other order changes bits.
RC_GTEST_PROP(properties, inputs_are_summed_in_ascending_source_order, ()) {
  const int sources = *rc::gen::inRange(2, 12);
  const int entries = *rc::gen::inRange(2, 24);
  std::vector<int> src;
  std::vector<double> weights;
  for (int i = 0; i < entries; ++i) {
    src.push_back(*rc::gen::inRange(0, sources));
    weights.push_back((*rc::gen::arbitrary<bool>() ? -1.0 : 1.0) * std::ldexp(1.0, *rc::gen::inRange(-30, 31)));
  }
  std::vector<std::size_t> order(static_cast<std::size_t>(entries));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return src[a] < src[b]; });
  double want = 0;
  for (const std::size_t i : order) want += weights[i];
  const char* update = *rc::gen::element("clock", "event");
  std::string s, t, w, d;
  for (int i = 0; i < entries; ++i) {
    const char* sep = i ? ", " : "";
    s += fmt::format("{}{}", sep, src[static_cast<std::size_t>(i)]);
    t += fmt::format("{}0", sep);
    w += fmt::format("{}{:.17g}", sep, weights[static_cast<std::size_t>(i)]);
    d += fmt::format("{}0.1", sep);  // ms: one step
  }
  const auto net = test::net_from(fmt::format(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "src"
size = {}
model = "spike_source"
params = {{ times = [0.5] }}
[[population]]
name = "n"
size = 1
model = "cuba_lif"
update = "{}"
params = {{ v_th = 1e300 }}
record = {{ variables = ["ge"], neurons = [0] }}
[[projection]]
source = "src"
target = "n"
rule = "from_list"
sources = [{}]
targets = [{}]
weights = [{}]
delays = [{}]
)",
                                              sources, update, s, t, w, d));
  for (const char* kind : {"event", "clock"}) {
    auto e = make_engine(kind, net, {1, 1, true});
    e->record_traces();
    e->run(20);
    const auto& ge = e->traces().at(0).values;
    // The step the arrivals land in adds them to ge (0 before), then decays it by be: its sample is sum x be.
    const double after = want * net.populations()[1].cuba.be;
    const auto first = std::find_if(ge.begin(), ge.end(), [](double x) { return x != 0.0; });
    RC_ASSERT(first != ge.end() || want == 0.0);
    if (first != ge.end()) RC_ASSERT(std::bit_cast<std::uint64_t>(*first) == std::bit_cast<std::uint64_t>(after));
  }
}

}  // namespace
}  // namespace spikeworm
