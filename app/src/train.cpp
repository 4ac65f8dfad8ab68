// Training runs: sessions in parallel, checkpoints, and the run folder's exports (docs/training.md).
#include "spikeworm/app/train.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/parallel.hpp"

namespace spikeworm::app {

namespace fs = std::filesystem;

int train_result::failed() const noexcept {
  int n = 0;
  for (const auto& s : per_session) n += !s.error.empty();
  return n;
}

namespace {

struct run_meta {
  int sessions = 1, episodes = 100;
  std::uint64_t seed = 1;
  int checkpoint_every = 0;
};

// The run folder, the config and the run's shape: from the options, or from run.json when resuming.
run_meta resolve(const train_options& opt, train_result& r, std::string& config_text) {
  const bool resume = !opt.resume.empty();
  if (resume && !opt.config.empty()) throw error("give either CONFIG or --resume DIR, not both");
  if (!resume && opt.config.empty()) throw error("train needs a CONFIG file (or --resume DIR)");
  r.dir = resume ? fs::path(opt.resume) : fs::path(opt.out_dir.empty() ? "runs/train" : opt.out_dir);
  r.config_path = resume ? r.dir / "config.toml" : fs::path(opt.config);
  config_text = slurp(r.config_path.string());
  const auto doc = load_config_string(config_text, r.config_path.string());
  r.cfg = read_experiment(table_reader::root(doc));
  run_meta meta{r.cfg.train.sessions, r.cfg.train.episodes, r.cfg.train.seed, opt.checkpoint_every};
  if (resume) {
    const run_record rec = read_run_json(r.dir);  // range-checked (docs/training.md, "File formats")
    meta.sessions = rec.sessions;
    meta.episodes = rec.episodes;
    meta.seed = rec.seed;
    meta.checkpoint_every = rec.checkpoint_every;
    if (opt.sessions > 0 || opt.seed >= 0) throw error("--sessions and --seed are fixed by the run being resumed");
  } else {
    if (opt.sessions > 0) meta.sessions = opt.sessions;
    if (opt.seed >= 0) meta.seed = static_cast<std::uint64_t>(opt.seed);
  }
  if (opt.episodes > 0) meta.episodes = opt.episodes;
  if (opt.checkpoint_every > 0) meta.checkpoint_every = opt.checkpoint_every;
  r.cfg.train.episodes = meta.episodes;
  r.sessions = meta.sessions;
  r.episodes = meta.episodes;
  r.seed = meta.seed;
  return meta;
}

fs::path checkpoint_of(const fs::path& dir, std::size_t k) {
  return dir / "checkpoints" / fmt::format("session_{}.ckpt", k);
}

// Plays every session to meta.episodes on `threads` threads; a session's error stops only that session.
void run_sessions(std::vector<std::unique_ptr<session>>& sessions, const run_meta& meta, train_result& r,
                  const train_callback& progress) {
  std::uint64_t done = 0;
  for (auto& s : sessions) done += static_cast<std::uint64_t>(std::min(s->episodes_done(), meta.episodes));
  const std::uint64_t total = static_cast<std::uint64_t>(meta.sessions) * static_cast<std::uint64_t>(meta.episodes);
  std::mutex report;  // progress calls, one at a time, and the count they carry
  if (progress) progress({0, nullptr, done, total});
  auto body = [&](std::size_t k) {
    auto& s = *sessions[k];
    const auto t0 = std::chrono::steady_clock::now();
    try {
      while (s.episodes_done() < meta.episodes) {
        const auto& rec = s.run_episode();
        {
          std::lock_guard lock(report);
          ++done;
          if (progress) progress({k, &rec, done, total});
        }
        if (meta.checkpoint_every > 0 && s.episodes_done() % meta.checkpoint_every == 0) s.save(checkpoint_of(r.dir, k));
      }
      s.save(checkpoint_of(r.dir, k));
    } catch (const std::exception& e) {
      r.per_session[k].error = e.what();
    }
    r.per_session[k].wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const auto start = std::chrono::steady_clock::now();
  worker_pool pool(r.threads);
  pool.for_each(sessions.size(), body);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void layer_columns(std::ostream& o, const brain_config& b, const char* prefix) {
  if (b.kind != brain_kind::spiking) return;
  for (int l = 0; l < b.layers; ++l) o << "," << prefix << (l + 1);
}

void write_episodes_csv(const train_result& r, const std::vector<std::unique_ptr<session>>& sessions) {
  atomic_file f(r.dir / "episodes.csv");
  auto& o = f.stream();
  o << "session,seed,episode,success,steps,outcome,reward,loss,learning_rate,beta,entropy,grad_norm,foods,"
       "distance_efficiency,sops";
  layer_columns(o, r.cfg.brain, "spikes_l");
  o << "\n";
  for (auto& s : sessions)
    for (const auto& e : s->records()) {
      o << fmt::format("{},{},{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{},{:.6g},{}", e.session, s->seed(),
                       e.episode, e.success ? 1 : 0, e.steps, e.outcome, e.reward, e.loss, e.lr, e.beta, e.entropy,
                       e.grad_norm, e.foods, e.distance_efficiency, e.sops);
      for (auto x : e.spikes) o << "," << x;
      o << "\n";
    }
  f.commit();
}

// sessions.csv, and the per-session entries of summary.json.
nlohmann::json write_sessions_csv(const train_result& r) {
  nlohmann::json js = nlohmann::json::array();
  atomic_file f(r.dir / "sessions.csv");
  auto& o = f.stream();
  o << "session,seed,episodes,success_rate,last30_success,last30_steps,path_efficiency,convergence_run,"
       "post_success,post_variance,composite,mean_foods,wall_seconds,episodes_per_second";
  layer_columns(o, r.cfg.brain, "spike_rate_l");
  o << "\n";
  for (std::size_t k = 0; k < r.per_session.size(); ++k) {
    const auto& s = r.per_session[k];
    const auto& m = s.metrics;
    const auto eps = static_cast<double>(s.episodes);
    const double wall = s.wall_seconds;
    o << fmt::format("{},{},{},{:.4f},{:.4f},{:.2f},{:.4f},{},{:.4f},{:.4f},{:.4f},{:.3f},{:.3f},{:.3f}", k, s.seed,
                     s.episodes, m.success_rate, m.last30_success, m.last30_steps, m.path_efficiency,
                     m.convergence_run, m.post_success, m.post_variance, m.composite, m.mean_foods, wall,
                     wall > 0 ? eps / wall : 0.0);
    for (double x : m.spike_rate) o << fmt::format(",{:.5f}", x);
    o << "\n";
    js.push_back({{"session", k}, {"seed", s.seed}, {"episodes", s.episodes},
                  {"success_rate", m.success_rate}, {"last30_success", m.last30_success},
                  {"last30_steps", m.last30_steps}, {"path_efficiency", m.path_efficiency},
                  {"convergence_run", m.convergence_run}, {"post_success", m.post_success},
                  {"post_variance", m.post_variance}, {"composite", m.composite}, {"mean_foods", m.mean_foods},
                  {"spike_rate", m.spike_rate}, {"wall_seconds", wall}, {"error", s.error}});
  }
  f.commit();
  return js;
}

}  // namespace

train_result train(const train_options& opt, const train_callback& progress) {
  train_result r;
  std::string config_text;
  const run_meta meta = resolve(opt, r, config_text);
  ensure_directory(r.dir);
  ensure_directory(r.dir / "checkpoints");
  ensure_directory(r.dir / "weights");
  if (opt.resume.empty()) write_file_atomically(r.dir / "config.toml", config_text);
  write_file_atomically(r.dir / "run.json", nlohmann::json{{"config", r.config_path.string()},
                                                           {"sessions", meta.sessions},
                                                           {"episodes", meta.episodes},
                                                           {"seed", meta.seed},
                                                           {"checkpoint_every", meta.checkpoint_every}}
                                                    .dump(2) + "\n");
  std::vector<std::unique_ptr<session>> sessions;
  for (int k = 0; k < meta.sessions; ++k) {
    sessions.push_back(std::make_unique<session>(r.cfg, k, meta.seed + static_cast<std::uint64_t>(k)));
    const auto ck = checkpoint_of(r.dir, static_cast<std::size_t>(k));
    if (!opt.resume.empty() && fs::exists(ck)) sessions.back()->load(ck);
  }
  r.threads = worker_threads(opt.threads);
  r.per_session.resize(sessions.size());
  run_sessions(sessions, meta, r, progress);

  r.foraging = r.cfg.env.kind != envs::env_kind::static_goal;
  r.optimum = envs::environment(r.cfg.env).optimal_steps();
  write_episodes_csv(r, sessions);
  for (std::size_t k = 0; k < sessions.size(); ++k) {
    auto& s = r.per_session[k];
    s.seed = sessions[k]->seed();
    s.episodes = sessions[k]->episodes_done();
    s.metrics = compute_metrics(sessions[k]->records(), r.optimum, r.foraging, r.cfg.brain);
  }
  const nlohmann::json per_session = write_sessions_csv(r);
  for (std::size_t k = 0; k < sessions.size(); ++k)
    write_weights(r.dir / "weights" / fmt::format("session_{}.bin", k), sessions[k]->policy().params());
  nlohmann::json summary{{"config", r.config_path.string()}, {"brain", std::string(brain_kind_name(r.cfg.brain.kind))},
                         {"env", envs::kind_name(r.cfg.env.kind)}, {"preset", r.cfg.env.preset},
                         {"sessions", meta.sessions}, {"episodes", meta.episodes}, {"seed", meta.seed},
                         {"threads", r.threads}, {"optimum", r.optimum}, {"wall_seconds", r.wall_seconds},
                         {"per_session", per_session}};
  write_file_atomically(r.dir / "summary.json", summary.dump(2) + "\n");
  return r;
}

}  // namespace spikeworm::app
