// Surrogate derivatives of the spike with respect to the membrane (docs/training.md, "The spiking brain"), and the smooth
// "spike" functions whose exact derivatives they are (for finite-difference checks of the gradient).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <string_view>

namespace spikeworm {

enum class surrogate_kind : std::uint8_t { sigmoid, fast_sigmoid, arctan, triangle, rectangular };

struct surrogate {
  surrogate_kind kind = surrogate_kind::sigmoid;
  double alpha = 1.0;  // sharpness (k of fast_sigmoid)

  // d spike / d v at x = v - v_th.
  double derivative(double x) const noexcept {
    switch (kind) {
      case surrogate_kind::sigmoid: {
        const double s = 1.0 / (1.0 + std::exp(-alpha * x));
        return alpha * s * (1.0 - s);
      }
      case surrogate_kind::fast_sigmoid: {
        const double d = 1.0 + alpha * std::abs(x);
        return 1.0 / (d * d);
      }
      case surrogate_kind::arctan: {
        const double z = std::numbers::pi / 2 * alpha * x;
        return (alpha / 2) / (1.0 + z * z);
      }
      case surrogate_kind::triangle: return alpha * std::max(0.0, 1.0 - std::abs(x));
      case surrogate_kind::rectangular: return std::abs(x) < 0.5 / alpha ? alpha : 0.0;
    }
    return 0.0;
  }

  // A smooth spike function whose derivative is derivative(x) (defined up to a constant).
  double smooth(double x) const noexcept {
    switch (kind) {
      case surrogate_kind::sigmoid: return 1.0 / (1.0 + std::exp(-alpha * x));
      case surrogate_kind::fast_sigmoid: return 0.5 + x / (1.0 + alpha * std::abs(x));
      case surrogate_kind::arctan: return 0.5 + std::atan(std::numbers::pi / 2 * alpha * x) / std::numbers::pi;
      case surrogate_kind::triangle: {
        const double c = std::clamp(x, -1.0, 1.0);
        return alpha * (c - c * std::abs(c) / 2.0);
      }
      case surrogate_kind::rectangular: return alpha * std::clamp(x, -0.5 / alpha, 0.5 / alpha);
    }
    return 0.0;
  }
};

inline const char* to_string(surrogate_kind k) noexcept {
  switch (k) {
    case surrogate_kind::sigmoid: return "sigmoid";
    case surrogate_kind::fast_sigmoid: return "fast_sigmoid";
    case surrogate_kind::arctan: return "arctan";
    case surrogate_kind::triangle: return "triangle";
    case surrogate_kind::rectangular: return "rectangular";
  }
  return "?";
}

}  // namespace spikeworm
