// Evaluation of trained agents (docs/training.md): play episodes with frozen weights and count, per decision
// and per layer, what the spiking brain did (spikes, SOPs, neuron updates, events) and what a dense
// execution of the same computation would have done (MACs).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {

// How a spiking brain's decisions are executed:
//   event: the event-driven engine on the brain's own network (the default);
//   clock: the clock-driven reference stepper on the same network;
//   dense: the trainer's forward pass (every neuron, every step; what BPTT differentiates).
enum class eval_engine : std::uint8_t { event, clock, dense };
eval_engine parse_eval_engine(std::string_view name);  // throws error naming an unknown engine
std::string_view eval_engine_name(eval_engine e) noexcept;

// How actions are chosen (docs/energy.md, "Greedy and sampled"): greedy takes the argmax of the logits,
// sampled draws from softmax(logits) as training does; both plays each episode both ways.
enum class eval_policy : std::uint8_t { greedy, sampled, both };
eval_policy parse_eval_policy(std::string_view name);  // throws error naming an unknown policy
std::string_view eval_policy_name(eval_policy p) noexcept;

struct eval_options {
  eval_engine engine = eval_engine::event;
  int episodes = 100;
  std::uint64_t seed = 1000;  // episode k starts from envs::episode_seed(seed, k), for every agent
  eval_policy policy = eval_policy::greedy;
  // The agent's index in its run: sampled actions of agent i, episode k draw from their own stream
  // rng(seed, {policy, k, 2, i}), so a result depends on neither the thread count nor the other agents.
  std::uint64_t agent = 0;
};

// The task figures of one policy (greedy or sampled) over an agent's episodes, or summed over agents.
struct policy_figures {
  int episodes = 0, successes = 0;
  double mean_steps_success = 0, median_steps_success = 0;  // of the successful episodes (0: none)
  std::uint64_t decisions = 0, spikes = 0;                   // spikes: every hidden layer (0 for an MLP)
  // How the episodes ended besides success, and the foods eaten (foraging): docs/environments.md.
  int timeouts = 0, starved = 0, killed = 0;
  std::uint64_t foods = 0;
  std::vector<int> success_steps;                            // not written: what the medians are made of
  // Each episode in play order (not written; the Python module's per-episode arrays, docs/python.md): its
  // steps, return (summed reward), foods eaten and how it ended.
  std::vector<int> episode_steps, episode_foods;
  std::vector<double> episode_returns;
  std::vector<envs::outcome> episode_ends;
  double success_rate() const noexcept { return episodes ? static_cast<double>(successes) / episodes : 0.0; }
  double mean_foods() const noexcept { return episodes ? static_cast<double>(foods) / episodes : 0.0; }
  double spikes_per_decision() const noexcept {
    return decisions ? static_cast<double>(spikes) / static_cast<double>(decisions) : 0.0;
  }
  nlohmann::json to_json() const;
  void add(const policy_figures& o);  // the figures of both sets of episodes (medians recomputed)
};

// One agent's figures, per policy evaluated.
struct agent_figures {
  std::optional<policy_figures> greedy, sampled;
};

// Sums over every decision of an evaluation. Per-decision figures are these / decisions.
struct layer_counts {
  std::string name;             // L1, L2, ... (the engine population names)
  std::uint64_t neurons = 0;
  std::uint64_t fan_out = 0;    // synapses per neuron of this layer (next layer, or the readout)
  std::uint64_t spikes = 0;
  std::uint64_t sops = 0;       // spikes x fan-out (the last layer's fan-out is the readout)
  std::uint64_t updates = 0;    // neuron state updates performed
  std::uint64_t events = 0;     // entries the event engine queued
};

