// Gradients of the brains against finite differences of a smoothed network (every surrogate).
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/mlp_brain.hpp"
#include "spikeworm/learning/spiking_brain.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {
namespace {

// L = sum_k c_k logits_k + sum_l g_l (spikes of layer l); returns max over tensors of
// |analytic - numeric| / |numeric| (norms per tensor).
double fd_check(brain& b, std::span<const double> obs, std::span<const double> c, std::vector<std::string>* report,
                std::span<const double> g_spikes = {}) {
  auto loss = [&] {
    std::vector<double> z(b.num_actions());
    b.forward(obs, z);
    double l = 0;
    for (std::size_t k = 0; k < z.size(); ++k) l += c[k] * z[k];
    if (!g_spikes.empty()) {
      const auto& sb = dynamic_cast<const spiking_brain&>(b);
      for (std::size_t k = 0; k < g_spikes.size(); ++k) l += g_spikes[k] * sb.smooth_activity()[k];
    }
    return l;
  };
  b.zero_grad();
  b.backward(obs, c, g_spikes);
  double worst = 0;
  for (auto& p : b.params()) {
    double num2 = 0, diff2 = 0;
    // Central differences in float storage: step large enough for float resolution, smooth enough for O(h^2).
    for (std::size_t i = 0; i < p.value.size(); i += std::max<std::size_t>(1, p.value.size() / 61)) {
      const float orig = p.value[i];
      const float h = std::max(1e-3f, std::abs(orig) * 1e-2f);
      p.value[i] = orig + h;
      const double lp = loss();
      p.value[i] = orig - h;
      const double lm = loss();
      p.value[i] = orig;
      const double actual_h = (static_cast<double>(orig + h) - static_cast<double>(orig - h)) / 2.0;
      const double num = (lp - lm) / (2 * actual_h);
      num2 += num * num;
      diff2 += (num - p.grad[i]) * (num - p.grad[i]);
    }
    const double rel = std::sqrt(diff2) / std::max(std::sqrt(num2), 1e-12);
    if (report) report->push_back(fmt::format("{}: rel {:.2e} (|g| {:.3e})", p.name, rel, std::sqrt(num2)));
    worst = std::max(worst, rel);
  }
  return worst;
}

// A small smoothed brain for finite differences (differentiable forward, fast membrane).
brain_config smoothed(int hidden, int layers, int steps, surrogate grad) {
  brain_config cfg;
  cfg.hidden = hidden;
  cfg.layers = layers;
  cfg.steps = steps;
  cfg.smooth = true;
  cfg.grad = grad;
  cfg.init = init_kind::default_uniform;
  cfg.lif.tau_m = 5.0;
  return cfg;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

// Finite differences need a differentiable network: the forward pass uses surrogate.smooth, whose exact
// derivative is the surrogate. triangle and rectangular give a smooth function with kinks (C1 and C0
// derivative), where central differences are ill-posed at float resolution; their BPTT is the same code
// with another derivative(), checked pointwise below and against PyTorch autograd (test_torch_reference).
TEST(surrogate, derivative_is_the_derivative_of_smooth) {
  for (auto kind : {surrogate_kind::sigmoid, surrogate_kind::fast_sigmoid, surrogate_kind::arctan,
                    surrogate_kind::triangle, surrogate_kind::rectangular}) {
    for (double alpha : {0.5, 1.0, 3.0}) {
      const surrogate s{kind, alpha};
      for (double x = -2.013; x < 2.0; x += 0.0173) {
        const double h = 1e-6;
        const double num = (s.smooth(x + h) - s.smooth(x - h)) / (2 * h);
        const bool near_kink = std::abs(std::abs(x) - 1.0) < 2 * h || std::abs(std::abs(x) - 0.5 / alpha) < 2 * h;
        if (near_kink) continue;
        EXPECT_NEAR(num, s.derivative(x), 1e-6 * (1 + std::abs(num))) << to_string(kind) << " alpha " << alpha << " x " << x;
      }
    }
  }
}

TEST(spiking_brain, gradient_matches_finite_differences_of_smoothed_network) {
  for (auto kind : {surrogate_kind::sigmoid, surrogate_kind::fast_sigmoid, surrogate_kind::arctan}) {
    const auto cfg = smoothed(12, 3, 15, {kind, kind == surrogate_kind::sigmoid ? 2.0 : 1.0});
    spiking_brain b(cfg, envs::observation_size, envs::num_actions, 3);
    const double obs[envs::observation_size] = {0.7, -0.4};
    const double c[envs::num_actions] = {0.3, -1.1, 0.5, 0.2};
    std::vector<std::string> report;
    const double rel = fd_check(b, obs, c, &report);
    EXPECT_LT(rel, 2e-3) << to_string(kind) << "\n" << joined(report);
  }
}

TEST(spiking_brain, dense_head_gradient_matches_finite_differences) {
  // readout = dense: logits = W_out relu(W_h counts + b_h) + b_out; the gradient into the counts flows back
  // through the head into BPTT, so every tensor (head.*, output.*, hidden.*, input.*) is checked.
  auto cfg = smoothed(12, 2, 15, {surrogate_kind::sigmoid, 2.0});
  cfg.readout = readout_kind::dense;
  cfg.head_hidden = 9;
  spiking_brain b(cfg, envs::observation_size, envs::num_actions, 5);
  std::vector<std::string> names;
  for (const auto& p : b.params()) names.push_back(p.name);
  ASSERT_NE(std::find(names.begin(), names.end(), "head.weight"), names.end());
  EXPECT_EQ(b.params()[std::find(names.begin(), names.end(), "output.weight") - names.begin()].cols, 9u);
  const double c[envs::num_actions] = {0.3, -1.1, 0.5, 0.2};
  for (const auto& obs : {std::array<double, 2>{0.7, -0.4}, std::array<double, 2>{-0.2, 0.9}}) {
    std::vector<std::string> report;
    const double rel = fd_check(b, obs, c, &report);
    EXPECT_LT(rel, 2e-3) << joined(report);
  }
  // Both branches of the ReLU are exercised: head.bias has a zero gradient exactly at the inactive units.
  const auto& gb = b.params()[std::find(names.begin(), names.end(), "head.bias") - names.begin()].grad;
  const auto zeros = std::count(gb.begin(), gb.end(), 0.0);
  EXPECT_GT(zeros, 0);
  EXPECT_LT(zeros, static_cast<long>(gb.size()));
  EXPECT_EQ(b.head_macs(), 9u * (12 + envs::num_actions));
}

TEST(spiking_brain, activity_penalty_gradient_matches_finite_differences) {
  // The sparsity penalty's gradient: L = c . logits + sum_l g_l * (sum of layer l's smooth spikes).
  spiking_brain b(smoothed(10, 2, 12, {surrogate_kind::sigmoid, 2.0}), envs::observation_size, envs::num_actions, 9);
  const double obs[envs::observation_size] = {0.4, 0.6};
  const double c[envs::num_actions] = {0.0, 0.0, 0.0, 0.0};  // the penalty alone
  const double g[2] = {0.7, 1.3};
  std::vector<std::string> report;
  const double rel = fd_check(b, obs, c, &report, g);
  EXPECT_LT(rel, 2e-3) << joined(report);
  // And it is not zero: the penalty reaches every parameter that shapes spikes.
  double norm = 0;
  for (const auto& p : b.params())
    if (p.name.rfind("output", 0) != 0)
      for (double x : p.grad) norm += x * x;
  EXPECT_GT(norm, 1e-6);
}

TEST(spiking_brain, gradient_through_spike_train_input_matches_finite_differences) {
  // rate / latency encoders: input spikes x_t reach layer 1 through the folded synapses W_1 W_in.
  for (auto kind : {encoder_kind::rate, encoder_kind::latency}) {
    auto cfg = smoothed(10, 2, 14, {surrogate_kind::sigmoid, 2.0});
    cfg.enc.kind = kind;
    spiking_brain b(cfg, envs::observation_size, envs::num_actions, 4);
    const double obs[envs::observation_size] = {0.8, 0.45};
    std::vector<double> x(cfg.enc.output_size(envs::observation_size, cfg.steps));
    rng r(3, stream_kind::encoder, 0);
    cfg.enc.encode(obs, cfg.steps, r, x);
    double ones = 0;
    for (double v : x) ones += v;
    ASSERT_GT(ones, 1.0);
    const double c[envs::num_actions] = {0.3, -1.1, 0.5, 0.2};
    std::vector<std::string> report;
    const double rel = fd_check(b, x, c, &report);
    EXPECT_LT(rel, 2e-3) << encoder_name(kind) << "\n" << joined(report);
  }
}

TEST(spiking_brain, recurrent_gradient_matches_finite_differences) {
  // [brain] recurrent: the last layer also gets W_rec . (its own spikes one step earlier). One layer (the
  // recurrent layer is layer 1, constant current) and two (fed by the layer below), and a spike-train input.
  for (int layers : {1, 2}) {
    for (auto enc : {encoder_kind::current, encoder_kind::rate}) {
      auto cfg = smoothed(10, layers, 14, {surrogate_kind::sigmoid, 2.0});
      cfg.recurrent = true;
      cfg.enc.kind = enc;
      spiking_brain b(cfg, envs::observation_size, envs::num_actions, 6);
      ASSERT_EQ(b.params().back().name, fmt::format("recurrent.{}.weight", layers - 1));
      const double obs[envs::observation_size] = {0.8, 0.45};
      std::vector<double> x(cfg.enc.output_size(envs::observation_size, cfg.steps));
      rng r(3, stream_kind::encoder, 0);
      cfg.enc.encode(obs, cfg.steps, r, x);
      const double c[envs::num_actions] = {0.3, -1.1, 0.5, 0.2};
      const double g[2] = {0.4, 0.9};
      std::vector<std::string> report;
      const double rel = fd_check(b, x, c, &report, std::span<const double>(g, static_cast<std::size_t>(layers)));
      EXPECT_LT(rel, 2e-3) << layers << " layers, " << encoder_name(enc) << "\n" << joined(report);
      double norm = 0;
      for (double v : b.params().back().grad) norm += v * v;
      EXPECT_GT(norm, 1e-8) << "the recurrent weights must get a gradient";
    }
  }
}

TEST(mlp_brain, gradient_matches_finite_differences) {
  brain_config cfg;
  cfg.kind = brain_kind::mlp;
  cfg.hidden = 16;
  cfg.init = init_kind::default_uniform;
  mlp_brain b(cfg, envs::observation_size, envs::num_actions, 5);
  const double obs[envs::observation_size] = {0.3, 0.9};
  const double c[envs::num_actions] = {1.0, -0.5, 0.25, -0.7};
  EXPECT_LT(fd_check(b, obs, c, nullptr), 1e-3);
}

TEST(spiking_brain, hidden_weights_are_the_network_storage) {
  brain_config cfg;
  cfg.hidden = 8;
  spiking_brain b(cfg, envs::observation_size, envs::num_actions, 1);
  auto& w = b.params().back();
  ASSERT_EQ(w.name, "hidden.1.weight");
  EXPECT_EQ(w.value.data(), b.net().weights().data());
  EXPECT_EQ(w.value.size(), b.net().num_synapses());
}

TEST(spiking_brain, recurrent_weights_are_the_network_storage) {
  brain_config cfg;
  cfg.hidden = 8;
  cfg.recurrent = true;
  spiking_brain b(cfg, envs::observation_size, envs::num_actions, 1);
  const auto& w = b.params().back();
  ASSERT_EQ(w.name, "recurrent.1.weight");
  ASSERT_EQ(b.net().projections().size(), 2u);
  const auto m = b.net().projection_matrix(1);
  EXPECT_EQ(b.net().populations()[b.net().projections()[1].source_pop].name, "L2");
  EXPECT_EQ(b.net().populations()[b.net().projections()[1].target_pop].name, "L2");
  EXPECT_EQ(w.value.data(), m.data.data());
  EXPECT_EQ(w.value.size(), 64u);
  EXPECT_EQ(b.net().num_synapses(), 128u);  // hidden.1 and the recurrent synapses, autapses included
  // Initialised by the same rule as the other hidden weights (kaiming: uniform in +-sqrt(6 / H)), times
  // recurrent_scale (0.3): 64 draws reach beyond half the bound.
  const double bound = 0.3 * std::sqrt(6.0 / 8);
  double maxabs = 0;
  for (float x : w.value) maxabs = std::max(maxabs, std::abs(static_cast<double>(x)));
  EXPECT_GT(maxabs, 0.5 * bound);
  EXPECT_LE(maxabs, bound * (1 + 1e-6));
}

// Layer 1's constant current W_1 (W_in obs + b_in) + b_1 is, bit for bit, the plain row sums in ascending
// order (docs/training.md): sizes below, at and between multiples of the eight rows computed together.
TEST(spiking_brain, layer1_current_is_the_plain_row_sums_bit_for_bit) {
  for (int hidden : {1, 7, 8, 9, 13, 64, 127}) {
    brain_config cfg;
    cfg.hidden = hidden;
    cfg.layers = 1;
    cfg.steps = 2;
    const int n_obs = 5;
    spiking_brain b(cfg, n_obs, 4, 40u + static_cast<std::uint64_t>(hidden));
    rng r(9, stream_kind::weight);
    for (auto& p : b.params())  // biases too, which kaiming leaves at 0
      for (auto& x : p.value) x = static_cast<float>(r.uniform(-1.0, 1.0));
    std::vector<double> obs(n_obs);
    for (auto& o : obs) o = r.uniform(-3.0, 3.0);
    const auto& p = b.params();
    const auto find = [&](const char* name) -> const param_tensor& {
      return *std::find_if(p.begin(), p.end(), [&](const param_tensor& t) { return t.name == name; });
    };
    const auto &win = find("input.weight"), &bin = find("input.bias"), &w1 = find("hidden.0.weight"),
               &b1 = find("hidden.0.bias");
    const auto H = static_cast<std::size_t>(hidden);
    std::vector<double> c(H), want(H), got(H);
    for (std::size_t j = 0; j < H; ++j) {
      double a = static_cast<double>(bin.value[j]);
      for (std::size_t i = 0; i < obs.size(); ++i) a += static_cast<double>(win.value[j * obs.size() + i]) * obs[i];
      c[j] = a;
    }
    for (std::size_t j = 0; j < H; ++j) {
      double a = static_cast<double>(b1.value[j]);
      for (std::size_t i = 0; i < H; ++i) a += static_cast<double>(w1.value[j * H + i]) * c[i];
      want[j] = a;
    }
    b.layer1_current(obs, got);
    for (std::size_t j = 0; j < H; ++j) EXPECT_EQ(got[j], want[j]) << "hidden " << hidden << ", neuron " << j;
  }
}

// A brain built in code (not from a checked config) refuses a size below 1, naming what is wrong.
TEST(spiking_brain, refuses_sizes_below_one) {
  for (int which = 0; which < 3; ++which) {
    brain_config cfg;
    cfg.hidden = 4;
    cfg.layers = 1;
    cfg.steps = 2;
    (which == 0 ? cfg.hidden : which == 1 ? cfg.layers : cfg.steps) = 0;
    EXPECT_THROW((void)spiking_brain(cfg, envs::observation_size, envs::num_actions, 1), error) << "size " << which;
    (which == 0 ? cfg.hidden : which == 1 ? cfg.layers : cfg.steps) = 1;  // the limit itself is accepted
    EXPECT_NO_THROW((void)spiking_brain(cfg, envs::observation_size, envs::num_actions, 1)) << "size " << which;
  }
}

}  // namespace
}  // namespace spikeworm
