// The event engine.
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

#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {

namespace {
constexpr step_t never = INT64_MAX;
}

event_engine::event_engine(const network& net, engine_options opt)
    : engine(net, opt), pool_(std::make_unique<worker_pool>(std::max(1, opt.threads))) {
  const int threads = pool_->threads();
  // Blocks: each population split into `threads` x pieces_per_thread pieces of equal size, boundaries on whole
  // tiles where the pieces hold several (populations too small for that stay whole). Work group g takes piece g
  // (modulo the group count) of every population: the clock-driven cost is about proportional to neurons, so
  // the groups are balanced, and each thread visits a fired source's row for few blocks.
  constexpr std::size_t pieces_per_thread = 1;
  const auto& pops = net.populations();
  const std::size_t groups = static_cast<std::size_t>(threads) * pieces_per_thread;
  std::vector<std::size_t> group_of;
  for (std::uint32_t pi = 0; pi < pops.size(); ++pi) {
    const auto& p = pops[pi];
    const std::size_t pieces = std::max<std::size_t>(1, std::min<std::size_t>(groups, p.size / 256));
    const bool align = p.size >= pieces * tile_size;
    auto boundary = [&](std::size_t k) {
      const std::size_t at = k == pieces ? p.size : p.size * k / pieces;
      return static_cast<neuron_id>(p.first + (align && k < pieces ? at / tile_size * tile_size : at));
    };
    for (std::size_t k = 0; k < pieces; ++k) {
      block b;
      b.pop = pi;
      b.begin = boundary(k);
      b.end = boundary(k + 1);
      if (b.end > b.begin) {
        blocks_.push_back(std::move(b));
        group_of.push_back(k % groups);
      }
    }
  }
  groups_.assign(groups, {});
  for (std::size_t k = 0; k < blocks_.size(); ++k) groups_[group_of[k]].push_back(k);
  std::erase_if(groups_, [](const auto& g) { return g.empty(); });
  // Per-(source, block) edge offsets: rows are sorted by target and blocks are ascending ranges covering
  // every neuron, so one pass over each row finds where each block's targets begin.
  stride_ = blocks_.size() + 1;
  const auto rows = net.row_start();
  const auto tgt = net.targets();
  const auto d = net.delays();
  const auto rc = net.receptors();
  resize_huge(offsets_, net.num_neurons() * stride_);
  contiguous_.resize(net.num_neurons() * blocks_.size());
  pool_->for_each((net.num_neurons() + 4095) / 4096, [&](std::size_t chunk) {
    const std::size_t lo = chunk * 4096, hi = std::min(net.num_neurons(), lo + 4096);
    for (std::size_t s = lo; s < hi; ++s) {
      edge_id e = rows[s];
      edge_id* off = offsets_.data() + s * stride_;
      for (std::size_t k = 0; k < blocks_.size(); ++k) {
        while (e < rows[s + 1] && tgt[e] < blocks_[k].begin) ++e;
        off[k] = e;
      }
      off[blocks_.size()] = rows[s + 1];
      // A segment whose targets are consecutive, with one delay and one receptor (all_to_all projections),
      // is delivered into clock-driven blocks as one vectorisable row addition.
      for (std::size_t k = 0; k < blocks_.size(); ++k) {
        bool run = true;
        for (edge_id x = off[k]; run && x + 1 < off[k + 1]; ++x)
          run = tgt[x + 1] == tgt[x] + 1 && d[x + 1] == d[x] && rc[x + 1] == rc[x];
        contiguous_[s * blocks_.size() + k] = static_cast<std::uint8_t>(run);
      }
    }
  });
  reset();
}

bool event_engine::clock_driven(std::size_t p) const {
  for (const auto& b : blocks_)
    if (b.pop == p) return b.clocked;
  return false;
}

