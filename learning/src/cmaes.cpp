// CMA-ES after Hansen's tutorial (docs/training.md, "Gradient-free learning (CMA-ES)").
#include "spikeworm/learning/cmaes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

cma_covariance parse_cma_covariance(std::string_view name) {
  if (name == "auto") return cma_covariance::automatic;
  if (name == "full") return cma_covariance::full;
  if (name == "separable") return cma_covariance::separable;
  throw error(fmt::format("unknown covariance '{}' (expected one of: auto, full, separable)", name));
}

std::string_view cma_covariance_name(cma_covariance c) noexcept {
  switch (c) {
    case cma_covariance::full: return "full";
    case cma_covariance::separable: return "separable";
    default: return "auto";
  }
}

int cmaes_default_lambda(std::size_t n) noexcept {
  return 4 + static_cast<int>(std::floor(3.0 * std::log(static_cast<double>(std::max<std::size_t>(n, 1)))));
}

cmaes::cmaes(std::span<const double> x0, double sigma0, int lambda, cma_covariance cov, std::uint64_t seed)
    : n_(x0.size()),
      lambda_(lambda > 0 ? lambda : cmaes_default_lambda(x0.size())),
      mu_(lambda_ / 2),
      sep_(cov == cma_covariance::separable || (cov == cma_covariance::automatic && x0.size() > cmaes_full_max_dim)),
      seed_(seed),
      sigma_(sigma0) {
  if (n_ == 0) throw error("cmaes: no parameters to optimise");
  if (!(sigma0 > 0) || !std::isfinite(sigma0)) throw error(fmt::format("cmaes: sigma0 must be > 0, got {}", sigma0));
  if (lambda_ < 2) throw error(fmt::format("cmaes: the population must be >= 2, got {}", lambda_));
  const double n = static_cast<double>(n_);
  // Recombination weights w_i = ln((lambda + 1) / 2) - ln i, i = 1..mu, normalised to sum 1.
  w_.resize(static_cast<std::size_t>(mu_));
  for (int i = 0; i < mu_; ++i) w_[i] = std::log((lambda_ + 1) / 2.0) - std::log(i + 1.0);
  const double sw = std::accumulate(w_.begin(), w_.end(), 0.0);
  double sw2 = 0;
  for (auto& w : w_) {
    w /= sw;
    sw2 += w * w;
  }
  mueff_ = 1.0 / sw2;
  cs_ = (mueff_ + 2) / (n + mueff_ + 5);
  ds_ = 1 + 2 * std::max(0.0, std::sqrt((mueff_ - 1) / (n + 1)) - 1) + cs_;
  cc_ = (4 + mueff_ / n) / (n + 4 + 2 * mueff_ / n);
  c1_ = 2 / ((n + 1.3) * (n + 1.3) + mueff_);
  cmu_ = std::min(1 - c1_, 2 * (mueff_ - 2 + 1 / mueff_) / ((n + 2) * (n + 2) + mueff_));
  if (sep_) {  // Ros & Hansen (2008): the diagonal learns (n + 2) / 3 times faster
    c1_ *= (n + 2) / 3;
    cmu_ = std::min(1 - c1_, cmu_ * (n + 2) / 3);
  }
  chi_n_ = std::sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  mean_ = Eigen::Map<const Eigen::VectorXd>(x0.data(), static_cast<Eigen::Index>(n_));
  ps_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_));
  pc_ = ps_;
  D_ = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n_));
  if (sep_) {
    diag_ = D_;
  } else {
    C_ = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n_), static_cast<Eigen::Index>(n_));
    B_ = C_;
  }
  z_.resize(static_cast<Eigen::Index>(n_), lambda_);
  y_.resize(static_cast<Eigen::Index>(n_), lambda_);
  x_.resize(static_cast<Eigen::Index>(n_), lambda_);
}

const Eigen::MatrixXd& cmaes::ask() {
  for (int k = 0; k < lambda_; ++k) {
    rng r(seed_, stream_kind::cma_sample, static_cast<std::uint64_t>(gen_), static_cast<std::uint64_t>(k));
    for (Eigen::Index i = 0; i < z_.rows(); ++i) z_(i, k) = r.normal();
  }
  if (sep_)
    y_ = D_.asDiagonal() * z_;
  else
    y_.noalias() = B_ * (D_.asDiagonal() * z_);
  x_ = (sigma_ * y_).colwise() + mean_;
  asked_ = true;
  return x_;
}

