// CMA-ES against the published algorithm's behaviour (Hansen, "The CMA Evolution Strategy: A Tutorial";
// Ros & Hansen 2008 for the separable variant): parameters, convergence budgets, invariance, determinism.
#include <cmath>
#include <cstdio>
#include <vector>

#include <Eigen/QR>
#include <gtest/gtest.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"
#include "spikeworm/learning/cmaes.hpp"
#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {
namespace {

double sphere(std::span<const double> x) {
  double s = 0;
  for (double v : x) s += v * v;
  return s;
}

double rosenbrock(std::span<const double> x) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i)
    s += 100 * (x[i] * x[i] - x[i + 1]) * (x[i] * x[i] - x[i + 1]) + (x[i] - 1) * (x[i] - 1);
  return s;
}

// sum_i 10^(6 (i - 1) / (n - 1)) x_i^2: condition 1e6, separable.
double ellipsoid(std::span<const double> x) {
  const double n = static_cast<double>(x.size());
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += std::pow(1e6, static_cast<double>(i) / (n - 1)) * x[i] * x[i];
  return s;
}

Eigen::MatrixXd random_rotation(int n, std::uint64_t seed) {
  rng r(seed, {42});
  Eigen::MatrixXd g(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) g(i, j) = r.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  return qr.householderQ() * Eigen::MatrixXd::Identity(n, n);
}

TEST(cmaes, default_parameters_are_the_tutorials) {
  const std::vector<double> x0(10, 0.0);
  const cmaes es(x0, 1.0, 0, cma_covariance::full, 1);
  // n = 10: lambda = 4 + floor(3 ln 10) = 10, mu = 5, weights ln(5.5) - ln i normalised.
  EXPECT_EQ(es.lambda(), 10);
  EXPECT_EQ(es.mu(), 5);
  double sw = 0, sw2 = 0;
  std::vector<double> w;
  for (int i = 1; i <= 5; ++i) w.push_back(std::log(5.5) - std::log(i));
  for (double x : w) sw += x;
  for (double& x : w) x /= sw;
  for (double x : w) sw2 += x * x;
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(es.weights()[i], w[i], 1e-15);
  const double mueff = 1 / sw2, n = 10;
  EXPECT_NEAR(mueff, 3.1672, 1e-4);  // the tutorial's Table 1 / pycma for lambda = 10
  EXPECT_DOUBLE_EQ(es.mu_eff(), mueff);
  EXPECT_DOUBLE_EQ(es.c_sigma(), (mueff + 2) / (n + mueff + 5));
  EXPECT_DOUBLE_EQ(es.d_sigma(), 1 + es.c_sigma());  // sqrt((mueff - 1) / (n + 1)) < 1
  EXPECT_DOUBLE_EQ(es.c_c(), (4 + mueff / n) / (n + 4 + 2 * mueff / n));
  EXPECT_DOUBLE_EQ(es.c_1(), 2 / ((n + 1.3) * (n + 1.3) + mueff));
  EXPECT_DOUBLE_EQ(es.c_mu(), 2 * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + mueff));
  // The separable variant scales c_1 and c_mu by (n + 2) / 3 (Ros & Hansen 2008).
  const cmaes sep(x0, 1.0, 0, cma_covariance::separable, 1);
  EXPECT_TRUE(sep.separable());
  EXPECT_DOUBLE_EQ(sep.c_1(), es.c_1() * 4);
  EXPECT_DOUBLE_EQ(sep.c_mu(), es.c_mu() * 4);
  // automatic: full up to cmaes_full_max_dim parameters, separable above.
  EXPECT_FALSE(cmaes(std::vector<double>(cmaes_full_max_dim, 0.0), 1.0, 0, cma_covariance::automatic, 1).separable());
  EXPECT_TRUE(cmaes(std::vector<double>(cmaes_full_max_dim + 1, 0.0), 1.0, 0, cma_covariance::automatic, 1).separable());
  EXPECT_EQ(cmaes_default_lambda(17000), 4 + 29);
  EXPECT_THROW(cmaes(x0, 0.0, 0, cma_covariance::full, 1), error);
  EXPECT_THROW(cmaes(x0, 1.0, 1, cma_covariance::full, 1), error);
  EXPECT_THROW(parse_cma_covariance("diagonal"), error);
}

// Reference: about 1.5e3 evaluations to 1e-10 on the 10-D sphere from a start at distance ~3 with the
// default lambda (the tutorial's and BBOB's figures for CMA-ES); the bound is three times that.
TEST(cmaes, sphere_10d_converges_within_the_published_budget_and_sigma_shrinks) {
  const std::vector<double> x0(10, 1.0);
  const auto r = cmaes_minimize(sphere, x0, 1.0, 0, cma_covariance::full, 7, 100000, 1e-10, 1);
  std::printf("[ measured ] sphere 10-D: %lld evaluations to f = %.3g, sigma %.3g\n",
              static_cast<long long>(r.evaluations), r.best_f, r.final_sigma);
  EXPECT_TRUE(r.reached);
  EXPECT_LT(r.best_f, 1e-10);
  EXPECT_LE(r.evaluations, 4500);
  EXPECT_LT(r.final_sigma, 1e-4);  // from 1.0: the step size follows the distance to the optimum
}