// A population is clock-driven when asked to, or (automatic) when it receives synapses and at least half of
// its neurons are driven without input (fixed point above threshold): such neurons fire on their own and
// every arriving spike invalidates their predicted crossing, so a lazy update and a new prediction per
// input cost more than a vectorised step per step. Neurons that are not driven or get no input stay lazy.
bool event_engine::decide_clocked(std::uint32_t pi) const {
  const auto& p = net_->populations()[pi];
  if (p.model == model_kind::fixed_lif) return true;  // a chip updates every neuron every step
  if (is_source(p.model) || p.update == update_mode::event) return false;
  if (p.update == update_mode::clock) return true;
  bool receives = false;
  for (const auto& pr : net_->projections()) receives = receives || (pr.target_pop == pi && pr.synapses > 0);
  if (!receives) return false;
  std::size_t driven = 0;
  for (neuron_id n = p.first; n < p.end(); ++n) {
    const double vstar = p.model == model_kind::cuba_lif ? p.cuba.e_l + st_.current[n] : p.lif.fixed_point(st_.current[n]);
    if (vstar > (p.model == model_kind::cuba_lif ? p.cuba.v_th : p.lif.v_th)) ++driven;
  }
  return 2 * driven >= p.size;
}

event_engine::~event_engine() = default;

void event_engine::reset() { reset({}); }

void event_engine::reset(std::span<const double> currents) {
  clear_records();
  st_.init(*net_, opt_.seed);
  if (!currents.empty()) {
    if (currents.size() != st_.current.size())
      throw error(fmt::format("reset: {} currents for {} neurons", currents.size(), st_.current.size()));
    std::copy(currents.begin(), currents.end(), st_.current.begin());
  }
  if (std::span<const spike> ext; take_inputs(ext)) st_.set_external(*net_, ext);
  pending_.assign(st_.slots * st_.v.size(), 0);
  predicted_.assign(st_.v.size(), never);
  reset_gap_.assign(st_.v.size(), 0);
  fired_.clear();
  for (auto& b : blocks_) {
    b.due.assign(st_.slots, {});
    b.crossings = {};
    b.wheel.assign(static_cast<std::size_t>(wheel_slots), {});
    b.wheel_entries = 0;
    b.fired.clear();
    b.updates = b.queued = b.pending = 0;
    const auto& p = net_->populations()[b.pop];
    b.clocked = decide_clocked(b.pop);
    b.hot.clear();
    b.tiled = b.clocked && st_.slots == 1;
    b.buckets.clear();
    b.acc.clear();
    b.refractory.clear();
    if (b.clocked) b.refractory.resize((b.end - b.begin + tile_size - 1) / tile_size);
    b.tiles = (b.end - b.begin + tile_size - 1) / tile_size;
    b.pushed = b.tiled && b.tiles > 1;
    if (b.tiled) b.acc.assign(2 * tile_size, 0.0);
    if (b.pushed) b.buckets.resize(2 * blocks_.size() * b.tiles);
    if (b.clocked) {
      b.uniform_current = std::all_of(st_.current.begin() + b.begin, st_.current.begin() + b.end,
                                      [&](double c) { return c == st_.current[b.begin]; });
      continue;
    }
    // Neurons that would cross threshold without any input (constant current, E_L above threshold,
    // Poisson sources) get a first prediction; all others cost nothing until an event reaches them.
    for (neuron_id n = b.begin; n < b.end; ++n) predict(b, p, n, 0);
  }
  pushed_.clear();
  for (std::size_t k = 0; k < blocks_.size(); ++k)
    if (blocks_[k].pushed) pushed_.push_back(k);
}

void event_engine::run(step_t steps) {
  for (step_t i = 0; i < steps; ++i) {
    const step_t t = now_ + 1;
    pool_->for_each(groups_.size(), [&](std::size_t g) {
      for (std::size_t k : groups_[g]) step_block(blocks_[k], t);
    });
    fired_.clear();
    std::uint64_t held = 0;
    for (auto& b : blocks_) {
      fired_.insert(fired_.end(), b.fired.begin(), b.fired.end());
      held += b.pending + b.wheel_entries + b.crossings.size();
    }
    counters_.peak_queue = std::max(counters_.peak_queue, held);
    counters_.dense_updates += st_.v.size();
    counters_.steps = t;
    record_step(t, fired_);
    now_ = t;
  }
  counters_.neuron_updates = counters_.events_queued = 0;
  std::fill(counters_.updates_per_population.begin(), counters_.updates_per_population.end(), 0);
  std::fill(counters_.events_per_population.begin(), counters_.events_per_population.end(), 0);
  for (const auto& b : blocks_) {
    counters_.neuron_updates += b.updates;
    counters_.updates_per_population[b.pop] += b.updates;
    counters_.events_per_population[b.pop] += b.queued;
    counters_.events_queued += b.queued;
  }
}

