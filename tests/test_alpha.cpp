// The alpha-synapse models cuba_alpha_lif and coba_alpha_lif (docs/models.md): a single spike gives the alpha
// function exactly, cuba_alpha_lif's membrane is the closed-form solution of its linear ODE, coba_alpha_lif's
// follows an independent oracle of its discrete equations, both engines agree bit for bit on a recurrent
// network at any thread count, and bad parameters are refused naming the key.
#include <bit>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "net_helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace spikeworm {
namespace {

using test::desc_from;
using test::refusal;
using test::one_neuron;

constexpr double dt = 0.1;  // [ms]

// The alpha function of a spike of weight w at time 0: w (t/tau) e^(1 - t/tau), 0 before.
double alpha(double w, double tau, double t) { return t <= 0.0 ? 0.0 : w * (t / tau) * std::exp(1.0 - t / tau); }

// The membrane response of tau_m dv/dt = -v + I(t) to I = alpha(w, tau, t), v(0) = 0, in closed form:
//   v(t) = w e/(tau tau_m) ∫_0^t e^{-(t-s)/tau_m} s e^{-s/tau} ds
//        = w e/(tau tau_m) (e^{-t/tau_m} - e^{-t/tau} (1 + c t)) / c^2,  c = 1/tau - 1/tau_m,
//        = w e/(tau tau_m) t^2/2 e^{-t/tau_m}                             when tau = tau_m.
// In long double: the difference loses the digits of (c t)^2/2 at small t, which extended precision covers.
double alpha_psp(double w, double tau, double tau_m, double t) {
  if (t <= 0.0) return 0.0;
  const long double T = t, ts = tau, tm = tau_m;
  const long double scale = static_cast<long double>(w) * std::exp(1.0L) / (ts * tm);
  if (tau == tau_m) return static_cast<double>(scale * T * T / 2 * std::exp(-T / tm));
  const long double c = 1 / ts - 1 / tm;
  return static_cast<double>(scale * (std::exp(-T / tm) - std::exp(-T / ts) * (1 + c * T)) / (c * c));
}

// Spike sources at 1.0 ms (excitatory, delay 0.1 ms: the input of step 11) and 3.0 ms (inhibitory, delay 0.3 ms:
// step 33); the input of step o acts from the start of step o, time (o - 1) dt.
constexpr int onset_e = 11, onset_i = 33;
constexpr double w_e = 20.0, w_i = -1.5;  // exact in float

std::string single_spike_net(const std::string& targets, double we, double wi) {
  return fmt::format(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "e"
size = 1
model = "spike_source"
params = {{ times = [1.0] }}
[[population]]
name = "i"
size = 1
model = "spike_source"
params = {{ times = [3.0] }}
{}
[[projection]]
source = "e"
target = "n"
rule = "all_to_all"
weight = {}
delay = 0.1
[[projection]]
source = "i"
target = "n"
rule = "all_to_all"
weight = {}
delay = 0.3
receptor = "inhibitory"
)",
                     targets, we, wi);
}

// Time since the onset of an input at step `onset`, after step s [ms].
double since(int onset, std::size_t s) { return (static_cast<double>(s) - onset + 1) * dt; }

// Both engines record identical traces (event engine with 1 and 2 threads); returns the clock engine's.
std::vector<trace> traces_of_both_engines(const network& net, step_t steps) {
  clock_engine ck(net, {1, 1, true});
  ck.record_traces();
  ck.run(steps);
  for (int threads : {1, 2}) {
    event_engine ev(net, {1, threads, true});
    ev.record_traces();
    ev.run(steps);
    EXPECT_EQ(ev.spikes(), ck.spikes()) << threads << " threads";
    EXPECT_EQ(ev.traces().size(), ck.traces().size());
    for (std::size_t k = 0; k < ev.traces().size() && k < ck.traces().size(); ++k) {
      const auto& a = ev.traces()[k].values;
      const auto& b = ck.traces()[k].values;
      EXPECT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) {
          ADD_FAILURE() << "trace " << k << " value " << i << ": " << fmt::format("{:.17g} and {:.17g}", a[i], b[i])
                        << " with " << threads << " threads";
          break;
        }
    }
  }
  return ck.traces();
}

