// The clock-driven reference stepper: every neuron, every step. Used to validate the event engine.
#pragma once

#include <vector>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/neuron_state.hpp"

namespace spikeworm {

class clock_engine final : public engine {
 public:
  clock_engine(const network& net, engine_options opt);
  void run(step_t steps) override;
  void reset() override;
  void reset(std::span<const double> currents) override;
  void set_currents(std::span<const double> currents) override;
  void add_inputs(std::span<const spike> inputs) override;

  // Keeps the membrane of every neuron at every step, before the threshold reset (tests only:
  // N x steps doubles). Read with membrane_trace()[(t - 1) * N + n].
  void enable_membrane_trace(bool on) { trace_on_ = on; }
  const std::vector<double>& membrane_trace() const noexcept { return trace_; }
  const neuron_state& state() const noexcept { return st_; }

 private:
  void step(step_t t);
  template <class Model>
  void step_lif_like(const population& p, const Model& m, double v_reset, step_t t, std::size_t base, double* trace);
  void step_alpha(const population& p, step_t t, std::size_t base, double* trace);
  void step_nir(const population& p, std::size_t base, double* trace);
  void deliver(std::size_t from, step_t t);
  neuron_state st_;
  std::vector<neuron_id> fired_;
  bool trace_on_ = false;
  std::vector<double> trace_;
};

}  // namespace spikeworm
