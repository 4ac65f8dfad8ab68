// The quantizer (docs/deployment.md): a float network lowered to a chip's precision, lif populations as
// fixed_lif with integer weights, thresholds, biases and decays.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm {

// How one population's values map to integers: membrane value = integer x lsb.
struct population_quant {
  std::string name;
  double lsb = 0;               // membrane least significant bit [float units]
  std::int64_t v_th = 0, bias_max = 0;
  std::int64_t decay_num = 0, leak = 0;
  int decay_shift = 0;
  double decay_float = 0, decay_quant = 0;  // the float decay and its quantized value
};
struct projection_quant {
  std::string source, target;
  double max_abs = 0;     // largest float weight
  double scale = 0;       // float value of one weight step (lsb x 2^shift; ternary: the magnitude a)
  int shift = 0;          // weights enter the membrane << shift (integer chips)
  double max_error = 0;   // largest |w_q - w| over the projection
  double zero_fraction = 0;  // ternary: weights set to 0
};

// A fixed-point copy of a float network (lif populations become fixed_lif, weights integers in units of
// the target population's lsb) for one chip. Spike sources and the topology are unchanged; projections
// out of `delayed` populations get `extra_delay` more steps (TrueNorth's splitters).
struct quantized_network {
  std::unique_ptr<network> net;
  std::vector<population_quant> pops;   // per population of net (sources: lsb 0)
  std::vector<projection_quant> projs;
  // Integer currents (bias) from float currents, per neuron; counts values that saturated the bias range.
  void quantize_currents(std::span<const double> in, std::span<double> out, std::uint64_t& saturated) const;
  nlohmann::json to_json() const;
};

// `current_max[p]`: the largest |current| population p receives (sizes the bias range; 0: none).
quantized_network quantize(const network& float_net, const chip_profile& chip, std::span<const double> current_max,
                           int extra_delay = 0);

}  // namespace spikeworm