// cuba_alpha_lif, E_L = 0 and no threshold in reach: after every step, g_e and g_i are the alpha functions of
// their spikes, and v is the closed-form solution (the sum of both responses), within 1e-12 relative. Three
// synaptic time constants: below, equal to and above tau_m.
TEST(cuba_alpha_lif, single_spike_gives_the_alpha_current_and_the_closed_form_membrane) {
  struct taus {
    double e, i;
  };
  // x = dt (1/tau - 1/tau_m) (docs/models.md): 0.015 and -0.0025, 0 and 0, -0.0023 and 0.028 (the couplings'
  // series), 0.66 (the direct formula) and 0.0003.
  for (const taus tau : {taus{5.0, 40.0}, taus{20.0, 20.0}, taus{37.0, 3.0}, taus{0.15, 19.0}}) {
    const std::string pop = fmt::format(R"(
[[population]]
name = "n"
size = 1
model = "cuba_alpha_lif"
params = {{ tau_m = 20.0, tau_e = {}, tau_i = {}, e_l = 0.0, v_th = 1000.0, v_reset = -1000.0, t_ref = 0.0 }}
record = {{ variables = ["v", "ge", "gi"] }}
)",
                                        tau.e, tau.i);
    const network net(desc_from(single_spike_net(pop, w_e, w_i)));
    const step_t steps = 1000;  // 100 ms: the fastest current falls to 1e-283, above the denormals
    const auto tr = traces_of_both_engines(net, steps);
    ASSERT_EQ(tr.size(), 3u);
    ASSERT_EQ(tr[0].rows(), static_cast<std::size_t>(steps));
    double peak = 0.0;
    for (std::size_t r = 0; r < tr[0].rows(); ++r) {
      const std::size_t s = r + 1;
      const double te = since(onset_e, s), ti = since(onset_i, s);
      const double ge = alpha(w_e, tau.e, te), gi = alpha(w_i, tau.i, ti);
      ASSERT_NEAR(tr[1].values[r], ge, 1e-12 * std::abs(ge)) << "ge after step " << s << ", tau_e " << tau.e;
      ASSERT_NEAR(tr[2].values[r], gi, 1e-12 * std::abs(gi)) << "gi after step " << s << ", tau_i " << tau.i;
      const double ve = alpha_psp(w_e, tau.e, 20.0, te), vi = alpha_psp(w_i, tau.i, 20.0, ti);
      // Relative to the size of the two responses, which cancel where v crosses 0.
      ASSERT_NEAR(tr[0].values[r], ve + vi, 1e-12 * (std::abs(ve) + std::abs(vi)))
          << "v after step " << s << ", tau_e " << tau.e << ", tau_i " << tau.i;
      peak = std::max(peak, tr[0].values[r]);
    }
    EXPECT_GT(peak, 0.1) << "the excitatory response must be substantial (mV)";
  }
}

// coba_alpha_lif: the conductances are exactly the alpha functions of their spikes (in units of g_L), and v
// follows an independent oracle of the discrete equations of docs/models.md: exponential Euler in Brian2's form
// v <- v* + (v - v*) exp(-h G) with the analytic conductances at the start of each step.
TEST(coba_alpha_lif, single_spike_gives_the_alpha_conductance_and_the_exponential_euler_membrane) {
  const double tau_e = 5.0, tau_i = 10.0, we = 0.75, wi = 1.25;
  const std::string pop = R"(
[[population]]
name = "n"
size = 1
model = "coba_alpha_lif"
params = { tau_m = 20.0, tau_e = 5.0, tau_i = 10.0, e_l = -60.0, e_e = 0.0, e_i = -80.0, v_th = -40.0, v_reset = -70.0 }
init = { v = -65.0 }
record = { variables = ["v", "ge", "gi"] }
)";
  const network net(desc_from(single_spike_net(pop, we, wi)));
  const step_t steps = 1000;
  const auto tr = traces_of_both_engines(net, steps);
  ASSERT_EQ(tr.size(), 3u);
  double v = -65.0, highest = v;
  for (std::size_t r = 0; r < tr[0].rows(); ++r) {
    const std::size_t s = r + 1;
    const double ge = alpha(we, tau_e, since(onset_e, s)), gi = alpha(wi, tau_i, since(onset_i, s));
    ASSERT_NEAR(tr[1].values[r], ge, 1e-12 * ge) << "ge after step " << s;
    ASSERT_NEAR(tr[2].values[r], gi, 1e-12 * gi) << "gi after step " << s;
    const double g0e = alpha(we, tau_e, since(onset_e, s - 1)), g0i = alpha(wi, tau_i, since(onset_i, s - 1));
    const double g = 1.0 + g0e + g0i, vstar = (-60.0 + g0e * 0.0 + g0i * -80.0) / g;
    v = vstar + (v - vstar) * std::exp(-dt / 20.0 * g);
    ASSERT_NEAR(tr[0].values[r], v, 1e-10) << "v after step " << s;
    highest = std::max(highest, v);
  }
  EXPECT_GT(highest, -60.0) << "the excitatory conductance must depolarise the neuron above rest";
}

