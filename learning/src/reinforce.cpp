// REINFORCE: returns, advantages, policy gradients, Adam with clamping and norm clipping.
#include "spikeworm/learning/reinforce.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

train_config read_train_config(const table_reader& t) {
  t.allow_only({"episodes", "sessions", "seed", "gamma", "normalize_returns", "baseline_alpha", "subtract_baseline", "entropy_beta",
                "entropy_beta_final", "entropy_decay_episodes", "learning_rate", "lr_decay_rate", "value_clip",
                "norm_clip", "batch_size", "adam_beta1", "adam_beta2", "adam_eps", "activity_l1", "activity_target", "critic", "critic_hidden",
                "critic_learning_rate",
                "algorithm", "cma_sigma0", "cma_population", "cma_episodes_per_eval", "cma_covariance",
                "init_weights"});
  train_config c;
  auto in01 = [&](std::string_view key, double v, bool closed_right) {
    t.require(v >= 0.0 && (closed_right ? v <= 1.0 : v < 1.0), key,
              fmt::format("must be in [0, 1{}, got {}", closed_right ? "]" : ")", v));
    return v;
  };
  c.episodes = static_cast<int>(t.integer("episodes", c.episodes));
  t.require(c.episodes >= 1 && c.episodes <= 10'000'000, "episodes", fmt::format("must be >= 1, got {}", c.episodes));
  c.sessions = static_cast<int>(t.integer("sessions", c.sessions));
  t.require(c.sessions >= 1 && c.sessions <= 10000, "sessions", fmt::format("must be in [1, 10000], got {}", c.sessions));
  const auto seed = t.integer("seed", 1);
  t.require(seed >= 0, "seed", fmt::format("must be >= 0, got {}", seed));
  c.seed = static_cast<std::uint64_t>(seed);
  c.gamma = in01("gamma", t.number("gamma", c.gamma), true);
  c.normalize_returns = t.boolean("normalize_returns", c.normalize_returns);
  c.baseline_alpha = in01("baseline_alpha", t.number("baseline_alpha", c.baseline_alpha), true);
  c.subtract_baseline = t.boolean("subtract_baseline", c.subtract_baseline);
  c.entropy_beta = t.number("entropy_beta", c.entropy_beta);
  t.require(c.entropy_beta >= 0, "entropy_beta", fmt::format("must be >= 0, got {}", c.entropy_beta));
  c.entropy_beta_final = t.number("entropy_beta_final", c.entropy_beta_final);
  t.require(c.entropy_beta_final >= 0, "entropy_beta_final", fmt::format("must be >= 0, got {}", c.entropy_beta_final));
  c.entropy_decay_episodes = static_cast<int>(t.integer("entropy_decay_episodes", c.entropy_decay_episodes));
  t.require(c.entropy_decay_episodes >= 0, "entropy_decay_episodes", "must be >= 0");
  c.learning_rate = t.positive("learning_rate", t.number("learning_rate", c.learning_rate));
  c.lr_decay_rate = in01("lr_decay_rate", t.number("lr_decay_rate", c.lr_decay_rate), false);
  c.value_clip = t.positive("value_clip", t.number("value_clip", c.value_clip));
  c.norm_clip = t.positive("norm_clip", t.number("norm_clip", c.norm_clip));
  c.batch_size = static_cast<int>(t.integer("batch_size", c.batch_size));
  t.require(c.batch_size >= 1, "batch_size", fmt::format("must be >= 1, got {}", c.batch_size));
  c.adam_beta1 = in01("adam_beta1", t.number("adam_beta1", c.adam_beta1), false);
  c.adam_beta2 = in01("adam_beta2", t.number("adam_beta2", c.adam_beta2), false);
  c.adam_eps = t.positive("adam_eps", t.number("adam_eps", c.adam_eps));
  c.activity_l1 = t.number("activity_l1", c.activity_l1);
  t.require(c.activity_l1 >= 0 && std::isfinite(c.activity_l1), "activity_l1", fmt::format("must be >= 0, got {}", c.activity_l1));
  c.activity_target = in01("activity_target", t.number("activity_target", c.activity_target), true);
  c.critic = t.boolean("critic", c.critic);
  c.critic_hidden = static_cast<int>(t.integer("critic_hidden", c.critic_hidden));
  t.require(c.critic_hidden >= 1 && c.critic_hidden <= 4096, "critic_hidden",
            fmt::format("must be in [1, 4096], got {}", c.critic_hidden));
  c.critic_learning_rate = t.positive("critic_learning_rate", t.number("critic_learning_rate", c.critic_learning_rate));
  c.algorithm = t.choice("algorithm", "reinforce", {"reinforce", "cmaes"}) == "cmaes" ? train_algorithm::cmaes
                                                                                     : train_algorithm::reinforce;
  c.cma_sigma0 = t.positive("cma_sigma0", t.number("cma_sigma0", c.cma_sigma0));
  const auto pop = t.integer("cma_population", c.cma_population);
  t.require(pop == 0 || (pop >= 2 && pop <= 100000), "cma_population",
            fmt::format("must be 0 (the default 4 + floor(3 ln n)) or in [2, 100000], got {}", pop));
  c.cma_population = static_cast<int>(pop);
  const auto per = t.integer("cma_episodes_per_eval", c.cma_episodes_per_eval);
  t.require(per >= 1 && per <= 100000, "cma_episodes_per_eval", fmt::format("must be in [1, 100000], got {}", per));
  c.cma_episodes_per_eval = static_cast<int>(per);
  c.cma_cov = parse_cma_covariance(t.choice("cma_covariance", "auto", {"auto", "full", "separable"}));
  c.init_weights = t.string("init_weights", "");
  t.require(!t.has("init_weights") || !c.init_weights.empty(), "init_weights",
            "must be a weights file or a run folder, got an empty string");
  return c;
}

