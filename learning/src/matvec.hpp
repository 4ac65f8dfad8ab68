// A float-weight matrix times a double vector, as the spiking brain's constant input needs it.
#pragma once

#include <cstddef>

namespace spikeworm {

// out[j] = bias[j] + sum over i of w[j * cols + i] x[i], each sum taken in ascending i: bit for bit the plain
// row-by-row loop. Eight rows go together so that their eight chains of additions overlap; a single row's
// sum waits on each previous addition, and that latency, not arithmetic, was the plain loop's cost.
inline void matvec_rows(const float* w, const float* bias, const double* x, std::size_t rows, std::size_t cols,
                        double* out) noexcept {
  constexpr std::size_t block = 8;
  std::size_t j = 0;
  for (; j + block <= rows; j += block) {
    double a[block];
    for (std::size_t r = 0; r < block; ++r) a[r] = static_cast<double>(bias[j + r]);
    const float* wj = w + j * cols;
    for (std::size_t i = 0; i < cols; ++i) {
      const double xi = x[i];
      for (std::size_t r = 0; r < block; ++r) a[r] += static_cast<double>(wj[r * cols + i]) * xi;
    }
    for (std::size_t r = 0; r < block; ++r) out[j + r] = a[r];
  }
  for (; j < rows; ++j) {
    double a = static_cast<double>(bias[j]);
    const float* row = w + j * cols;
    for (std::size_t i = 0; i < cols; ++i) a += static_cast<double>(row[i]) * x[i];
    out[j] = a;
  }
}

}  // namespace spikeworm
