// The MLP baseline (docs/training.md): obs -> 64 -> 64 -> actions with ReLU, trained by the same REINFORCE.
#pragma once

#include "spikeworm/learning/brain.hpp"

namespace spikeworm {

class mlp_brain final : public brain {
 public:
  mlp_brain(const brain_config& cfg, int n_obs, int n_actions, std::uint64_t seed);
  void forward(std::span<const double> obs, std::span<double> logits) override;
  void backward(std::span<const double> obs, std::span<const double> g_logits,
                std::span<const double> g_spikes = {}) override;
  // The MLP is cheap: the tape is the observation, and backward recomputes the forward pass.
  void forward_train(std::span<const double> obs, std::span<double> logits, std::size_t slot) override {
    if (saved_.size() <= slot) saved_.resize(slot + 1);
    saved_[slot].assign(obs.begin(), obs.end());
    forward(obs, logits);
  }
  void backward_train(std::size_t slot, std::span<const double> g_logits, std::span<const double> = {}) override {
    backward(saved_.at(slot), g_logits);
  }
  void release_tapes() override { std::vector<std::vector<double>>().swap(saved_); }
  // Multiply-accumulates of one forward pass.
  std::uint64_t macs_per_pass() const noexcept;

 private:
  std::vector<int> widths_;  // obs, hidden..., actions
  std::vector<float> storage_;
  std::vector<std::vector<double>> a_;  // activations per layer (post-ReLU; a_[0] = obs)
  std::vector<double> g_, g_next_, logits_;
  std::vector<std::vector<double>> saved_;
};

}  // namespace spikeworm