struct eval_result {
  // what was evaluated
  brain_kind brain_type = brain_kind::spiking;
  std::string engine;            // event, clock, dense (mlp: dense)
  std::string encoder;
  int n_obs = envs::observation_size, n_input = envs::observation_size, hidden = 0, layers = 0, steps = 1,
      n_actions = envs::num_actions, agents = 0;
  // task figures
  int episodes = 0, successes = 0;
  double mean_steps_success = 0;  // mean steps of the successful episodes
  double mean_reward = 0, mean_foods = 0;
  std::uint64_t decisions = 0;
  std::vector<int> session_successes;  // per agent
  // The policy the figures above and the activity counts below are of: greedy when it was evaluated, else
  // sampled. `greedy` and `sampled` hold each policy's figures over every agent, per_agent each agent's.
  std::string policy = "greedy";
  std::optional<policy_figures> greedy, sampled;
  std::vector<agent_figures> per_agent;
  // activity (spiking) and dense equivalents, summed over decisions
  std::vector<layer_counts> layers_counts;
  std::uint64_t dense_updates = 0;       // neurons x steps: what a clock-driven run updates
  std::uint64_t input_spikes = 0;        // rate / latency encoders: input spikes (fan-out input_fan_out each)
  std::uint64_t input_fan_out = 0;
  // per decision (constant)
  std::uint64_t input_macs = 0;          // dense first layer on the real-valued input (once per decision;
                                         // 0 for spike-train encoders, whose input layer is synapses)
  std::uint64_t head_macs = 0;           // the dense head on the last layer's spike counts (readout = dense;
                                         // docs/training.md, "Hybrid head"), once per decision
  std::uint64_t clock_macs = 0;          // every synapse of the spiking network every step, readout included
  std::uint64_t ann_macs = 0;            // one pass of a dense ANN of the same shape (ReLU units)
  std::uint64_t mlp_macs = 0;            // one pass of the MLP baseline (brain = mlp: this brain)
  std::uint64_t synapses = 0;            // weights of the spiking network (hidden-to-hidden and readout)
  std::uint64_t dense_weights = 0;       // weights of the dense first layer
  int mlp_hidden = 64, mlp_layers = 2;
  double dt_ms = 1.0;                    // the brain's step [ms]: firing rates in Hz are per step x 1000 / dt_ms
  // The model (docs/energy.md, "NeuroBench"): one agent's trainable values and state, and the connection
  // weights of every agent with the exactly-zero ones among them.
  std::uint64_t parameters = 0;          // weights and biases of one agent (float32 each)
  std::uint64_t state_values = 0;        // membrane potentials held across steps (spiking: L x H, double each)
  std::uint64_t connection_weights = 0;  // weights of the connection matrices, summed over agents
  std::uint64_t zero_weights = 0;        // of those, the ones exactly zero
  double seconds = 0;                    // wall time of the brain's passes only
  nlohmann::json to_json() const;
  // Every field type- and range-checked (docs/training.md, "File formats"): throws error naming the key.
  static eval_result from_json(const nlohmann::json& j);
  double success_rate() const noexcept { return episodes ? static_cast<double>(successes) / episodes : 0.0; }
  double per_decision(std::uint64_t total) const noexcept {
    return decisions ? static_cast<double>(total) / static_cast<double>(decisions) : 0.0;
  }
  double firing_rate(std::size_t layer) const noexcept;  // spikes / (neurons x steps x decisions)
  double firing_rate_hz(std::size_t layer) const noexcept { return firing_rate(layer) * 1000.0 / dt_ms; }
  // NeuroBench's metrics under their names, per decision (a decision is NeuroBench's sample): docs/energy.md.
  nlohmann::json neurobench() const;
};

// Empty when `got` (eval.json's `neurobench`) holds the numbers of `want` (eval_result::neurobench()) to 1e-9
// relative, else what differs.
std::string neurobench_mismatch(const nlohmann::json& got, const nlohmann::json& want);

class spiking_brain;
class engine;
class network;
struct spike;

// One decision of a spiking brain on an engine over `net`: the brain's own network, or a quantized copy of
// it (learning/deploy). drive() gives the float currents of an observation (layer 1: its constant current,
// or the folded bias W_1 b_in + b_1 for spike-train encoders; later layers: their biases) and keeps the
// input spikes of spike-train encoders (IN emits row t at engine step t + 1 and layer 1 receives it one step
// later, as in the brain's pass). run() resets the engine with `currents` (drive()'s, or a transform of
// them) and those spikes, runs T steps and reads out the logits from the last layer's spike counts.
class brain_runner {
 public:
  brain_runner(spiking_brain& b, const network& net, std::string_view engine_kind);
  ~brain_runner();
  brain_runner(const brain_runner&) = delete;
  brain_runner& operator=(const brain_runner&) = delete;
  std::span<const double> drive(std::span<const double> in);
  void run(std::span<const double> currents, std::span<double> logits);
  const engine& eng() const noexcept { return *eng_; }

 private:
  spiking_brain& b_;
  std::unique_ptr<engine> eng_;
  std::vector<double> cur_, counts_;
  std::vector<spike> inputs_;
};

// Evaluates one agent with frozen weights: each episode greedy, sampled or both (opt.policy).
eval_result evaluate(const experiment_config& cfg, brain& agent, const eval_options& opt);
// Adds b's counts and episodes to a (same brain shape).
void merge(eval_result& a, const eval_result& b);
// Loads each weight file (write_weights layout) into a brain of cfg and evaluates it with the same
// episode seeds (agent k with opt.agent = k); counts are summed over agents. Agents run in parallel on `threads` threads; the result
// does not depend on it. `done` (may be null) is incremented after every episode.
eval_result evaluate_files(const experiment_config& cfg, const std::vector<std::string>& weight_files,
                           const eval_options& opt, int threads, std::atomic<int>* done = nullptr);
// The agents `which` (indices into weight_files) alone, each with opt.agent = its index: one result per agent,
// in the order of `which`; merged in ascending index they give evaluate_files' result (docs/scaling.md).
std::vector<eval_result> evaluate_agents(const experiment_config& cfg, const std::vector<std::string>& weight_files,
                                        const std::vector<std::size_t>& which, const eval_options& opt, int threads,
                                        std::atomic<int>* done = nullptr);

}  // namespace spikeworm
