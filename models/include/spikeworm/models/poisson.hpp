// Poisson spike sources: independent Bernoulli spikes per step, drawn as geometric gaps.
#pragma once

#include <cmath>
#include <cstdint>

namespace spikeworm {

class table_reader;

struct poisson_params {
  double rate = 10.0;  // [Hz]
};

struct poisson_lowered {
  double p_step = 0.0;    // spike probability per step, rate * dt
  double log1m_p = 0.0;   // log(1 - p_step), for geometric gaps
};

poisson_params read_poisson_params(const table_reader& t);
poisson_lowered lower(const poisson_params& p, double dt_ms, const table_reader* where = nullptr);

}  // namespace spikeworm
