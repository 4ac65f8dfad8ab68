// Running a spiking brain's network on an engine, for tests that compare it with the brain's own pass.
#pragma once

#include <span>
#include <vector>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/learning/spiking_brain.hpp"

namespace spikeworm::test {

// One decision on the engine: layer 1 gets the constant current of the observation, every later layer
// its bias. Returns the spike counts of every neuron.
inline std::vector<double> engine_counts(engine& e, const spiking_brain& b, std::span<const double> obs) {
  const int H = b.config().hidden, L = b.config().layers;
  std::vector<double> cur(static_cast<std::size_t>(H) * L);
  b.layer1_current(obs, std::span<double>(cur).first(static_cast<std::size_t>(H)));
  for (int k = 1; k < L; ++k)
    for (int j = 0; j < H; ++j) cur[static_cast<std::size_t>(k * H + j)] = b.bias_current(k, j);
  e.reset(cur);
  e.run(b.config().steps);
  std::vector<double> counts(cur.size(), 0.0);
  for (const auto& s : e.spikes()) counts[s.neuron] += 1.0;
  return counts;
}

}  // namespace spikeworm::test
