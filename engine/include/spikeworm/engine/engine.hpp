// What both executions of a network share: options, the spike record, counters and the run interface.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <limits>
#include <vector>

#include "spikeworm/core/common_types.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

// A distributed run's spike exchange (docs/scaling.md): called once per step by every process with the spikes
// of the neurons it steps (ascending), it leaves in `fired` every process's spikes of the step, ascending.
class spike_exchange {
 public:
  virtual ~spike_exchange() = default;
  virtual void exchange(std::vector<neuron_id>& fired) = 0;
};

struct engine_options {
  std::uint64_t seed = 1;     // initial state and Poisson streams
  int threads = 1;            // worker threads (results do not depend on it)
  bool record_spikes = true;  // keep every (step, neuron) spike
  // One process of a distributed run (event engine only; docs/scaling.md): it steps neurons [owned_begin,
  // owned_end), whose synapses its network part holds, and learns the others' spikes through `exchange`.
  neuron_id owned_begin = 0;
  neuron_id owned_end = std::numeric_limits<neuron_id>::max();
  spike_exchange* exchange = nullptr;
};

// A spike at step `step` (steps are numbered from 1; step t spans ((t-1) dt, t dt]).
struct spike {
  step_t step;
  neuron_id neuron;
  auto operator<=>(const spike&) const = default;
};

// Always-on counters, summed over every run() since the last reset().
struct run_counters {
  std::vector<std::uint64_t> spikes_per_population;
  std::vector<std::uint64_t> sops_per_population;     // synaptic events out of each population
  std::vector<std::uint64_t> updates_per_population;  // neuron state updates in each population
  std::vector<std::uint64_t> events_per_population;   // scheduler entries for neurons of each population
  std::uint64_t sops = 0;             // synaptic events delivered (spikes x fan-out)
  std::uint64_t neuron_updates = 0;   // neuron state updates actually performed
  std::uint64_t dense_updates = 0;    // N x steps: what a clock-driven run performs
  std::uint64_t events_queued = 0;    // entries pushed into the scheduler
  std::uint64_t peak_queue = 0;       // most entries held by the scheduler at once
  std::uint64_t raster_digest = 0;    // hash of every (step, neuron) spike in order: equal rasters, equal digests
  step_t steps = 0;

  std::uint64_t total_spikes() const noexcept;
  bool operator==(const run_counters&) const = default;
};

// State samples of one recorded variable of one population (its `record` key): after every step that is a
// multiple of `interval`, one row of the variable's values at `neurons` (network-wide ids, in column order).
// `values` holds the rows sampled since the last reset() or clear_trace_record(), row-major.
struct trace {
  std::uint32_t population = 0;
  state_variable variable = state_variable::v;
  std::vector<neuron_id> neurons;
  step_t interval = 1;
  std::vector<state_t> values;

  std::size_t rows() const noexcept { return neurons.empty() ? 0 : values.size() / neurons.size(); }
};

struct neuron_state;

class engine {
 public:
  virtual ~engine() = default;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Advances the simulation by `steps` steps.
  virtual void run(step_t steps) = 0;
  // Back to the initial state at step 0 (the same initial state: it depends on the seed only).
  virtual void reset() = 0;
  // reset(), then a constant injected current per neuron (size N), replacing the populations' `current`.
  virtual void reset(std::span<const double> currents) = 0;
  // reset(currents) (empty: the populations' own), then every spike_source neuron spikes at exactly the
  // steps listed for it in `inputs` (any order; a source without entries stays silent) until the next reset.
  void reset_with_inputs(std::span<const double> currents, std::span<const spike> inputs) {
    inputs_.assign(inputs.begin(), inputs.end());
    has_inputs_ = true;
    reset(currents);
  }

