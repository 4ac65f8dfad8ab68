// Weight initialisers: kaiming (uniform, ReLU gain, zero bias), orthogonal, PyTorch's default.
#pragma once

#include <cmath>

#include <Eigen/QR>

#include "spikeworm/learning/brain.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

// Pre: weight is rows x cols (fan_in = cols), bias has rows elements.
inline void init_linear(param_tensor& weight, param_tensor& bias, init_kind kind, double scale, rng& r) {
  const double fan_in = static_cast<double>(weight.cols);
  switch (kind) {
    case init_kind::kaiming: {
      // torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"): bound = gain * sqrt(3 / fan_in), gain = sqrt(2).
      const double bound = std::sqrt(6.0 / fan_in);
      for (std::size_t i = 0; i < weight.rows; ++i)
        for (std::size_t j = 0; j < weight.cols; ++j) weight.at(i, j) = static_cast<float>(scale * r.uniform(-bound, bound));
      for (auto& b : bias.value) b = 0.0f;
      break;
    }
    case init_kind::default_uniform: {
      // nn.Linear's default: weight and bias uniform in +-1/sqrt(fan_in).
      const double bound = 1.0 / std::sqrt(fan_in);
      for (std::size_t i = 0; i < weight.rows; ++i)
        for (std::size_t j = 0; j < weight.cols; ++j) weight.at(i, j) = static_cast<float>(r.uniform(-bound, bound));
      for (auto& b : bias.value) b = static_cast<float>(r.uniform(-bound, bound));
      break;
    }
    case init_kind::orthogonal: {
      // torch.nn.init.orthogonal_: Q of the QR decomposition of a Gaussian matrix, signs fixed by diag(R).
      const auto rows = static_cast<Eigen::Index>(weight.rows), cols = static_cast<Eigen::Index>(weight.cols);
      const bool tall = rows >= cols;
      Eigen::MatrixXd g(tall ? rows : cols, tall ? cols : rows);
      for (Eigen::Index i = 0; i < g.rows(); ++i)
        for (Eigen::Index j = 0; j < g.cols(); ++j) g(i, j) = r.normal();
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(g.rows(), g.cols());
      const Eigen::MatrixXd rr = qr.matrixQR().topRows(g.cols()).triangularView<Eigen::Upper>();
      for (Eigen::Index j = 0; j < q.cols(); ++j)
        if (rr(j, j) < 0) q.col(j) *= -1.0;
      for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j)
          weight.at(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) =
              static_cast<float>(tall ? q(i, j) : q(j, i));
      for (auto& b : bias.value) b = 0.0f;
      break;
    }
  }
}

}  // namespace spikeworm
