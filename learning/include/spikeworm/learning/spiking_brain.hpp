// The spiking brain (docs/training.md, "The spiking brain"), trained by a discretized surrogate-gradient pass (BPTT)
// over the engine's own network: hidden-to-hidden weights live in the network's edge storage.
#pragma once

#include <Eigen/Core>

#include "spikeworm/learning/brain.hpp"

namespace spikeworm {

// obs -> c = W_in obs + b_in -> LIF layer 1 driven by the constant current W_1 c + b_1 -> LIF layer k
// receives b_k + W_k . spikes of layer k-1 one step earlier (the engine's delay of one step) -> logits =
// W_out . (spike counts of the last layer over T steps) + b_out, or with readout = dense (the hybrid head)
// W_out relu(W_h counts + b_h) + b_out. Membranes start at v_rest every decision.
// recurrent: the last layer also gets W_rec . (its own spikes one step earlier), synapses L_L -> L_L.
// What the backward pass needs of one decision's forward pass.
struct spike_tape {
  std::vector<double> obs, c, counts;  // input, W_in obs + b_in, last-layer spike counts
  std::vector<float> u;                // [layer][t][neuron]: pre-threshold membrane
  std::vector<std::uint8_t> spiked;    // [layer][t][neuron]: 0/1 spikes
  std::vector<float> s;                // smooth mode only: the real-valued "spikes"
  std::vector<std::uint32_t> fired;    // spiking neurons of each (layer, t): [fired_begin, fired_end)
  std::vector<std::uint32_t> fired_begin, fired_end;
};

class spiking_brain final : public brain {
 public:
  spiking_brain(const brain_config& cfg, int n_obs, int n_actions, std::uint64_t seed);

  void forward(std::span<const double> obs, std::span<double> logits) override;
  void backward(std::span<const double> obs, std::span<const double> g_logits,
                std::span<const double> g_spikes = {}) override;
  void forward_train(std::span<const double> obs, std::span<double> logits, std::size_t slot) override;
  void backward_train(std::size_t slot, std::span<const double> g_logits,
                      std::span<const double> g_spikes = {}) override;
  void release_tapes() override;

  // The engine network: populations "L1".."LL" (lif), projections L_k -> L_{k+1} (all_to_all), and with
  // `recurrent` L_L -> L_L (all_to_all, autapses included).
  network& net() noexcept { return *net_; }
  const network& net() const noexcept { return *net_; }
  // The constant current into layer 1 for an observation, and the constant current (bias) of layer k.
  void layer1_current(std::span<const double> obs, std::span<double> out) const;
  double bias_current(int layer, int neuron) const noexcept;
  // Spike-train encoders: folds W_1 W_in into the IN -> L1 synapses and returns the bias current of layer 1
  // (W_1 b_in + b_1); the engine then runs IN (neurons L H ..) as spike sources.
  std::span<const double> fold_for_engine() {
    fold_input();
    return bf_;
  }
  // Logits from spike counts of the last layer (the readout of forward(), the head included).
  void readout_counts(std::span<const double> counts, std::span<double> logits) const;
  // Multiply-accumulates of the readout per decision beyond the spiking network: the dense head's
  // H x head_hidden + head_hidden x A (readout = dense), 0 for the spike-count readout.
  std::uint64_t head_macs() const noexcept;
  // The tape forward_train(obs, logits, slot) filled: every layer's spikes at every step of that decision.
  const spike_tape& tape(std::size_t slot) const { return tapes_.at(slot); }
  // Spike counts of the last layer from the last forward pass.
  std::span<const double> counts() const noexcept { return count_; }
  const brain_config& config() const noexcept { return cfg_; }
  // Sum of each hidden layer's spikes over the last forward pass (real-valued in smooth mode).
  std::span<const double> smooth_activity() const noexcept { return layer_sum_; }

 private:
  void run(std::span<const double> obs, spike_tape* tape);
  void input_current(std::span<const double> obs);
  const double* layer_input(int k, std::size_t t, std::span<const double> obs);
  void layer_step(int k, std::size_t t, const double* in, spike_tape* tape);
  void readout(std::span<double> logits) const;
  void head_forward(std::span<const double> counts) const;  // head_z_ = W_h counts + b_h
  void readout_backward(std::span<const double> counts, std::span<const double> g_logits);
  void backward_tape(const spike_tape& tape, std::span<const double> g_logits, std::span<const double> g_spikes);
  void hidden_gradients(const spike_tape& tape, int k);
  void synapse_gradient(const spike_tape& tape, int source_layer, param_tensor& pw);
  void add_recurrent_input(std::size_t t);
  void input_gradients(const spike_tape& tape);
  template <class Spike>
  void recur_step(const float* u, const Spike* sp, std::size_t t, double* gv);
  void surrogate_row(std::span<const float> u, double th, std::vector<double>& out);
  void fold_input();
  void backward_folded(std::span<const double> x);

  brain_config cfg_;
  int n_obs_, H_, L_, T_;
  lif_lowered lif_;
  std::unique_ptr<network> net_;
  std::vector<float> dense_;
  // indices into params_
  std::size_t p_in_w_ = 0, p_in_b_ = 0, p_w1_ = 0, p_b_first_ = 0, p_w_first_ = 0, p_out_w_ = 0, p_out_b_ = 0;
  std::size_t p_rec_ = 0;  // recurrent.{L-1}.weight (recurrent brains only)
  bool rec_ = false;
  // The dense head (readout = dense): its tensors, units (0: none), and pre-activations / their gradient.
  std::size_t p_head_w_ = 0, p_head_b_ = 0;
  int Hh_ = 0;
  mutable std::vector<double> head_z_;
  std::vector<double> head_gz_;
  // work buffers and tape: [layer][t][H]
  std::vector<double> c_, i1_, v_, count_, syn_, layer_sum_;
  std::span<float> wf_;             // spike-train encoders: folded input weights W_1 W_in, [input][neuron]
                                    // (the network's IN -> L1 edges)
  std::vector<double> bf_, gwf_;    // folded bias W_1 b_in + b_1; gradient of W_f [neuron][input]
  std::vector<spike_tape> tapes_;  // one per decision of the current episode
  spike_tape scratch_;
  std::vector<std::vector<std::uint32_t>> prev_fired_, cur_fired_;
  std::vector<double> prev_s_, cur_s_;
  std::vector<double> gv_, gcount_, gi1_, gc_, deriv_, gu_all_, gs_in_, gs_ext_;
  std::vector<float> gw_f_, gu_row_f_;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> gu_f_, gs_f_;  // GEMM operands
  Eigen::ArrayXf sig_;
  Eigen::VectorXf rec_g_;  // W_rec . dL/du(t+1), one step of the recurrent layer's backward pass
};

}  // namespace spikeworm
