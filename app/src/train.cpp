// Training runs: sessions in parallel, checkpoints, and the run folder's exports (docs/training.md).
#include "spikeworm/app/train.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <new>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ranks.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/checksum.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/lock.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/mpi.hpp"
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
  int final_eval = 0;
  const std::atomic<int>* stop = nullptr;
  std::uint64_t config_hash = 0;  // written into every checkpoint; load() refuses another (docs/training.md)
  std::string init_weights;       // absolute; empty: the sessions start from the initialisation
  std::string init_label;         // where it was given, for errors: --init-weights, [train] init_weights, run.json
  fs::path out;                   // where this process writes: the run folder, a stage or a rank's scratch folder
  std::vector<std::size_t> mine;  // the sessions this process runs: all, or those of its rank (docs/scaling.md)
};

// The weights the sessions start from (docs/training.md, "Transfer"): session k takes files[k mod n].
struct init_source {
  std::vector<std::string> files;
  std::vector<std::vector<std::vector<float>>> values;  // per file, per tensor, row-major
  std::uint64_t hash = 0;                               // of the files' bytes, in order
  bool empty() const noexcept { return files.empty(); }
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
  run_meta meta{r.cfg.train.sessions, r.cfg.train.episodes, r.cfg.train.seed, opt.checkpoint_every,
                std::max(0, opt.final_eval), opt.stop, 0, {}, {}, {}, {}};
  if (resume) {
    const run_record rec = read_run_json(r.dir);  // range-checked (docs/training.md, "File formats")
    meta.sessions = rec.sessions;
    meta.episodes = rec.episodes;
    meta.seed = rec.seed;
    meta.checkpoint_every = rec.checkpoint_every;
    meta.init_weights = rec.init_weights;
    meta.init_label = (r.dir / "run.json").string() + " init_weights";
    if (opt.sessions > 0 || opt.seed >= 0) throw error("--sessions and --seed are fixed by the run being resumed");
    if (!opt.init_weights.empty()) throw error("--init-weights is fixed by the run being resumed (its run.json)");
  } else {
    if (opt.sessions > 0) meta.sessions = opt.sessions;
    if (opt.seed >= 0) meta.seed = static_cast<std::uint64_t>(opt.seed);
    if (!opt.init_weights.empty()) {
      meta.init_weights = fs::absolute(opt.init_weights).lexically_normal().string();
      meta.init_label = "--init-weights";
    } else if (!r.cfg.train.init_weights.empty()) {
      meta.init_weights = resolve_config_path(r.cfg.train.init_weights, r.config_path).string();
      meta.init_label = fmt::format("{}: train.init_weights", r.config_path.string());
    }
  }
  r.init_weights = meta.init_weights;
  if (opt.episodes > 0) meta.episodes = opt.episodes;
  if (opt.checkpoint_every > 0) meta.checkpoint_every = opt.checkpoint_every;
  if (r.cfg.train.algorithm == train_algorithm::cmaes && (resume || meta.checkpoint_every > 0))
    throw error(fmt::format("{}: CMA-ES runs (train.algorithm = \"cmaes\") have no checkpoints, so neither --resume "
                            "nor --checkpoint-every applies (docs/training.md)",
                            r.config_path.string()));
  r.cfg.train.episodes = meta.episodes;
  r.sessions = meta.sessions;
  r.episodes = meta.episodes;
  r.seed = meta.seed;
  r.final_eval = meta.final_eval;
  return meta;
}

// Reads and checks every file of the init weights against the brain the config builds; one error naming the
// file, the tensor and both shapes (or both tensor lists) for anything that does not fit.
init_source load_init(const run_meta& meta, const train_result& r) {
  init_source src;
  if (meta.init_weights.empty()) return src;
  const fs::path p(meta.init_weights);
  try {
    if (!fs::exists(p)) throw error(fmt::format("{}: no such weights file or run folder", p.string()));
    // A fresh run clears its folder's weights/ and resume needs the files again: they live outside it.
    const auto inside = fs::weakly_canonical(p).lexically_relative(fs::weakly_canonical(r.dir));
    if (!inside.empty() && *inside.begin() != "..")
      throw error(fmt::format("{}: lies in this run's own folder {}", p.string(), r.dir.string()));
    if (fs::is_directory(p)) {
      // A run folder: every session's weights, exactly the sessions its run.json lists.
      src.files = load_run(p.string(), "").weights;
    } else {
      src.files.push_back(p.string());
    }
    const auto brain = make_brain(r.cfg.brain, meta.seed);
    std::string hashes;
    for (const auto& f : src.files) {
      src.values.push_back(read_weight_values(f, brain->params()));
      const auto bytes = slurp(f);
      hashes += fmt::format("{:016x}\n", fnv1a64({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}));
    }
    src.hash = fnv1a64({reinterpret_cast<const unsigned char*>(hashes.data()), hashes.size()});
  } catch (const error& e) {
    throw error(fmt::format("{}: {}", meta.init_label, e.what()));
  }
  return src;
}