std::string_view train_algorithm_name(train_algorithm a) noexcept {
  return a == train_algorithm::cmaes ? "cmaes" : "reinforce";
}

double learning_rate_at(const train_config& c, int episode) noexcept {
  return c.learning_rate * std::pow(1.0 - c.lr_decay_rate, static_cast<double>(episode));
}

double entropy_beta_at(const train_config& c, int episode) noexcept {
  if (c.entropy_decay_episodes <= 0) return c.entropy_beta;
  const double progress = std::min(1.0, static_cast<double>(episode) / c.entropy_decay_episodes);
  return c.entropy_beta - (c.entropy_beta - c.entropy_beta_final) * progress;
}

std::vector<double> discounted_returns(double gamma, std::span<const double> rewards) {
  const std::size_t n = rewards.size();
  std::vector<double> g(n);
  double acc = 0.0;
  for (std::size_t i = n; i-- > 0;) {
    acc = rewards[i] + gamma * acc;
    g[i] = acc;
  }
  return g;
}

std::vector<double> advantages(const train_config& c, std::span<const double> rewards, double baseline,
                               std::span<const double> values) {
  const std::size_t n = rewards.size();
  auto g = discounted_returns(c.gamma, rewards);
  if (!values.empty()) {
    if (values.size() != n) throw internal_error("advantages: one value per decision expected");
    for (std::size_t i = 0; i < n; ++i) g[i] -= values[i];
  } else if (c.subtract_baseline) {
    for (auto& x : g) x -= baseline;
  }
  if (c.normalize_returns && n > 1) {
    double mean = 0.0;
    for (double x : g) mean += x;
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (double x : g) var += (x - mean) * (x - mean);
    const double sd = std::sqrt(var / static_cast<double>(n - 1));  // torch.std: unbiased
    for (auto& x : g) x = (x - mean) / (sd + 1e-8);
  }
  return g;
}

void softmax(std::span<const double> logits, std::span<double> probs) noexcept {
  const double mx = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (std::size_t k = 0; k < logits.size(); ++k) sum += (probs[k] = std::exp(logits[k] - mx));
  for (auto& p : probs) p /= sum;
}

double entropy(std::span<const double> probs) noexcept {
  double h = 0.0;
  for (double p : probs)
    if (p > 0) h -= p * std::log(p);
  return h;
}

void policy_gradient(std::span<const double> probs, int action, double advantage, double beta, double n,
                     std::span<double> g_logits) noexcept {
  const double h = entropy(probs);
  for (std::size_t k = 0; k < probs.size(); ++k) {
    const double p = probs[k];
    const double onehot = static_cast<int>(k) == action ? 1.0 : 0.0;
    // d(-log pi(a) A)/dz_k = -A (1[k=a] - p_k);  d(-beta H)/dz_k = beta p_k (log p_k + H).
    const double logp = p > 0 ? std::log(p) : 0.0;
    g_logits[k] = (-advantage * (onehot - p) + beta * p * (logp + h)) / n;
  }
}

adam::adam(const std::vector<param_tensor>& params) {
  for (const auto& p : params) {
    m_.emplace_back(p.value.size(), 0.0);
    v_.emplace_back(p.value.size(), 0.0);
  }
}

double adam::step(std::vector<param_tensor>& params, const train_config& c, double lr) {
  double norm2 = 0.0;
  for (const auto& p : params)
    for (double g : p.grad) {
      if (!std::isfinite(g)) throw error(fmt::format("non-finite gradient in {} ({})", p.name, g));
      const double cl = std::clamp(g, -c.value_clip, c.value_clip);
      norm2 += cl * cl;
    }
  const double norm = std::sqrt(norm2);
  // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1.
  const double scale = std::min(1.0, c.norm_clip / (norm + 1e-6));
  ++t_;
  const double bc1 = 1.0 - std::pow(c.adam_beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(c.adam_beta2, static_cast<double>(t_));
  for (std::size_t k = 0; k < params.size(); ++k) {
    auto& p = params[k];
    auto& m = m_[k];
    auto& v = v_[k];
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      const double g = std::clamp(p.grad[i], -c.value_clip, c.value_clip) * scale;
      m[i] = c.adam_beta1 * m[i] + (1 - c.adam_beta1) * g;
      v[i] = c.adam_beta2 * v[i] + (1 - c.adam_beta2) * g * g;
      const double update = lr * (m[i] / bc1) / (std::sqrt(v[i] / bc2) + c.adam_eps);
      const auto next = static_cast<float>(static_cast<double>(p.value[i]) - update);
      if (!std::isfinite(next))
        throw error(fmt::format("the update made {} non-finite (learning rate {})", p.name, lr));
      p.value[i] = next;
    }
  }
  return norm;
}

int sample_action(std::span<const double> probs, double u) noexcept {
  double acc = 0;
  for (std::size_t k = 0; k < probs.size(); ++k) {
    acc += probs[k];
    if (u < acc) return static_cast<int>(k);
  }
  return static_cast<int>(probs.size()) - 1;
}

}  // namespace spikeworm
