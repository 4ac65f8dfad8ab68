// The event engine's internals (private to engine/src): the blocks a network is partitioned into, and the
// engine state the pipeline parts share. The parts: partition.cpp (blocks, work groups, per-block edge
// offsets, the clock/lazy decision), delivery.cpp (ring, tiled and pushed delivery), dense.cpp (the
// clock-driven tile steps), scheduler.cpp (a block's step; due lists, timing wheel, heap), lazy_update.cpp
// (closed-form lazy updates), crossing.cpp (crossing prediction). docs/architecture.md describes the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <queue>
#include <utility>
#include <span>
#include <vector>

#include "spikeworm/core/parallel.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/engine/neuron_state.hpp"

namespace spikeworm::event_detail {

inline constexpr step_t never = INT64_MAX;
inline constexpr step_t wheel_slots = 1024;  // a power of two
// Neurons per tile of a clock-driven block: a multiple of the dense loop chunk.
inline constexpr std::size_t tile_shift = 12, tile_size = std::size_t{1} << tile_shift;
inline constexpr std::size_t chunk = 64;  // neurons per crossing flag of the dense loops

// A block owns a contiguous range of one population: its neurons, their input slots and their
// predicted threshold crossings. Blocks never write outside their range, so they run in parallel.
struct block {
  std::uint32_t pop = 0;
  neuron_id begin = 0, end = 0;
  // Another process of a distributed run steps these neurons (docs/scaling.md): never stepped here, their
  // spikes arrive through the exchange.
  bool remote = false;
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

using tile_event_bucket = std::vector<block::tile_event>;

// The threshold, reset [mV, or the lif's units] and refractory period [steps] of a neuron population's model
// (0 for sources, which have none).
inline double model_threshold(const population& p) noexcept {
  switch (p.model) {
    case model_kind::lif: return p.lif.v_th;
    case model_kind::cuba_lif: return p.cuba.v_th;
    case model_kind::coba_lif: return p.coba.v_th;
    case model_kind::cuba_alpha_lif: return p.cuba_alpha.v_th;
    case model_kind::coba_alpha_lif: return p.coba_alpha.membrane.v_th;
    case model_kind::fixed_lif: return static_cast<double>(p.fixed.v_th);
    case model_kind::nir: return p.nir.v_th;
    case model_kind::poisson:
    case model_kind::spike_source: break;
  }
  return 0.0;
}
inline double model_reset(const population& p) noexcept {
  switch (p.model) {
    case model_kind::lif: return p.lif.v_reset;
    case model_kind::cuba_lif: return p.cuba.v_reset;
    case model_kind::coba_lif: return p.coba.v_reset;
    case model_kind::cuba_alpha_lif: return p.cuba_alpha.v_reset;
    case model_kind::coba_alpha_lif: return p.coba_alpha.membrane.v_reset;
    case model_kind::fixed_lif: return static_cast<double>(p.fixed.v_reset);
    case model_kind::nir: return p.nir.v_reset;  // reset = "value"; collect_crossings subtracts otherwise
    case model_kind::poisson:
    case model_kind::spike_source: break;
  }
  return 0.0;
}
inline std::int32_t model_refractory(const population& p) noexcept {
  switch (p.model) {
    case model_kind::lif: return p.lif.t_ref;
    case model_kind::cuba_lif: return p.cuba.t_ref;
    case model_kind::coba_lif: return p.coba.t_ref;
    case model_kind::cuba_alpha_lif: return p.cuba_alpha.t_ref;
    case model_kind::coba_alpha_lif: return p.coba_alpha.membrane.t_ref;
    case model_kind::fixed_lif: return p.fixed.t_ref;
    case model_kind::nir: return 0;
    case model_kind::poisson:
    case model_kind::spike_source: break;
  }
  return 0;
}

}  // namespace spikeworm::event_detail

namespace spikeworm {

// Everything the event engine keeps between steps, and the per-block work of one step.
struct event_engine::impl {
  using block = event_detail::block;

  impl(const network& net, int threads);