// A recurrent network of both models with Poisson input, delays of 1-5 steps (or all of one step, with
// populations of several tiles: the event engine's per-tile buckets); fixed in-degrees, so that the input of a
// neuron does not depend on the sizes.
std::string recurrent_net(int exc, int inh, int cond, const std::string& delay) {
  return fmt::format(R"(
[simulation]
dt = 0.1
units = "ms"
seed = 7
[[population]]
name = "in"
size = 200
model = "poisson"
params = {{ rate = 20.0 }}
[[population]]
name = "exc"
size = {0}
model = "cuba_alpha_lif"
params = {{ tau_m = 20.0, tau_e = 5.0, tau_i = 10.0, e_l = -49.5, v_th = -50.0, v_reset = -60.0, t_ref = 2.0 }}
init = {{ v = {{ dist = "uniform", low = -60.0, high = -50.0 }} }}
record = {{ variables = ["v"], neurons = 50 }}
[[population]]
name = "inh"
size = {1}
model = "cuba_alpha_lif"
params = {{ tau_m = 10.0, tau_e = 10.0, tau_i = 10.0, e_l = -49.0, v_th = -50.0, v_reset = -60.0, t_ref = 1.0 }}
current = 0.5
[[population]]
name = "cond"
size = {2}
model = "coba_alpha_lif"
params = {{ tau_m = 20.0, tau_e = 5.0, tau_i = 10.0, t_ref = 3.0 }}
current = 15.0
init = {{ v = {{ dist = "uniform", low = -60.0, high = -50.0 }}, ge = 0.1 }}
record = {{ variables = ["v"], neurons = 50 }}
[[projection]]
source = "in"
target = "exc"
rule = "fixed_indegree"
k = 10
weight = 1.5
delay = {3}
[[projection]]
source = "exc"
target = "exc"
rule = "fixed_indegree"
k = 16
weight = {{ dist = "uniform", low = 0.2, high = 0.8 }}
delay = {3}
[[projection]]
source = "exc"
target = "inh"
rule = "fixed_indegree"
k = 16
weight = 0.6
delay = {3}
[[projection]]
source = "inh"
target = "exc"
rule = "fixed_indegree"
k = 10
weight = -0.5
delay = {3}
receptor = "inhibitory"
[[projection]]
source = "exc"
target = "cond"
rule = "fixed_indegree"
k = 16
weight = 0.05
delay = {3}
[[projection]]
source = "inh"
target = "cond"
rule = "fixed_indegree"
k = 10
weight = 0.01
delay = {3}
receptor = "inhibitory"
[[projection]]
source = "cond"
target = "exc"
rule = "fixed_indegree"
k = 16
weight = 0.4
delay = {3}
)",
                     exc, inh, cond, delay);
}

::testing::AssertionResult same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "sizes " << a.size() << " and " << b.size();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i]))
      return ::testing::AssertionFailure() << "first difference at " << i << ": "
                                           << fmt::format("{:.17g} and {:.17g}", a[i], b[i]);
  return ::testing::AssertionSuccess();
}