fs::path checkpoint_of(const fs::path& dir, std::size_t k) {
  return dir / "checkpoints" / fmt::format("session_{}.ckpt", k);
}

// Plays this process's sessions (meta.mine) to meta.episodes on `threads` threads, writing their checkpoints and
// weights under meta.out; a session's error stops only that session.
// Sessions are built lazily, at most `threads` at a time, and released when they end, keeping only their
// records; a finished session exports its weights then (docs/training.md, "Failure").
void run_sessions(std::vector<std::vector<episode_record>>& records, const run_meta& meta, train_result& r,
                  bool resume, const init_source& init, const train_callback& progress) {
  std::uint64_t done = 0;
  const std::uint64_t total = meta.mine.size() * static_cast<std::uint64_t>(meta.episodes);
  std::mutex report;  // progress calls, one at a time, and the count they carry
  if (progress) progress({0, nullptr, done, total});
  auto body = [&](std::size_t k) {
    std::unique_ptr<session> owned;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      owned = std::make_unique<session>(r.cfg, static_cast<int>(k), meta.seed + k);
      auto& s = *owned;
      s.set_config_hash(meta.config_hash);
      const bool cma = r.cfg.train.algorithm == train_algorithm::cmaes;  // no checkpoints (docs/training.md)
      s.set_threads(std::max(1, r.threads / std::max(1, std::min(r.threads, static_cast<int>(meta.mine.size())))));
      // Transfer: the trained-from weights replace the initialisation; Adam starts from zero moments.
      if (!init.empty()) assign_weights(init.values[k % init.values.size()], s.policy().params());
      if (resume && fs::exists(checkpoint_of(r.dir, k))) {
        s.load(checkpoint_of(r.dir, k));
        r.per_session[k].checkpoint_episode = s.episodes_done();
        std::lock_guard lock(report);
        done += static_cast<std::uint64_t>(std::min(s.episodes_done(), meta.episodes));
      }
      while (s.episodes_done() < meta.episodes) {
        if (meta.stop && meta.stop->load() != 0) break;  // checkpointed below, at this episode boundary
        const auto& rec = s.run_episode();
        {
          std::lock_guard lock(report);
          ++done;
          if (progress) progress({k, &rec, done, total});
        }
        if (meta.checkpoint_every > 0 && s.episodes_done() % meta.checkpoint_every == 0) {
          s.save(checkpoint_of(meta.out, k));
          r.per_session[k].checkpoint_episode = s.episodes_done();
        }
      }
      if (!cma && s.episodes_done() > std::max(0, r.per_session[k].checkpoint_episode)) {
        s.save(checkpoint_of(meta.out, k));
        r.per_session[k].checkpoint_episode = s.episodes_done();
      }
      if (s.episodes_done() == meta.episodes) {
        write_weights(meta.out / "weights" / fmt::format("session_{}.bin", k), s.policy().params());
        r.per_session[k].weights_written = true;
        if (meta.final_eval > 0) {  // docs/training.md, "Outputs"
          const auto e0 = std::chrono::steady_clock::now();
          eval_options eo;
          eo.episodes = meta.final_eval;
          eo.policy = eval_policy::greedy;
          eo.agent = k;
          r.per_session[k].final_eval = evaluate(r.cfg, s.policy(), eo).greedy;
          r.per_session[k].final_eval_seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
        }
      }
    } catch (const std::bad_alloc&) {
      r.per_session[k].error = fmt::format("session {} (seed {}): out of memory at episode {}", k, meta.seed + k,
                                           owned ? owned->episodes_done() : 0);
    } catch (const std::exception& e) {
      r.per_session[k].error = e.what();
    }
    if (owned) records[k] = owned->records();
    r.per_session[k].seed = meta.seed + k;
    r.per_session[k].wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() -
                                    r.per_session[k].final_eval_seconds;  // training only
  };
  const auto start = std::chrono::steady_clock::now();
  worker_pool pool(r.threads);
  pool.for_each(meta.mine.size(), [&](std::size_t i) { body(meta.mine[i]); });
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::size_t spiking_layers(const brain_config& b) {
  return b.kind == brain_kind::spiking ? static_cast<std::size_t>(b.layers) : 0;
}

