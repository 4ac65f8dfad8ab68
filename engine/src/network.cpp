// Building the synapse graph of a network: connectivity drawn per projection from streams keyed by (seed,
// projection, row), laid out as CSR rows sorted by target with edge-indexed weights, delays and receptors
// (docs/architecture.md, the network). The description reader is network_reader.cpp.
#include "spikeworm/engine/network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

network::network(std::vector<population> pops, std::vector<projection_desc> projs, double dt_ms, std::uint64_t seed)
    : pops_(std::move(pops)), dt_ms_(dt_ms) {
  init(std::move(projs));
  keep_end_ = static_cast<neuron_id>(num_neurons_);
  build(seed);
}

network::network(const network_desc& d, neuron_id keep_begin, neuron_id keep_end)
    : pops_(d.populations), dt_ms_(d.sim.dt_ms) {
  init(d.projections);
  if (!(keep_begin <= keep_end && keep_end <= num_neurons_))
    throw error(fmt::format("network part [{}, {}) is not within the {} neurons", keep_begin, keep_end, num_neurons_));
  keep_begin_ = keep_begin;
  keep_end_ = keep_end;
  build(d.sim.seed);
}

void network::replace_populations(std::vector<population> pops) {
  if (pops.size() != pops_.size())
    throw error(fmt::format("replace_populations: {} populations for a network of {}", pops.size(), pops_.size()));
  for (std::size_t i = 0; i < pops.size(); ++i) {
    const population &was = pops_[i], &now = pops[i];
    const char* changed = now.name != was.name     ? "name"
                          : now.model != was.model ? "model"
                          : now.size != was.size   ? "size"
                          : now.update != was.update ? "update"
                                                     : nullptr;
    if (changed)
      throw error(fmt::format("population '{}': its {} cannot change without rebuilding the network", was.name, changed));
    check_values(now);
  }
  for (std::size_t i = 0; i < pops.size(); ++i) {
    pops[i].first = pops_[i].first;
    pops_[i] = std::move(pops[i]);
  }
}

// Per-neuron values: one per neuron, currents finite.
void network::check_values(const population& p) {
  for (const auto* v : {&p.currents, &p.init_v_values, &p.init_ge_values, &p.init_gi_values})
    if (!v->empty() && v->size() != p.size)
      throw error(fmt::format("population '{}': {} per-neuron values for {} neurons", p.name, v->size(), p.size));
  for (const double c : p.currents)
    if (!std::isfinite(c)) throw error(fmt::format("population '{}': a current is not finite ({})", p.name, c));
}

void network::init(std::vector<projection_desc> projs) {
  if (pops_.empty()) throw error("empty network: no populations");
  neuron_id next = 0;
  for (auto& p : pops_) {
    p.first = next;
    next += p.size;
  }
  num_neurons_ = next;
  for (auto& d : projs) {
    projection_info info;
    info.desc = std::move(d);
    info.source_pop = static_cast<std::uint32_t>(population_index(info.desc.source));
    info.target_pop = static_cast<std::uint32_t>(population_index(info.desc.target));
    check_list(info);
    projs_.push_back(std::move(info));
  }
  for (const auto& p : pops_) check_values(p);
}

