// Delivery of a step's spikes into the blocks' inputs (docs/architecture.md, the event engine), by three paths:
// the input ring (pulled at the next step: one slot per delay, due entries for lazy blocks), the tile
// scratch of a one-tile tiled block (pulled), and per-(source block, tile) buckets of pushed blocks (pushed
// by the thread that stepped the source). Each path adds a target's inputs in ascending source order.
#include <algorithm>

#include "state.hpp"

namespace spikeworm {

using namespace event_detail;

// Pre: fired_ holds the spikes of the last step in ascending order; b is tiled (every delay is one step) with
// one tile: the events go straight into acc in ascending source order, as deliver() does into the ring.
void event_engine::impl::deliver_tiled(block& b) {
  const auto tgt = net_->targets();
  const auto w = net_->weights();
  const auto rc = net_->receptors();
  const std::size_t k = static_cast<std::size_t>(&b - blocks_.data());
  const neuron_id first = b.begin;
  double* acc = b.acc.data();
  for (neuron_id s : fired_) {
    const edge_id* off = offsets_.data() + std::size_t{s} * stride_ + k;
    const edge_id e0 = off[0], len = off[1] - off[0];
    if (len == 0) continue;
    const std::uint8_t kind = segment_[std::size_t{s} * blocks_.size() + k];
    if (kind == segment_row) {
      // The same additions in the same order as below, as one row: bit-identical, vectorised.
      double* __restrict dst = acc + (rc[e0] == receptor::excitatory ? 0 : tile_size) + (tgt[e0] - first);
      const float* __restrict ws = w.data() + e0;
      for (edge_id j = 0; j < len; ++j) dst[j] += static_cast<double>(ws[j]);
      continue;
    }
    if (kind == segment_uniform) {  // one receptor: the same additions, without reading it per synapse
      double* dst = acc + (rc[e0] == receptor::excitatory ? 0 : tile_size) - first;
      for (edge_id e = e0, end = off[1]; e < end; ++e) dst[tgt[e]] += static_cast<double>(w[e]);
      continue;
    }
    for (edge_id e = e0, end = off[1]; e < end; ++e)
      acc[(rc[e] == receptor::excitatory ? 0 : tile_size) + (tgt[e] - first)] += static_cast<double>(w[e]);
  }
}

// Pre: src.fired holds the spikes of block src at step t, ascending. Appends their synaptic events into the
// pushed blocks (tiled, several tiles) to the buckets of set t & 1 for source block src: each source's row is
// walked by the thread that stepped it, so delivery is split by source, and applying a tile's buckets in
// source-block order at step t + 1 adds its inputs in ascending source order, as the reference does. The
// other set is being applied meanwhile (step t's input), so the two never meet.
void event_engine::impl::push(const block& src, step_t t) {
  const auto tgt = net_->targets();
  const auto w = net_->weights();
  const auto rc = net_->receptors();
  const std::size_t ks = static_cast<std::size_t>(&src - blocks_.data());
  const std::size_t parity = static_cast<std::size_t>(t & 1);
  // The rows of the sources are scattered over the synapse arrays (DRAM at 400k): fetch the offsets of the
  // source 2 * ahead and the row of the source `ahead` positions further on, so that their misses overlap
  // with the work on this one.
  constexpr std::size_t ahead = 4;
  const auto& fired = src.fired;
  const std::size_t nf = fired.size();
  auto row = [&](std::size_t i) { return offsets_.data() + std::size_t{fired[i]} * stride_; };
  auto fetch = [](const void* from, const void* to) {
    for (auto p = static_cast<const char*>(from); p < static_cast<const char*>(to); p += 64) __builtin_prefetch(p);
  };
  const std::size_t first_pushed = pushed_.front(), last_pushed = pushed_.back() + 1;
  for (std::size_t i = 0; i < std::min(nf, 2 * ahead); ++i) __builtin_prefetch(row(i) + first_pushed);
  for (std::size_t i = 0; i < nf; ++i) {
    if (i + 2 * ahead < nf) __builtin_prefetch(row(i + 2 * ahead) + first_pushed);
    if (i + ahead < nf) {
      const edge_id* o = row(i + ahead);
      const edge_id e0 = o[first_pushed], e1 = o[last_pushed];
      fetch(tgt.data() + e0, tgt.data() + e1);
      fetch(w.data() + e0, w.data() + e1);
      fetch(rc.data() + e0, rc.data() + e1);
    }
    const edge_id* off = row(i);
    for (std::size_t k : pushed_) {
      auto& b = blocks_[k];
      auto* buckets = b.buckets.data() + (parity * blocks_.size() + ks) * b.tiles;
      const neuron_id first = b.begin;
      for (edge_id e = off[k], end = off[k + 1]; e < end; ++e) {
        const std::uint32_t local = tgt[e] - first;
        const auto at = static_cast<std::uint32_t>((local & (tile_size - 1)) + (rc[e] == receptor::excitatory ? 0 : tile_size));
        buckets[local >> tile_shift].push_back({at, w[e]});
      }
    }
  }
}

void event_engine::impl::push_remote(step_t t) {
  remote_.clear();
  for (std::size_t k = 0; k < blocks_.size(); ++k) {
    auto& b = blocks_[k];
    if (!b.remote) continue;
    const auto lo = std::lower_bound(fired_.begin(), fired_.end(), b.begin);
    const auto hi = std::lower_bound(lo, fired_.end(), b.end);
    b.fired.assign(lo, hi);
    if (!b.fired.empty()) remote_.push_back(k);
  }
  pool_.for_each(remote_.size(), [&](std::size_t i) { push(blocks_[remote_[i]], t); });
}

// Pre: fired_ holds the spikes of step t_spike in ascending order.
void event_engine::impl::deliver(block& b, step_t t_spike, delays_taken which) {
  if (b.pushed) return;  // its sources pushed their events into its buckets (push())
  if (b.tiled) return deliver_tiled(b);
  deliver_from(b, t_spike, fired_, which);
}

// Pre: fired holds spikes of step t_spike in ascending order; b is neither pushed nor tiled. With `which` other
// than all, only the synapses of zero or of nonzero delay are delivered (a zero-delay synapse lands in the slot
// of t_spike itself, which a block of a later population reads in the same step).
void event_engine::impl::deliver_from(block& b, step_t t_spike, std::span<const neuron_id> fired, delays_taken which) {
  const auto tgt = net_->targets();
  const auto w = net_->weights();
  const auto d = net_->delays();
  const auto rc = net_->receptors();
  const std::size_t N = st_.v.size();
  const std::size_t slots = st_.slots;
  const std::size_t slot0 = static_cast<std::size_t>(t_spike % static_cast<step_t>(slots));
  const std::size_t k = static_cast<std::size_t>(&b - blocks_.data());
  double* in_e = st_.in_e.data();
  double* in_i = st_.in_i.data();
  auto slot_of = [&](edge_id e) {
    std::size_t slot = slot0 + d[e];  // delays are in [0, slots)
    return slot >= slots ? slot - slots : slot;
  };
  auto taken = [&](edge_id e) {
    return which == delays_taken::all || (which == delays_taken::zero) == (d[e] == 0);
  };
  if (b.clocked) {  // the dense loop reads every input: no due entries
    constexpr edge_id ahead = 16;  // the targets are scattered over the block: fetch their inputs early,
    // unless the whole input ring fits in this core's L2 (about 1 MB here), where the fetches only cost time
    const bool prefetch = 2 * slots * N * sizeof(double) > (std::size_t{512} << 10);
    for (neuron_id s : fired) {
      const edge_id* off = offsets_.data() + std::size_t{s} * stride_ + k;
      const std::uint8_t kind = segment_[std::size_t{s} * blocks_.size() + k];
      if (kind == segment_row) {
        // The same additions in the same order as below, as one row: bit-identical, vectorised.
        const edge_id e0 = off[0], len = off[1] - off[0];
        if (len == 0 || !taken(e0)) continue;  // one delay for the whole row
        double* __restrict dst = (rc[e0] == receptor::excitatory ? in_e : in_i) + slot_of(e0) * N + tgt[e0];
        const float* __restrict ws = w.data() + e0;
        for (edge_id j = 0; j < len; ++j) dst[j] += static_cast<double>(ws[j]);
        continue;
      }
      if (kind == segment_uniform && !prefetch) {  // one delay, one receptor: one slot, read once
        const edge_id e0 = off[0], end = off[1];
        if (e0 == end || !taken(e0)) continue;
        double* dst = (rc[e0] == receptor::excitatory ? in_e : in_i) + slot_of(e0) * N;
        for (edge_id e = e0; e < end; ++e) dst[tgt[e]] += static_cast<double>(w[e]);
        continue;
      }
      if (which != delays_taken::all) {  // with zero delays in the network: every edge checked
        for (edge_id e = off[0], end = off[1]; e < end; ++e)
          if (taken(e)) (rc[e] == receptor::excitatory ? in_e : in_i)[slot_of(e) * N + tgt[e]] += static_cast<double>(w[e]);
        continue;
      }
      if (!prefetch) {
        for (edge_id e = off[0], end = off[1]; e < end; ++e)
          (rc[e] == receptor::excitatory ? in_e : in_i)[slot_of(e) * N + tgt[e]] += static_cast<double>(w[e]);
        continue;
      }
      for (edge_id e = off[0], end = off[1]; e < end; ++e) {
        if (e + ahead < end) {
          const edge_id f = e + ahead;
          __builtin_prefetch((rc[f] == receptor::excitatory ? in_e : in_i) + slot_of(f) * N + tgt[f], 1);
        }
        (rc[e] == receptor::excitatory ? in_e : in_i)[slot_of(e) * N + tgt[e]] += static_cast<double>(w[e]);
      }
    }
    return;
  }
  // Lazy blocks receive no zero-delay synapses (their targets must be clock-driven: network::check_list).
  std::uint8_t* pending = pending_.data();
  for (neuron_id s : fired) {
    const edge_id* off = offsets_.data() + std::size_t{s} * stride_ + k;
    for (edge_id e = off[0], end = off[1]; e < end; ++e) {
      const neuron_id n = tgt[e];
      const std::size_t slot = slot_of(e);
      const std::size_t i = slot * N + n;
      (rc[e] == receptor::excitatory ? in_e : in_i)[i] += static_cast<double>(w[e]);
      if (!pending[i]) {
        pending[i] = 1;
        b.due[slot].push_back(n);
        ++b.pending;
        ++b.queued;
      }
    }
  }
}

}  // namespace spikeworm
