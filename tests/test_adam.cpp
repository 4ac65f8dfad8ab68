// adam::step (docs/training.md) against the closed form of PyTorch's recipe, written out here in long double:
// clamp every gradient to +-value_clip, then scale all of them by min(1, norm_clip / (norm + 1e-6)) where norm is
// the clamped gradients' global norm (torch.nn.utils.clip_grad_norm_), then Adam with bias correction
// (torch.optim.Adam): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr (m / (1 - b1^t)) /
// (sqrt(v / (1 - b2^t)) + eps), the parameter stored as float. Swapping the clipping order, dropping the bias
// correction or the clamp moves the moments and the parameters far beyond the tolerances below.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/reinforce.hpp"

namespace spikeworm {
namespace {

struct oracle {
  std::vector<long double> m, v;
  long double t = 0;
  // One step on `value` with gradients `grad`; returns the gradient norm before clipping.
  long double step(std::vector<long double>& value, const std::vector<double>& grad, const train_config& c,
                   long double lr) {
    std::vector<long double> g(grad.begin(), grad.end());
    long double norm2 = 0;
    for (auto& x : g) {
      x = std::fmax(-static_cast<long double>(c.value_clip), std::fmin(static_cast<long double>(c.value_clip), x));
      norm2 += x * x;
    }
    const long double norm = std::sqrt(norm2);
    const long double scale = std::fmin(1.0L, c.norm_clip / (norm + 1e-6L));
    t += 1;
    m.resize(g.size(), 0);
    v.resize(g.size(), 0);
    const long double b1 = c.adam_beta1, b2 = c.adam_beta2;
    for (std::size_t i = 0; i < g.size(); ++i) {
      const long double gi = g[i] * scale;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const long double mhat = m[i] / (1 - std::pow(b1, t)), vhat = v[i] / (1 - std::pow(b2, t));
      value[i] = static_cast<float>(value[i] - lr * mhat / (std::sqrt(vhat) + c.adam_eps));
    }
    return norm;
  }
};

TEST(adam, steps_match_the_closed_form_of_clamp_then_norm_clip_then_bias_corrected_adam) {
  train_config c;
  c.value_clip = 2.5;
  c.norm_clip = 1.5;
  c.adam_beta1 = 0.8;
  c.adam_beta2 = 0.95;
  c.adam_eps = 1e-6;
  std::vector<float> w{0.5f, -1.25f, 2.0f}, b{0.75f};
  std::vector<param_tensor> params{param_tensor{"w", w, {}, 3}, param_tensor{"b", b, {}, 1}};
  adam opt(params);
  oracle want;
  std::vector<long double> value{0.5L, -1.25L, 2.0L, 0.75L};
  // Steps whose gradients are clamped (|g| > 2.5), norm-clipped (norm > 1.5) or neither.
  const std::vector<std::vector<double>> grads{
      {3.0, -4.0, 0.5, 1.0}, {0.1, 0.2, -0.3, 0.05}, {-7.0, 0.0, 2.0, -0.5}, {0.4, -0.4, 0.4, 0.4}, {1e-3, 2e-3, 0, 5}};
  const double lrs[] = {0.01, 0.02, 0.005, 0.01, 0.03};
  for (std::size_t s = 0; s < grads.size(); ++s) {
    params[0].grad.assign(grads[s].begin(), grads[s].begin() + 3);
    params[1].grad.assign(grads[s].begin() + 3, grads[s].end());
    const double norm = opt.step(params, c, lrs[s]);
    const long double want_norm = want.step(value, grads[s], c, lrs[s]);
    // Double arithmetic against long double: a few ulp of double (2.2e-16 relative) per operation.
    EXPECT_NEAR(norm, static_cast<double>(want_norm), 1e-14 * static_cast<double>(want_norm)) << "step " << s;
    EXPECT_EQ(opt.t(), static_cast<std::int64_t>(s + 1));
    for (std::size_t i = 0; i < 4; ++i) {
      const double m = i < 3 ? opt.m()[0][i] : opt.m()[1][0], v = i < 3 ? opt.v()[0][i] : opt.v()[1][0];
      EXPECT_NEAR(m, static_cast<double>(want.m[i]), 1e-15 + 1e-13 * std::fabs(static_cast<double>(want.m[i])))
          << "m[" << i << "] after step " << s;
      EXPECT_NEAR(v, static_cast<double>(want.v[i]), 1e-17 + 1e-13 * static_cast<double>(want.v[i]))
          << "v[" << i << "] after step " << s;
      // The parameters are floats: the double and long-double updates round to the same float (or, at a
      // rounding boundary, to its neighbour: 1 float ulp).
      const float got = i < 3 ? w[i] : b[0];
      EXPECT_NEAR(got, static_cast<float>(value[i]), 1.2e-7 * std::fabs(static_cast<double>(value[i])))
          << "parameter " << i << " after step " << s;
    }
  }
}

TEST(adam, a_non_finite_gradient_is_refused_naming_the_tensor) {
  std::vector<float> w{1.0f};
  std::vector<param_tensor> params{param_tensor{"w_out", w, {NAN}, 1}};
  adam opt(params);
  try {
    opt.step(params, train_config{}, 0.01);
    FAIL() << "a NaN gradient was accepted";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("w_out"), std::string::npos) << e.what();
  }
  EXPECT_EQ(w[0], 1.0f) << "nothing changed";
}

}  // namespace
}  // namespace spikeworm
