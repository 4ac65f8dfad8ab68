// CMA-ES (docs/training.md, "Gradient-free learning (CMA-ES)"): the covariance matrix adaptation evolution
// strategy of Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", default parameters, positive
// recombination weights only), with a full covariance or, for large n, the separable (diagonal) variant of
// Ros & Hansen (2008). Minimises; the caller evaluates the candidates of each generation.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Core>

namespace spikeworm {

// full: C is a full n x n matrix (eigendecomposition with Eigen); separable: C is diagonal, c_1 and c_mu
// scaled by (n + 2) / 3; automatic: full for n <= cmaes_full_max_dim, else separable.
enum class cma_covariance : std::uint8_t { automatic, full, separable };
cma_covariance parse_cma_covariance(std::string_view name);  // "auto", "full", "separable"; error otherwise
std::string_view cma_covariance_name(cma_covariance c) noexcept;
inline constexpr std::size_t cmaes_full_max_dim = 100;

// The default population size 4 + floor(3 ln n).
int cmaes_default_lambda(std::size_t n) noexcept;

class cmaes {
 public:
  // Starts from mean x0 with step size sigma0 > 0; lambda <= 0 takes the default (lambda >= 2 otherwise).
  // Candidates of generation g are drawn from the stream rng(seed, cma_sample, g, k) (k the candidate), so
  // they depend on (seed, g, k) and the state only.
  cmaes(std::span<const double> x0, double sigma0, int lambda, cma_covariance cov, std::uint64_t seed);

  std::size_t dim() const noexcept { return n_; }
  int lambda() const noexcept { return lambda_; }
  int mu() const noexcept { return mu_; }
  bool separable() const noexcept { return sep_; }
  double sigma() const noexcept { return sigma_; }
  std::int64_t generation() const noexcept { return gen_; }
  const Eigen::VectorXd& mean() const noexcept { return mean_; }
  // The strategy parameters (the tutorial's names).
  double mu_eff() const noexcept { return mueff_; }
  double c_sigma() const noexcept { return cs_; }
  double d_sigma() const noexcept { return ds_; }
  double c_c() const noexcept { return cc_; }
  double c_1() const noexcept { return c1_; }
  double c_mu() const noexcept { return cmu_; }
  const std::vector<double>& weights() const noexcept { return w_; }

  // Samples the lambda candidates of the current generation (columns of the returned matrix).
  const Eigen::MatrixXd& ask();
  // Updates mean, paths, covariance and sigma from the fitness (lower is better) of the candidates ask()
  // returned, one value per column; advances the generation. Throws error on a non-finite fitness.
  void tell(std::span<const double> fitness);
  // The square roots of the eigenvalues of C: max / min is the condition's square root.
  double axis_ratio() const;

 private:
  void decompose();
  std::size_t n_;
  int lambda_, mu_;
  bool sep_;
  std::uint64_t seed_;
  std::int64_t gen_ = 0;
  std::int64_t eigen_gen_ = 0;  // generation of the last eigendecomposition (full)
  double sigma_, mueff_, cs_, ds_, cc_, c1_, cmu_, chi_n_;
  std::vector<double> w_;
  Eigen::VectorXd mean_, ps_, pc_;
  Eigen::MatrixXd C_, B_;       // full: covariance, eigenvectors
  Eigen::VectorXd D_;           // sqrt of the eigenvalues (full) or of the diagonal (separable)
  Eigen::VectorXd diag_;        // separable: the diagonal of C
  Eigen::MatrixXd z_, y_, x_;   // per candidate: N(0, I) sample, B D z, mean + sigma y
  bool asked_ = false;
};

// Runs CMA-ES on f from x0 until f <= target or `budget` evaluations (whole generations), evaluating each
// generation's candidates on `threads` threads (worker_pool); the result does not depend on the thread count.
struct cmaes_run {
  double best_f = 0;
  std::int64_t evaluations = 0;  // up to and including the generation that first reached target
  std::int64_t generations = 0;
  double final_sigma = 0;
  bool reached = false;
  Eigen::VectorXd best_x;
};
cmaes_run cmaes_minimize(const std::function<double(std::span<const double>)>& f, std::span<const double> x0,
                         double sigma0, int lambda, cma_covariance cov, std::uint64_t seed, std::int64_t budget,
                         double target, int threads);

}  // namespace spikeworm
