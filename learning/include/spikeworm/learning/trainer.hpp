// Training sessions: an environment, a brain and REINFORCE; metrics (docs/training.md); checkpoints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/reinforce.hpp"

namespace spikeworm {

struct experiment_config {
  envs::env_config env;
  brain_config brain;
  train_config train;
};

// The critic of train.critic: a dense brain (two ReLU layers of critic_hidden units, one output) over the raw
// observation, its weights drawn from a stream keyed by the session's seed apart from the policy's.
brain_config critic_config(const train_config& tc);
std::uint64_t critic_seed(std::uint64_t session_seed) noexcept;

// Reads [env], [brain] and [train]; any other top-level key is an error naming it.
experiment_config read_experiment(const table_reader& root);

// Peak memory of one training session (brain, optimiser and one episode's tapes), from the config alone.
memory_estimate estimate_session_memory(const experiment_config& cfg);

struct episode_record {
  int session = 0, episode = 0;
  bool success = false;
  int steps = 0;
  std::string outcome;
  double reward = 0, loss = 0, lr = 0, beta = 0, entropy = 0, grad_norm = 0;
  int foods = 0;
  double distance_efficiency = 0;
  std::vector<std::uint64_t> spikes;  // per hidden layer, summed over the episode's decisions
  std::uint64_t sops = 0;
};

struct session_metrics {
  double success_rate = 0, last30_success = 0, last30_steps = 0, path_efficiency = 0;
  int convergence_run = -1;  // first index i >= 20 with success[i..i+9] all true, else -1
  double post_success = 0, post_variance = 0, composite = 0;
  std::vector<double> spike_rate;  // per layer: spikes / (neurons x steps x decisions)
  double mean_foods = 0;
};

session_metrics compute_metrics(const std::vector<episode_record>& records, int optimum, bool foraging,
                                const brain_config& brain);

// CMA-ES with a full covariance past 10,000 parameters: an error stating the memory it would need.
void check_cma_covariance(const train_config& t, std::size_t parameters);

class session {
 public:
  session(const experiment_config& cfg, int index, std::uint64_t seed);
  // Plays one episode and learns from it (an update every batch_size episodes). With train.algorithm = cmaes
  // the first episode of a generation plays the whole generation (cma_trainer.cpp) and each call returns the
  // next of its records; the brain holds the search mean between generations.
  const episode_record& run_episode();
  int episodes_done() const noexcept { return static_cast<int>(records_.size()); }
  const std::vector<episode_record>& records() const noexcept { return records_; }
  brain& policy() noexcept { return *brain_; }
  int index() const noexcept { return index_; }
  // train.critic: mean over the last episode's decisions of (V(s_t) - G_t)^2, before its update (0 without).
  double last_critic_error() const noexcept { return critic_error_; }
  std::uint64_t seed() const noexcept { return seed_; }

  // The complete training state, written atomically; load() restores it exactly.
  void save(const std::filesystem::path& file) const;
  // load() throws spikeworm::error naming the file when it is corrupt, of another session or brain, holds
  // non-finite values, or was made under another config hash; the session is unchanged then.
  void load(const std::filesystem::path& file);
  // The hash of the config and options the run is made under: written into the checkpoint's header by save(),
  // and load() refuses a checkpoint whose stored hash differs (docs/training.md, "File formats"). Default 0.
  void set_config_hash(std::uint64_t h) noexcept { config_hash_ = h; }
  std::uint64_t config_hash() const noexcept { return config_hash_; }
  // The threads a CMA-ES session evaluates a generation's episodes on (default 1); results do not depend on it.
  void set_threads(int threads) noexcept { threads_ = threads; }

 private:
  class player;  // the episode's decisions: samples actions, keeps inputs, probabilities and rewards
  // Gradients of the episode's loss (REINFORCE with the activity penalty) over its n decisions; returns the loss.
  double accumulate_gradients(const episode_record& rec, std::size_t n, int episode);
  void update_baseline(std::size_t n);
  struct cma_state;  // CMA-ES sessions: the strategy, the evaluation workers, the generation's records
  const episode_record& run_cma_episode();
  void run_cma_generation();
  struct cma_deleter {
    void operator()(cma_state* p) const noexcept;
  };
  std::unique_ptr<cma_state, cma_deleter> cma_;
  int threads_ = 1;

  experiment_config cfg_;
  int index_;
  std::uint64_t seed_;
  envs::environment env_;
  std::unique_ptr<brain> brain_;
  adam opt_;
  // train.critic: the value network V(observation) (a dense brain with one output) and its optimiser.
  std::unique_ptr<brain> critic_;
  std::unique_ptr<adam> critic_opt_;
  double critic_error_ = 0.0;
  double baseline_ = 0.0;
  bool baseline_set_ = false;
  int pending_ = 0;  // episodes accumulated in the gradients since the last update
  std::uint64_t config_hash_ = 0;  // of the config and options the run was made under (0: none)
  std::vector<episode_record> records_;
  // per-episode buffers
  std::vector<std::vector<double>> inputs_;
  std::vector<std::array<double, envs::observation_size>> observations_;  // critic: the raw observations
  std::vector<int> actions_;
  std::vector<double> rewards_;
  std::vector<action_values> probs_;
  std::vector<std::uint64_t> decision_spikes_;  // [decision][layer]: spikes of each hidden layer
};

// Trained weights in the documented format of docs/training.md ("SWWT" v2), PyTorch layout.
// read_weights checks length and checksum first, refuses non-finite values; params change only on success.
void write_weights(const std::filesystem::path& file, const std::vector<param_tensor>& params);
void read_weights(const std::filesystem::path& file, std::vector<param_tensor>& params);
// read_weights in two steps: the file's values (row-major, one vector per tensor) checked against the names and
// shapes of `params` (the error names the file, the tensor and both shapes, or both tensor lists for another
// brain), then their assignment to tensors of those shapes.
std::vector<std::vector<float>> read_weight_values(const std::filesystem::path& file,
                                                   const std::vector<param_tensor>& params);
void assign_weights(const std::vector<std::vector<float>>& values, std::vector<param_tensor>& params);

}  // namespace spikeworm
