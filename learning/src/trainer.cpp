// Training sessions and metrics; checkpoints and weight files are in files.cpp.
#include "spikeworm/learning/trainer.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

experiment_config read_experiment(const table_reader& root) {
  root.allow_only({"env", "brain", "train"});
  experiment_config c;
  const toml::table empty;
  auto env = root.subtable("env");
  if (!env) root.fail("env", "required: an [env] table (kind, preset, ...)");
  c.env = envs::read_env_config(*env);
  c.brain = read_brain_config(root.subtable("brain").value_or(table_reader(empty, "brain", root.file_ptr())));
  c.train = read_train_config(root.subtable("train").value_or(table_reader(empty, "train", root.file_ptr())));
  return c;
}

session::session(const experiment_config& cfg, int index, std::uint64_t seed)
    : cfg_(cfg),
      index_(index),
      seed_(seed),
      env_(cfg.env),
      brain_(make_brain(cfg.brain, seed)),
      opt_(brain_->params()) {
  if (cfg.train.critic) {
    critic_ = make_brain(critic_config(cfg.train), envs::observation_size, 1, critic_seed(seed));
    critic_opt_ = std::make_unique<adam>(critic_->params());
  }
}

brain_config critic_config(const train_config& tc) {
  brain_config b;
  b.kind = brain_kind::mlp;
  b.hidden = tc.critic_hidden;
  b.layers = 2;
  b.init = init_kind::default_uniform;
  return b;
}

std::uint64_t critic_seed(std::uint64_t session_seed) noexcept {
  rng r(session_seed, {static_cast<std::uint64_t>(stream_kind::init_weights), 0xc717cULL});
  return r();
}

// The trainer's player: samples from softmax(logits) with the policy stream and keeps, per decision, the input
// (the brain's tape slot n), probabilities, action, reward and per-layer spikes the update needs.
class session::player final : public episode_player {
 public:
  player(session& s, episode_record& rec, rng& pick) : s_(s), rec_(rec), pick_(pick), width_(encoded_size(s.cfg_.brain)) {}
  std::span<double> input(std::size_t n) override {
    if (s_.inputs_.size() <= n) s_.inputs_.emplace_back();
    auto& in = s_.inputs_[n];
    in.resize(width_);
    return in;
  }
  int act(std::size_t n, std::span<const double> in) override {
    s_.brain_->forward_train(in, logits_, n);
    softmax(logits_, p_);
    const int a = sample_action(p_, pick_.uniform());
    const auto& act = s_.brain_->last_activity();
    const std::size_t layers = rec_.spikes.size();
    for (std::size_t k = 0; k < layers; ++k) rec_.spikes[k] += act.spikes_per_layer[k];
    s_.decision_spikes_.resize((n + 1) * layers);
    for (std::size_t k = 0; k < layers; ++k) s_.decision_spikes_[n * layers + k] = act.spikes_per_layer[k];
    rec_.sops += act.sops;
    entropy_sum += entropy(p_);
    s_.actions_.push_back(a);
    s_.probs_.push_back(p_);
    if (s_.critic_) s_.observations_.push_back(envs::to_array(s_.env_.observe()));
    return a;
  }
  void stepped(std::size_t, const envs::step_result& r) override { s_.rewards_.push_back(r.reward); }
  double entropy_sum = 0;

 private:
  session& s_;
  episode_record& rec_;
  rng& pick_;
  std::size_t width_;
  action_values logits_{}, p_{};
};