// A from_list projection's arrays: equal lengths, indices inside their populations, finite weights,
// delays >= 1 step (or 0 into a later clock-driven population); the message names the array, the entry and
// its value.
void network::check_list(const projection_info& pr) const {
  if (pr.desc.rule != connection_rule::from_list) return;
  const auto& src = pops_[pr.source_pop];
  const auto& tgt = pops_[pr.target_pop];
  const std::string what = fmt::format("projection '{}' -> '{}'", src.name, tgt.name);
  if (!pr.desc.list) throw error(fmt::format("{}: from_list without a connection list", what));
  const auto& l = *pr.desc.list;
  const std::size_t n = l.sources.size();
  if (l.targets.size() != n || l.weights.size() != n || l.delays.size() != n)
    throw error(fmt::format("{}: {} sources, {} targets, {} weights and {} delays (all must be equal)", what, n,
                            l.targets.size(), l.weights.size(), l.delays.size()));
  if (is_source(tgt.model) && n > 0)
    throw error(fmt::format("{}: population '{}' is a {} and cannot receive synapses", what, tgt.name,
                            to_string(tgt.model)));
  for (std::size_t k = 0; k < n; ++k) {
    if (l.sources[k] >= src.size)
      throw error(fmt::format("{}: sources[{}] = {} is not a neuron of '{}' (size {})", what, k, l.sources[k], src.name,
                              src.size));
    if (l.targets[k] >= tgt.size)
      throw error(fmt::format("{}: targets[{}] = {} is not a neuron of '{}' (size {})", what, k, l.targets[k], tgt.name,
                              tgt.size));
    if (!std::isfinite(l.weights[k])) throw error(fmt::format("{}: weights[{}] = {} is not finite", what, k, l.weights[k]));
    if (l.delays[k] == 0) {
      // Same-step propagation (docs/nir.md): the target steps after the source within the step, and reads
      // every input of the step (clock-driven).
      if (pr.target_pop <= pr.source_pop)
        throw error(fmt::format("{}: delays[{}] = 0 steps needs a target population after the source in the "
                                "network ('{}' is population {}, '{}' population {})",
                                what, k, src.name, pr.source_pop, tgt.name, pr.target_pop));
      if (!always_clock_driven(tgt.model) && tgt.update != update_mode::clock)
        throw error(fmt::format("{}: delays[{}] = 0 steps needs a clock-driven target (update = \"clock\"), and "
                                "'{}' is not",
                                what, k, tgt.name));
    } else if (l.delays[k] < 1) {
      throw error(fmt::format("{}: delays[{}] = {} steps (must be >= 1)", what, k, l.delays[k]));
    }
  }
}

std::size_t network::population_index(const std::string& name) const {
  for (std::size_t i = 0; i < pops_.size(); ++i)
    if (pops_[i].name == name) return i;
  throw error(fmt::format("unknown population '{}'", name));
}

std::size_t network::population_of(neuron_id n) const noexcept {
  auto it = std::upper_bound(pops_.begin(), pops_.end(), n, [](neuron_id x, const population& p) { return x < p.first; });
  return static_cast<std::size_t>(it - pops_.begin()) - 1;
}

matrix_view network::projection_matrix(std::size_t j) {
  const auto& pr = projs_.at(j);
  if (!pr.contiguous)
    throw error(fmt::format("projection {} -> {} is not a contiguous all-to-all edge range", pr.desc.source,
                            pr.desc.target));
  const auto rows = pops_[pr.source_pop].size, cols = pops_[pr.target_pop].size;
  return {std::span<weight_t>(weights_).subspan(pr.first_edge, std::size_t{rows} * cols), rows, cols};
}

double network::initial_value(const population& p, std::size_t, neuron_id n, int variable, std::uint64_t seed) const {
  const auto& given = variable == 0 ? p.init_v_values : variable == 1 ? p.init_ge_values : p.init_gi_values;
  if (!given.empty()) return given[n - p.first];
  const value_spec& s = variable == 0 ? p.init_v : variable == 1 ? p.init_ge : p.init_gi;
  if (s.type == value_spec::kind::constant) return s.a;
  rng r(seed, stream_kind::initial_state, n, static_cast<std::uint64_t>(variable));
  return s.sample(r);
}

