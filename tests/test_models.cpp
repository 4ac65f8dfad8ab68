// Neuron models against analytic oracles and an independent fine-step integration.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "spikeworm/models/coba_alpha_lif.hpp"
#include "spikeworm/models/coba_lif.hpp"
#include "spikeworm/models/cuba_alpha_lif.hpp"
#include "spikeworm/models/cuba_lif.hpp"
#include "spikeworm/models/lif.hpp"
#include "spikeworm/models/poisson.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/models/nir_neuron.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {
namespace {

TEST(lif, step_matches_spec_formula) {
  const auto m = lower(lif_params{.tau_m = 20.0, .v_th = 1.0, .v_reset = 0.0, .v_rest = 0.3, .t_ref = 0}, 1.0);
  const double v = 0.5, in = 0.07;
  EXPECT_DOUBLE_EQ(m.step(v, in), (1 - 1 / 20.0) * v + (1 / 20.0) * 0.3 + in);
  EXPECT_TRUE(m.fires(1.0));  // v >= v_th
  EXPECT_FALSE(m.fires(std::nextafter(1.0, 0.0)));
}

TEST(lif, closed_form_advance_matches_repeated_steps) {
  const auto m = lower(lif_params{.tau_m = 7.5}, 1.0);
  const double cur = 0.04, vstar = m.fixed_point(cur);
  double v = -0.3;
  for (int k = 1; k <= 300; ++k) {
    v = m.step(v, cur);
    EXPECT_NEAR(m.advance(-0.3, k, vstar), v, 1e-12) << "k=" << k;
  }
}

// Reference: classical RK4 with 1000 substeps per step of the CUBA ODEs.
cuba_state rk4(const cuba_lif_params& p, double dt, cuba_state s, double vstar, int steps) {
  const int sub = 1000;
  const double h = dt / sub;
  auto f = [&](const cuba_state& x) {
    return cuba_state{(vstar - x.v + x.ge + x.gi) / p.tau_m, -x.ge / p.tau_e, -x.gi / p.tau_i};
  };
  for (int i = 0; i < steps * sub; ++i) {
    auto k1 = f(s);
    auto k2 = f({s.v + h / 2 * k1.v, s.ge + h / 2 * k1.ge, s.gi + h / 2 * k1.gi});
    auto k3 = f({s.v + h / 2 * k2.v, s.ge + h / 2 * k2.ge, s.gi + h / 2 * k2.gi});
    auto k4 = f({s.v + h * k3.v, s.ge + h * k3.ge, s.gi + h * k3.gi});
    s.v += h / 6 * (k1.v + 2 * k2.v + 2 * k3.v + k4.v);
    s.ge += h / 6 * (k1.ge + 2 * k2.ge + 2 * k3.ge + k4.ge);
    s.gi += h / 6 * (k1.gi + 2 * k2.gi + 2 * k3.gi + k4.gi);
  }
  return s;
}

TEST(cuba_lif, exact_step_matches_fine_integration) {
  for (double tau_e : {5.0, 20.0}) {  // 20 = tau_m: the degenerate k dt/tau_m form
    cuba_lif_params p;
    p.tau_e = tau_e;
    const double dt = 0.1;
    const auto m = lower(p, dt);
    cuba_state s{-55.0, 3.0, -4.0};
    for (int i = 0; i < 20; ++i) cuba_step(m, p.e_l, s);
    const auto r = rk4(p, dt, {-55.0, 3.0, -4.0}, p.e_l, 20);
    EXPECT_NEAR(s.v, r.v, 1e-9) << "tau_e=" << tau_e;
    EXPECT_NEAR(s.ge, r.ge, 1e-9);
    EXPECT_NEAR(s.gi, r.gi, 1e-9);
  }
}

TEST(cuba_lif, closed_form_advance_matches_repeated_steps) {
  for (double tau_i : {10.0, 20.0}) {
    cuba_lif_params p;
    p.tau_i = tau_i;
    const auto m = lower(p, 0.1);
    const double vstar = p.e_l + 0.5;
    cuba_state s{-58.0, 2.5, -6.0};
    for (int k = 1; k <= 5000; ++k) {
      cuba_step(m, vstar, s);
      if (k % 97 != 0) continue;
      cuba_state c{-58.0, 2.5, -6.0};
      cuba_advance(m, vstar, c, k);  // beyond the power table for k >= 4096: std::pow
      ASSERT_NEAR(c.v, s.v, 1e-10) << "k=" << k;
      ASSERT_NEAR(c.ge, s.ge, 1e-12);
      ASSERT_NEAR(c.gi, s.gi, 1e-12);
    }
  }
}

TEST(cuba_lif, refractory_and_steps_from_milliseconds) {
  const auto m = lower(cuba_lif_params{}, 0.1);
  EXPECT_EQ(m.t_ref, 50);
  EXPECT_DOUBLE_EQ(m.am, std::exp(-0.1 / 20.0));
}

// The message of lowering `p` at `dt`, or "" when it lowers.
template <class Params>
std::string refusal(const Params& p, double dt) {
  try {
    lower(p, dt);
  } catch (const error& e) {
    return e.what();
  }
  return "";
}

// Each check holds exactly at its limit and refuses just beyond it.
TEST(lif, parameter_checks_hold_at_their_limits_and_refuse_just_beyond) {
  const double dt = 0.5;
  lif_params p;
  p.tau_m = dt;  // tau_m = dt: decay 0, the membrane forgets each step
  EXPECT_EQ(refusal(p, dt), "");
  EXPECT_EQ(lower(p, dt).decay, 0.0);
  p.tau_m = 1.5 * dt;
  EXPECT_EQ(refusal(p, dt), "");
  EXPECT_DOUBLE_EQ(lower(p, dt).decay, 1.0 - 1.0 / 1.5);
  p.tau_m = std::nextafter(dt, 0.0);
  EXPECT_NE(refusal(p, dt).find("tau_m: must be >= dt = 0.5 ms"), std::string::npos) << refusal(p, dt);
  p = {};
  p.v_reset = std::nextafter(p.v_th, 0.0);
  EXPECT_EQ(refusal(p, dt), "");
  p.v_reset = p.v_th;
  EXPECT_NE(refusal(p, dt).find("v_reset: must be below v_th"), std::string::npos) << refusal(p, dt);
  p = {};
  p.t_ref = 0.0;
  EXPECT_EQ(refusal(p, dt), "");
  p.t_ref = -1e-300;
  EXPECT_NE(refusal(p, dt).find("t_ref: must be >= 0 ms"), std::string::npos) << refusal(p, dt);
  p.t_ref = 1e6 * dt;  // a million steps
  EXPECT_EQ(refusal(p, dt), "");
  EXPECT_EQ(lower(p, dt).t_ref, 1000000);
  p.t_ref = (1e6 + 1) * dt;
  EXPECT_NE(refusal(p, dt).find("more than 1e6"), std::string::npos) << refusal(p, dt);
  p = {};
  p.v_rest = 2.0;  // the leak term is v_rest / tau in steps
  EXPECT_DOUBLE_EQ(lower(p, dt).leak, 2.0 / 40.0);
}

TEST(cuba_lif, parameter_checks_hold_at_their_limits_and_refuse_just_beyond) {
  const double dt = 0.1;
  for (const char* key : {"tau_m", "tau_e", "tau_i"}) {
    cuba_lif_params p;
    double& tau = std::string(key) == "tau_m" ? p.tau_m : std::string(key) == "tau_e" ? p.tau_e : p.tau_i;
    tau = 1e-3;  // far below dt: exact integration takes any positive time constant
    EXPECT_EQ(refusal(p, dt), "") << key;
    tau = 0.0;
    EXPECT_NE(refusal(p, dt).find(std::string(key) + ": must be > 0 ms"), std::string::npos) << refusal(p, dt);
  }
  cuba_lif_params p;
  p.v_reset = std::nextafter(p.v_th, -100.0);
  EXPECT_EQ(refusal(p, dt), "");
  p.v_reset = p.v_th;
  EXPECT_NE(refusal(p, dt).find("v_reset: must be below v_th"), std::string::npos) << refusal(p, dt);
  p = {};
  p.t_ref = 1e6 * dt;
  EXPECT_EQ(refusal(p, dt), "");
  EXPECT_EQ(lower(p, dt).t_ref, 1000000);
  p.t_ref = (1e6 + 1) * dt;
  EXPECT_NE(refusal(p, dt).find("more than 1e6"), std::string::npos) << refusal(p, dt);
  p.t_ref = -1e-300;
  EXPECT_NE(refusal(p, dt).find("t_ref: must be >= 0 ms"), std::string::npos) << refusal(p, dt);
}

TEST(coba_lif, parameter_checks_hold_at_their_limits_and_refuse_just_beyond) {
  const double dt = 0.1;
  coba_lif_params p;
  p.e_i = std::nextafter(p.v_th, -100.0);  // an inhibitory reversal just below threshold still inhibits
  EXPECT_EQ(refusal(p, dt), "");
  p.e_i = p.v_th;
  EXPECT_NE(refusal(p, dt).find("e_i: must be below v_th (-50) for the inhibitory conductance to inhibit"),
            std::string::npos) << refusal(p, dt);
  p = {};
  p.v_reset = p.v_th;
  EXPECT_NE(refusal(p, dt).find("v_reset: must be below v_th"), std::string::npos) << refusal(p, dt);
  p = {};
  p.t_ref = 1e6 * dt;
  EXPECT_EQ(lower(p, dt).t_ref, 1000000);
  p.t_ref = (1e6 + 1) * dt;
  EXPECT_NE(refusal(p, dt).find("more than 1e6"), std::string::npos) << refusal(p, dt);
  for (double coba_lif_params::*tau : {&coba_lif_params::tau_m, &coba_lif_params::tau_e, &coba_lif_params::tau_i}) {
    p = {};
    p.*tau = 0.0;
    EXPECT_NE(refusal(p, dt).find("must be > 0 ms, got 0"), std::string::npos) << refusal(p, dt);
    p.*tau = std::numeric_limits<double>::infinity();
    EXPECT_NE(refusal(p, dt).find("must be finite"), std::string::npos) << refusal(p, dt);
  }
}

// An alpha synapse adds w e/tau to its second state per spike: a time constant so small that e/tau overflows
// is refused, naming the key; the smallest normal double still lowers.
TEST(alpha_synapse, a_time_constant_whose_jump_overflows_is_refused_by_both_alpha_models) {
  const double dt = 0.1, tiny = 1e-310;  // subnormal: e / 1e-310 = inf
  for (const char* key : {"tau_e", "tau_i"}) {
    const bool e = std::string(key) == "tau_e";
    cuba_alpha_lif_params c;
    coba_alpha_lif_params g;
    (e ? c.tau_e : c.tau_i) = tiny;
    (e ? g.tau_e : g.tau_i) = tiny;
    EXPECT_NE(refusal(c, dt).find(std::string(key) + ": is too small"), std::string::npos) << refusal(c, dt);
    EXPECT_NE(refusal(g, dt).find(std::string(key) + ": is too small"), std::string::npos) << refusal(g, dt);
    (e ? c.tau_e : c.tau_i) = std::numeric_limits<double>::min();
    (e ? g.tau_e : g.tau_i) = std::numeric_limits<double>::min();
    EXPECT_EQ(refusal(c, dt), "") << key;
    EXPECT_EQ(refusal(g, dt), "") << key;
    const auto s = lower_alpha(std::numeric_limits<double>::min(), dt);
    EXPECT_TRUE(std::isfinite(s.jump));
    EXPECT_EQ(s.decay, 0.0);
  }
}

// Every key of a model's table reaches its own parameter: each is set to a value unlike every default and every
// other key's value, and read back.
template <class Read>
auto read_model(const std::string& toml, Read read) {
  const auto doc = load_config_string(toml, "model.toml");
  return read(table_reader::root(doc));
}

TEST(models, every_key_of_each_model_table_reaches_its_parameter) {
  const auto lif = read_model("tau_m = 11.0\nv_th = 12.0\nv_reset = 13.0\nv_rest = 14.0\nt_ref = 15.0\n", read_lif_params);
  EXPECT_EQ(lif.tau_m, 11.0);
  EXPECT_EQ(lif.v_th, 12.0);
  EXPECT_EQ(lif.v_reset, 13.0);
  EXPECT_EQ(lif.v_rest, 14.0);
  EXPECT_EQ(lif.t_ref, 15.0);
  const std::string cuba_text = "tau_m = 21.0\ntau_e = 22.0\ntau_i = 23.0\nv_th = 24.0\nv_reset = 25.0\ne_l = 26.0\nt_ref = 27.0\n";
  const auto cuba = read_model(cuba_text, read_cuba_lif_params);
  EXPECT_EQ(std::vector<double>({cuba.tau_m, cuba.tau_e, cuba.tau_i, cuba.v_th, cuba.v_reset, cuba.e_l, cuba.t_ref}),
            std::vector<double>({21, 22, 23, 24, 25, 26, 27}));
  const auto alpha = read_model(cuba_text, read_cuba_alpha_lif_params);
  EXPECT_EQ(std::vector<double>({alpha.tau_m, alpha.tau_e, alpha.tau_i, alpha.v_th, alpha.v_reset, alpha.e_l, alpha.t_ref}),
            std::vector<double>({21, 22, 23, 24, 25, 26, 27}));
  const std::string coba_text =
      "tau_m = 31.0\ntau_e = 32.0\ntau_i = 33.0\ne_l = 34.0\ne_e = 35.0\ne_i = 36.0\nv_th = 37.0\nv_reset = 38.0\nt_ref = 39.0\n";
  for (const auto& g : {read_model(coba_text, read_coba_lif_params),
                        static_cast<coba_lif_params>(read_model(coba_text, read_coba_alpha_lif_params))})
    EXPECT_EQ(std::vector<double>({g.tau_m, g.tau_e, g.tau_i, g.e_l, g.e_e, g.e_i, g.v_th, g.v_reset, g.t_ref}),
              std::vector<double>({31, 32, 33, 34, 35, 36, 37, 38, 39}));
  EXPECT_EQ(read_model("rate = 41.0\n", read_poisson_params).rate, 41.0);
  const auto nir = read_model("kind = \"CubaLIF\"\ntau_mem = 51.0\ntau_syn = 52.0\nr = 53.0\nv_leak = 54.0\n"
                              "v_threshold = 55.0\nv_reset = 56.0\nw_in = 57.0\nreset = \"subtract\"\n",
                              read_nir_params);
  EXPECT_EQ(nir.kind, nir_kind::cuba_lif);
  EXPECT_EQ(std::vector<double>({nir.tau_mem, nir.tau_syn, nir.r, nir.v_leak, nir.v_threshold, nir.v_reset, nir.w_in}),
            std::vector<double>({51, 52, 53, 54, 55, 56, 57}));
  EXPECT_EQ(nir.reset, nir_reset::subtract);
  // The kind alone gives the defaults, and a key of another model is refused by name.
  EXPECT_EQ(read_model("kind = \"LIF\"\n", read_nir_params), nir_params{});
  try {
    read_model("tau_m = 1.0\ne_e = 0.0\n", read_cuba_lif_params);
    FAIL() << "e_e accepted for cuba_lif";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("e_e"), std::string::npos) << e.what();
  }
}

