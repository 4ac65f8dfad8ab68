// Partition of the event engine's work: populations cut into blocks (contiguous neuron ranges, whole tiles),
// blocks dealt to parallel work groups, per-(source, block) edge offsets into the CSR rows, and at each
// reset the choice of clock-driven or lazy stepping per population and the blocks' queues and buffers.
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "state.hpp"

namespace spikeworm {

using namespace event_detail;

// Blocks: each population split into `threads` x pieces_per_thread pieces of equal size, boundaries on whole
// tiles where the pieces hold several (populations too small for that stay whole). Work group g takes piece g
// (modulo the group count) of every population: the clock-driven cost is about proportional to neurons, so
// the groups are balanced, and each thread visits a fired source's row for few blocks. In a distributed run
// only the process's own neurons are split so; the rest of each population is one remote block before and
// one after (never stepped).
void event_engine::impl::partition() {
  constexpr std::size_t pieces_per_thread = 1;
  const auto& pops = net_->populations();
  const std::size_t groups = static_cast<std::size_t>(pool_.threads()) * pieces_per_thread;
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::size_t> group_of;
  for (std::uint32_t pi = 0; pi < pops.size(); ++pi) {
    const auto& p = pops[pi];
    const neuron_id lo = std::clamp(owned_begin_, p.first, p.end()), hi = std::clamp(owned_end_, p.first, p.end());
    auto remote = [&](neuron_id a, neuron_id z) {
      if (z <= a) return;
      block b;
      b.pop = pi;
      b.begin = a;
      b.end = z;
      b.remote = true;
      blocks_.push_back(std::move(b));
      group_of.push_back(none);
    };
    remote(p.first, lo);
    const std::size_t size = hi - lo;
    const std::size_t pieces = std::max<std::size_t>(1, std::min<std::size_t>(groups, size / 256));
    const bool align = size >= pieces * tile_size;
    auto boundary = [&](std::size_t k) {
      const std::size_t at = k == pieces ? size : size * k / pieces;
      return static_cast<neuron_id>(lo + (align && k < pieces ? at / tile_size * tile_size : at));
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
    remote(hi, p.end());
  }
  groups_.assign(groups, {});
  for (std::size_t k = 0; k < blocks_.size(); ++k)
    if (group_of[k] != none) groups_[group_of[k]].push_back(k);
  std::erase_if(groups_, [](const auto& g) { return g.empty(); });
}

// Per-(source, block) edge offsets: rows are sorted by target and blocks are ascending ranges covering
// every neuron, so one pass over each row finds where each block's targets begin.
void event_engine::impl::find_edge_offsets() {
  const network& net = *net_;
  stride_ = blocks_.size() + 1;
  const auto rows = net.row_start();
  const auto tgt = net.targets();
  const auto d = net.delays();
  const auto rc = net.receptors();
  resize_huge(offsets_, net.num_neurons() * stride_);
  segment_.resize(net.num_neurons() * blocks_.size());
  pool_.for_each((net.num_neurons() + 4095) / 4096, [&](std::size_t chunk_index) {
    const std::size_t lo = chunk_index * 4096, hi = std::min(net.num_neurons(), lo + 4096);
    for (std::size_t s = lo; s < hi; ++s) {
      edge_id e = rows[s];
      edge_id* off = offsets_.data() + s * stride_;
      for (std::size_t k = 0; k < blocks_.size(); ++k) {
        while (e < rows[s + 1] && tgt[e] < blocks_[k].begin) ++e;
        off[k] = e;
      }
      off[blocks_.size()] = rows[s + 1];
      // A segment with one delay and one receptor (one projection's synapses, in most networks) is delivered
      // without reading them per synapse; if its targets are also consecutive (all_to_all projections), as
      // one vectorisable row addition.
      for (std::size_t k = 0; k < blocks_.size(); ++k) {
        bool uniform = true, row = true;
        for (edge_id x = off[k]; uniform && x + 1 < off[k + 1]; ++x) {
          uniform = d[x + 1] == d[x] && rc[x + 1] == rc[x];
          row = row && tgt[x + 1] == tgt[x] + 1;
        }
        segment_[s * blocks_.size() + k] = !uniform ? segment_mixed : row ? segment_row : segment_uniform;
      }
    }
  });
}

bool event_engine::impl::receives_synapses(std::uint32_t pi) const {
  for (const auto& pr : net_->projections())
    if (pr.target_pop == pi && pr.synapses_whole > 0) return true;  // network-wide, also in a part
  return false;
}

// Neurons of population pi whose fixed point under their constant current lies above threshold.
std::size_t event_engine::impl::driven_neurons(std::uint32_t pi) const {
  const auto& p = net_->populations()[pi];
  std::size_t driven = 0;
  for (neuron_id n = p.first; n < p.end(); ++n) {
    const double vstar = p.model == model_kind::cuba_lif ? p.cuba.e_l + st_.current[n] : p.lif.fixed_point(st_.current[n]);
    if (vstar > (p.model == model_kind::cuba_lif ? p.cuba.v_th : p.lif.v_th)) ++driven;
  }
  return driven;
}

// A population is clock-driven when asked to, or (automatic) when it receives synapses and at least half of
// its neurons are driven without input (fixed point above threshold): such neurons fire on their own and
// every arriving spike invalidates their predicted crossing, so a lazy update and a new prediction per
// input cost more than a vectorised step per step. Neurons that are not driven or get no input stay lazy.
bool event_engine::impl::decide_clocked(std::uint32_t pi) const {
  const auto& p = net_->populations()[pi];
  // fixed_lif: a chip updates every neuron every step; coba_lif: no closed form for the lazy updates; alpha
  // models: no crossing predictor; nir: forward Euler steps (docs/models.md, docs/nir.md).
  if (always_clock_driven(p.model)) return true;
  if (is_source(p.model) || p.update == update_mode::event) return false;
  if (p.update == update_mode::clock) return true;
  return receives_synapses(pi) && 2 * driven_neurons(pi) >= p.size;
}

std::string event_engine::impl::describe_stepping(std::uint32_t pi) const {
  const auto& p = net_->populations()[pi];
  const char* mode = decide_clocked(pi) ? "clock" : "event";
  if (p.model == model_kind::fixed_lif) return "clock (fixed_lif: chips update every neuron every step)";
  if (p.model == model_kind::coba_lif) return "clock (coba_lif: always clock-driven)";
  if (always_clock_driven(p.model)) return fmt::format("clock ({}: always clock-driven)", to_string(p.model));
  if (is_source(p.model)) return "event (source)";
  if (p.update != update_mode::automatic) return fmt::format("{} (update = \"{}\")", mode, mode);
  if (!receives_synapses(pi)) return "event (auto: receives no synapses)";
  const double pct = p.size ? 100.0 * static_cast<double>(driven_neurons(pi)) / p.size : 0.0;
  return fmt::format("{} (auto: {:.0f}% of neurons driven above threshold without input; clock from 50%)", mode, pct);
}

// Pre: st_ is initialised for the run (currents and external inputs set). Empties every queue and buffer,
// decides each block's stepping, and gives the lazy neurons that cross threshold without input a first
// prediction.
void event_engine::impl::reset_blocks() {
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
    b.tiled = b.clocked && st_.slots == 1 && !b.remote;  // remote blocks take no input here
    b.buckets.clear();
    b.acc.clear();
    b.refractory.clear();
    if (b.clocked) b.refractory.resize((b.end - b.begin + tile_size - 1) / tile_size);
    b.tiles = (b.end - b.begin + tile_size - 1) / tile_size;
    b.pushed = b.tiled && b.tiles > 1;
    if (b.tiled) b.acc.assign(2 * tile_size, 0.0);
    if (b.pushed) b.buckets.resize(2 * blocks_.size() * b.tiles);
    if (b.remote) {
      b.refractory.clear();
      continue;
    }
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

}  // namespace spikeworm
