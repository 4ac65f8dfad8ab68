// Training sessions, metrics, checkpoints and weight files.
#include "spikeworm/learning/trainer.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
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
      opt_(brain_->params()) {}

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
  const int e = episodes_done();
  const auto& tc = cfg_.train;
  rng pick(seed_, stream_kind::policy, static_cast<std::uint64_t>(e), 1);
  rng enc_rng(seed_, stream_kind::encoder, static_cast<std::uint64_t>(e));  // drawn from by no constant encoder
  actions_.clear();
  rewards_.clear();
  probs_.clear();
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
  const auto adv = advantages(tc, rewards_, baseline_);
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

// ---- binary state -------------------------------------------------------------------------------

namespace {

constexpr char ckpt_magic[4] = {'S', 'W', 'C', 'K'};
constexpr char weights_magic[4] = {'S', 'W', 'W', 'T'};
constexpr std::uint32_t format_version = 1;

struct writer {
  std::ofstream& out;
  template <class T>
  void pod(const T& v) { out.write(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    pod(static_cast<std::uint32_t>(s.size()));
    out.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    pod(static_cast<std::uint64_t>(v.size()));
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
  }
};

struct reader {
  std::ifstream& in;
  std::string file;
  template <class T>
  T pod() {
    T v{};
    in.read(reinterpret_cast<char*>(&v), sizeof v);
    if (!in) throw error(fmt::format("{}: truncated or unreadable", file));
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint32_t>();
    if (n > (1u << 20)) throw error(fmt::format("{}: corrupt (string of {} bytes)", file, n));
    std::string s(n, '\0');
    in.read(s.data(), n);
    if (!in) throw error(fmt::format("{}: truncated", file));
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    const auto n = pod<std::uint64_t>();
    if (n > (1ull << 32)) throw error(fmt::format("{}: corrupt (array of {} items)", file, n));
    std::vector<T> v(n);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
    if (!in) throw error(fmt::format("{}: truncated", file));
    return v;
  }
};

}  // namespace

void session::save(const std::filesystem::path& file) const {
  atomic_file f(file);
  writer w{f.stream()};
  f.stream().write(ckpt_magic, 4);
  w.pod(format_version);
  w.pod(static_cast<std::int32_t>(index_));
  w.pod(seed_);
  w.pod(baseline_);
  w.pod(static_cast<std::uint8_t>(baseline_set_));
  w.pod(static_cast<std::int32_t>(pending_));
  const adam& opt = opt_;
  w.pod(opt.t());
  const auto& params = std::as_const(*brain_).params();
  w.pod(static_cast<std::uint32_t>(params.size()));
  for (std::size_t k = 0; k < params.size(); ++k) {
    w.str(params[k].name);
    w.vec(std::vector<float>(params[k].value.begin(), params[k].value.end()));
    w.vec(params[k].grad);
    w.vec(opt.m()[k]);
    w.vec(opt.v()[k]);
  }
  w.pod(static_cast<std::uint64_t>(records_.size()));
  for (const auto& r : records_) {
    w.pod(r.session); w.pod(r.episode); w.pod(static_cast<std::uint8_t>(r.success)); w.pod(r.steps);
    w.str(r.outcome);
    w.pod(r.reward); w.pod(r.loss); w.pod(r.lr); w.pod(r.beta); w.pod(r.entropy); w.pod(r.grad_norm);
    w.pod(r.foods); w.pod(r.distance_efficiency); w.vec(r.spikes); w.pod(r.sops);
  }
  f.commit();
}

void session::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open checkpoint", file.string()));
  reader r{in, file.string()};
  char magic[4];
  in.read(magic, 4);
  if (!in || std::memcmp(magic, ckpt_magic, 4) != 0) throw error(fmt::format("{}: not a spikeworm checkpoint", file.string()));
  if (r.pod<std::uint32_t>() != format_version) throw error(fmt::format("{}: unsupported checkpoint version", file.string()));
  if (r.pod<std::int32_t>() != index_ || r.pod<std::uint64_t>() != seed_)
    throw error(fmt::format("{}: checkpoint of another session", file.string()));
  baseline_ = r.pod<double>();
  baseline_set_ = r.pod<std::uint8_t>() != 0;
  pending_ = r.pod<std::int32_t>();
  opt_.t() = r.pod<std::int64_t>();
  auto& params = brain_->params();
  if (r.pod<std::uint32_t>() != params.size()) throw error(fmt::format("{}: checkpoint of another brain", file.string()));
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (r.str() != params[k].name) throw error(fmt::format("{}: checkpoint of another brain", file.string()));
    const auto v = r.vec<float>();
    auto g = r.vec<double>();
    auto m = r.vec<double>();
    auto vv = r.vec<double>();
    if (v.size() != params[k].value.size() || g.size() != v.size() || m.size() != v.size() || vv.size() != v.size())
      throw error(fmt::format("{}: checkpoint tensor {} has the wrong size", file.string(), params[k].name));
    std::copy(v.begin(), v.end(), params[k].value.begin());
    params[k].grad = std::move(g);
    opt_.m()[k] = std::move(m);
    opt_.v()[k] = std::move(vv);
  }
  const auto n = r.pod<std::uint64_t>();
  records_.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    episode_record e;
    e.session = r.pod<int>(); e.episode = r.pod<int>(); e.success = r.pod<std::uint8_t>() != 0; e.steps = r.pod<int>();
    e.outcome = r.str();
    e.reward = r.pod<double>(); e.loss = r.pod<double>(); e.lr = r.pod<double>(); e.beta = r.pod<double>();
    e.entropy = r.pod<double>(); e.grad_norm = r.pod<double>();
    e.foods = r.pod<int>(); e.distance_efficiency = r.pod<double>(); e.spikes = r.vec<std::uint64_t>(); e.sops = r.pod<std::uint64_t>();
    records_.push_back(std::move(e));
  }
}

