// spikeworm train as an operation: independent REINFORCE sessions in parallel, with checkpoints, exports
// (episodes.csv, sessions.csv, summary.json, weights/) and a typed result; docs/training.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::app {

struct train_options {
  std::string config;       // experiment configuration; empty when resuming
  std::string resume;       // a run folder to continue from its checkpoints
  std::string out_dir;      // default runs/train
  int sessions = 0;         // 0: from the config
  int episodes = 0;         // 0: from the config
  int threads = 0;          // 0: worker_threads' default
  long long seed = -1;      // < 0: from the config
  int checkpoint_every = 0;
  // Transfer (docs/training.md, "Transfer"): a weights file or a run folder every session starts from;
  // overrides [train] init_weights; relative to the working folder. Empty: the config's key, if any.
  std::string init_weights;
  // Greedy episodes each finished agent plays after training, on the event engine with eval's episode seeds
  // (docs/training.md, "Outputs"); 0: none.
  int final_eval = 20;
  bool force = false;        // --out may hold files: clear what the run writes first (docs/training.md)
  std::uint64_t max_memory = 0;  // refuse a run whose estimated peak memory exceeds it (0: the machine's)
  // Over MPI ranks (docs/scaling.md): with `spread` the sessions are shared between the ranks (session k on rank
  // k mod R) and rank 0 writes the run folder; without, this process runs every session itself (a sweep point on
  // one rank). `stage_dir`, when given, receives every file the run writes instead of out_dir, which still names
  // the run in what is written (the files and the report); a fresh run only, no --resume.
  bool spread = true;
  std::string stage_dir;
  // Set (to the signal number) by a signal handler: every running session checkpoints at its next episode
  // boundary and train returns with train_result::interrupted (docs/training.md, "Interrupting a run").
  const std::atomic<int>* stop = nullptr;
};

// Reported once before training (record null: the episodes done so far, when resuming) and after every
// episode, one call at a time (from the worker threads).
struct train_progress {
  std::size_t session = 0;
  const episode_record* record = nullptr;
  std::uint64_t done = 0, total = 0;  // episodes of every session
};
using train_callback = std::function<void(const train_progress&)>;

struct session_result {
  std::uint64_t seed = 0;
  int episodes = 0;
  session_metrics metrics;
  double wall_seconds = 0;
  std::string error;  // empty unless the session stopped on an error (docs/training.md, "Failure")
  int checkpoint_episode = -1;  // episodes in the newest checkpoint this session has on disk; -1: none
  bool weights_written = false;  // weights/session_K.bin exported by this run (finished sessions only)
  std::optional<policy_figures> final_eval;  // the final greedy evaluation (finished sessions, final_eval > 0)
  double final_eval_seconds = 0;             // its wall time (not in wall_seconds)
  bool failed() const noexcept { return !error.empty(); }
};

struct train_result {
  std::filesystem::path dir, config_path;
  experiment_config cfg;
  int sessions = 0, episodes = 0, threads = 0;
  int final_eval = 0;  // greedy episodes per finished agent after training (0: none)
  std::uint64_t seed = 0;
  std::string init_weights;  // the absolute path the sessions started from; empty: the initialisation
  int optimum = -1;
  bool foraging = false;
  double wall_seconds = 0;
  std::vector<session_result> per_session;
  int interrupted = 0;  // the signal that stopped the run (its checkpoints are written, nothing else); 0: none
  int failed() const noexcept;
};

// Peak memory of training `concurrent_sessions` sessions of `cfg` at once (sessions are built lazily, at most
// one per thread).
memory_estimate training_memory(const experiment_config& cfg, int concurrent_sessions);

// The [train] init_weights value of the config file `config`: a relative path is taken relative to the
// config file's folder (docs/training.md, "Transfer").
std::filesystem::path resolve_config_path(const std::string& value, const std::filesystem::path& config);

// Trains, writes the run folder and returns the figures; throws error for bad options or configs.
train_result train(const train_options& opt, const train_callback& progress = {});

// What --force clears in a run folder before a fresh run: weights/, checkpoints/, plots/, *.json, *.csv, *.png,
// config.toml and train.log, nothing else (docs/training.md, "The run folder"). A missing folder is created.
void clear_run_outputs(const std::filesystem::path& dir);

// The tables spikeworm train prints (also written as train.log by sweep).
std::string train_report(const train_result& r);

// What a failed session left behind, for the message that follows its error (docs/training.md, "Failure").
std::string failure_note(const train_result& r, std::size_t k);

}  // namespace spikeworm::app
