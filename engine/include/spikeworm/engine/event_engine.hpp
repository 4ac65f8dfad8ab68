// The event-driven engine: a spike-event scheduler with lazy, closed-form neuron updates (SPEC section 3).
#pragma once

#include <functional>
#include <memory>
#include <queue>
#include <vector>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/engine/neuron_state.hpp"


namespace spikeworm {

class event_engine final : public engine {
 public:
  event_engine(const network& net, engine_options opt);
  ~event_engine() override;
  void run(step_t steps) override;
  void reset() override;
  void reset(std::span<const double> currents) override;

  // Whether population p is advanced clock-driven (every neuron, every step) since the last reset():
  // its `update` key, or when automatic, whether its neurons are driven without input and receive synapses.
  bool clock_driven(std::size_t p) const;
  // The neuron state: neurons of clock-driven populations are at step now(), lazy ones at st.last[n] (tests).
  const neuron_state& state() const noexcept { return st_; }

 private:
  // A block owns a contiguous range of one population: its neurons, their input slots and their
  // predicted threshold crossings. Blocks never write outside their range, so they run in parallel.
  struct block {
    std::uint32_t pop = 0;
    neuron_id begin = 0, end = 0;
    // Clock-driven blocks step every neuron every step (bit-identical to the reference stepper): no due
    // lists, no crossing predictions.
    bool clocked = false;
    bool uniform_current = true;  // every neuron of the block has the same injected current
    // Tiled (clock-driven, every delay one step): the block is stepped tile by tile (tile_size neurons),
    // and a tile's input of the step is summed in `acc` ([0, tile_size) excitatory, then inhibitory), a
    // scratch that stays in cache, instead of the N-wide input ring. With several tiles (pushed), each
    // source block appends its synaptic events to per-tile buckets, and each tile applies its buckets into
    // acc right before its dense step: the scattered additions hit L1/L2, not DRAM.
    bool tiled = false;
    struct tile_event {
      std::uint32_t at;  // index into acc
      float w;
    };
    std::size_t tiles = 0;
    // Pushed (tiled with several tiles): its input arrives through buckets, [(set * blocks + source block) *
    // tiles + tile], filled by push() at the step of the spikes (set: its parity), applied at the next.
    bool pushed = false;
    std::vector<std::vector<tile_event>> buckets;
    std::vector<double> acc;
    std::vector<std::uint8_t> hot;  // per chunk of the dense loop: some membrane crossed threshold (a hint)
    // Clock-driven, per tile: (ref_until, n) of the neurons that fired, in firing order (so by ref_until: one
    // t_ref per population); those from head on may still be refractory. The dense loop reads no per-neuron
    // refractory state: it computes every membrane, then the tile's refractory neurons are set to v_reset.
    struct tile_refractory {
      std::vector<std::pair<step_t, neuron_id>> held;
      std::size_t head = 0;
    };
    std::vector<tile_refractory> refractory;
    std::vector<std::vector<neuron_id>> due;  // neurons with input waiting, per ring slot
    using entry = std::pair<step_t, neuron_id>;
    // Predicted crossings less than wheel_slots steps ahead go to a timing wheel (O(1) insertion, a bucket
    // per step); farther ones to a binary min-heap of (step, neuron). Stale entries are skipped when due.
    std::vector<std::vector<neuron_id>> wheel;
    std::uint64_t wheel_entries = 0;
    std::priority_queue<entry, std::vector<entry>, std::greater<>> crossings;  // (step, neuron), min first
    std::vector<neuron_id> fired;
    std::uint64_t updates = 0, queued = 0, pending = 0;
  };

  void step_block(block& b, step_t t);
  void step_clocked(block& b, const population& p, step_t t);
  bool decide_clocked(std::uint32_t pi) const;
  void deliver(block& b, step_t t_spike);
  void deliver_tiled(block& b);
  void push(const block& src, step_t t);
  using tile_event_bucket = std::vector<block::tile_event>;
  void collect_crossings(block& b, const population& p, step_t t, std::size_t c0, std::size_t c1);
  void process(block& b, const population& p, neuron_id n, step_t t);
  void predict(block& b, const population& p, neuron_id n, step_t t);
  void schedule(block& b, neuron_id n, step_t s, step_t now);
  static constexpr step_t wheel_slots = 1024;  // a power of two
  static constexpr std::size_t tile_shift = 12, tile_size = std::size_t{1} << tile_shift;  // a multiple of the dense loop chunk

  neuron_state st_;
  std::vector<std::uint8_t> pending_;  // [slot * N + n]: n is in due[slot] of its block
  std::vector<block> blocks_;
  std::vector<std::size_t> pushed_;  // the pushed blocks, ascending
  std::vector<std::vector<std::size_t>> groups_;  // the blocks each parallel task steps, in order
  std::vector<neuron_id> fired_;      // spikes of the last step, ascending
  std::vector<step_t> predicted_;     // the crossing step each neuron is scheduled for (INT64_MAX: none)
  std::vector<step_t> reset_gap_;     // lif: steps from v_reset to the next crossing under its current (0: unknown)
  // Delivery: the out-edges of source s into block k are [offsets_[s * stride_ + k], offsets_[s * stride_ + k + 1]).
  std::vector<edge_id> offsets_;
  std::size_t stride_ = 0;
  std::vector<std::uint8_t> contiguous_;  // [s * blocks + k]: segment (s, k) is one row (consecutive targets)
  std::unique_ptr<worker_pool> pool_;
};

}  // namespace spikeworm
