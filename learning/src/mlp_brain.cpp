// The MLP baseline brain.
#include "spikeworm/learning/mlp_brain.hpp"

#include <fmt/format.h>

#include "init.hpp"

namespace spikeworm {

mlp_brain::mlp_brain(const brain_config& cfg, int n_obs, int n_actions, std::uint64_t seed)
    : brain(n_actions) {
  widths_.push_back(n_obs);
  for (int k = 0; k < cfg.layers; ++k) widths_.push_back(cfg.hidden);
  widths_.push_back(n_actions);
  std::size_t total = 0;
  for (std::size_t k = 0; k + 1 < widths_.size(); ++k) total += static_cast<std::size_t>(widths_[k + 1]) * (widths_[k] + 1);
  storage_.assign(total, 0.0f);
  std::size_t at = 0;
  for (std::size_t k = 0; k + 1 < widths_.size(); ++k) {
    const std::size_t out = widths_[k + 1], in = widths_[k];
    const std::string name = k + 2 == widths_.size() ? "output" : fmt::format("hidden.{}", k);
    param_tensor w{name + ".weight", std::span<float>(storage_).subspan(at, out * in), std::vector<double>(out * in), out, in, false};
    at += out * in;
    param_tensor b{name + ".bias", std::span<float>(storage_).subspan(at, out), std::vector<double>(out), out, 1, false};
    at += out;
    params_.push_back(std::move(w));
    params_.push_back(std::move(b));
  }
  rng r(seed, stream_kind::init_weights);
  for (std::size_t k = 0; k + 1 < widths_.size(); ++k)
    init_linear(params_[2 * k], params_[2 * k + 1], cfg.init, k + 2 == widths_.size() ? cfg.output_scale : 1.0, r);
  a_.resize(widths_.size());
  for (std::size_t k = 0; k < widths_.size(); ++k) a_[k].resize(widths_[k]);
}

std::uint64_t mlp_brain::macs_per_pass() const noexcept {
  std::uint64_t m = 0;
  for (std::size_t k = 0; k + 1 < widths_.size(); ++k) m += static_cast<std::uint64_t>(widths_[k]) * widths_[k + 1];
  return m;
}

void mlp_brain::forward(std::span<const double> obs, std::span<double> logits) {
  std::copy(obs.begin(), obs.end(), a_[0].begin());
  const std::size_t last = widths_.size() - 1;
  for (std::size_t k = 0; k < last; ++k) {
    const auto& w = params_[2 * k];
    const auto& b = params_[2 * k + 1];
    for (std::size_t j = 0; j < w.rows; ++j) {
      double z = static_cast<double>(b.value[j]);
      for (std::size_t i = 0; i < w.cols; ++i) z += static_cast<double>(w.value[j * w.cols + i]) * a_[k][i];
      a_[k + 1][j] = k + 1 == last ? z : std::max(0.0, z);
    }
  }
  std::copy(a_[last].begin(), a_[last].end(), logits.begin());
}

void mlp_brain::backward(std::span<const double> obs, std::span<const double> g_logits, std::span<const double>) {
  logits_.resize(n_act_);
  forward(obs, logits_);
  const std::size_t last = widths_.size() - 1;
  g_.assign(g_logits.begin(), g_logits.end());
  for (std::size_t k = last; k-- > 0;) {
    auto& w = params_[2 * k];
    auto& b = params_[2 * k + 1];
    g_next_.assign(w.cols, 0.0);
    for (std::size_t j = 0; j < w.rows; ++j) {
      double g = g_[j];
      if (k + 1 != last && a_[k + 1][j] <= 0.0) g = 0.0;  // ReLU
      if (g == 0.0) continue;
      b.grad[j] += g;
      for (std::size_t i = 0; i < w.cols; ++i) {
        w.grad[j * w.cols + i] += g * a_[k][i];
        g_next_[i] += g * static_cast<double>(w.value[j * w.cols + i]);
      }
    }
    std::swap(g_, g_next_);
  }
}

}  // namespace spikeworm
