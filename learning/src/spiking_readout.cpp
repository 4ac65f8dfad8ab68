// The spiking brain's readout: logits from the last layer's spike counts, directly or through the dense
// ReLU head of readout = dense (docs/training.md, "Hybrid head"), and the readout's backward pass.
#include <algorithm>

#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm {

void spiking_brain::head_forward(std::span<const double> counts) const {
  const auto& wh = params_[p_head_w_];
  const auto& bh = params_[p_head_b_];
  for (std::size_t u = 0; u < static_cast<std::size_t>(Hh_); ++u) {
    double z = static_cast<double>(bh.value[u]);
    const float* row = wh.value.data() + u * static_cast<std::size_t>(H_);
    for (int j = 0; j < H_; ++j) z += static_cast<double>(row[j]) * counts[j];
    head_z_[u] = z;
  }
}

void spiking_brain::readout_counts(std::span<const double> counts, std::span<double> logits) const {
  const auto& w = params_[p_out_w_];
  const auto& b = params_[p_out_b_];
  const std::size_t R = w.cols;
  if (Hh_) head_forward(counts);
  for (int a = 0; a < n_act_; ++a) {
    double z = static_cast<double>(b.value[a]);
    for (std::size_t j = 0; j < R; ++j)
      z += static_cast<double>(w.value[a * R + j]) * (Hh_ ? std::max(head_z_[j], 0.0) : counts[j]);
    logits[a] = z;
  }
}

std::uint64_t spiking_brain::head_macs() const noexcept {
  return static_cast<std::uint64_t>(Hh_) * static_cast<std::uint64_t>(H_ + n_act_);
}

// The readout's gradients from dL/dlogits, and dL/dcounts into gcount_ (through the head's ReLU).
void spiking_brain::readout_backward(std::span<const double> counts, std::span<const double> g_logits) {
  auto& pw_out = params_[p_out_w_];
  auto& pb_out = params_[p_out_b_];
  const std::size_t H = H_, R = pw_out.cols;
  std::fill(gcount_.begin(), gcount_.end(), 0.0);
  if (!Hh_) {
    for (int a = 0; a < n_act_; ++a) {
      const double g = g_logits[a];
      if (g == 0.0) continue;
      pb_out.grad[a] += g;
      for (std::size_t j = 0; j < H; ++j) {
        pw_out.grad[a * H + j] += g * counts[j];
        gcount_[j] += g * static_cast<double>(pw_out.value[a * H + j]);
      }
    }
    return;
  }
  head_forward(counts);
  std::fill(head_gz_.begin(), head_gz_.end(), 0.0);
  for (int a = 0; a < n_act_; ++a) {
    const double g = g_logits[a];
    if (g == 0.0) continue;
    pb_out.grad[a] += g;
    for (std::size_t u = 0; u < R; ++u) {
      pw_out.grad[a * R + u] += g * std::max(head_z_[u], 0.0);
      head_gz_[u] += g * static_cast<double>(pw_out.value[a * R + u]);
    }
  }
  auto& pw_h = params_[p_head_w_];
  auto& pb_h = params_[p_head_b_];
  for (std::size_t u = 0; u < R; ++u) {
    const double gz = head_z_[u] > 0.0 ? head_gz_[u] : 0.0;  // relu'(z)
    if (gz == 0.0) continue;
    pb_h.grad[u] += gz;
    double* gw = pw_h.grad.data() + u * H;
    const float* w = pw_h.value.data() + u * H;
    for (std::size_t j = 0; j < H; ++j) {
      gw[j] += gz * counts[j];
      gcount_[j] += gz * static_cast<double>(w[j]);
    }
  }
}

}  // namespace spikeworm