void layer_columns(std::ostream& o, const brain_config& b, const char* prefix) {
  if (b.kind != brain_kind::spiking) return;
  for (int l = 0; l < b.layers; ++l) o << "," << prefix << (l + 1);
}

void write_episodes_csv(const train_result& r, const std::vector<std::vector<episode_record>>& records,
                        const fs::path& out) {
  atomic_file f(out / "episodes.csv");
  auto& o = f.stream();
  o << "session,seed,episode,success,steps,outcome,reward,loss,learning_rate,beta,entropy,grad_norm,foods,"
       "distance_efficiency,sops";
  layer_columns(o, r.cfg.brain, "spikes_l");
  o << "\n";
  for (std::size_t k = 0; k < records.size(); ++k)
    for (const auto& e : records[k]) {
      o << fmt::format("{},{},{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{},{:.6g},{}", e.session,
                       r.per_session[k].seed,
                       e.episode, e.success ? 1 : 0, e.steps, e.outcome, e.reward, e.loss, e.lr, e.beta, e.entropy,
                       e.grad_norm, e.foods, e.distance_efficiency, e.sops);
      for (auto x : e.spikes) o << "," << x;
      o << "\n";
    }
  f.commit();
}

// sessions.csv, and the per-session entries of summary.json.
nlohmann::json write_sessions_csv(const train_result& r, const fs::path& out) {
  nlohmann::json js = nlohmann::json::array();
  atomic_file f(out / "sessions.csv");
  auto& o = f.stream();
  o << "session,seed,episodes,success_rate,last30_success,last30_steps,path_efficiency,convergence_run,"
       "post_success,post_variance,composite,mean_foods,wall_seconds,episodes_per_second";
  layer_columns(o, r.cfg.brain, "spike_rate_l");
  const bool status = r.failed() > 0;  // the status column appears only in runs with a failed session
  o << (status ? ",status\n" : "\n");
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
    for (std::size_t l = m.spike_rate.size(); l < spiking_layers(r.cfg.brain); ++l) o << ",";
    if (status) o << (s.failed() ? ",failed" : ",finished");
    o << "\n";
    js.push_back({{"session", k}, {"seed", s.seed}, {"episodes", s.episodes},
                  {"success_rate", m.success_rate}, {"last30_success", m.last30_success},
                  {"last30_steps", m.last30_steps}, {"path_efficiency", m.path_efficiency},
                  {"convergence_run", m.convergence_run}, {"post_success", m.post_success},
                  {"post_variance", m.post_variance}, {"composite", m.composite}, {"mean_foods", m.mean_foods},
                  {"spike_rate", m.spike_rate}, {"wall_seconds", wall}, {"error", s.error}});
    if (r.final_eval > 0) {  // null for a failed session
      js.back()["greedy_eval_success"] = s.final_eval ? nlohmann::json(s.final_eval->success_rate()) : nlohmann::json();
      js.back()["greedy_eval_steps"] = s.final_eval ? nlohmann::json(s.final_eval->mean_steps_success) : nlohmann::json();
    }
    if (status) js.back()["status"] = s.failed() ? "failed" : "finished";
  }
  f.commit();
  return js;
}

// What a run writes into its folder, and so what --force clears: nothing else is touched (docs/training.md).
bool run_output(const fs::path& p) {
  const auto name = p.filename().string();
  const auto ext = p.extension().string();
  if (name == "weights" || name == "checkpoints" || name == "plots") return true;
  if (name == "config.toml" || name == "train.log") return true;
  return !fs::is_directory(p) && (ext == ".json" || ext == ".csv" || ext == ".png");
}

// A fresh run refuses a folder that holds anything but its lock, unless --force; --force clears the run's outputs.
void claim_fresh_folder(const fs::path& dir, bool force) {
  std::vector<fs::path> outputs;
  bool other = false;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() == ".spikeworm.lock") continue;
    if (run_output(e.path()))
      outputs.push_back(e.path());
    else
      other = true;
  }
  if (!force && (other || !outputs.empty()))
    throw error(fmt::format("{} is not empty: give --force to replace the run there, or choose another --out",
                            dir.string()));
  for (const auto& p : outputs) fs::remove_all(p);
}

// FNV-1a, 64 bits (core/checksum.hpp): stable across builds and machines.
std::uint64_t fnv1a(const std::string& text) {
  return fnv1a64({reinterpret_cast<const unsigned char*>(text.data()), text.size()});
}
std::string text_hash(const std::string& text) { return fmt::format("{:016x}", fnv1a(text)); }