// Pre: fired_ holds the spikes of the last step in ascending order; b is tiled (every delay is one step) with
// one tile: the events go straight into acc in ascending source order, as deliver() does into the ring.
void event_engine::deliver_tiled(block& b) {
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
    if (contiguous_[std::size_t{s} * blocks_.size() + k]) {
      // The same additions in the same order as below, as one row: bit-identical, vectorised.
      double* __restrict dst = acc + (rc[e0] == receptor::excitatory ? 0 : tile_size) + (tgt[e0] - first);
      const float* __restrict ws = w.data() + e0;
      for (edge_id j = 0; j < len; ++j) dst[j] += static_cast<double>(ws[j]);
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
void event_engine::push(const block& src, step_t t) {
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

// Pre: fired_ holds the spikes of step t_spike in ascending order.
void event_engine::deliver(block& b, step_t t_spike) {
  if (b.pushed) return;  // its sources pushed their events into its buckets (push())
  if (b.tiled) return deliver_tiled(b);
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
    std::size_t slot = slot0 + d[e];  // delays are in [1, slots]
    return slot >= slots ? slot - slots : slot;
  };
  if (b.clocked) {  // the dense loop reads every input: no due entries
    constexpr edge_id ahead = 16;  // the targets are scattered over the block: fetch their inputs early
    for (neuron_id s : fired_) {
      const edge_id* off = offsets_.data() + std::size_t{s} * stride_ + k;
      if (contiguous_[std::size_t{s} * blocks_.size() + k]) {
        // The same additions in the same order as below, as one row: bit-identical, vectorised.
        const edge_id e0 = off[0], len = off[1] - off[0];
        if (len == 0) continue;
        double* __restrict dst = (rc[e0] == receptor::excitatory ? in_e : in_i) + slot_of(e0) * N + tgt[e0];
        const float* __restrict ws = w.data() + e0;
        for (edge_id j = 0; j < len; ++j) dst[j] += static_cast<double>(ws[j]);
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
  std::uint8_t* pending = pending_.data();
  for (neuron_id s : fired_) {
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

namespace {

constexpr std::size_t chunk = 64;  // neurons per crossing flag of the dense loops

// One reference step of neurons [0, n) of a clock-driven block (pointers offset to its first neuron, inputs
// to its slot of step t): the arithmetic of clock_engine::step in the same order, every neuron as if it were
// not refractory (the caller then sets the membrane of the refractory ones to v_reset: their currents evolve
// the same either way). hot[c] = some membrane of chunk c crossed threshold (a hint: a refractory neuron may
// set it). Written so that it vectorises (checked with -fopt-info-vec).
template <bool Uniform>
void cuba_dense(const cuba_lif_lowered& m, std::size_t n, double* __restrict v, double* __restrict ge,
                double* __restrict gi, double* __restrict in_e, double* __restrict in_i,
                const double* __restrict current, double c0, std::uint8_t* __restrict hot) {
  const double am = m.am, ke = m.ke, ki = m.ki, be = m.be, bi = m.bi, th = m.v_th, el = m.e_l;
  const double vs0 = el + c0;
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;  // 64-bit, like the compare masks of doubles: no packing in the loop
    for (std::size_t i = lo; i < hi; ++i) {
      const double vs = Uniform ? vs0 : el + current[i];
      const double e = ge[i] + in_e[i], g = gi[i] + in_i[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double free = vs + (v[i] - vs) * am + e * ke + g * ki;
      v[i] = free;
      ge[i] = e * be;
      gi[i] = g * bi;
      any |= static_cast<std::int64_t>(free > th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for lif: v <- decay v + leak + (I + in) (the input of a refractory neuron is dropped: the caller
// sets its membrane to v_reset).
template <bool Uniform>
void lif_dense(const lif_lowered& m, std::size_t n, double* __restrict v, double* __restrict in_e,
               double* __restrict in_i, const double* __restrict current, double c0, std::uint8_t* __restrict hot) {
  const double decay = m.decay, leak = m.leak, th = m.v_th;
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;  // 64-bit, like the compare masks of doubles: no packing in the loop
    for (std::size_t i = lo; i < hi; ++i) {
      const double in = in_e[i] + in_i[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double free = decay * v[i] + leak + ((Uniform ? c0 : current[i]) + in);
      v[i] = free;
      any |= static_cast<std::int64_t>(free >= th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

// The same for fixed_lif: integer arithmetic (exact in double); the input of a refractory neuron is dropped
// (the caller sets its membrane to v_reset).
void fixed_dense(const fixed_lif_lowered& m, std::size_t n, double* __restrict v, double* __restrict in_e,
                 double* __restrict in_i, const double* __restrict current, std::uint8_t* __restrict hot) {
  const double th = static_cast<double>(m.v_th);
  for (std::size_t lo = 0; lo < n; lo += chunk) {
    const std::size_t hi = std::min(n, lo + chunk);
    std::int64_t any = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      const double in = in_e[i] + in_i[i];
      in_e[i] = 0.0;
      in_i[i] = 0.0;
      const double free = m.step(v[i], current[i] + in);
      v[i] = free;
      any |= static_cast<std::int64_t>(free >= th);
    }
    hot[lo / chunk] = static_cast<std::uint8_t>(any);
  }
}

}  // namespace

// Pre: the block is clock-driven. Post: its neurons are at step t; b.fired holds its spikes, ascending.
// Tile by tile (tile_size neurons): the tile's input (tiled blocks: its bucket applied to acc; otherwise its
// part of the ring slot of step t), the dense step, its refractory neurons held at v_reset, its crossings.
void event_engine::step_clocked(block& b, const population& p, step_t t) {
  const std::size_t n = b.end - b.begin;
  b.hot.resize((n + chunk - 1) / chunk);
  const bool cuba = p.model == model_kind::cuba_lif;
  const bool fixed = p.model == model_kind::fixed_lif;
  const double c0 = st_.current[b.begin];
  const double v_reset = fixed ? static_cast<double>(p.fixed.v_reset) : cuba ? p.cuba.v_reset : p.lif.v_reset;
  const std::size_t sources = blocks_.size();
  tile_event_bucket* set = b.pushed ? b.buckets.data() + static_cast<std::size_t>((t - 1) & 1) * sources * b.tiles : nullptr;
  for (std::size_t j = 0; j < b.refractory.size(); ++j) {
    const std::size_t lo = j * tile_size, m = std::min(n, lo + tile_size) - lo;
    double* ie = b.acc.data();
    double* ii = ie + tile_size;
    if (!b.tiled) {
      ie = st_.in_e.data() + st_.slot_base(t) + b.begin + lo;
      ii = st_.in_i.data() + st_.slot_base(t) + b.begin + lo;
    } else if (set) {  // one tile: deliver_tiled() wrote acc directly
      // The buckets were written by other threads (in another core's cache): fetch the next tile's while
      // this one is stepped.
      if (j + 1 < b.tiles)
        for (std::size_t k = 0; k < sources; ++k) {
          const auto& next = set[k * b.tiles + j + 1];
          for (auto q = reinterpret_cast<const char*>(next.data()), e = reinterpret_cast<const char*>(next.data() + next.size()); q < e; q += 64)
            __builtin_prefetch(q);
        }
      for (std::size_t k = 0; k < sources; ++k) {
        auto& bucket = set[k * b.tiles + j];
        for (const auto& ev : bucket) ie[ev.at] += static_cast<double>(ev.w);
        bucket.clear();
      }
    }
    const double* cur = st_.current.data() + b.begin + lo;
    double* v = st_.v.data() + b.begin + lo;
    std::uint8_t* hot = b.hot.data() + lo / chunk;
    if (fixed) {
      fixed_dense(p.fixed, m, v, ie, ii, cur, hot);
    } else if (cuba) {
      double* ge = st_.ge.data() + b.begin + lo;
      double* gi = st_.gi.data() + b.begin + lo;
      if (b.uniform_current) cuba_dense<true>(p.cuba, m, v, ge, gi, ie, ii, cur, c0, hot);
      else cuba_dense<false>(p.cuba, m, v, ge, gi, ie, ii, cur, c0, hot);
    } else {
      if (b.uniform_current) lif_dense<true>(p.lif, m, v, ie, ii, cur, c0, hot);
      else lif_dense<false>(p.lif, m, v, ie, ii, cur, c0, hot);
    }
    // Refractory through ref_until: held at v_reset (the reference's value; their currents decay as computed).
    auto& q = b.refractory[j];
    while (q.head < q.held.size() && q.held[q.head].first < t) ++q.head;
    for (std::size_t h = q.head; h < q.held.size(); ++h) st_.v[q.held[h].second] = v_reset;
    if (q.head == q.held.size()) {
      q.held.clear();
      q.head = 0;
    } else if (q.head >= 256 && 2 * q.head >= q.held.size()) {
      q.held.erase(q.held.begin(), q.held.begin() + static_cast<std::ptrdiff_t>(q.head));
      q.head = 0;
    }
    collect_crossings(b, p, t, lo / chunk, (lo + m + chunk - 1) / chunk);  // while the tile is in cache
  }
  b.updates += n;
}

// Appends to b.fired the neurons of chunks [c0, c1) above threshold after the dense step (ascending), reset
// and refractory. Refractory neurons sit at v_reset < v_th, so every membrane above threshold is a spike.
void event_engine::collect_crossings(block& b, const population& p, step_t t, std::size_t c0, std::size_t c1) {
  const bool cuba = p.model == model_kind::cuba_lif;
  const bool fixed = p.model == model_kind::fixed_lif;
  const double th = fixed ? static_cast<double>(p.fixed.v_th) : cuba ? p.cuba.v_th : p.lif.v_th;
  const double v_reset = fixed ? static_cast<double>(p.fixed.v_reset) : cuba ? p.cuba.v_reset : p.lif.v_reset;
  const std::int32_t t_ref = fixed ? p.fixed.t_ref : cuba ? p.cuba.t_ref : p.lif.t_ref;
  for (std::size_t c = c0; c < c1; ++c) {
    if (!b.hot[c]) continue;
    const neuron_id lo = b.begin + static_cast<neuron_id>(c * chunk);
    const neuron_id hi = std::min<neuron_id>(b.end, lo + static_cast<neuron_id>(chunk));
    for (neuron_id j = lo; j < hi; ++j) {
      if (!(cuba ? st_.v[j] > th : st_.v[j] >= th)) continue;
      b.fired.push_back(j);
      st_.v[j] = v_reset;
      st_.ref_until[j] = t + t_ref;
      b.refractory[(j - b.begin) >> tile_shift].held.push_back({t + t_ref, j});
    }
  }
}

void event_engine::step_block(block& b, step_t t) {
  if (!fired_.empty()) deliver(b, t - 1);
  b.fired.clear();
  const auto& p = net_->populations()[b.pop];
  const std::size_t slot = static_cast<std::size_t>(t % static_cast<step_t>(st_.slots));
  auto& due = b.due[slot];
  b.pending -= due.size();
  if (b.clocked) {
    step_clocked(b, p, t);
    if (!pushed_.empty() && !b.fired.empty()) push(b, t);
    return;
  }
  for (neuron_id n : due) process(b, p, n, t);
  due.clear();
  {
    auto& bucket = b.wheel[static_cast<std::size_t>(t & (wheel_slots - 1))];
    b.wheel_entries -= bucket.size();
    // Pre: process() schedules only steps in (t, t + wheel_slots), never into this bucket.
    for (neuron_id n : bucket)
      if (predicted_[n] == t && st_.last[n] < t) process(b, p, n, t);
    bucket.clear();
  }
  while (!b.crossings.empty() && b.crossings.top().first <= t) {
    const auto [s, n] = b.crossings.top();
    b.crossings.pop();
    if (s == t && predicted_[n] == t && st_.last[n] < t) process(b, p, n, t);
  }
  std::sort(b.fired.begin(), b.fired.end());
  if (!pushed_.empty() && !b.fired.empty()) push(b, t);
}

// Brings neuron n from its last update to step t: input-free steps in closed form, then step t exactly
// as the reference stepper computes it.
void event_engine::process(block& b, const population& p, neuron_id n, step_t t) {
  ++b.updates;
  const std::size_t i = st_.slot_base(t) + n;
  const step_t from = st_.last[n];
  const step_t ref = st_.ref_until[n];
  switch (p.model) {
    case model_kind::lif: {
      const auto& m = p.lif;
      const double in = st_.in_e[i] + st_.in_i[i];
      st_.in_e[i] = 0.0;
      st_.in_i[i] = 0.0;
      pending_[i] = 0;
      double v = st_.v[n];
      if (t <= ref) {
        v = m.v_reset;
      } else {
        step_t free_from = from;
        if (ref > from) {
          v = m.v_reset;
          free_from = ref;
        }
        const double vstar = m.fixed_point(st_.current[n]);
        v = m.advance(v, t - 1 - free_from, vstar);
        v = m.step(v, st_.current[n] + in);
        if (m.fires(v)) {
          b.fired.push_back(n);
          v = m.v_reset;
          st_.ref_until[n] = t + m.t_ref;
        }
      }
      st_.v[n] = v;
      break;
    }
    case model_kind::cuba_lif: {
      const auto& m = p.cuba;
      const double vstar = m.e_l + st_.current[n];
      cuba_state s{st_.v[n], st_.ge[n], st_.gi[n]};
      // Steps from+1 .. t-1 carry no input: refractory part (v held), then free part.
      const step_t clamped = std::clamp<step_t>(ref - from, 0, t - 1 - from);
      cuba_decay_only(m, s, clamped);
      cuba_advance(m, vstar, s, t - 1 - from - clamped);
      s.ge += st_.in_e[i];
      s.gi += st_.in_i[i];
      st_.in_e[i] = 0.0;
      st_.in_i[i] = 0.0;
      pending_[i] = 0;
      if (t <= ref) {
        cuba_step_refractory(m, s);
      } else {
        cuba_step(m, vstar, s);
        if (m.fires(s.v)) {
          b.fired.push_back(n);
          s.v = m.v_reset;
          st_.ref_until[n] = t + m.t_ref;
        }
      }
      st_.v[n] = s.v;
      st_.ge[n] = s.ge;
      st_.gi[n] = s.gi;
      break;
    }
    case model_kind::fixed_lif:
      throw internal_error("event engine: a fixed_lif population is always clock-driven");
    case model_kind::poisson:
    case model_kind::spike_source:
      if (st_.next_spike[n] == t) {
        b.fired.push_back(n);
        st_.schedule_source(p, n, t);
      }
      break;
  }
  st_.last[n] = t;
  predict(b, p, n, t);
}

void event_engine::schedule(block& b, neuron_id n, step_t s, step_t now) {
  if (predicted_[n] == s) return;  // its entry is still queued and still valid
  predicted_[n] = s;
  if (s == never) return;
  if (s - now < wheel_slots) {
    b.wheel[static_cast<std::size_t>(s & (wheel_slots - 1))].push_back(n);
    ++b.wheel_entries;
  } else {
    b.crossings.emplace(s, n);
  }
  ++b.queued;
}

// Post: predicted_[n] is a step at or before the first step after t at which n fires if no input arrives
// (or never). A prediction may be early (the neuron is then updated and re-predicted), never late.
void event_engine::predict(block& b, const population& p, neuron_id n, step_t t) {
  switch (p.model) {
    case model_kind::fixed_lif:
      return;  // always clock-driven: never predicted
    case model_kind::poisson:
    case model_kind::spike_source:
      schedule(b, n, st_.next_spike[n], t);
      return;
    case model_kind::lif: {
      const auto& m = p.lif;
      const double cur = st_.current[n];
      const double vstar = m.fixed_point(cur);
      // Free evolution starts after the refractory period.
      step_t base = t;
      double vb = st_.v[n];
      if (st_.ref_until[n] > t) {
        base = st_.ref_until[n];
        vb = m.v_reset;
      }
      if (!(vstar > m.v_th) && !m.fires(m.step(vb, cur))) {
        schedule(b, n, never, t);  // monotone approach to v* <= v_th: no crossing (up to rounding)
        return;
      }
      // From the reset state the gap to the next crossing depends on the (constant) current only: a neuron
      // under constant drive fires periodically, and the gap found once is reused until the next reset()
      // (the currents are fixed between resets; any synaptic input moves v off v_reset).
      const bool from_reset = vb == m.v_reset;
      if (from_reset && reset_gap_[n] > 0) {
        schedule(b, n, base + reset_gap_[n], t);
        return;
      }
      // The value process() computes at step base + k.
      auto value = [&](step_t k) { return m.step(m.advance(vb, k - 1, vstar), cur); };
      step_t k = 1;
      if (m.decay > 0.0 && vb < vstar && vstar > m.v_th) {
        // Closed form: v* + (vb - v*) a^k >= v_th  <=>  k >= log((v* - v_th)/(v* - vb)) / log a.
        const double kk = std::log((vstar - m.v_th) / (vstar - vb)) / m.log_decay;
        if (std::isfinite(kk) && kk > 1.0) k = static_cast<step_t>(std::min(std::ceil(kk), 4.0e18));
      }
      while (k > 1 && m.fires(value(k - 1))) --k;
      int guard = 0;
      while (!m.fires(value(k)) && guard++ < 64) ++k;
      if (from_reset && guard <= 64 && m.fires(value(k))) reset_gap_[n] = k;
      schedule(b, n, base + k, t);  // if the guard ran out, an early wake-up that re-predicts
      return;
    }
    case model_kind::cuba_lif: {
      const auto& m = p.cuba;
      const double vstar = m.e_l + st_.current[n];
      const step_t ref = st_.ref_until[n];
      step_t base = t;
      cuba_state s{st_.v[n], st_.ge[n], st_.gi[n]};
      if (ref > t) {
        cuba_decay_only(m, s, ref - t);
        base = ref;
      }
      // The value process() computes at step base + k (no input, free since base).
      auto value = [&](step_t k) {
        cuba_state x = s;
        cuba_advance(m, vstar, x, k - 1);
        cuba_step(m, vstar, x);
        return x.v;
      };
      if (m.e_equal || m.i_equal) {
        // Not a sum of pure exponentials: scan, and wake up to re-predict after 256 steps.
        for (step_t k = 1; k <= 256; ++k)
          if (m.fires(value(k))) return schedule(b, n, base + k, t);
        return schedule(b, n, base + 256, t);
      }
      // v(base + k) = v* + A am^k + B be^k + C bi^k. Each term is monotone in k, so on [k0, k1] it is
      // bounded by its larger end value: skip intervals whose bound stays below threshold, doubling
      // their length, and evaluate single steps exactly.
      const double B = s.ge * m.ce, C = s.gi * m.ci, A = s.v - vstar - B - C;
      const double margin = 1e-9 * (1.0 + std::abs(m.v_th));
      auto term = [&](double X, const std::vector<double>& table, double r, step_t k) {
        return X * cuba_lif_lowered::pow_of(table, r, k);
      };
      auto bound = [&](step_t k0, step_t k1) {
        return vstar + std::max(term(A, m.am_pow, m.am, k0), term(A, m.am_pow, m.am, k1)) +
               std::max(term(B, m.be_pow, m.be, k0), term(B, m.be_pow, m.be, k1)) +
               std::max(term(C, m.bi_pow, m.bi, k0), term(C, m.bi_pow, m.bi, k1));
      };
      auto bound_to_infinity = [&](step_t k0) {
        return vstar + std::max(term(A, m.am_pow, m.am, k0), 0.0) + std::max(term(B, m.be_pow, m.be, k0), 0.0) +
               std::max(term(C, m.bi_pow, m.bi, k0), 0.0);
      };
      step_t k = 1, len = 1;
      for (int iter = 0; iter < 512; ++iter) {
        if (bound_to_infinity(k) < m.v_th - margin) return schedule(b, n, never, t);
        if (bound(k, k + len - 1) < m.v_th - margin) {
          k += len;
          len *= 2;
          continue;
        }
        if (len > 1) {
          len /= 2;
          continue;
        }
        if (m.fires(value(k))) return schedule(b, n, base + k, t);
        ++k;
      }
      return schedule(b, n, base + k, t);  // early wake-up: re-predicts from there
    }
  }
}

}  // namespace spikeworm