  // partition.cpp
  void partition();
  void find_edge_offsets();
  bool decide_clocked(std::uint32_t pi) const;
  bool receives_synapses(std::uint32_t pi) const;
  std::size_t driven_neurons(std::uint32_t pi) const;
  std::string describe_stepping(std::uint32_t pi) const;
  void reset_blocks();
  // scheduler.cpp: one step of one block (the pipeline's stages 1-3), the crossing queues.
  void step_block(block& b, step_t t);
  void schedule(block& b, neuron_id n, step_t s, step_t now);
  // lazy_update.cpp
  void process(block& b, const population& p, neuron_id n, step_t t);
  // delivery.cpp
  // Which synapses a delivery takes: every one; with zero delays in the network, those of delay >= 1 (the
  // previous step's spikes) or those of delay 0 (spikes of earlier populations in the current step).
  enum class delays_taken : std::uint8_t { all, nonzero, zero };
  void deliver(block& b, step_t t_spike, delays_taken which = delays_taken::all);
  void deliver_from(block& b, step_t t_spike, std::span<const neuron_id> fired, delays_taken which);
  void deliver_tiled(block& b);
  void push(const block& src, step_t t);
  // A distributed run: the other processes' spikes of step t (in fired_ after the exchange) pushed into this
  // process's pushed blocks, each remote block's by one task, as its own process would have.
  void push_remote(step_t t);
  // dense.cpp
  void step_clocked(block& b, const population& p, step_t t);
  void collect_crossings(block& b, const population& p, step_t t, std::size_t c0, std::size_t c1);
  // crossing.cpp
  void predict(block& b, const population& p, neuron_id n, step_t t);
  void predict_lif(block& b, const population& p, neuron_id n, step_t t);
  void predict_cuba(block& b, const population& p, neuron_id n, step_t t);

  const network* net_;
  // A distributed run's process steps [owned_begin_, owned_end_) only (docs/scaling.md); else every neuron.
  neuron_id owned_begin_ = 0, owned_end_ = 0;
  spike_exchange* exchange_ = nullptr;
  bool distributed() const noexcept { return exchange_ != nullptr; }
  neuron_state st_;
  std::vector<std::uint8_t> pending_;  // [slot * N + n]: n is in due[slot] of its block
  std::vector<block> blocks_;
  std::vector<std::size_t> pushed_;  // the pushed blocks, ascending
  std::vector<std::size_t> remote_;  // push_remote(): the remote blocks with spikes in the step
  std::vector<std::vector<std::size_t>> groups_;  // the blocks each parallel task steps, in order
  std::vector<neuron_id> fired_;      // spikes of the last step, ascending
  // With zero delays (docs/nir.md): the blocks of each population, stepped population after population, and
  // the spikes of the current step so far (the populations already stepped), ascending.
  std::vector<std::vector<std::size_t>> stages_;
  std::vector<neuron_id> fired_now_;
  std::vector<step_t> predicted_;     // the crossing step each neuron is scheduled for (INT64_MAX: none)
  std::vector<step_t> reset_gap_;     // lif: steps from v_reset to the next crossing under its current (0: unknown)
  // Neurons whose state is sampled (engine::record_traces): a lazy one is updated at every step (predict())
  // with exactly the reference stepper's arithmetic (process()), so its samples equal the clock engine's.
  std::vector<std::uint8_t> watched_;
  // Delivery: the out-edges of source s into block k are [offsets_[s * stride_ + k], offsets_[s * stride_ + k + 1]).
  std::vector<edge_id> offsets_;
  std::size_t stride_ = 0;
  // [s * blocks + k]: what segment (s, k) is. segment_uniform: one delay and one receptor; segment_row: also
  // consecutive targets (one row, added as a vector). Either way the same additions in the same order.
  static constexpr std::uint8_t segment_mixed = 0, segment_uniform = 1, segment_row = 3;
  std::vector<std::uint8_t> segment_;
  worker_pool pool_;
};

}  // namespace spikeworm