void write_weights(const std::filesystem::path& file, const std::vector<param_tensor>& params) {
  atomic_file f(file);
  writer w{f.stream()};
  f.stream().write(weights_magic, 4);
  w.pod(format_version);
  w.pod(static_cast<std::uint32_t>(params.size()));
  for (const auto& p : params) {
    w.str(p.name);
    w.pod(static_cast<std::uint32_t>(p.rows));
    w.pod(static_cast<std::uint32_t>(p.cols));
    for (std::size_t i = 0; i < p.rows; ++i)
      for (std::size_t j = 0; j < p.cols; ++j) w.pod(p.at(i, j));
  }
  f.commit();
}

void read_weights(const std::filesystem::path& file, std::vector<param_tensor>& params) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open weights", file.string()));
  reader r{in, file.string()};
  char magic[4];
  in.read(magic, 4);
  if (!in || std::memcmp(magic, weights_magic, 4) != 0) throw error(fmt::format("{}: not a spikeworm weights file", file.string()));
  if (r.pod<std::uint32_t>() != format_version) throw error(fmt::format("{}: unsupported weights version", file.string()));
  const auto n = r.pod<std::uint32_t>();
  if (n != params.size())
    throw error(fmt::format("{}: {} tensors, the brain has {}", file.string(), n, params.size()));
  for (auto& p : params) {
    const auto name = r.str();
    const auto rows = r.pod<std::uint32_t>(), cols = r.pod<std::uint32_t>();
    if (name != p.name || rows != p.rows || cols != p.cols)
      throw error(fmt::format("{}: tensor {} [{}x{}] does not match the brain's {} [{}x{}]", file.string(), name, rows,
                              cols, p.name, p.rows, p.cols));
    for (std::size_t i = 0; i < p.rows; ++i)
      for (std::size_t j = 0; j < p.cols; ++j) p.at(i, j) = r.pod<float>();
  }
}

}  // namespace spikeworm
