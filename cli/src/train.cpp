// spikeworm train: independent REINFORCE sessions in parallel, with checkpoints, exports and a summary.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/learning/trainer.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

void add_train(CLI::App& app, train_args& a) {
  auto* c = app.add_subcommand("train", "Train spiking or MLP brains with REINFORCE on a navigation task");
  c->add_option("config", a.config, "experiment configuration (TOML with [env], [brain], [train])");
  c->add_option("--sessions", a.sessions, "independent sessions, seeds S..S+K-1 (default: [train] sessions)")
      ->check(CLI::Range(1, 10000));
  c->add_option("--episodes", a.episodes, "episodes per session (default: [train] episodes)")->check(CLI::Range(1, 10000000));
  c->add_option("--threads", a.threads, "worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  c->add_option("--seed", a.seed, "seed of the first session (default: [train] seed)")->check(CLI::NonNegativeNumber);
  c->add_option("--out", a.out_dir, "output folder (default: runs/train)");
  c->add_option("--checkpoint-every", a.checkpoint_every, "write the complete training state every N episodes")
      ->check(CLI::Range(1, 10000000));
  c->add_option("--resume", a.resume, "continue the run in this folder from its checkpoints");
  c->add_flag("-v,--verbose", a.verbose, "one line per episode");
  c->add_flag("-q,--quiet", a.quiet, "no progress output");
}

namespace {

struct run_meta {
  int sessions = 1, episodes = 100;
  std::uint64_t seed = 1;
  int checkpoint_every = 0;
};

std::string stats(const std::vector<double>& v, const char* fmtspec) {
  double mn = v.empty() ? 0 : v[0], mx = mn, sum = 0;
  for (double x : v) {
    mn = std::min(mn, x);
    mx = std::max(mx, x);
    sum += x;
  }
  const double mean = v.empty() ? 0 : sum / static_cast<double>(v.size());
  return fmt::format(fmt::runtime(fmt::format("{{:{0}}} [{{:{0}}}, {{:{0}}}]", fmtspec)), mean, mn, mx);
}

}  // namespace

int train(const train_args& a, std::ostream& out, std::ostream& err) {
  const bool resume = !a.resume.empty();
  if (resume && !a.config.empty()) throw error("give either CONFIG or --resume DIR, not both");
  if (!resume && a.config.empty()) throw error("train needs a CONFIG file (or --resume DIR)");
  const fs::path dir = resume ? fs::path(a.resume) : fs::path(a.out_dir.empty() ? "runs/train" : a.out_dir);
  const fs::path config_path = resume ? dir / "config.toml" : fs::path(a.config);
  const std::string config_text = slurp(config_path.string());
  const auto doc = load_config_string(config_text, config_path.string());
  experiment_config cfg = read_experiment(table_reader::root(doc));

  run_meta meta{cfg.train.sessions, cfg.train.episodes, cfg.train.seed, a.checkpoint_every};
  if (resume) {
    const auto j = nlohmann::json::parse(slurp(dir / "run.json"), nullptr, false);
    if (j.is_discarded() || !j.contains("sessions")) throw error(fmt::format("{}: not a spikeworm run folder", dir.string()));
    meta.sessions = j["sessions"];
    meta.episodes = j["episodes"];
    meta.seed = j["seed"];
    meta.checkpoint_every = j.value("checkpoint_every", 0);
    if (a.sessions > 0 || a.seed >= 0) throw error("--sessions and --seed are fixed by the run being resumed");
  } else {
    if (a.sessions > 0) meta.sessions = a.sessions;
    if (a.seed >= 0) meta.seed = static_cast<std::uint64_t>(a.seed);
  }
  if (a.episodes > 0) meta.episodes = a.episodes;
  if (a.checkpoint_every > 0) meta.checkpoint_every = a.checkpoint_every;
  cfg.train.episodes = meta.episodes;

  ensure_directory(dir);
  ensure_directory(dir / "checkpoints");
  ensure_directory(dir / "weights");
  if (!resume) write_file_atomically(dir / "config.toml", config_text);
  write_file_atomically(dir / "run.json", nlohmann::json{{"config", config_path.string()},
                                                         {"sessions", meta.sessions},
                                                         {"episodes", meta.episodes},
                                                         {"seed", meta.seed},
                                                         {"checkpoint_every", meta.checkpoint_every}}
                                                  .dump(2) + "\n");

  std::vector<std::unique_ptr<session>> sessions;
  for (int k = 0; k < meta.sessions; ++k) {
    sessions.push_back(std::make_unique<session>(cfg, k, meta.seed + static_cast<std::uint64_t>(k)));
    const auto ck = dir / "checkpoints" / fmt::format("session_{}.ckpt", k);
    if (resume && fs::exists(ck)) sessions.back()->load(ck);
  }
  const int threads = worker_threads(a.threads);
  std::atomic<std::uint64_t> done{0};
  std::uint64_t already = 0;
  for (auto& s : sessions) already += static_cast<std::uint64_t>(std::min(s->episodes_done(), meta.episodes));
  done = already;
  std::vector<std::string> failures(sessions.size());  // written by the session's task, read after join
  auto finished = std::make_unique<std::atomic<bool>[]>(sessions.size());  // the progress loop reads only these
  std::vector<double> wall(sessions.size(), 0.0);
  std::mutex print;
  auto body = [&](std::size_t k) {
    auto& s = *sessions[k];
    const auto t0 = std::chrono::steady_clock::now();
    const auto ck = dir / "checkpoints" / fmt::format("session_{}.ckpt", k);
    try {
      while (s.episodes_done() < meta.episodes) {
        const auto& r = s.run_episode();
        ++done;
        if (a.verbose) {
          std::lock_guard lock(print);
          out << fmt::format("session {} episode {:4d}: {:<8} steps {:4d} reward {:8.3f} loss {:8.4f} lr {:.2e} "
                             "beta {:.3f} entropy {:.3f}\n",
                             k, r.episode, r.outcome, r.steps, r.reward, r.loss, r.lr, r.beta, r.entropy);
        }
        if (meta.checkpoint_every > 0 && s.episodes_done() % meta.checkpoint_every == 0) s.save(ck);
      }
      s.save(ck);
    } catch (const std::exception& e) {
      failures[k] = e.what();
    }
    wall[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    finished[k].store(true, std::memory_order_release);
  };
  const auto start = std::chrono::steady_clock::now();
  {
    worker_pool pool(threads);
    std::exception_ptr crashed;
    std::thread worker([&] {
      try {
        pool.for_each(sessions.size(), body);
      } catch (...) {
        crashed = std::current_exception();
      }
    });
    const std::uint64_t total = static_cast<std::uint64_t>(meta.sessions) * static_cast<std::uint64_t>(meta.episodes);
    progress_bar bar(err, "train", total, a.quiet || a.verbose ? progress_bar::mode::off : progress_bar::mode::automatic);
    for (;;) {
      bool all_finished = true;
      for (std::size_t k = 0; k < sessions.size(); ++k)
        all_finished = all_finished && finished[k].load(std::memory_order_acquire);
      bar.update(done.load(), fmt::format("{}/{} episodes", done.load(), total));
      if (all_finished) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    worker.join();
    bar.finish();
    if (crashed) std::rethrow_exception(crashed);
  }
  const double wall_all = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Exports.
  const bool foraging = cfg.env.kind != envs::env_kind::static_goal;
  const int optimum = envs::environment(cfg.env).optimal_steps();
  std::vector<session_metrics> metrics;
  auto layer_columns = [&](std::ostream& o, const char* prefix) {
    if (cfg.brain.type != "spiking") return;
    for (int l = 0; l < cfg.brain.layers; ++l) o << "," << prefix << (l + 1);
  };
  {
    atomic_file f(dir / "episodes.csv");
    auto& o = f.stream();
    o << "session,seed,episode,success,steps,outcome,reward,loss,learning_rate,beta,entropy,grad_norm,foods,"
         "distance_efficiency,sops";
    layer_columns(o, "spikes_l");
    o << "\n";
    for (auto& s : sessions)
      for (const auto& r : s->records()) {
        o << fmt::format("{},{},{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{},{:.6g},{}", r.session, s->seed(),
                         r.episode, r.success ? 1 : 0, r.steps, r.outcome, r.reward, r.loss, r.lr, r.beta, r.entropy,
                         r.grad_norm, r.foods, r.distance_efficiency, r.sops);
        for (auto x : r.spikes) o << "," << x;
        o << "\n";
      }
    f.commit();
  }
  for (auto& s : sessions) metrics.push_back(compute_metrics(s->records(), optimum, foraging, cfg.brain));
  nlohmann::json js = nlohmann::json::array();
  {
    atomic_file f(dir / "sessions.csv");
    auto& o = f.stream();
    o << "session,seed,episodes,success_rate,last30_success,last30_steps,path_efficiency,convergence_run,"
         "post_success,post_variance,composite,mean_foods,wall_seconds,episodes_per_second";
    layer_columns(o, "spike_rate_l");
    o << "\n";
    for (std::size_t k = 0; k < sessions.size(); ++k) {
      const auto& m = metrics[k];
      const auto eps = static_cast<double>(sessions[k]->episodes_done());
      o << fmt::format("{},{},{},{:.4f},{:.4f},{:.2f},{:.4f},{},{:.4f},{:.4f},{:.4f},{:.3f},{:.3f},{:.3f}", k,
                       sessions[k]->seed(), sessions[k]->episodes_done(), m.success_rate, m.last30_success,
                       m.last30_steps, m.path_efficiency, m.convergence_run, m.post_success, m.post_variance,
                       m.composite, m.mean_foods, wall[k], wall[k] > 0 ? eps / wall[k] : 0.0);
      for (double r : m.spike_rate) o << fmt::format(",{:.5f}", r);
      o << "\n";
      js.push_back({{"session", k}, {"seed", sessions[k]->seed()}, {"episodes", sessions[k]->episodes_done()},
                    {"success_rate", m.success_rate}, {"last30_success", m.last30_success},
                    {"last30_steps", m.last30_steps}, {"path_efficiency", m.path_efficiency},
                    {"convergence_run", m.convergence_run}, {"post_success", m.post_success},
                    {"post_variance", m.post_variance}, {"composite", m.composite}, {"mean_foods", m.mean_foods},
                    {"spike_rate", m.spike_rate}, {"wall_seconds", wall[k]},
                    {"error", failures[k]}});
    }
    f.commit();
  }
  for (std::size_t k = 0; k < sessions.size(); ++k)
    write_weights(dir / "weights" / fmt::format("session_{}.bin", k), sessions[k]->policy().params());

  // Tables.
  out << fmt::format("{} on {} ({}), {} sessions x {} episodes, {} threads\n\n", cfg.brain.type,
                     envs::kind_name(cfg.env.kind), cfg.env.preset, meta.sessions, meta.episodes, threads);
  out << fmt::format("{:>7} {:>6} {:>8} {:>8} {:>9} {:>6} {:>5} {:>8} {:>8} {:>9}", "session", "seed", "success",
                     "last30", "steps30", "eff", "conv", "post SR", "post var", "composite");
  for (std::size_t l = 0; l < metrics[0].spike_rate.size(); ++l) out << fmt::format(" {:>8}", fmt::format("rate L{}", l + 1));
  out << fmt::format(" {:>8} {:>7}\n", "wall [s]", "ep/s");
  std::vector<double> c_sr, c_l30, c_s30, c_eff, c_conv, c_psr, c_pvar, c_comp, c_wall, c_eps;
  std::vector<std::vector<double>> c_rate(metrics[0].spike_rate.size());
  for (std::size_t k = 0; k < sessions.size(); ++k) {
    const auto& m = metrics[k];
    const double eps = wall[k] > 0 ? sessions[k]->episodes_done() / wall[k] : 0.0;
    out << fmt::format("{:>7} {:>6} {:>8.3f} {:>8.3f} {:>9.1f} {:>6.3f} {:>5} {:>8.3f} {:>8.3f} {:>9.3f}", k,
                       sessions[k]->seed(), m.success_rate, m.last30_success, m.last30_steps, m.path_efficiency,
                       m.convergence_run, m.post_success, m.post_variance, m.composite);
    for (std::size_t l = 0; l < m.spike_rate.size(); ++l) {
      out << fmt::format(" {:>8.4f}", m.spike_rate[l]);
      c_rate[l].push_back(m.spike_rate[l]);
    }
    out << fmt::format(" {:>8.2f} {:>7.2f}{}\n", wall[k], eps, failures[k].empty() ? "" : "  FAILED");
    c_sr.push_back(m.success_rate); c_l30.push_back(m.last30_success); c_s30.push_back(m.last30_steps);
    c_eff.push_back(m.path_efficiency); c_conv.push_back(m.convergence_run); c_psr.push_back(m.post_success);
    c_pvar.push_back(m.post_variance); c_comp.push_back(m.composite); c_wall.push_back(wall[k]); c_eps.push_back(eps);
  }
  out << "\nsummary: mean [min, max]\n";
  auto row = [&](const char* k, const std::string& v) { out << fmt::format("  {:<28} {}\n", k, v); };
  row("success rate", stats(c_sr, ".3f"));
  row("last-30 success", stats(c_l30, ".3f"));
  row("last-30 steps (successes)", stats(c_s30, ".1f") + fmt::format("   optimum {}", optimum));
  row(foraging ? "distance efficiency" : "path efficiency", stats(c_eff, ".3f"));
  row("convergence run (-1: none)", stats(c_conv, ".1f"));
  row("post-convergence success", stats(c_psr, ".3f"));
  row("post-convergence variance", stats(c_pvar, ".3f"));
  row("composite", stats(c_comp, ".3f"));
  for (std::size_t l = 0; l < c_rate.size(); ++l) row(fmt::format("spike rate L{}", l + 1).c_str(), stats(c_rate[l], ".4f"));
  row("wall time per session [s]", stats(c_wall, ".2f") + fmt::format("   all: {:.2f} s", wall_all));
  row("episodes per second", stats(c_eps, ".2f"));

  nlohmann::json summary{{"config", config_path.string()}, {"brain", cfg.brain.type}, {"env", envs::kind_name(cfg.env.kind)},
                         {"preset", cfg.env.preset}, {"sessions", meta.sessions}, {"episodes", meta.episodes},
                         {"seed", meta.seed}, {"threads", threads}, {"optimum", optimum}, {"wall_seconds", wall_all},
                         {"per_session", js}};
  write_file_atomically(dir / "summary.json", summary.dump(2) + "\n");
  out << fmt::format("\nwrote {}/{{episodes.csv, sessions.csv, summary.json, weights/, checkpoints/}}\n", dir.string());
  int failed = 0;
  for (std::size_t k = 0; k < failures.size(); ++k)
    if (!failures[k].empty()) {
      err << "spikeworm: error: " << failures[k] << " (the session stopped; its last good checkpoint is kept)\n";
      ++failed;
    }
  return failed ? 2 : 0;
}

}  // namespace spikeworm::cli