TEST(cmaes, separable_sphere_converges_too) {
  const std::vector<double> x0(10, 1.0);
  const auto r = cmaes_minimize(sphere, x0, 1.0, 0, cma_covariance::separable, 7, 100000, 1e-10, 1);
  std::printf("[ measured ] sep sphere 10-D: %lld evaluations\n", static_cast<long long>(r.evaluations));
  EXPECT_TRUE(r.reached);
  EXPECT_LE(r.evaluations, 4500);
}

// Reference: about 6e3 evaluations to 1e-8 on the 10-D Rosenbrock function (Hansen & Ostermeier 2001;
// BBOB f8); the bound is three times that.
TEST(cmaes, rosenbrock_10d_converges_to_the_optimum) {
  const std::vector<double> x0(10, 0.0);
  const auto r = cmaes_minimize(rosenbrock, x0, 0.5, 0, cma_covariance::full, 3, 100000, 1e-8, 1);
  std::printf("[ measured ] Rosenbrock 10-D: %lld evaluations to f = %.3g\n", static_cast<long long>(r.evaluations),
              r.best_f);
  EXPECT_TRUE(r.reached);
  EXPECT_LE(r.evaluations, 18000);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(r.best_x[i], 1.0, 1e-3);
}

// Full CMA-ES is invariant under rotations of the search space: the rotated ellipsoid takes the same
// number of evaluations as the axis-parallel one, up to sampling noise (means over 3 seeds).
TEST(cmaes, full_covariance_is_rotation_invariant_on_the_ellipsoid) {
  const int n = 10;
  const Eigen::MatrixXd R = random_rotation(n, 5);
  const std::vector<double> x0(n, 1.0);
  const Eigen::VectorXd x0r = R.transpose() * Eigen::Map<const Eigen::VectorXd>(x0.data(), n);
  auto rotated = [&](std::span<const double> x) {
    const Eigen::VectorXd y = R * Eigen::Map<const Eigen::VectorXd>(x.data(), n);
    return ellipsoid(std::span<const double>(y.data(), n));
  };
  double plain = 0, rot = 0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const auto a = cmaes_minimize(ellipsoid, x0, 1.0, 0, cma_covariance::full, seed, 200000, 1e-10, 1);
    const auto b = cmaes_minimize(rotated, std::span<const double>(x0r.data(), n), 1.0, 0, cma_covariance::full, seed,
                                  200000, 1e-10, 1);
    ASSERT_TRUE(a.reached);
    ASSERT_TRUE(b.reached);
    plain += static_cast<double>(a.evaluations) / 3;
    rot += static_cast<double>(b.evaluations) / 3;
  }
  std::printf("[ measured ] ellipsoid 10-D: %.0f evaluations, rotated %.0f\n", plain, rot);
  EXPECT_NEAR(rot / plain, 1.0, 0.15);
  // The separable variant is not invariant: it learns only axis-parallel scalings.
  const auto s = cmaes_minimize(rotated, std::span<const double>(x0r.data(), n), 1.0, 0, cma_covariance::separable, 1,
                                static_cast<std::int64_t>(3 * rot), 1e-10, 1);
  EXPECT_FALSE(s.reached);
}

// sep-CMA-ES solves a separable ellipsoid, and faster than full CMA-ES (its diagonal learns (n + 2) / 3
// times faster; Ros & Hansen 2008).
TEST(cmaes, separable_variant_solves_the_separable_ellipsoid_faster_than_full) {
  const std::vector<double> x0(30, 1.0);
  const auto sep = cmaes_minimize(ellipsoid, x0, 1.0, 0, cma_covariance::separable, 2, 400000, 1e-10, 1);
  const auto full = cmaes_minimize(ellipsoid, x0, 1.0, 0, cma_covariance::full, 2, 400000, 1e-10, 1);
  std::printf("[ measured ] ellipsoid 30-D: separable %lld evaluations, full %lld\n",
              static_cast<long long>(sep.evaluations), static_cast<long long>(full.evaluations));
  EXPECT_TRUE(sep.reached);
  EXPECT_TRUE(full.reached);
  EXPECT_LT(sep.evaluations, full.evaluations);
}

