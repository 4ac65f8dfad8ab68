// CMA-ES sessions (docs/training.md, "Gradient-free learning (CMA-ES)"): the brain's parameters are the search
// space; a candidate's fitness is minus its mean total reward over cma_episodes_per_eval greedy episodes.
#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/random.hpp"
#include "spikeworm/learning/cmaes.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {

namespace {

std::vector<double> flatten(const std::vector<param_tensor>& params) {
  std::vector<double> x;
  for (const auto& p : params) x.insert(x.end(), p.value.begin(), p.value.end());
  return x;
}

// Writes x (the concatenated tensors, in params() order) into the tensors' storage.
template <class Vec>
void assign(std::vector<param_tensor>& params, const Vec& x) {
  Eigen::Index i = 0;
  for (auto& p : params)
    for (auto& v : p.value) v = static_cast<float>(x[i++]);
}

// Greedy actions (the argmax of the logits), counting activity and the entropy of softmax(logits).
class greedy_player final : public episode_player {
 public:
  greedy_player(brain& b, episode_record& rec, std::size_t width, std::vector<double>& in)
      : b_(b), rec_(rec), width_(width), in_(in) {}
  std::span<double> input(std::size_t) override {
    in_.resize(width_);
    return in_;
  }
  int act(std::size_t, std::span<const double> in) override {
    b_.forward(in, logits_);
    softmax(logits_, p_);
    entropy_sum += entropy(p_);
    const auto& act = b_.last_activity();
    for (std::size_t k = 0; k < rec_.spikes.size(); ++k) rec_.spikes[k] += act.spikes_per_layer[k];
    rec_.sops += act.sops;
    return greedy_action(logits_);
  }
  double entropy_sum = 0;

 private:
  brain& b_;
  episode_record& rec_;
  std::size_t width_;
  std::vector<double>& in_;
  action_values logits_{}, p_{};
};

}  // namespace

struct session::cma_state {
  // An evaluation worker: a brain the candidates are written into, an environment and an input buffer.
  struct worker {
    std::unique_ptr<brain> b;
    envs::environment env;
    std::vector<double> in;
  };
  cma_state(const experiment_config& cfg, std::span<const double> x0, std::uint64_t seed, int threads)
      : es(x0, cfg.train.cma_sigma0, cfg.train.cma_population, cfg.train.cma_cov, seed), pool(threads) {}
  cmaes es;
  worker_pool pool;
  std::mutex lock;                            // guards idle
  std::vector<std::unique_ptr<worker>> idle;  // workers not playing an episode
  std::deque<episode_record> pending;         // the generation's records not yet returned
};

void check_cma_covariance(const train_config& t, std::size_t parameters) {
  // A full covariance holds n x n doubles, three times over (C, B, the update): refused past 10,000.
  if (t.algorithm == train_algorithm::cmaes && t.cma_cov == cma_covariance::full && parameters > 10'000)
    throw error(fmt::format("train.cma_covariance = \"full\" with {} parameters needs {:.1f} GB per session: use "
                            "\"separable\" or \"auto\"",
                            parameters, 3.0 * 8.0 * static_cast<double>(parameters) * static_cast<double>(parameters) / 1e9));
}

void session::cma_deleter::operator()(cma_state* p) const noexcept { delete p; }

const episode_record& session::run_cma_episode() {
  if (!cma_) {
    auto x0 = flatten(brain_->params());
    check_cma_covariance(cfg_.train, x0.size());
    cma_.reset(new cma_state(cfg_, x0, seed_, threads_));
  }
  if (cma_->pending.empty()) run_cma_generation();
  records_.push_back(std::move(cma_->pending.front()));
  cma_->pending.pop_front();
  return records_.back();
}

// One generation: lambda candidates x cma_episodes_per_eval episodes, played in parallel; episode t of the
// generation is candidate t / k's (t % k)-th, session episode e0 + t with its own episode seed. When the
// budget (train.episodes) has fewer episodes left than a generation, the first ones are played and recorded
// and there is no update.
void session::run_cma_generation() {
  auto& st = *cma_;
  auto& es = st.es;
  const int k = cfg_.train.cma_episodes_per_eval;
  const int e0 = episodes_done();
  const int whole = es.lambda() * k;
  const int m = std::min(whole, cfg_.train.episodes - e0);
  const auto& x = es.ask();
  const double sigma = es.sigma();
  const std::size_t width = encoded_size(cfg_.brain);
  const std::size_t layers = cfg_.brain.kind == brain_kind::spiking ? static_cast<std::size_t>(cfg_.brain.layers) : 0;
  std::vector<episode_record> recs(static_cast<std::size_t>(m));
  st.pool.for_each(recs.size(), [&](std::size_t t) {
    std::unique_ptr<cma_state::worker> w;
    {
      std::lock_guard g(st.lock);
      if (!st.idle.empty()) {
        w = std::move(st.idle.back());
        st.idle.pop_back();
      }
    }
    if (!w) w = std::make_unique<cma_state::worker>(cma_state::worker{make_brain(cfg_.brain, seed_), envs::environment(cfg_.env), {}});
    assign(w->b->params(), x.col(static_cast<Eigen::Index>(t) / k));
    const int e = e0 + static_cast<int>(t);
    rng enc_rng(seed_, stream_kind::encoder, static_cast<std::uint64_t>(e));
    auto& rec = recs[t];
    rec.session = index_;
    rec.episode = e;
    rec.spikes.assign(layers, 0);
    greedy_player pl(*w->b, rec, width, w->in);
    const std::size_t n = play_episode(w->env, envs::episode_seed(seed_, static_cast<std::uint64_t>(e)),
                                       cfg_.brain.enc, encoder_steps(cfg_.brain), enc_rng, pl);
    const auto& info = w->env.info();
    rec.success = info.end == envs::outcome::success;
    rec.steps = info.steps;
    rec.outcome = std::string(envs::outcome_name(info.end));
    rec.reward = info.total_reward;
    rec.lr = sigma;
    rec.entropy = n ? pl.entropy_sum / static_cast<double>(n) : 0.0;
    rec.foods = info.foods_eaten;
    rec.distance_efficiency = info.distance_efficiency();
    std::lock_guard g(st.lock);
    st.idle.push_back(std::move(w));
  });
  // Fitness: minus the mean total reward of the candidate's episodes (CMA-ES minimises).
  std::vector<double> fitness(static_cast<std::size_t>(es.lambda()), 0.0);
  for (int t = 0; t < m; ++t) fitness[static_cast<std::size_t>(t / k)] -= recs[static_cast<std::size_t>(t)].reward / k;
  for (int t = 0; t < m; ++t) recs[static_cast<std::size_t>(t)].loss = fitness[static_cast<std::size_t>(t / k)];
  if (m == whole) {
    try {
      es.tell(fitness);
    } catch (const error& err) {
      throw error(fmt::format("session {} (seed {}), episode {}: {}", index_, seed_, e0 + m - 1, err.what()));
    }
    assign(brain_->params(), es.mean());  // the network of record holds the search mean
  }
  if (e0 + m >= cfg_.train.episodes) std::vector<std::unique_ptr<cma_state::worker>>().swap(st.idle);
  for (auto& r : recs) st.pending.push_back(std::move(r));
}

}  // namespace spikeworm