namespace {

// Calls emit(target) for each synapse of row `s_local` of a row-centric projection, in ascending target order.
template <class Emit>
void row_targets(const projection_info& pr, const population& src, const population& tgt, neuron_id s_local,
                 std::uint64_t seed, std::size_t j, Emit&& emit) {
  const bool same = pr.source_pop == pr.target_pop;
  const neuron_id s = src.first + s_local;
  switch (pr.desc.rule) {
    case connection_rule::all_to_all:
      for (neuron_id t = tgt.first; t < tgt.end(); ++t)
        if (pr.desc.autapses || !same || t != s) emit(t);
      break;
    case connection_rule::one_to_one:
      if (pr.desc.autapses || !same) emit(tgt.first + s_local);
      break;
    case connection_rule::fixed_probability: {
      const double p = pr.desc.p;
      if (p <= 0.0) break;
      rng r(seed, stream_kind::connectivity, j, s_local);
      const double l = std::log1p(-p);
      std::int64_t t = r.geometric(l);
      while (t < static_cast<std::int64_t>(tgt.size)) {
        const neuron_id tg = tgt.first + static_cast<neuron_id>(t);
        if (pr.desc.autapses || !same || tg != s) emit(tg);
        t += 1 + r.geometric(l);
      }
      break;
    }
    case connection_rule::fixed_indegree:
    case connection_rule::from_list: break;
  }
}

struct edge_sampler {
  rng w, d;
  const projection_desc* desc;
  edge_sampler(std::uint64_t seed, std::size_t j, std::uint64_t row, const projection_desc& pd)
      : w(seed, stream_kind::weight, j, row), d(seed, stream_kind::delay, j, row), desc(&pd) {}
  weight_t weight() { return static_cast<weight_t>(desc->weight.sample(w)); }
  delay_t delay() {
    if (desc->delay.type == value_spec::kind::constant) return static_cast<delay_t>(desc->delay.a);
    return static_cast<delay_t>(d.uniform_int(static_cast<std::int64_t>(desc->delay.a),
                                              static_cast<std::int64_t>(desc->delay.b)));
  }
};

constexpr neuron_id row_grain = 512;

// Refuses, before any work, a network whose expected synapse count cannot be indexed.
void check_expected_synapses(const std::vector<population>& pops, const std::vector<projection_info>& projs) {
  double expected_total = 0;
  for (const auto& pr : projs) {
    const double ns = pops[pr.source_pop].size, nt = pops[pr.target_pop].size;
    double e = 0;
    switch (pr.desc.rule) {
      case connection_rule::all_to_all: e = ns * nt; break;
      case connection_rule::one_to_one: e = ns; break;
      case connection_rule::fixed_probability: e = pr.desc.p * ns * nt; break;
      case connection_rule::fixed_indegree: e = static_cast<double>(pr.desc.k) * nt; break;
      case connection_rule::from_list: e = static_cast<double>(pr.desc.list->sources.size()); break;
    }
    expected_total += e;
    if (expected_total > 4.0e9)
      throw error(fmt::format("projection {} -> {} brings the network to about {:.3g} synapses, more than the "
                              "4e9 a 32-bit edge index holds",
                              pr.desc.source, pr.desc.target, expected_total));
  }
}

// fixed_indegree (target-centric): k distinct sources per target (Floyd's sampling), kept sorted in one flat
// array ([t_local * k, (t_local + 1) * k)); the fill pass draws the weights and scatters the edges into rows.
// Only targets [first_local, end_local) of tgt (a network part): target t_local's sources are at
// [(t_local - first_local) * k, ...).
std::vector<neuron_id> sample_indegree_sources(const projection_info& pr, const population& src,
                                               const population&, std::uint64_t seed, std::size_t j,
                                               neuron_id first_local, neuron_id end_local) {
  const bool same = pr.source_pop == pr.target_pop;
  const auto k = static_cast<std::size_t>(pr.desc.k);
  std::vector<neuron_id> chosen_all(std::size_t{end_local - first_local} * k);
  parallel_for_chunks<neuron_id>(end_local - first_local, row_grain, [&](neuron_id lo0, neuron_id hi0) {
    const neuron_id lo = lo0 + first_local, hi = hi0 + first_local;
    const bool skip_self = !pr.desc.autapses && same;
    const std::int64_t n = src.size - (skip_self ? 1 : 0);
    // Membership: a linear scan for small k (vectorised), a bitmap over the sources otherwise.
    const bool small = k <= 256;
    std::vector<std::uint64_t> bits(small ? 0 : (static_cast<std::size_t>(n) + 63) / 64);
    for (neuron_id t_local = lo; t_local < hi; ++t_local) {
      rng r(seed, stream_kind::connectivity, j, t_local);
      neuron_id* chosen = chosen_all.data() + std::size_t{t_local - first_local} * k;
      std::size_t m = 0;
      auto has = [&](std::int64_t x) {
        if (small) return std::find(chosen, chosen + m, static_cast<neuron_id>(x)) != chosen + m;
        return ((bits[static_cast<std::size_t>(x) / 64] >> (x % 64)) & 1u) != 0;
      };
      for (std::int64_t i = n - static_cast<std::int64_t>(k); i < n; ++i) {
        const std::int64_t x = r.uniform_int(0, i);
        const std::int64_t pick = has(x) ? i : x;
        chosen[m++] = static_cast<neuron_id>(pick);
        if (!small) bits[static_cast<std::size_t>(pick) / 64] |= std::uint64_t{1} << (pick % 64);
      }
      if (!small)
        for (std::size_t q = 0; q < m; ++q) bits[chosen[q] / 64] = 0;
      std::sort(chosen, chosen + m);
      if (skip_self)
        for (std::size_t q = 0; q < m; ++q)
          if (chosen[q] >= t_local) ++chosen[q];  // skip the target itself (order is kept)
    }
  });
  return chosen_all;
}

// The edge-indexed arrays being filled: edge e goes to column[e] and carries weights[e], delays[e] and
// receptors[e].
struct edge_arrays {
  std::span<neuron_id> column;
  std::span<weight_t> weights;
  std::span<delay_t> delays;
  std::span<receptor> receptors;
};

// fixed_indegree: targets in ascending order, so each row segment comes out sorted by target. cur: the
// segment start of each source row (advanced as edges are placed).
void fill_indegree(const projection_info& pr, const population& tgt, std::uint64_t seed, std::size_t j,
                   std::span<const neuron_id> chosen_all, std::vector<edge_id> cur, const edge_arrays& a,
                   neuron_id first_local, neuron_id end_local) {
  const auto k = static_cast<std::size_t>(pr.desc.k);
  for (neuron_id t_local = first_local; t_local < end_local; ++t_local) {
    edge_sampler es(seed, j, t_local, pr.desc);
    for (std::size_t q = 0; q < k; ++q) {
      const edge_id at = cur[chosen_all[std::size_t{t_local - first_local} * k + q]]++;
      a.column[at] = tgt.first + t_local;
      a.weights[at] = es.weight();
      a.delays[at] = es.delay();
      a.receptors[at] = pr.desc.target_receptor;
    }
  }
}

// Row-centric rules: replays the streams of the counting pass into each source's segment (seg[s]).
// Synapses onto targets outside [keep_begin, keep_end) (a network part) are drawn and dropped.
void fill_rows(const projection_info& pr, const population& src, const population& tgt, std::uint64_t seed,
               std::size_t j, std::span<const edge_id> seg, const edge_arrays& a, neuron_id keep_begin,
               neuron_id keep_end) {
  parallel_for_chunks<neuron_id>(src.size, row_grain, [&](neuron_id lo, neuron_id hi) {
    for (neuron_id s = lo; s < hi; ++s) {
      edge_id at = seg[s];
      edge_sampler es(seed, j, s, pr.desc);
      row_targets(pr, src, tgt, s, seed, j, [&](neuron_id t) {
        const weight_t w = es.weight();
        const delay_t d = es.delay();
        if (t < keep_begin || t >= keep_end) return;
        a.column[at] = t;
        a.weights[at] = w;
        a.delays[at] = d;
        a.receptors[at] = pr.desc.target_receptor;
        ++at;
      });
    }
  });
}

// from_list: the entries in their given order into each source's segment (sort_rows then orders each row by
// target, keeping the given order among equal targets).
void fill_list(const projection_info& pr, const population&, const population& tgt, std::vector<edge_id> cur,
               const edge_arrays& a, neuron_id keep_begin, neuron_id keep_end) {
  const auto& l = *pr.desc.list;
  for (std::size_t k = 0; k < l.sources.size(); ++k) {
    if (tgt.first + l.targets[k] < keep_begin || tgt.first + l.targets[k] >= keep_end) continue;
    const edge_id at = cur[l.sources[k]]++;
    a.column[at] = tgt.first + l.targets[k];
    a.weights[at] = l.weights[k];
    a.delays[at] = l.delays[k];
    a.receptors[at] = pr.desc.target_receptor;
  }
}

// Stable-sorts by target the rows that hold several segments (projection order, then draw order, among
// equal targets).
void sort_rows(std::span<const edge_id> rowstart, std::size_t num_neurons, const edge_arrays& a) {
  parallel_for_chunks<std::size_t>(num_neurons, row_grain, [&](std::size_t lo, std::size_t hi) {
    std::vector<edge_id> idx;
    std::vector<neuron_id> c;
    std::vector<weight_t> w;
    std::vector<delay_t> d;
    std::vector<receptor> rc;
    for (std::size_t n = lo; n < hi; ++n) {
      const edge_id b = rowstart[n], e = rowstart[n + 1];
      if (std::is_sorted(a.column.begin() + b, a.column.begin() + e)) continue;
      idx.resize(e - b);
      std::iota(idx.begin(), idx.end(), b);
      std::stable_sort(idx.begin(), idx.end(), [&](edge_id x, edge_id y) { return a.column[x] < a.column[y]; });
      c.clear(); w.clear(); d.clear(); rc.clear();
      for (auto i : idx) {
        c.push_back(a.column[i]); w.push_back(a.weights[i]); d.push_back(a.delays[i]); rc.push_back(a.receptors[i]);
      }
      std::copy(c.begin(), c.end(), a.column.begin() + b);
      std::copy(w.begin(), w.end(), a.weights.begin() + b);
      std::copy(d.begin(), d.end(), a.delays.begin() + b);
      std::copy(rc.begin(), rc.end(), a.receptors.begin() + b);
    }
  });
}

}  // namespace

