// Work shared between MPI ranks by train, sweep and eval (docs/scaling.md, "Training, sweeps and evaluation over
// ranks"): results as bytes (one field list per struct), the files of a folder sent to rank 0, and the private
// folder a rank other than 0 writes into, since only rank 0 writes into the output folder.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "spikeworm/app/sweep.hpp"
#include "spikeworm/app/train.hpp"
#include "spikeworm/core/bytes.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {

// Field lists for byte_writer and byte_reader. Every field is listed: a result read back on rank 0 is the result
// the other rank computed, bit for bit (the sizes checked in ranks.cpp catch a field added to a struct).
template <class A>
void fields(A& a, policy_figures& p) {
  a(p.episodes, p.successes, p.mean_steps_success, p.median_steps_success, p.decisions, p.spikes, p.timeouts,
    p.starved, p.killed, p.foods, p.success_steps, p.episode_steps, p.episode_foods, p.episode_returns,
    p.episode_ends);
}
template <class A>
void fields(A& a, agent_figures& x) {
  a(x.greedy, x.sampled);
}
template <class A>
void fields(A& a, layer_counts& l) {
  a(l.name, l.neurons, l.fan_out, l.spikes, l.sops, l.updates, l.events);
}
template <class A>
void fields(A& a, eval_result& r) {
  a(r.brain_type, r.engine, r.encoder, r.n_obs, r.n_input, r.hidden, r.layers, r.steps, r.n_actions, r.agents);
  a(r.episodes, r.successes, r.mean_steps_success, r.mean_reward, r.mean_foods, r.decisions, r.session_successes);
  a(r.policy, r.greedy, r.sampled, r.per_agent, r.layers_counts, r.dense_updates, r.input_spikes, r.input_fan_out);
  a(r.input_macs, r.head_macs, r.clock_macs, r.ann_macs, r.mlp_macs, r.synapses, r.dense_weights, r.mlp_hidden,
    r.mlp_layers, r.dt_ms, r.parameters, r.state_values, r.connection_weights, r.zero_weights, r.seconds);
}
template <class A>
void fields(A& a, episode_record& e) {
  a(e.session, e.episode, e.success, e.steps, e.outcome, e.reward, e.loss, e.lr, e.beta, e.entropy, e.grad_norm,
    e.foods, e.distance_efficiency, e.spikes, e.sops);
}
template <class A>
void fields(A& a, session_metrics& m) {
  a(m.success_rate, m.last30_success, m.last30_steps, m.path_efficiency, m.convergence_run, m.post_success,
    m.post_variance, m.composite, m.spike_rate, m.mean_foods);
}

namespace app {

template <class A>
void fields(A& a, session_result& s) {
  a(s.seed, s.episodes, s.metrics, s.wall_seconds, s.error, s.checkpoint_episode, s.weights_written, s.final_eval,
    s.final_eval_seconds);
}
template <class A>
void fields(A& a, sweep_point& p) {
  a(p.name, p.label, p.values, p.brain, p.last30_success, p.last30_steps, p.success_rate, p.eval_success, p.eval_steps,
    p.sampled_success, p.sampled_steps, p.firing_rate, p.firing_rate_hz, p.energy_pj, p.mlp_energy_pj, p.pareto,
    p.pareto_sampled);
}

// A private folder outside every output folder (under the system's temporary folder, named by pid and rank),
// removed with the object: where a rank other than 0 writes what rank 0 then writes into the output folder.
class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// The files under a folder: (path relative to it, bytes), sorted by path; without the folder's lock file and
// atomic_file's temporaries (names starting with a dot).
using folder_files = std::vector<std::pair<std::string, std::string>>;
folder_files read_folder(const std::filesystem::path& dir);
// Writes each file into `dir` atomically, creating folders as needed.
void write_folder(const folder_files& files, const std::filesystem::path& dir);

// evaluate_files over every rank: agent k on rank k mod R; rank 0 gets the merged result (in ascending agent
// order, as one process merges), other ranks an empty one. One rank: evaluate_files itself.
eval_result evaluate_over_ranks(const experiment_config& cfg, const std::vector<std::string>& files,
                                const eval_options& opt, int threads, std::atomic<int>* done);

// After training over ranks: every rank sends the sessions it ran (`mine`: their results and episode records, and
// the files it wrote under `written`, its scratch folder) to rank 0, which puts them into `records` and
// `per_session` and writes the files into the run folder `dir`. Rank 0's own sessions wrote there directly.
void gather_sessions(std::vector<std::vector<episode_record>>& records, std::vector<session_result>& per_session,
                     const std::vector<std::size_t>& mine, const std::filesystem::path& written,
                     const std::filesystem::path& dir);

}  // namespace app
}  // namespace spikeworm
