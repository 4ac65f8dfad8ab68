// Brains: a policy network mapping an observation to action logits, with gradients of its parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spikeworm/engine/network.hpp"
#include "spikeworm/learning/encoders.hpp"
#include "spikeworm/models/lif.hpp"
#include "spikeworm/learning/surrogate.hpp"

namespace spikeworm {

class table_reader;

// A parameter tensor: a view onto its storage (the brain's own, or the network's edge weights) and its
// gradient. Shapes follow PyTorch (rows = out, cols = in); `transposed` storage is [in][out] (the graph's
// row-major [source][target] view).
struct param_tensor {
  std::string name;
  std::span<float> value;
  std::vector<double> grad;
  std::size_t rows = 0, cols = 1;
  bool transposed = false;
  float& at(std::size_t r, std::size_t c) const noexcept {
    return transposed ? value[c * rows + r] : value[r * cols + c];
  }
  double& grad_at(std::size_t r, std::size_t c) noexcept { return transposed ? grad[c * rows + r] : grad[r * cols + c]; }
};

enum class init_kind : std::uint8_t { kaiming, orthogonal, default_uniform };

// The brain kind: the [brain] key `type` and every report spell it "spiking" or "mlp".
enum class brain_kind : std::uint8_t { spiking, mlp };
brain_kind parse_brain_kind(std::string_view name);  // throws error naming an unknown kind
std::string_view brain_kind_name(brain_kind k) noexcept;

// The spiking brain's readout (docs/training.md, "Hybrid head"): logits from the last layer's spike counts
// through the output layer (spikes), or through a dense ReLU layer of head_hidden units first (dense).
enum class readout_kind : std::uint8_t { spikes, dense };

struct brain_config {
  brain_kind kind = brain_kind::spiking;
  int hidden = 128;              // neurons per hidden layer (spiking) / units (mlp: 64)
  int layers = 2;                // hidden LIF layers (spiking) / hidden ReLU layers (mlp)
  int steps = 100;               // T: LIF steps of dt per decision
  double dt_ms = 1.0;            // [ms] the brain's step: lif times are ms, tau_m / dt_ms steps (docs/training.md)
  lif_params lif;                // times in ms; t_ref must be 0
  surrogate grad;                // surrogate derivative and its alpha
  init_kind init = init_kind::kaiming;
  double output_scale = 0.01;    // kaiming: output weights scaled by this
  bool smooth = false;           // tests only: spikes replaced by surrogate.smooth (differentiable forward)
  encoder enc;                   // observation -> input vector (current or population)
  bool recurrent = false;        // spiking: the last hidden layer also gets its own spikes one step earlier
  double recurrent_scale = 0.3;  // spiking, recurrent: the recurrent weights' initial values are scaled by this
  readout_kind readout = readout_kind::spikes;  // spiking: the readout of the last layer's spike counts
  int head_hidden = 64;          // readout dense: ReLU units of the head
};

brain_config read_brain_config(const table_reader& t);  // the [brain] table

// Per-decision activity of the last forward pass.
struct activity {
  std::vector<std::uint64_t> spikes_per_layer;  // spiking: spikes per hidden layer
  std::uint64_t sops = 0;                       // spikes x fan-out inside the spiking network
};

class brain {
 public:
  virtual ~brain() = default;
  brain(const brain&) = delete;
  brain& operator=(const brain&) = delete;

  // The parameter tensors (views onto the brain's storage or the network's weights) with their gradients.
  std::vector<param_tensor>& params() noexcept { return params_; }
  const std::vector<param_tensor>& params() const noexcept { return params_; }
  int num_actions() const noexcept { return n_act_; }
  // Logits for one observation (no gradient bookkeeping).
  virtual void forward(std::span<const double> obs, std::span<double> logits) = 0;
  // Recomputes the forward pass of one decision with a tape, then accumulates into every grad the
  // gradient of sum_k g_logits[k] * logits[k] + sum_l g_spikes[l] * (spikes of hidden layer l).
  // g_spikes is empty or has one entry per hidden layer (spiking brains; others ignore it).
  virtual void backward(std::span<const double> obs, std::span<const double> g_logits,
                        std::span<const double> g_spikes = {}) = 0;
  // Training: a forward pass that keeps in tape `slot` what backward_train(slot) needs, so a decision's
  // forward pass is not recomputed. Slots are reused episode after episode; release_tapes() frees them.
  virtual void forward_train(std::span<const double> obs, std::span<double> logits, std::size_t slot) = 0;
  virtual void backward_train(std::size_t slot, std::span<const double> g_logits,
                              std::span<const double> g_spikes = {}) = 0;
  virtual void release_tapes() = 0;
  // Per-decision activity of the last forward pass.
  const activity& last_activity() const noexcept { return act_; }
  void zero_grad() noexcept {
    for (auto& p : params())
      std::fill(p.grad.begin(), p.grad.end(), 0.0);
  }

 protected:
  explicit brain(int n_actions) : n_act_(n_actions) {}
  std::vector<param_tensor> params_;
  int n_act_;
  activity act_;
};

std::unique_ptr<brain> make_brain(const brain_config& cfg, int n_obs, int n_actions, std::uint64_t seed);
// A brain for the environments: n_obs from the encoder over envs::observation_size, envs::num_actions.
std::unique_ptr<brain> make_brain(const brain_config& cfg, std::uint64_t seed);

}  // namespace spikeworm