// Pass 1: per projection, the out-degree of each source neuron (local index); fixed_indegree projections
// also keep their sampled sources (indegree_sources[j]) for the fill pass.
std::vector<std::vector<std::uint32_t>> network::count_synapses(
    std::uint64_t seed, std::vector<std::vector<neuron_id>>& indegree_sources) {
  const std::size_t np = projs_.size();
  std::vector<std::vector<std::uint32_t>> count(np);
  indegree_sources.assign(np, {});
  for (std::size_t j = 0; j < np; ++j) {
    const auto& pr = projs_[j];
    const auto& src = pops_[pr.source_pop];
    const auto& tgt = pops_[pr.target_pop];
    count[j].assign(src.size, 0);
    if (pr.desc.rule == connection_rule::fixed_indegree) {
      const auto [lo, hi] = kept_locals(tgt);
      projs_[j].synapses_whole = static_cast<std::uint64_t>(pr.desc.k) * tgt.size;
      indegree_sources[j] = sample_indegree_sources(pr, src, tgt, seed, j, lo, hi);
      for (neuron_id sl : indegree_sources[j]) ++count[j][sl];
      continue;
    }
    if (pr.desc.rule == connection_rule::from_list) {
      const auto& l = *pr.desc.list;
      projs_[j].synapses_whole = l.sources.size();
      for (std::size_t k = 0; k < l.sources.size(); ++k)
        if (kept(tgt.first + l.targets[k])) ++count[j][l.sources[k]];
      continue;
    }
    std::vector<std::uint32_t> drawn(src.size, 0);  // kept or not
    parallel_for_chunks<neuron_id>(src.size, row_grain, [&](neuron_id lo, neuron_id hi) {
      for (neuron_id s = lo; s < hi; ++s) {
        std::uint32_t c = 0, all = 0;
        row_targets(pr, src, tgt, s, seed, j, [&](neuron_id t) {
          c += kept(t) ? 1 : 0;
          ++all;
        });
        count[j][s] = c;
        drawn[s] = all;
      }
    });
    projs_[j].synapses_whole = std::accumulate(drawn.begin(), drawn.end(), std::uint64_t{0});
  }
  return count;
}