const episode_record& session::run_episode() {
  if (cfg_.train.algorithm == train_algorithm::cmaes) return run_cma_episode();
  const int e = episodes_done();
  const auto& tc = cfg_.train;
  rng pick(seed_, stream_kind::policy, static_cast<std::uint64_t>(e), 1);
  rng enc_rng(seed_, stream_kind::encoder, static_cast<std::uint64_t>(e));  // drawn from by no constant encoder
  actions_.clear();
  rewards_.clear();
  probs_.clear();
  observations_.clear();
  episode_record rec;
  rec.session = index_;
  rec.episode = e;
  rec.spikes.assign(cfg_.brain.kind == brain_kind::spiking ? cfg_.brain.layers : 0, 0);
  player pl(*this, rec, pick);
  const std::size_t n = play_episode(env_, envs::episode_seed(seed_, static_cast<std::uint64_t>(e)), cfg_.brain.enc,
                                     encoder_steps(cfg_.brain), enc_rng, pl);
  const double loss = accumulate_gradients(rec, n, e);
  // Tapes stay allocated for the next episode (reused slot by slot); the session releases them at its end.
  if (e + 1 >= tc.episodes) brain_->release_tapes();
  if (!std::isfinite(loss))
    throw error(fmt::format("session {} (seed {}): non-finite loss at episode {}", index_, seed_, e));
  update_baseline(n);
  rec.lr = learning_rate_at(tc, e);
  if (++pending_ == tc.batch_size) {
    auto& params = brain_->params();
    if (tc.batch_size > 1)
      for (auto& pt : params)
        for (auto& x : pt.grad) x /= tc.batch_size;
    try {
      rec.grad_norm = opt_.step(params, tc, rec.lr);
    } catch (const error& err) {
      throw error(fmt::format("session {} (seed {}), episode {}: {}", index_, seed_, e, err.what()));
    }
    brain_->zero_grad();
    if (critic_) {
      auto& cp = critic_->params();
      if (tc.batch_size > 1)
        for (auto& pt : cp)
          for (auto& x : pt.grad) x /= tc.batch_size;
      try {
        critic_opt_->step(cp, tc, tc.critic_learning_rate);
      } catch (const error& err) {
        throw error(fmt::format("session {} (seed {}), episode {}: critic: {}", index_, seed_, e, err.what()));
      }
      critic_->zero_grad();
    }
    pending_ = 0;
  }
  const auto& info = env_.info();
  rec.success = info.end == envs::outcome::success;
  rec.steps = info.steps;
  rec.outcome = std::string(envs::outcome_name(info.end));
  rec.reward = info.total_reward;
  rec.loss = loss;
  rec.beta = entropy_beta_at(tc, e);
  rec.entropy = n ? pl.entropy_sum / static_cast<double>(n) : 0.0;
  rec.foods = info.foods_eaten;
  rec.distance_efficiency = info.distance_efficiency();
  records_.push_back(std::move(rec));
  return records_.back();
}

double session::accumulate_gradients(const episode_record& rec, std::size_t n, int episode) {
  const auto& tc = cfg_.train;
  // The critic's values of the episode's states, and the gradient of its loss (1/n) sum_t (V_t - G_t)^2 / 2.
  std::vector<double> values;
  if (critic_) {
    const auto returns = discounted_returns(tc.gamma, rewards_);
    values.resize(n);
    std::array<double, 1> v{}, gv{};
    critic_error_ = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      critic_->forward_train(observations_[t], v, t);
      values[t] = v[0];
      critic_error_ += (v[0] - returns[t]) * (v[0] - returns[t]) / static_cast<double>(n);
      gv[0] = (v[0] - returns[t]) / static_cast<double>(n);
      critic_->backward_train(t, gv);
    }
  }
  const auto adv = advantages(tc, rewards_, baseline_, values);
  const double beta = entropy_beta_at(tc, episode);
  double loss = 0;
  action_values g{};
  // Activity penalty (train.activity_l1): lambda * max(0, rate_k - target) per decision and layer, averaged
  // over the episode's decisions; its gradient is the same for every spike of a layer above target.
  const std::size_t layers = rec.spikes.size();
  const bool penalize = tc.activity_l1 > 0 && layers > 0;
  const double slots = static_cast<double>(cfg_.brain.hidden) * cfg_.brain.steps;
  std::vector<double> g_spikes(penalize ? layers : 0);
  for (std::size_t t = 0; t < n; ++t) {
    loss += (-std::log(std::max(probs_[t][actions_[t]], 1e-300)) * adv[t] - beta * entropy(probs_[t])) / static_cast<double>(n);
    policy_gradient(probs_[t], actions_[t], adv[t], beta, static_cast<double>(n), g);
    for (std::size_t k = 0; k < g_spikes.size(); ++k) {
      const double rate = static_cast<double>(decision_spikes_[t * layers + k]) / slots;
      const bool above = rate > tc.activity_target;
      loss += above ? tc.activity_l1 * (rate - tc.activity_target) / static_cast<double>(n) : 0.0;
      g_spikes[k] = above ? tc.activity_l1 / (slots * static_cast<double>(n)) : 0.0;
    }
    brain_->backward_train(t, g, g_spikes);
  }
  return loss;
}