  // Mid-run changes, taking effect from the next step (the Python module's electrodes and spike inputs).
  // set_currents: the injected current of every neuron (size N). The event engine accepts a change only
  // for neurons of clock-driven blocks (a population with update = "clock", or a coba_lif, cuba_alpha_lif or
  // coba_alpha_lif population): a lazily updated neuron's closed form assumes the current it had since its last
  // update; other changes throw error.
  virtual void set_currents(std::span<const double> currents) = 0;
  // add_inputs: spikes of spike_source neurons at steps after now(), in addition to those still ahead;
  // forgotten at the next reset. Throws error for another neuron or a step <= now().
  virtual void add_inputs(std::span<const spike> inputs) = 0;

  step_t now() const noexcept { return now_; }
  const std::vector<spike>& spikes() const noexcept { return spikes_; }
  const run_counters& counters() const noexcept { return counters_; }
  // Spike counts per step and population, when recording: [(step - 1 - s0) * populations + p], s0 the step
  // of the last reset() or clear_spike_record().
  const std::vector<std::uint32_t>& spikes_per_step() const noexcept { return per_step_; }
  // Forgets the spikes recorded so far (spikes() and spikes_per_step()), keeping state and counters: a long
  // run streams its raster by writing spikes() and clearing after every chunk of steps.
  void clear_spike_record() noexcept {
    spikes_.clear();
    per_step_.clear();
  }
  // clear_spike_record(), handing over the spikes recorded so far instead of discarding them (no copy).
  std::vector<spike> take_spikes() noexcept {
    per_step_.clear();
    return std::exchange(spikes_, {});
  }
  const network& net() const noexcept { return *net_; }
  const engine_options& options() const noexcept { return opt_; }

  // Samples from now on the state variables the populations' `record` asks for (population::record; none:
  // no traces), into traces(); resets the engine. The event engine then updates the sampled neurons of its
  // lazily updated populations at every step, with the reference stepper's arithmetic, so that both engines
  // sample the same values bit for bit (docs/recording.md).
  void record_traces();
  const std::vector<trace>& traces() const noexcept { return traces_; }
  // Forgets the samples taken so far (each trace's values), keeping state, counters and the trace layout.
  void clear_trace_record() noexcept {
    for (auto& t : traces_) t.values.clear();
  }
  // Hands over trace k's samples taken so far (no copy), leaving it empty.
  std::vector<state_t> take_trace_values(std::size_t k) noexcept { return std::exchange(traces_[k].values, {}); }
  // Replaces trace k's samples (a distributed run's rank 0 puts in the owners' columns; docs/scaling.md).
  void set_trace_values(std::size_t k, std::vector<state_t> values) noexcept { traces_[k].values = std::move(values); }

 protected:
  engine(const network& net, engine_options opt) : net_(&net), opt_(opt) {}
  void clear_records();
  void record_step(step_t t, std::span<const neuron_id> step_spikes);
  // After step t, once every neuron of a trace is at step t.
  void sample_traces(step_t t) {
    if (!traces_.empty()) sample_traces_at(t);
  }
  // The state sample_traces reads: set by the derived engine's constructor.
  const neuron_state* sampled_state_ = nullptr;
  std::vector<trace> traces_;

  // The inputs of reset_with_inputs, for the next reset only: the engines' reset(currents) applies them
  // after initialising the state.
  bool take_inputs(std::span<const spike>& out) noexcept {
    if (!has_inputs_) return false;
    has_inputs_ = false;
    out = inputs_;  // stays valid until the next reset_with_inputs; its buffer is reused
    return true;
  }
  std::vector<spike> inputs_;
  bool has_inputs_ = false;

  const network* net_;
  engine_options opt_;
  step_t now_ = 0;
  std::vector<spike> spikes_;
  std::vector<std::uint32_t> per_step_;
  run_counters counters_;

 private:
  void sample_traces_at(step_t t);
};

// "event" (the event-driven engine) or "clock" (the clock-driven reference stepper).
std::unique_ptr<engine> make_engine(std::string_view kind, const network& net, engine_options opt);

}  // namespace spikeworm
