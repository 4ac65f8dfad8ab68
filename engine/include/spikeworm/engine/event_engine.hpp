// The event-driven engine: a spike-event scheduler with lazy, closed-form neuron updates
// (docs/architecture.md). Its blocks, queues and delivery structures live in engine/src/event/.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <span>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/neuron_state.hpp"

namespace spikeworm {

class event_engine final : public engine {
 public:
  event_engine(const network& net, engine_options opt);
  ~event_engine() override;
  void run(step_t steps) override;
  void reset() override;
  void reset(std::span<const double> currents) override;
  void set_currents(std::span<const double> currents) override;
  void add_inputs(std::span<const spike> inputs) override;

  // Whether population p is advanced clock-driven (every neuron, every step) since the last reset():
  // its `update` key, or when automatic, whether its neurons are driven without input and receive synapses.
  bool clock_driven(std::size_t p) const;
  // How population p is stepped and why, for reports: "clock (auto: 100% of neurons driven without input)",
  // "event (source)", "event (update = \"event\")", ...
  std::string stepping(std::size_t p) const;
  // The neuron state: neurons of clock-driven populations are at step now(), lazy ones at st.last[n] (tests).
  const neuron_state& state() const noexcept;

 private:
  struct impl;  // engine/src/event/state.hpp
  std::unique_ptr<impl> impl_;
};

}  // namespace spikeworm