// checkpoints/origin.json: the config and options every checkpoint of the folder was made under, written
// before the first checkpoint; resume refuses checkpoints made under anything else (docs/training.md).
nlohmann::json origin_of(const train_result& r, const run_meta& meta, const init_source& init,
                         const std::string& config_text) {
  nlohmann::json o{{"config_hash", text_hash(config_text)}, {"env", envs::kind_name(r.cfg.env.kind)},
                   {"brain", std::string(brain_kind_name(r.cfg.brain.kind))}, {"sessions", meta.sessions},
                   {"seed", meta.seed}};
  if (!init.empty()) {  // docs/training.md, "Transfer"
    o["init_weights"] = meta.init_weights;
    o["init_weights_hash"] = fmt::format("{:016x}", init.hash);
  }
  return o;
}

void check_origin(const train_result& r, const nlohmann::json& now) {
  const auto file = r.dir / "checkpoints" / "origin.json";
  bool any = false;
  for (int k = 0; k < r.sessions && !any; ++k) any = fs::exists(checkpoint_of(r.dir, static_cast<std::size_t>(k)));
  if (!any) return;
  if (!fs::exists(file))
    throw error(fmt::format("{}: missing, so the checkpoints there cannot be matched to this run's config", file.string()));
  const auto was = nlohmann::json::parse(slurp(file), nullptr, false);
  std::string diff;
  for (const auto& [key, value] : now.items())
    if (was.is_discarded() || !was.contains(key) || was[key] != value)
      diff += fmt::format("{}{} {} (checkpoints) vs {} (now)", diff.empty() ? "" : "; ", key,
                          was.is_discarded() || !was.contains(key) ? "?" : was[key].dump(), value.dump());
  if (!diff.empty())
    throw error(fmt::format("{}: the checkpoints were made under another run: {}", r.dir.string(), diff));
}

}  // namespace

fs::path resolve_config_path(const std::string& value, const fs::path& config) {
  const fs::path p(value);
  return fs::absolute(p.is_absolute() ? p : config.parent_path() / p).lexically_normal();
}

memory_estimate training_memory(const experiment_config& cfg, int concurrent_sessions) {
  const auto one = estimate_session_memory(cfg);
  const double base = 64.0 * (1 << 20);  // the process, its libraries and thread pool
  const double bytes = base + static_cast<double>(one.bytes) * concurrent_sessions;
  memory_estimate e;
  e.bytes = bytes >= 0x1p63 ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(bytes);
  e.detail = fmt::format("{} session{} at once, each {}: {}", concurrent_sessions, concurrent_sessions == 1 ? "" : "s",
                         format_bytes(one.bytes), one.detail);
  return e;
}

namespace {

// The run folder before any session starts (or the stage that stands for it): locked, cleared for a fresh run,
// checked against the checkpoints when resuming, and origin.json, config.toml and run.json written.
void prepare_folder(const train_options& opt, const train_result& r, const run_meta& meta, const init_source& init,
                    const std::string& config_text, std::optional<folder_lock>& lock) {
  const fs::path& out = meta.out;
  ensure_directory(out);
  lock.emplace(out);  // one writer per run folder (docs/training.md, "The run folder")
  if (opt.resume.empty()) claim_fresh_folder(out, opt.force);
  ensure_directory(out / "checkpoints");
  ensure_directory(out / "weights");
  for (const char* sub : {"", "checkpoints", "weights"}) remove_stale_temporaries(out / sub);  // docs/reliability.md
  const auto origin = origin_of(r, meta, init, config_text);
  if (!opt.resume.empty()) check_origin(r, origin);
  write_file_atomically(out / "checkpoints" / "origin.json", json_text(origin));
  if (opt.resume.empty()) write_file_atomically(out / "config.toml", config_text);
  nlohmann::json run_json{{"config", r.config_path.string()},
                          {"sessions", meta.sessions},
                          {"episodes", meta.episodes},
                          {"seed", meta.seed},
                          {"checkpoint_every", meta.checkpoint_every}};
  if (!init.empty()) run_json["init_weights"] = meta.init_weights;  // what train --resume starts from
  write_file_atomically(out / "run.json", json_text(run_json));
}

// episodes.csv, sessions.csv and summary.json from every session's records.
void write_results(train_result& r, const run_meta& meta, const std::vector<std::vector<episode_record>>& records) {
  r.foraging = r.cfg.env.kind != envs::env_kind::static_goal;
  r.optimum = envs::environment(r.cfg.env).optimal_steps();
  write_episodes_csv(r, records, meta.out);
  for (std::size_t k = 0; k < records.size(); ++k) {
    auto& s = r.per_session[k];
    s.episodes = static_cast<int>(records[k].size());
    s.metrics = compute_metrics(records[k], r.optimum, r.foraging, r.cfg.brain);
  }
  const nlohmann::json per_session = write_sessions_csv(r, meta.out);
  nlohmann::json summary{{"config", r.config_path.string()}, {"brain", std::string(brain_kind_name(r.cfg.brain.kind))},
                         {"algorithm", std::string(train_algorithm_name(r.cfg.train.algorithm))},
                         {"env", envs::kind_name(r.cfg.env.kind)}, {"preset", r.cfg.env.preset},
                         {"sessions", meta.sessions}, {"episodes", meta.episodes}, {"seed", meta.seed},
                         {"threads", r.threads}, {"optimum", r.optimum}, {"wall_seconds", r.wall_seconds},
                         {"final_eval_episodes", r.final_eval}, {"per_session", per_session}};
  if (r.final_eval > 0) {
    policy_figures all;
    for (const auto& s : r.per_session)
      if (s.final_eval) all.add(*s.final_eval);
    summary["greedy_eval"] = all.to_json();  // over the finished sessions
  }
  if (r.failed() > 0) {
    nlohmann::json failed = nlohmann::json::array();
    for (std::size_t k = 0; k < r.per_session.size(); ++k)
      if (r.per_session[k].failed()) failed.push_back(k);
    summary["failed_sessions"] = failed;  // excluded from the means of the printed summary
  }
  write_file_atomically(meta.out / "summary.json", json_text(summary));
}

}  // namespace

