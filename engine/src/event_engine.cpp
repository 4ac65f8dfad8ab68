// The event engine's pipeline: construction, reset, and the step loop over the blocks' work groups
// (docs/architecture.md, the event engine). The parts live in engine/src/event/ (see state.hpp there).
//
// Epoch pipeline, once per step t, for every block in parallel:
//   1. pull: deliver the spikes of step t-1 (ascending source order) into the input ring of the block's
//      targets, at slot t-1+delay; a target gets a due entry for that slot the first time (pushed blocks
//      skip this: their input of step t was pushed at step t-1, see 3);
//   2. lazy blocks: update the neurons due at t: those with input at t, then those whose predicted
//      threshold crossing is t (closed-form decay from their last update, then one exact step), and
//      re-predict the next crossing of each updated neuron under its constant input;
//      clock-driven blocks: step every neuron with the reference stepper's arithmetic (a vectorised loop
//      that also reads and clears every input of step t), then collect the crossings;
//   3. push: append the synaptic events of the block's own spikes into the buckets of the pushed blocks
//      (clock-driven, every delay one step, several tiles), one bucket per (source block, target tile),
//      to be applied at step t+1. Each fired row is read once, by the thread that stepped its source: a
//      pulling thread would read every fired row for its targets, so the rows' memory latency would not
//      shrink with more threads. Buckets alternate between two sets by step parity, so a set is written
//      while the other is applied.
// Then, serially: concatenate the blocks' spikes (blocks are ascending ranges) and record them.
// Determinism: each target is written by one block only, and receives its input in ascending source
// order (pushed: a tile applies its buckets in source-block order, blocks being ascending ranges), so the
// sums (and everything after them) do not depend on the thread count or schedule.
#include "spikeworm/engine/event_engine.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "event/state.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

event_engine::impl::impl(const network& net, int threads) : net_(&net), pool_(threads) {}

event_engine::event_engine(const network& net, engine_options opt)
    : engine(net, opt), impl_(std::make_unique<impl>(net, std::max(1, opt.threads))) {
  const auto n = static_cast<neuron_id>(net.num_neurons());
  impl_->owned_begin_ = std::min(opt.owned_begin, n);
  impl_->owned_end_ = std::min(opt.owned_end, n);
  impl_->exchange_ = opt.exchange;
  const bool part = impl_->owned_begin_ != 0 || impl_->owned_end_ != n;
  if (impl_->owned_begin_ > impl_->owned_end_)
    throw error(fmt::format("event engine: owned neurons [{}, {}) are not a range", opt.owned_begin, opt.owned_end));
  if (part && !opt.exchange)
    throw error("event engine: a part of the network is stepped only with a spike exchange (docs/scaling.md)");
  if (opt.exchange && net.has_zero_delay())
    throw error("a distributed run cannot hold zero-delay synapses (docs/nir.md): their spikes would be needed "
                "within the step in which they are emitted");
  if (net.is_part() && (net.keep_begin() != impl_->owned_begin_ || net.keep_end() != impl_->owned_end_))
    throw error(fmt::format("event engine: the network part holds the synapses of [{}, {}), the engine steps [{}, {})",
                            net.keep_begin(), net.keep_end(), impl_->owned_begin_, impl_->owned_end_));
  impl_->partition();
  impl_->find_edge_offsets();
  for (std::size_t k = 0; k < impl_->blocks_.size(); ++k) {  // blocks are ascending ranges, population by population
    const auto pop = impl_->blocks_[k].pop;
    if (impl_->stages_.empty() || impl_->blocks_[impl_->stages_.back().front()].pop != pop) impl_->stages_.emplace_back();
    impl_->stages_.back().push_back(k);
  }
  sampled_state_ = &impl_->st_;
  reset();
}

event_engine::~event_engine() = default;

bool event_engine::clock_driven(std::size_t p) const {
  for (const auto& b : impl_->blocks_)
    if (b.pop == p) return b.clocked;
  return false;
}

std::string event_engine::stepping(std::size_t p) const {
  return impl_->describe_stepping(static_cast<std::uint32_t>(p));
}

const neuron_state& event_engine::state() const noexcept { return impl_->st_; }

void event_engine::reset() { reset({}); }

