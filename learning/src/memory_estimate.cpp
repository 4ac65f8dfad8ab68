// The memory one training session needs, estimated from the configuration before it is built
// (docs/reliability.md, "Limits checked before work").
#include <fmt/format.h>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm {

memory_estimate estimate_session_memory(const experiment_config& cfg) {
  const auto& b = cfg.brain;
  const double H = b.hidden, L = b.layers, T = b.steps, O = input_width(b), A = envs::num_actions;
  const double decisions = cfg.env.max_steps;  // the tapes of one episode are kept until its update
  const double input_per_decision = static_cast<double>(encoded_size(b)) * 8;
  double params = 0, per_decision = 0, fixed = 0;
  if (b.kind == brain_kind::spiking) {
    const double R = b.recurrent ? 1 : 0;  // the recurrent last layer's H x H synapses
    const double Hh = b.readout == readout_kind::dense ? b.head_hidden : 0;  // the hybrid head's units
    params = H * O + H + H * H + L * H + (Hh > 0 ? Hh * (H + 1) + A * Hh : A * H) + A + (L - 1 + R) * H * H;
    // The tape of one decision: membrane (4 B) and spike flag (1) per layer, step and neuron, the indices
    // of the neurons that fired (4 B, at most every one), and the layer's input and counts.
    per_decision = L * T * H * (4 + 1 + 4) + L * T * 8 + 3 * H * 8;
    // Backward-pass scratch: per-step rows in double and float GEMM operands, and the weight gradient.
    fixed = T * H * (3 * 8 + 2 * 4) + H * H * 4 + (L - 1 + R) * H * H * 11;
  } else {
    // Without hidden layers (layers = 0) the MLP is the linear policy: (O + 1) x A.
    params = L == 0 ? (O + 1) * A : (O + 1) * H + (L - 1) * (H + 1) * H + (H + 1) * A;
    per_decision = (O + L * H + A) * 8;
  }
  // Per parameter: its value (4 B), gradient (8) and two Adam moments (16).
  const double bytes = params * 28 + fixed + decisions * (per_decision + input_per_decision);
  memory_estimate e;
  e.bytes = bytes >= 0x1p63 ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(bytes);
  e.detail = fmt::format("{:.3g} parameters x 28 B + {:g} decisions x {} per decision", params, decisions,
                         format_bytes(static_cast<std::uint64_t>(per_decision + input_per_decision)));
  return e;
}

}  // namespace spikeworm
