// The fixed-point LIF of neuromorphic chips (docs/models.md, docs/deployment.md): an integer membrane, a decay applied as an
// integer multiply and shift (Loihi, SpiNNaker) or a constant linear leak (TrueNorth), saturation at the
// membrane's bit width. Built by the deployment quantizer (learning/deploy), not read from configs.
#pragma once

#include <algorithm>
#include <cstdint>

namespace spikeworm {

// All values are integers in units of the membrane's least significant bit. The engines keep them in
// doubles, which hold every integer below 2^53 exactly: sums of integer weights are exact, so the event
// engine and the reference stepper agree bit for bit whatever the order of additions.
struct fixed_lif_lowered {
  std::int64_t decay_num = 0;  // v <- trunc(v * decay_num / 2^decay_shift): decay_num = round(decay 2^shift)
  int decay_shift = 0;         // 0: no multiplicative decay (decay_num ignored)
  std::int64_t leak = 0;       // linear leak toward 0 every step (TrueNorth's leak in its leak-reversal mode)
  std::int64_t v_th = 1;       // spike when v >= v_th
  std::int64_t v_reset = 0;
  std::int64_t v_min = -(std::int64_t{1} << 23), v_max = (std::int64_t{1} << 23) - 1;  // saturation
  std::int32_t t_ref = 0;      // [steps]

  // The decay of an integer membrane, rounded toward zero (a shift of the magnitude, as the chips do).
  std::int64_t decayed(std::int64_t v) const noexcept {
    if (decay_shift == 0) return v;
    const std::int64_t p = v * decay_num;  // |v| < 2^31 and decay_num <= 2^shift <= 2^31: no overflow
    return p >= 0 ? p >> decay_shift : -((-p) >> decay_shift);
  }
  // One step: v <- sat(leaked(decay(v)) + input), input the integer bias plus the synaptic sum.
  double step(double v, double input) const noexcept {
    auto x = decayed(static_cast<std::int64_t>(v));
    if (leak) x = x > 0 ? std::max<std::int64_t>(x - leak, 0) : std::min<std::int64_t>(x + leak, 0);
    x += static_cast<std::int64_t>(input);
    return static_cast<double>(std::clamp(x, v_min, v_max));
  }
  bool fires(double v) const noexcept { return v >= static_cast<double>(v_th); }
};

}  // namespace spikeworm