// A parameter that is infinite or NaN is refused naming that parameter, in every model (an inf threshold
// would otherwise pass the ordering checks and give a neuron that never fires).
template <class Params>
void expect_non_finite_refused(const char* model, std::vector<std::pair<const char*, double Params::*>> fields,
                               Params base = {}) {
  for (const auto& [key, field] : fields)
    for (double bad : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN()}) {
      Params p = base;
      p.*field = bad;
      const auto why = refusal(p, 0.1);
      EXPECT_EQ(why.rfind(std::string(key) + ": ", 0), 0u) << model << "." << key << " = " << bad << ": " << why;
    }
}

TEST(models, a_non_finite_parameter_is_refused_naming_it_in_every_model) {
  expect_non_finite_refused<lif_params>("lif", {{"tau_m", &lif_params::tau_m}, {"v_th", &lif_params::v_th},
                                                {"v_reset", &lif_params::v_reset}, {"v_rest", &lif_params::v_rest},
                                                {"t_ref", &lif_params::t_ref}});
  expect_non_finite_refused<cuba_lif_params>(
      "cuba_lif", {{"tau_m", &cuba_lif_params::tau_m}, {"tau_e", &cuba_lif_params::tau_e}, {"tau_i", &cuba_lif_params::tau_i},
                   {"v_th", &cuba_lif_params::v_th}, {"v_reset", &cuba_lif_params::v_reset}, {"e_l", &cuba_lif_params::e_l},
                   {"t_ref", &cuba_lif_params::t_ref}});
  using ca = cuba_alpha_lif_params;
  expect_non_finite_refused<ca>("cuba_alpha_lif", {{"tau_m", &ca::tau_m}, {"tau_e", &ca::tau_e}, {"tau_i", &ca::tau_i},
                                                   {"v_th", &ca::v_th}, {"v_reset", &ca::v_reset}, {"e_l", &ca::e_l},
                                                   {"t_ref", &ca::t_ref}});
  expect_non_finite_refused<coba_lif_params>(
      "coba_lif", {{"tau_m", &coba_lif_params::tau_m}, {"tau_e", &coba_lif_params::tau_e}, {"tau_i", &coba_lif_params::tau_i},
                   {"e_l", &coba_lif_params::e_l}, {"e_e", &coba_lif_params::e_e}, {"e_i", &coba_lif_params::e_i},
                   {"v_th", &coba_lif_params::v_th}, {"v_reset", &coba_lif_params::v_reset}, {"t_ref", &coba_lif_params::t_ref}});
  nir_params cuba_nir;  // CubaLIF reads every parameter
  cuba_nir.kind = nir_kind::cuba_lif;
  cuba_nir.tau_mem = 10.0;
  cuba_nir.tau_syn = 5.0;
  expect_non_finite_refused<nir_params>(
      "nir", {{"tau_mem", &nir_params::tau_mem}, {"tau_syn", &nir_params::tau_syn}, {"r", &nir_params::r},
              {"v_leak", &nir_params::v_leak}, {"v_threshold", &nir_params::v_threshold}, {"v_reset", &nir_params::v_reset},
              {"w_in", &nir_params::w_in}},
      cuba_nir);
}