void expect_engines_identical(const network& net, step_t steps, std::uint64_t min_spikes) {
  clock_engine ck(net, {7, 1, true});
  ck.record_traces();
  ck.run(steps);
  for (std::size_t p = 1; p < 4; ++p)
    EXPECT_GT(ck.counters().spikes_per_population[p], min_spikes) << "population " << net.populations()[p].name;
  for (int threads : {1, 2}) {
    event_engine ev(net, {7, threads, true});
    for (std::size_t p = 1; p < 4; ++p) {
      EXPECT_TRUE(ev.clock_driven(p));
      EXPECT_NE(ev.stepping(p).find("always clock-driven"), std::string::npos) << ev.stepping(p);
    }
    ev.record_traces();
    ev.run(steps);
    EXPECT_EQ(ev.spikes(), ck.spikes()) << threads << " threads";
    EXPECT_EQ(ev.counters().sops, ck.counters().sops);
    for (auto [a, b, name] : {std::tuple{&ev.state().v, &ck.state().v, "v"}, {&ev.state().ge, &ck.state().ge, "ge"},
                              {&ev.state().gi, &ck.state().gi, "gi"}, {&ev.state().he, &ck.state().he, "he"},
                              {&ev.state().hi, &ck.state().hi, "hi"}})
      EXPECT_TRUE(same_bits(*a, *b)) << name << " with " << threads << " threads";
    ASSERT_EQ(ev.traces().size(), ck.traces().size());
    for (std::size_t k = 0; k < ev.traces().size(); ++k)
      EXPECT_TRUE(same_bits(ev.traces()[k].values, ck.traces()[k].values)) << "trace " << k;
  }
  // Refractory: v is held at v_reset for t_ref after each spike (the recorded neurons).
  for (const trace& tr : ck.traces()) {
    const population& p = net.populations()[tr.population];
    const double v_reset = p.model == model_kind::cuba_alpha_lif ? p.cuba_alpha.v_reset : p.coba_alpha.membrane.v_reset;
    const step_t t_ref = p.model == model_kind::cuba_alpha_lif ? p.cuba_alpha.t_ref : p.coba_alpha.membrane.t_ref;
    ASSERT_GT(t_ref, 0);
    std::size_t held = 0;
    for (const spike& s : ck.spikes()) {
      const auto col = std::find(tr.neurons.begin(), tr.neurons.end(), s.neuron);
      if (col == tr.neurons.end()) continue;
      const std::size_t c = static_cast<std::size_t>(col - tr.neurons.begin());
      for (step_t t = s.step; t <= std::min(s.step + t_ref, steps); ++t, ++held)
        ASSERT_EQ(tr.values[static_cast<std::size_t>(t - 1) * tr.neurons.size() + c], v_reset)
            << p.name << " neuron " << s.neuron << " fired at step " << s.step << ", step " << t;
    }
    EXPECT_GT(held, 0u) << p.name << ": some recorded neuron must fire";
  }
}

TEST(alpha_lif, engines_identical_on_a_recurrent_network_with_delays_of_one_to_five_steps) {
  const network net(desc_from(recurrent_net(800, 200, 300, "{ dist = \"uniform\", low = 0.1, high = 0.5 }")));
  EXPECT_EQ(net.max_delay(), 5);
  expect_engines_identical(net, 2000, 200);
}

TEST(alpha_lif, engines_identical_with_populations_of_several_tiles) {
  const network net(desc_from(recurrent_net(9000, 5000, 4500, "0.1")));
  expect_engines_identical(net, 300, 200);
}