TEST(cmaes, result_is_identical_for_one_and_two_threads) {
  const std::vector<double> x0(12, 0.5);
  const auto a = cmaes_minimize(rosenbrock, x0, 0.3, 0, cma_covariance::full, 9, 3000, 0, 1);
  const auto b = cmaes_minimize(rosenbrock, x0, 0.3, 0, cma_covariance::full, 9, 3000, 0, 2);
  EXPECT_EQ(a.evaluations, b.evaluations);
  EXPECT_EQ(a.best_f, b.best_f);
  EXPECT_EQ(a.final_sigma, b.final_sigma);
  ASSERT_EQ(a.best_x.size(), b.best_x.size());
  for (Eigen::Index i = 0; i < a.best_x.size(); ++i) EXPECT_EQ(a.best_x[i], b.best_x[i]);
  const auto c = cmaes_minimize(rosenbrock, x0, 0.3, 0, cma_covariance::full, 10, 3000, 0, 1);
  EXPECT_NE(a.best_f, c.best_f);  // and the seed matters
}

TEST(cmaes, tell_refuses_non_finite_fitness_and_wrong_sizes) {
  const std::vector<double> x0(4, 0.0);
  cmaes es(x0, 1.0, 0, cma_covariance::full, 1);
  EXPECT_THROW(es.tell(std::vector<double>(static_cast<std::size_t>(es.lambda()), 0.0)), error);  // before ask
  es.ask();
  EXPECT_THROW(es.tell(std::vector<double>(3, 0.0)), error);
  std::vector<double> f(static_cast<std::size_t>(es.lambda()), 1.0);
  f[1] = std::nan("");
  EXPECT_THROW(es.tell(f), error);
  // Every generation is one ask() then one tell(): a second tell() of the same generation is refused too.
  f[1] = 2.0;
  EXPECT_NO_THROW(es.tell(f));
  EXPECT_THROW(es.tell(f), error);
  es.ask();
  EXPECT_NO_THROW(es.tell(f));
  EXPECT_THROW(es.tell(f), error);
}

// A CMA-ES session's generation against the strategy run by hand: the candidates come from the session's
// seed, a candidate's fitness is minus the mean reward of its episodes (the records' loss), and after the
// generation the brain (the network of record) holds the updated mean.
TEST(cmaes, session_generation_follows_the_strategy) {
  const std::string text = R"([env]
kind = "static"
preset = "medium"
[brain]
type = "spiking"
hidden = 8
layers = 1
steps = 10
[train]
algorithm = "cmaes"
episodes = 100
cma_sigma0 = 0.2
cma_population = 5
cma_episodes_per_eval = 3
)";
  const auto doc = load_config_string(text, "cma.toml");
  const auto cfg = read_experiment(table_reader::root(doc));
  session s(cfg, 0, 11);
  std::vector<double> x0;
  for (const auto& p : s.policy().params()) x0.insert(x0.end(), p.value.begin(), p.value.end());
  const int lambda = 5, k = 3;
  std::vector<episode_record> recs;
  for (int e = 0; e < lambda * k; ++e) recs.push_back(s.run_episode());
  cmaes es(x0, 0.2, lambda, cma_covariance::automatic, 11);
  const Eigen::MatrixXd cand = es.ask();
  std::vector<double> fit(lambda);
  for (int c = 0; c < lambda; ++c) {
    double mean = 0;
    for (int j = 0; j < k; ++j) mean += recs[c * k + j].reward / k;
    for (int j = 0; j < k; ++j) {
      EXPECT_EQ(recs[c * k + j].episode, c * k + j);
      EXPECT_DOUBLE_EQ(recs[c * k + j].loss, -mean);
      EXPECT_EQ(recs[c * k + j].lr, 0.2);
    }
    fit[c] = recs[c * k].loss;
  }
  // Candidate 0 replayed independently: evaluation's greedy episodes 0..2 with seed 11 start from the
  // session's episode seeds of its episodes 0..2 (envs::episode_seed(11, e)); dense engine = the same pass.
  auto replay = make_brain(cfg.brain, 99);
  std::size_t i = 0;
  for (auto& p : replay->params())
    for (auto& v : p.value) v = static_cast<float>(cand(static_cast<Eigen::Index>(i++), 0));
  eval_options eo;
  eo.engine = eval_engine::dense;
  eo.episodes = k;
  eo.seed = 11;
  const auto ev = evaluate(cfg, *replay, eo);
  EXPECT_NEAR(ev.mean_reward, -fit[0], 1e-9);
  es.tell(fit);
  i = 0;
  for (const auto& p : s.policy().params())
    for (float v : p.value) EXPECT_EQ(v, static_cast<float>(es.mean()[static_cast<Eigen::Index>(i++)]));
  EXPECT_GT((es.mean() - Eigen::Map<const Eigen::VectorXd>(x0.data(), static_cast<Eigen::Index>(x0.size()))).norm(), 0.0);
}

}  // namespace
}  // namespace spikeworm