void cmaes::tell(std::span<const double> fitness) {
  if (!asked_) throw error("cmaes: tell() without ask()");
  if (fitness.size() != static_cast<std::size_t>(lambda_))
    throw error(fmt::format("cmaes: {} fitness values for a population of {}", fitness.size(), lambda_));
  for (std::size_t k = 0; k < fitness.size(); ++k)
    if (!std::isfinite(fitness[k]))
      throw error(fmt::format("cmaes: non-finite fitness {} of candidate {} in generation {}", fitness[k], k, gen_));
  std::vector<int> order(static_cast<std::size_t>(lambda_));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return fitness[a] < fitness[b]; });
  // y_w = sum w_i y_{i:lambda}; m <- m + sigma y_w
  Eigen::VectorXd yw = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_));
  for (int i = 0; i < mu_; ++i) yw += w_[i] * y_.col(order[i]);
  mean_ += sigma_ * yw;
  // C^{-1/2} y_w
  Eigen::VectorXd cinv_yw = sep_ ? Eigen::VectorXd(yw.cwiseQuotient(D_))
                                 : Eigen::VectorXd(B_ * (B_.transpose() * yw).cwiseQuotient(D_));
  ps_ = (1 - cs_) * ps_ + std::sqrt(cs_ * (2 - cs_) * mueff_) * cinv_yw;
  const double n = static_cast<double>(n_);
  const double ps_norm = ps_.norm();
  const bool hsig = ps_norm / std::sqrt(1 - std::pow(1 - cs_, 2.0 * static_cast<double>(gen_ + 1))) <
                    (1.4 + 2 / (n + 1)) * chi_n_;
  pc_ = (1 - cc_) * pc_ + (hsig ? std::sqrt(cc_ * (2 - cc_) * mueff_) : 0.0) * yw;
  const double keep = 1 - c1_ - cmu_ + (hsig ? 0.0 : c1_ * cc_ * (2 - cc_));
  if (sep_) {
    Eigen::VectorXd rank_mu = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_));
    for (int i = 0; i < mu_; ++i) rank_mu += w_[i] * y_.col(order[i]).cwiseAbs2();
    diag_ = keep * diag_ + c1_ * pc_.cwiseAbs2() + cmu_ * rank_mu;
    D_ = diag_.cwiseSqrt();
  } else {
    Eigen::MatrixXd rank_mu = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n_), static_cast<Eigen::Index>(n_));
    for (int i = 0; i < mu_; ++i) rank_mu.noalias() += w_[i] * y_.col(order[i]) * y_.col(order[i]).transpose();
    C_ = keep * C_ + c1_ * pc_ * pc_.transpose() + cmu_ * rank_mu;
  }
  sigma_ *= std::exp((cs_ / ds_) * (ps_norm / chi_n_ - 1));
  ++gen_;
  asked_ = false;
  // The eigendecomposition every 1 / (10 n (c_1 + c_mu)) generations (the tutorial's lazy update).
  if (!sep_ && static_cast<double>(gen_ - eigen_gen_) >= 1.0 / (10 * n * (c1_ + cmu_))) decompose();
}

void cmaes::decompose() {
  // C is symmetric by construction (every update adds symmetric terms); the solver reads its lower triangle.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(C_);
  if (es.info() != Eigen::Success) throw error(fmt::format("cmaes: eigendecomposition failed at generation {}", gen_));
  B_ = es.eigenvectors();
  D_ = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  D_ = D_.cwiseMax(1e-300);
  eigen_gen_ = gen_;
}

double cmaes::axis_ratio() const { return D_.maxCoeff() / D_.minCoeff(); }

cmaes_run cmaes_minimize(const std::function<double(std::span<const double>)>& f, std::span<const double> x0,
                         double sigma0, int lambda, cma_covariance cov, std::uint64_t seed, std::int64_t budget,
                         double target, int threads) {
  cmaes es(x0, sigma0, lambda, cov, seed);
  worker_pool pool(threads);
  cmaes_run r;
  r.best_f = std::numeric_limits<double>::infinity();
  std::vector<double> fit(static_cast<std::size_t>(es.lambda()));
  while (r.evaluations + es.lambda() <= budget) {
    const auto& x = es.ask();
    pool.for_each(fit.size(), [&](std::size_t k) {
      const auto col = x.col(static_cast<Eigen::Index>(k));
      fit[k] = f(std::span<const double>(col.data(), static_cast<std::size_t>(col.size())));
    });
    r.evaluations += es.lambda();
    for (std::size_t k = 0; k < fit.size(); ++k)
      if (fit[k] < r.best_f) {
        r.best_f = fit[k];
        r.best_x = x.col(static_cast<Eigen::Index>(k));
      }
    es.tell(fit);
    if (r.best_f <= target) {
      r.reached = true;
      break;
    }
  }
  r.generations = es.generation();
  r.final_sigma = es.sigma();
  return r;
}

}  // namespace spikeworm
