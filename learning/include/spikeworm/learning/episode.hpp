// One episode loop for every player of the environments: the trainer, evaluation and deployment.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/brain.hpp"

namespace spikeworm {

class rng;

// Logits or probabilities over the environment's actions.
using action_values = std::array<double, envs::num_actions>;

// The encoder steps of a brain: 1 for the constant-input encoders (one row used at every step), else T.
inline int encoder_steps(const brain_config& b) noexcept { return b.enc.constant_input() ? 1 : b.steps; }
// Input-layer values per step (the brain's n_obs) and the encoded input of one decision.
inline int input_width(const brain_config& b) noexcept { return b.enc.width(envs::observation_size); }
inline std::size_t encoded_size(const brain_config& b) noexcept {
  return b.enc.output_size(envs::observation_size, encoder_steps(b));
}

// The decision-maker of an episode. play_episode calls, for decision n = 0, 1, ...:
//   input(n): the buffer (encoded_size values) the observation is encoded into; a player may keep one per
//             decision (the trainer's tapes) or reuse one;
//   act(n, in): the action index in [0, envs::num_actions) for that input; the place to count activity;
//   stepped(n, result): what the environment returned for it.
class episode_player {
 public:
  virtual std::span<double> input(std::size_t n) = 0;
  virtual int act(std::size_t n, std::span<const double> in) = 0;
  virtual void stepped(std::size_t /*n*/, const envs::step_result& /*result*/) {}

 protected:
  episode_player() = default;
  episode_player(const episode_player&) = default;
  episode_player& operator=(const episode_player&) = default;
  ~episode_player() = default;
};

// Resets env with env_seed (envs::episode_seed(run seed, episode)) and plays until the episode ends: per
// decision, observe, encode the observation (envs::to_array) with enc over enc_steps steps drawing from
// enc_rng, let the player act and step. Returns the number of decisions.
std::size_t play_episode(envs::environment& env, std::uint64_t env_seed, const encoder& enc, int enc_steps,
                         rng& enc_rng, episode_player& player);

// Episode figures shared by evaluation and deployment runs (Result: eval_result or chip_run): tally_episode
// adds a finished episode (steps_success sums the steps of the successful ones), finish_tally turns the
// sums into means.
template <class Result>
void tally_episode(Result& r, const envs::episode_info& info, double& steps_success) {
  ++r.episodes;
  if (info.end == envs::outcome::success) {
    ++r.successes;
    steps_success += info.steps;
  }
  r.mean_reward += info.total_reward;
  r.mean_foods += info.foods_eaten;
}
template <class Result>
void finish_tally(Result& r, double steps_success) {
  r.mean_steps_success = r.successes ? steps_success / r.successes : 0.0;
  r.mean_reward /= std::max(1, r.episodes);
  r.mean_foods /= std::max(1, r.episodes);
}

// The first largest value (the greedy action of a logit vector).
int greedy_action(std::span<const double> logits);

}  // namespace spikeworm
