// The spiking brain's BPTT for the synapse tensors that live in the engine network (hidden.k.weight and the
// recurrent layer's recurrent.{L-1}.weight): their weight gradients from the spike rows, and the recurrent
// path of the backward recursion (docs/training.md, "The spiking brain").
#include <Eigen/Core>

#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm {

// The gradient of synapses from `source_layer` into the layer whose dL/du is in gu_all_:
// [source i][target j] += s_source(t-1)[i] gu(t)[j]. Only the rows of sources that spiked (spikes are 0/1),
// accumulated in float for this decision, then added to the gradient.
void spiking_brain::synapse_gradient(const spike_tape& tape, int source_layer, param_tensor& pw) {
  const std::size_t H = H_, T = T_;
  const std::size_t prev_block = static_cast<std::size_t>(source_layer) * T * H;
  gw_f_.assign(H * H, 0.0f);
  for (std::size_t t = 1; t < T; ++t) {
    const double* gu = gu_all_.data() + t * H;
    for (std::size_t j = 0; j < H; ++j) gu_row_f_[j] = static_cast<float>(gu[j]);
    if (!cfg_.smooth) {
      const std::size_t at = static_cast<std::size_t>(source_layer) * T + (t - 1);
      for (std::uint32_t f = tape.fired_begin[at]; f < tape.fired_end[at]; ++f) {
        float* __restrict gw = gw_f_.data() + static_cast<std::size_t>(tape.fired[f]) * H;
        for (std::size_t j = 0; j < H; ++j) gw[j] += gu_row_f_[j];
      }
    } else {
      for (std::size_t i = 0; i < H; ++i) {
        const float si = tape.s[prev_block + (t - 1) * H + i];  // smooth mode only
        float* __restrict gw = gw_f_.data() + i * H;
        for (std::size_t j = 0; j < H; ++j) gw[j] += si * gu_row_f_[j];
      }
    }
  }
  for (std::size_t x = 0; x < H * H; ++x) pw.grad[x] += static_cast<double>(gw_f_[x]);
}

// Adds to gs_ext_ (dL/ds of the recurrent layer at step t) the recurrent path W_rec[i][:] . gu(t+1), with gu(t+1) of this
// layer already in gu_all_ (the recursion runs backwards in time). In float, like the layer-to-layer GEMM.
void spiking_brain::add_recurrent_input(std::size_t t) {
  const std::size_t H = H_;
  using fmat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto h = static_cast<Eigen::Index>(H);
  const double* gu = gu_all_.data() + (t + 1) * H;
  for (std::size_t j = 0; j < H; ++j) gu_row_f_[j] = static_cast<float>(gu[j]);
  Eigen::Map<const fmat> w(params_[p_rec_].value.data(), h, h);
  Eigen::Map<const Eigen::VectorXf> g(gu_row_f_.data(), h);
  rec_g_.noalias() = w * g;
  for (std::size_t i = 0; i < H; ++i) gs_ext_[i] += static_cast<double>(rec_g_[static_cast<Eigen::Index>(i)]);
}

}  // namespace spikeworm