void clear_run_outputs(const fs::path& dir) {
  ensure_directory(dir);
  claim_fresh_folder(dir, true);
}

namespace {
std::size_t parameter_count(const brain_config& b) {
  const auto brain = make_brain(b, 1);
  std::size_t n = 0;
  for (const auto& p : brain->params()) n += p.value.size();
  return n;
}
}  // namespace

train_result train(const train_options& opt, const train_callback& progress) {
  train_result r;
  std::string config_text;
  run_meta meta = resolve(opt, r, config_text);
  if (!opt.stage_dir.empty() && !opt.resume.empty()) throw internal_error("train: a stage folder with --resume");
  // The checkpoints' config hash: the config text and the run's shape (sessions, seed), and the init weights'
  // bytes when the run starts from some.
  const init_source init = load_init(meta, r);  // before any work and before the run folder is written
  meta.config_hash = init.empty() ? fnv1a(fmt::format("{}\n{} {}", config_text, meta.sessions, meta.seed))
                                  : fnv1a(fmt::format("{}\n{} {}\ninit {:016x}", config_text, meta.sessions,
                                                      meta.seed, init.hash));
  // Over ranks, session k runs on rank k mod R and rank 0 alone writes the run folder; the other ranks write
  // their sessions' checkpoints and weights into a scratch folder and send them to rank 0 (docs/scaling.md).
  const bool spread = opt.spread && mpi::spread();
  const bool writer = !spread || mpi::rank() == 0;
  for (std::size_t k = 0; k < static_cast<std::size_t>(meta.sessions); ++k)
    if (!spread || mpi::owner(k) == mpi::rank()) meta.mine.push_back(k);
  std::optional<scratch_dir> scratch;
  if (!writer) scratch.emplace();
  meta.out = scratch ? scratch->path() : opt.stage_dir.empty() ? r.dir : fs::path(opt.stage_dir);
  r.threads = worker_threads(opt.threads);
  const int concurrent = std::min(r.threads, static_cast<int>(meta.mine.size()));
  check_memory("training", training_memory(r.cfg, std::max(1, concurrent)), opt.max_memory);
  check_cma_covariance(r.cfg.train, parameter_count(r.cfg.brain));  // before the run folder is touched
  std::optional<folder_lock> lock;
  if (writer) {
    prepare_folder(opt, r, meta, init, config_text, lock);
  } else {
    ensure_directory(meta.out / "checkpoints");
    ensure_directory(meta.out / "weights");
  }
  std::vector<std::vector<episode_record>> records(static_cast<std::size_t>(meta.sessions));
  r.per_session.resize(records.size());
  const auto start = std::chrono::steady_clock::now();
  run_sessions(records, meta, r, !opt.resume.empty(), init, progress);
  int stopped = opt.stop ? opt.stop->load() : 0;
  if (spread) {
    gather_sessions(records, r.per_session, meta.mine, meta.out, r.dir);
    stopped = mpi::max_over_ranks(stopped);
    r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();  // every rank's
  }
  if (stopped != 0) {
    r.interrupted = stopped;
    return r;  // checkpoints only: train --resume continues exactly (docs/training.md)
  }
  if (writer) write_results(r, meta, records);
  return r;
}

}  // namespace spikeworm::app