// A rate up to one spike per step (p = rate dt = 1) is accepted; any higher rate is refused, naming it.
TEST(poisson, rate_checks_hold_at_one_spike_per_step_and_refuse_just_beyond) {
  for (const auto& [dt, limit] : {std::pair{1.0, 1000.0}, std::pair{0.5, 2000.0}}) {
    poisson_params p;
    p.rate = limit;
    EXPECT_EQ(refusal(p, dt), "");
    EXPECT_EQ(lower(p, dt).p_step, 1.0);
    for (const double beyond : {limit + 1.0, 1.5 * limit, 1.999 * limit}) {
      p.rate = beyond;
      EXPECT_NE(refusal(p, dt).find("exceeds one spike per step"), std::string::npos) << beyond << " Hz: " << refusal(p, dt);
    }
    p.rate = 0.0;
    EXPECT_EQ(refusal(p, dt), "");
    p.rate = -1e-300;
    EXPECT_NE(refusal(p, dt).find("rate: must be >= 0 Hz"), std::string::npos) << refusal(p, dt);
  }
}

TEST(poisson, geometric_gaps_have_the_bernoulli_rate) {
  const auto p = lower(poisson_params{.rate = 50.0}, 1.0);  // 0.05 per step
  rng r(7, stream_kind::poisson, 3);
  std::int64_t t = 0, n = 0;
  while (t < 2'000'000) {
    t += 1 + r.geometric(p.log1m_p);
    ++n;
  }
  const double rate = static_cast<double>(n) / 2'000'000.0;
  // Binomial sd = sqrt(0.05 * 0.95 / 2e6) = 1.5e-4: 5 sd.
  EXPECT_NEAR(rate, 0.05, 7.7e-4);
}

TEST(random, streams_depend_on_keys_only) {
  rng a(1, stream_kind::weight, 4, 9), b(1, stream_kind::weight, 4, 9), c(1, stream_kind::weight, 4, 10);
  for (int i = 0; i < 10; ++i) {
    const auto x = a();
    EXPECT_EQ(x, b());
    EXPECT_NE(x, c());
  }
  rng u(3, stream_kind::connectivity);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) sum += u.uniform();
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);  // sd 0.0009
}

}  // namespace
}  // namespace spikeworm