// Pre: pops_ and projs_ are set. Post: CSR rows sorted by target (stable: projection order, then draw order).
void network::build(std::uint64_t seed) {
  const std::size_t np = projs_.size();
  check_expected_synapses(pops_, projs_);
  std::vector<std::vector<neuron_id>> indegree_sources;
  const auto count = count_synapses(seed, indegree_sources);
  // Row starts: row n holds, in projection order, the segments of each projection whose source contains n.
  row_start_.assign(num_neurons_ + 1, 0);
  std::uint64_t total = 0;
  for (std::size_t j = 0; j < np; ++j) {
    const auto& src = pops_[projs_[j].source_pop];
    std::uint64_t syn = 0;
    for (neuron_id s = 0; s < src.size; ++s) {
      row_start_[src.first + s + 1] += count[j][s];
      syn += count[j][s];
    }
    projs_[j].synapses = syn;
    total += syn;
  }
  if (total > std::numeric_limits<edge_id>::max() - 1)
    throw error(fmt::format("{} synapses exceed the 32-bit edge index of this build", total));
  std::partial_sum(row_start_.begin(), row_start_.end(), row_start_.begin());
  resize_huge(targets_, total);
  resize_huge(weights_, total);
  resize_huge(delays_, total);
  std::fill(delays_.begin(), delays_.end(), delay_t{1});
  resize_huge(receptors_, total);
  std::fill(receptors_.begin(), receptors_.end(), receptor::excitatory);
  // Segment start of projection j in row n.
  std::vector<std::vector<edge_id>> seg(np);
  {
    std::vector<edge_id> cursor(row_start_.begin(), row_start_.end() - 1);
    for (std::size_t j = 0; j < np; ++j) {
      const auto& src = pops_[projs_[j].source_pop];
      seg[j].resize(src.size);
      for (neuron_id s = 0; s < src.size; ++s) {
        seg[j][s] = cursor[src.first + s];
        cursor[src.first + s] += count[j][s];
      }
    }
  }
  // Pass 2: fill each segment (row-centric rules replay the same streams as pass 1). Pass 3: sort rows.
  const edge_arrays arrays{targets_, weights_, delays_, receptors_};
  for (std::size_t j = 0; j < np; ++j) {
    const auto& pr = projs_[j];
    const auto& src = pops_[pr.source_pop];
    const auto& tgt = pops_[pr.target_pop];
    if (pr.desc.rule == connection_rule::fixed_indegree) {
      const auto [lo, hi] = kept_locals(tgt);
      fill_indegree(pr, tgt, seed, j, indegree_sources[j], seg[j], arrays, lo, hi);
      std::vector<neuron_id>().swap(indegree_sources[j]);
    } else if (pr.desc.rule == connection_rule::from_list) {
      fill_list(pr, src, tgt, seg[j], arrays, keep_begin_, keep_end_);
    } else {
      fill_rows(pr, src, tgt, seed, j, seg[j], arrays, keep_begin_, keep_end_);
    }
  }
  sort_rows(row_start_, num_neurons_, arrays);
  max_delay_ = delays_.empty() ? delay_t{1} : std::max<delay_t>(1, *std::max_element(delays_.begin(), delays_.end()));
  has_zero_delay_ = std::find(delays_.begin(), delays_.end(), delay_t{0}) != delays_.end();
  mark_contiguous();
}

// All-to-all projections that are complete and their source's only projection with synapses occupy one
// contiguous row-major edge range (matrix views).
void network::mark_contiguous() {
  const std::size_t np = projs_.size();
  for (std::size_t j = 0; j < np; ++j) {
    auto& pr = projs_[j];
    if (pr.desc.rule != connection_rule::all_to_all) continue;
    const auto& src = pops_[pr.source_pop];
    const auto& tgt = pops_[pr.target_pop];
    if (pr.synapses != std::uint64_t{src.size} * tgt.size) continue;
    bool sole = true;
    for (std::size_t i = 0; i < np; ++i)
      if (i != j && projs_[i].source_pop == pr.source_pop && projs_[i].synapses > 0) sole = false;
    if (!sole) continue;
    pr.contiguous = true;
    pr.first_edge = row_start_[src.first];
  }
}

}  // namespace spikeworm