void event_engine::reset(std::span<const double> currents) {
  clear_records();
  auto& m = *impl_;
  m.st_.init(*net_, opt_.seed);
  if (!currents.empty()) {
    if (currents.size() != m.st_.current.size())
      throw error(fmt::format("reset: {} currents for {} neurons", currents.size(), m.st_.current.size()));
    std::copy(currents.begin(), currents.end(), m.st_.current.begin());
  }
  if (std::span<const spike> ext; take_inputs(ext)) m.st_.set_external(*net_, ext);
  m.watched_.assign(m.st_.v.size(), 0);
  for (const auto& tr : traces_)
    for (const neuron_id n : tr.neurons) m.watched_[n] = 1;
  m.reset_blocks();
}

void event_engine::set_currents(std::span<const double> currents) {
  auto& m = *impl_;
  auto& cur = m.st_.current;
  if (currents.size() != cur.size())
    throw error(fmt::format("set_currents: {} currents for {} neurons", currents.size(), cur.size()));
  for (std::size_t n = 0; n < currents.size(); ++n)
    if (!std::isfinite(currents[n])) throw error(fmt::format("set_currents: currents[{}] = {} is not finite", n, currents[n]));
  // Checked before anything changes, so a refused call leaves the engine as it was.
  for (const auto& b : m.blocks_) {
    const auto& p = net_->populations()[b.pop];
    if (b.clocked || is_source(p.model)) continue;
    for (neuron_id n = b.begin; n < b.end; ++n)
      if (currents[n] != cur[n])
        throw error(fmt::format("set_currents: neuron {} of population '{}' is updated lazily (event-driven), so its "
                                "current cannot change during a run; give the population update = \"clock\"",
                                n - p.first, p.name));
  }
  std::copy(currents.begin(), currents.end(), cur.begin());
  for (auto& b : m.blocks_)
    if (b.clocked)
      b.uniform_current = std::all_of(cur.begin() + b.begin, cur.begin() + b.end, [&](double c) { return c == cur[b.begin]; });
}

void event_engine::add_inputs(std::span<const spike> inputs) {
  auto& m = *impl_;
  m.st_.add_external(*net_, inputs, now_);
  for (auto& b : m.blocks_) {
    const auto& p = net_->populations()[b.pop];
    if (p.model != model_kind::spike_source) continue;
    for (neuron_id n = b.begin; n < b.end; ++n) m.schedule(b, n, m.st_.next_spike[n], now_);
  }
}

void event_engine::run(step_t steps) {
  auto& m = *impl_;
  for (step_t i = 0; i < steps; ++i) {
    const step_t t = now_ + 1;
    if (net_->has_zero_delay()) {
      // docs/nir.md: population after population, each reading the current step's spikes of the earlier ones.
      m.fired_now_.clear();
      for (const auto& stage : m.stages_) {
        m.pool_.for_each(stage.size(), [&](std::size_t j) { m.step_block(m.blocks_[stage[j]], t); });
        for (std::size_t k : stage) m.fired_now_.insert(m.fired_now_.end(), m.blocks_[k].fired.begin(), m.blocks_[k].fired.end());
      }
    } else {
      m.pool_.for_each(m.groups_.size(), [&](std::size_t g) {
        for (std::size_t k : m.groups_[g]) m.step_block(m.blocks_[k], t);
      });
    }
    m.fired_.clear();
    std::uint64_t held = 0;
    for (auto& b : m.blocks_) {
      if (b.remote) continue;  // its fired list holds the last step's spikes of another process (push_remote)
      m.fired_.insert(m.fired_.end(), b.fired.begin(), b.fired.end());
      held += b.pending + b.wheel_entries + b.crossings.size();
    }
    if (m.exchange_) {
      m.exchange_->exchange(m.fired_);  // every process's spikes of step t, ascending
      if (!m.pushed_.empty()) m.push_remote(t);
    }
    counters_.peak_queue = std::max(counters_.peak_queue, held);
    counters_.dense_updates += m.st_.v.size();
    counters_.steps = t;
    record_step(t, m.fired_);
    sample_traces(t);
    now_ = t;
  }
  counters_.neuron_updates = counters_.events_queued = 0;
  std::fill(counters_.updates_per_population.begin(), counters_.updates_per_population.end(), 0);
  std::fill(counters_.events_per_population.begin(), counters_.events_per_population.end(), 0);
  for (const auto& b : m.blocks_) {
    counters_.neuron_updates += b.updates;
    counters_.updates_per_population[b.pop] += b.updates;
    counters_.events_per_population[b.pop] += b.queued;
    counters_.events_queued += b.queued;
  }
}

}  // namespace spikeworm