TEST(alpha_lif, bad_parameters_are_refused_naming_the_key) {
  for (const std::string model : {"cuba_alpha_lif", "coba_alpha_lif"}) {
    const std::pair<std::string, std::string> cases[] = {
        {one_neuron(model, "tau_m = 0.0"), "tau_m"},
        {one_neuron(model, "tau_e = -5.0"), "tau_e"},
        {one_neuron(model, "tau_i = nan"), "tau_i"},
        {one_neuron(model, "tau_m = inf"), "tau_m"},
        {one_neuron(model, "tau_e = 1e-320"), "tau_e"},
        {one_neuron(model, "e_l = nan"), "e_l"},
        {one_neuron(model, "v_th = -60.0"), "v_reset"},
        {one_neuron(model, "v_th = inf"), "v_th"},
        {one_neuron(model, "t_ref = -1.0"), "t_ref"},
        {one_neuron(model, "t_ref = 1e9"), "t_ref"},
        {one_neuron(model, "tau_syn = 5.0"), "tau_syn"},
        {one_neuron(model, "", "update = \"event\""), "update"},
        {one_neuron(model, "", "init = { he = 1.0 }"), "he"},
    };
    for (const auto& [toml, key] : cases) {
      const auto e = refusal(toml);
      ASSERT_TRUE(e.has_value()) << "accepted:\n" << toml;
      EXPECT_NE(std::string(e->what()).find(key), std::string::npos) << e->what();
    }
  }
  const std::pair<std::string, std::string> coba_cases[] = {
      {one_neuron("coba_alpha_lif", "e_i = -50.0"), "e_i"},  // at threshold: would excite
      {one_neuron("coba_alpha_lif", "e_e = nan"), "e_e"},
      {one_neuron("cuba_alpha_lif", "e_e = 0.0"), "e_e"},  // not a key of the current-based model
      {one_neuron("coba_alpha_lif", "", "[[projection]]\nsource = \"n\"\ntarget = \"n\"\nrule = \"all_to_all\"\nweight = -0.5\n"),
       "weight"},
  };
  for (const auto& [toml, key] : coba_cases) {
    const auto e = refusal(toml);
    ASSERT_TRUE(e.has_value()) << "accepted:\n" << toml;
    EXPECT_NE(std::string(e->what()).find(key), std::string::npos) << e->what();
  }
  // The defaults are accepted (cuba_lif's and coba_lif's), and lowered to the alpha propagators.
  const auto c = desc_from(one_neuron("cuba_alpha_lif", "")).populations[0];
  EXPECT_EQ(c.init_v.a, -49.0);
  EXPECT_EQ(c.cuba_alpha.t_ref, 50);
  EXPECT_DOUBLE_EQ(c.cuba_alpha.am, std::exp(-0.1 / 20.0));
  EXPECT_DOUBLE_EQ(c.cuba_alpha.syn_e.decay, std::exp(-0.1 / 5.0));
  EXPECT_DOUBLE_EQ(c.cuba_alpha.syn_e.jump, std::exp(1.0) / 5.0);
  EXPECT_DOUBLE_EQ(c.cuba_alpha.syn_i.rise, 0.1 * std::exp(-0.1 / 10.0));
  const auto g = desc_from(one_neuron("coba_alpha_lif", "")).populations[0];
  EXPECT_EQ(g.init_v.a, -60.0);
  EXPECT_EQ(g.coba_alpha.membrane.e_i, -80.0);
  EXPECT_DOUBLE_EQ(g.coba_alpha.membrane.h, 0.1 / 20.0);
  EXPECT_DOUBLE_EQ(g.coba_alpha.syn_i.jump, std::exp(1.0) / 10.0);
}

// The coupling of the synapse into v is continuous in tau_syn across tau_m, where its general formula is 0/0:
// tau_syn a relative 1e-9 from tau_m gives the tau_syn = tau_m values to about that.
TEST(alpha_lif, coupling_is_continuous_at_tau_syn_equal_tau_m) {
  const alpha_coupling at = couple_alpha(20.0, 20.0, 0.1);
  EXPECT_DOUBLE_EQ(at.k_g, 0.1 / 20.0 * std::exp(-0.1 / 20.0));         // (dt/tau_m) a_m
  EXPECT_DOUBLE_EQ(at.k_h, 0.1 * 0.1 / 40.0 * std::exp(-0.1 / 20.0));  // (dt^2/(2 tau_m)) a_m
  for (double rel : {1e-9, -1e-9, 1e-4, -1e-4}) {
    const alpha_coupling near = couple_alpha(20.0, 20.0 * (1 + rel), 0.1);
    EXPECT_NEAR(near.k_g, at.k_g, 4 * std::abs(rel) * at.k_g) << rel;
    EXPECT_NEAR(near.k_h, at.k_h, 4 * std::abs(rel) * at.k_h) << rel;
  }
  // Where the couplings switch from their series to the direct formula (|x| = 0.5), they agree.
  for (double x : {0.5, -0.5}) {
    const double tau_below = 1.0 / ((x * (1 - 1e-14)) / 0.1 + 1.0 / 20.0), tau_above = 1.0 / ((x * (1 + 1e-14)) / 0.1 + 1.0 / 20.0);
    const alpha_coupling a = couple_alpha(20.0, tau_below, 0.1), b = couple_alpha(20.0, tau_above, 0.1);
    EXPECT_NEAR(a.k_g, b.k_g, 1e-13 * a.k_g) << x;
    EXPECT_NEAR(a.k_h, b.k_h, 1e-13 * a.k_h) << x;
  }
}

}  // namespace
}  // namespace spikeworm
