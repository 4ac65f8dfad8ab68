// REINFORCE (docs/training.md, "REINFORCE"): returns, advantages, the policy-gradient loss, Adam, clipping, schedules.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/cmaes.hpp"

namespace spikeworm {

class table_reader;

// The training algorithm (the [train] key `algorithm`): REINFORCE with surrogate gradients, or CMA-ES over the
// same parameters (docs/training.md, "Gradient-free learning (CMA-ES)").
enum class train_algorithm : std::uint8_t { reinforce, cmaes };
std::string_view train_algorithm_name(train_algorithm a) noexcept;

// Every hyperparameter of the learning rule; the defaults are those of docs/training.md.
struct train_config {
  int episodes = 100;
  int sessions = 1;                   // independent sessions, seeds seed .. seed + sessions - 1
  std::uint64_t seed = 1;
  double gamma = 0.99;
  bool normalize_returns = true;      // z-normalise the returns within an episode (> 1 step)
  double baseline_alpha = 0.05;       // EMA of the mean episode return
  bool subtract_baseline = false;     // subtract the EMA baseline before normalising
  double entropy_beta = 0.15;         // beta, linear from entropy_beta to entropy_beta_final
  double entropy_beta_final = 0.01;
  int entropy_decay_episodes = 50;
  double learning_rate = 0.001;       // lr0 (1 - lr_decay_rate)^episode
  double lr_decay_rate = 0.015;
  double value_clip = 1.0;            // element-wise clamp of every gradient
  double norm_clip = 1.0;             // then global-norm clip
  int batch_size = 1;                 // episodes per update
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  // Activity (sparsity) penalty on spike counts, L1 in the manner of snnTorch's l1_rate_sparsity: per
  // decision and hidden layer k, activity_l1 * max(0, r_k - activity_target) with r_k = spikes of layer k /
  // (neurons x steps), added to the loss as a mean over the episode's decisions. 0 disables it.
  double activity_l1 = 0.0;
  double activity_target = 0.0;
  // A learned value baseline (docs/training.md, "REINFORCE"): a small dense network V(observation), trained on
  // the discounted returns; the advantages are G_t - V(s_t). Used only in training, never deployed.
  bool critic = false;
  int critic_hidden = 64;             // units per hidden layer (two ReLU layers)
  double critic_learning_rate = 0.01;
  // CMA-ES (algorithm = cmaes): initial step size, population (0: 4 + floor(3 ln n)), greedy episodes per
  // fitness evaluation, and the covariance model.
  train_algorithm algorithm = train_algorithm::reinforce;
  double cma_sigma0 = 0.01;
  int cma_population = 0;
  int cma_episodes_per_eval = 1;
  cma_covariance cma_cov = cma_covariance::automatic;
  // Transfer (docs/training.md, "Transfer"): a weights file or a run folder the sessions start from instead of
  // the initialisation, as written in the config; app::train resolves it against the config file's folder.
  std::string init_weights;
};

train_config read_train_config(const table_reader& t);  // the [train] table

double learning_rate_at(const train_config& c, int episode) noexcept;
double entropy_beta_at(const train_config& c, int episode) noexcept;

// Discounted returns G_t = r_t + gamma G_{t+1}.
std::vector<double> discounted_returns(double gamma, std::span<const double> rewards);
// The advantages the loss uses: the returns, minus the critic's values (when given, one per decision) or
// the EMA baseline (subtract_baseline), then z-normalised within the episode (normalize_returns).
std::vector<double> advantages(const train_config& c, std::span<const double> rewards, double baseline,
                               std::span<const double> values = {});

// Softmax policy helpers.
void softmax(std::span<const double> logits, std::span<double> probs) noexcept;
// The action a uniform u in [0, 1) picks from probs: the first k with u < probs[0] + ... + probs[k]
// (the last action when rounding leaves u above the total).
int sample_action(std::span<const double> probs, double u) noexcept;
double entropy(std::span<const double> probs) noexcept;
// d loss_t / d logits for loss = -(1/n)(log pi(a) A) - (beta/n) H(pi).
void policy_gradient(std::span<const double> probs, int action, double advantage, double beta, double n,
                     std::span<double> g_logits) noexcept;

// Adam over a brain's parameter tensors; moments in double, parameters in their own (float) storage.
class adam {
 public:
  explicit adam(const std::vector<param_tensor>& params);
  // Clamps every gradient to +-value_clip, clips the global norm to norm_clip, takes one step with lr.
  // Returns the gradient norm before clipping. Throws spikeworm::error on a non-finite gradient.
  double step(std::vector<param_tensor>& params, const train_config& c, double lr);
  std::vector<std::vector<double>>& m() noexcept { return m_; }
  std::vector<std::vector<double>>& v() noexcept { return v_; }
  std::int64_t& t() noexcept { return t_; }
  const std::vector<std::vector<double>>& m() const noexcept { return m_; }
  const std::vector<std::vector<double>>& v() const noexcept { return v_; }
  std::int64_t t() const noexcept { return t_; }

 private:
  std::vector<std::vector<double>> m_, v_;
  std::int64_t t_ = 0;
};

}  // namespace spikeworm