// EMA baseline of the mean discounted return.
void session::update_baseline(std::size_t n) {
  const auto& tc = cfg_.train;
  double acc = 0, mean = 0;
  std::vector<double> ret(n);
  for (std::size_t t = n; t-- > 0;) ret[t] = acc = rewards_[t] + tc.gamma * acc;
  for (double r : ret) mean += r / static_cast<double>(std::max<std::size_t>(n, 1));
  baseline_ = baseline_set_ ? (1 - tc.baseline_alpha) * baseline_ + tc.baseline_alpha * mean : mean;
  baseline_set_ = true;
}

session_metrics compute_metrics(const std::vector<episode_record>& r, int optimum, bool foraging,
                                const brain_config& brain) {
  session_metrics m;
  const int runs = static_cast<int>(r.size());
  if (runs == 0) return m;
  int succ = 0;
  for (const auto& e : r) succ += e.success;
  m.success_rate = static_cast<double>(succ) / runs;
  const int from = std::max(0, runs - 30);
  int s30 = 0, steps30 = 0;
  double foods = 0, eff30 = 0;
  for (int i = from; i < runs; ++i)
    if (r[i].success) {
      ++s30;
      steps30 += r[i].steps;
    }
  for (const auto& e : r) foods += e.foods;
  for (int i = from; i < runs; ++i) eff30 += r[i].distance_efficiency;
  m.mean_foods = foods / runs;
  m.last30_success = static_cast<double>(s30) / (runs - from);
  m.last30_steps = s30 ? static_cast<double>(steps30) / s30 : 0.0;
  m.path_efficiency = foraging ? eff30 / (runs - from) : (s30 && optimum > 0 ? optimum / m.last30_steps : 0.0);
  for (int i = 20; i + 10 <= runs && m.convergence_run < 0; ++i) {
    bool all = true;
    for (int j = i; j < i + 10; ++j) all = all && r[j].success;
    if (all) m.convergence_run = i;
  }
  const int post_from = m.convergence_run >= 0 ? m.convergence_run : std::max(0, runs - 10);
  int ps = 0;
  for (int i = post_from; i < runs; ++i) ps += r[i].success;
  m.post_success = static_cast<double>(ps) / (runs - post_from);
  m.post_variance = m.post_success * (1 - m.post_success);
  const double eff = foraging ? m.path_efficiency : m.post_success;
  m.composite = 0.4 * m.post_success + 0.3 * eff +
                0.2 * (m.convergence_run >= 0 ? std::max(0.0, 1.0 - static_cast<double>(m.convergence_run) / runs) : 0.0) +
                0.1 * std::max(0.0, 1.0 - m.post_variance / 0.2);
  if (brain.kind == brain_kind::spiking) {
    std::uint64_t decisions = 0;
    std::vector<double> spikes(brain.layers, 0.0);
    for (const auto& e : r) {
      decisions += static_cast<std::uint64_t>(e.steps);
      for (std::size_t k = 0; k < e.spikes.size(); ++k) spikes[k] += static_cast<double>(e.spikes[k]);
    }
    for (auto& s : spikes) s /= static_cast<double>(decisions) * brain.hidden * brain.steps;
    m.spike_rate = spikes;
  }
  return m;
}

}  // namespace spikeworm
