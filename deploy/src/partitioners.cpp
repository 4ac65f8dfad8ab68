// The deployment mapper: partitioning under per-core limits, refinement of the routed-spike objective,
// mesh placement and TrueNorth splitters.
//
// Objective: sum over neurons u of rate(u) x |D(u) \ {core(u)}|, D(u) the cores holding u's targets. A chip
// sends one message per spike and destination core (Loihi's output axons, SpiNNaker's multicast keys), so
// this is the number of spike messages that leave their core per decision: a hypergraph connectivity
// objective, not an edge cut. METIS minimises the edge cut of the symmetrised graph as a starting point;
// the greedy refinement works on the true objective and keeps every limit.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>

#include <fmt/format.h>

#include "mapper_parts.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"
#include "spikeworm/deploy/mapper.hpp"

#ifdef SPIKEWORM_HAVE_METIS
#include <metis.h>
#endif

namespace spikeworm {

using namespace mapper_detail;

partition_graph metis_graph(const mapping_problem& p, std::span<const double> rates) {
  const std::size_t n = p.size();
  std::vector<std::vector<std::pair<std::uint32_t, double>>> adj(n);
  auto rate = [&](std::size_t u) { return rates.empty() ? 1.0 : rates[u]; };
  for (std::size_t u = 0; u < n; ++u)
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) {
      const auto v = p.out[e];
      if (v == u) continue;
      adj[u].push_back({v, rate(u)});
      adj[v].push_back({static_cast<std::uint32_t>(u), rate(u)});
    }
  double wmax = 0;
  for (auto& a : adj) {  // u -> v and v -> u become one edge {u, v} carrying both rates
    std::sort(a.begin(), a.end());
    std::size_t o = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (o > 0 && a[o - 1].first == a[i].first) a[o - 1].second += a[i].second;
      else a[o++] = a[i];
    }
    a.resize(o);
    for (auto& [v, w] : a) wmax = std::max(wmax, w);
  }
  partition_graph g;
  g.xadj.push_back(0);
  const double scale = wmax > 0 ? 1000.0 / wmax : 1.0;
  for (std::size_t u = 0; u < n; ++u) {
    for (auto& [v, w] : adj[u]) {
      g.adjncy.push_back(v);
      g.adjwgt.push_back(std::max<std::int64_t>(1, std::llround(w * scale)));
    }
    g.xadj.push_back(static_cast<std::int64_t>(g.adjncy.size()));
    g.vwgt.push_back(1);
    g.vwgt.push_back(static_cast<std::int64_t>(std::max<std::uint64_t>(1, p.in_degree[u])));
  }
  return g;
}

namespace {


// The smallest core count the totals allow, and an error when no placement can exist.
int lower_bound_cores(const mapping_problem& p, const core_limits& lim) {
  const auto n = static_cast<std::int64_t>(p.size());
  std::int64_t syn = 0;
  for (std::size_t v = 0; v < p.size(); ++v) {
    syn += static_cast<std::int64_t>(p.in_degree[v]);
    const std::int64_t fan_in = static_cast<std::int64_t>(p.in_begin[v + 1] - p.in_begin[v]) * lim.axons_per_source;
    if (lim.axons_in && fan_in > lim.axons_in)
      throw error(fmt::format("cannot fit: neuron {} of population '{}' receives from {} sources ({} input axons), "
                              "a core has {} input axons (over by {})", v, p.population[v], fan_in / lim.axons_per_source,
                              fan_in, lim.axons_in, fan_in - lim.axons_in));
    const auto bytes = bytes_of(static_cast<std::int64_t>(p.in_degree[v]), lim.synapse_bits);
    if (lim.synapse_bytes && bytes > lim.synapse_bytes)
      throw error(fmt::format("cannot fit: neuron {} of population '{}' has {} synapses ({} bytes), a core holds {} "
                              "bytes of synapses (over by {})", v, p.population[v], p.in_degree[v], bytes,
                              lim.synapse_bytes, bytes - lim.synapse_bytes));
  }
  std::int64_t k = 1;
  const char* why = nullptr;
  auto need = [&](std::int64_t total, std::int64_t cap, const char* name) {
    if (cap <= 0) return;
    const std::int64_t c = (total + cap - 1) / cap;
    if (c > k) {
      k = c;
      why = name;
    }
  };
  need(n, lim.neurons, "neurons per core");
  need(bytes_of(syn, lim.synapse_bits), lim.synapse_bytes, "synapse memory per core");
  if (k > lim.cores)
    throw error(fmt::format("cannot fit: {} neurons and {} synapses need at least {} cores by the limit on {}, "
                            "the chip has {} (short by {})", n, syn, k, why, lim.cores, k - lim.cores));
  return static_cast<int>(k);
}

// Sequential fill in id order: a new core when the next neuron would break a limit of the current one.
// Returns false when more than `max_cores` are needed.
bool sequential_fill(const mapping_problem& p, const core_limits& lim, std::int64_t max_cores,
                     std::vector<std::uint32_t>& core) {
  const std::size_t n = p.size();
  core.assign(n, 0);
  std::vector<std::uint32_t> seen(n, UINT32_MAX);  // source -> last core it was counted in
  std::uint32_t c = 0;
  std::int64_t neurons = 0, sources = 0, syn = 0;
  for (std::size_t v = 0; v < n; ++v) {
    std::int64_t new_sources = 0;
    for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) new_sources += seen[p.in[e]] != c;
    const std::int64_t s2 = static_cast<std::int64_t>(p.in_degree[v]) + syn;
    const bool full = (lim.neurons && neurons + 1 > lim.neurons) ||
                      (lim.axons_in && (sources + new_sources) * lim.axons_per_source > lim.axons_in) ||
                      (lim.synapse_bytes && bytes_of(s2, lim.synapse_bits) > lim.synapse_bytes);
    if (full && neurons > 0) {
      ++c;
      if (c >= max_cores) return false;
      neurons = sources = syn = 0;
      new_sources = static_cast<std::int64_t>(p.in_begin[v + 1] - p.in_begin[v]);
    }
    for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) seen[p.in[e]] = c;
    core[v] = c;
    ++neurons;
    sources += new_sources;
    syn += static_cast<std::int64_t>(p.in_degree[v]);
  }
  return true;
}

// Graph growing: each core starts from the lowest unplaced neuron and takes, one at a time, the unplaced
// neuron with the most synapses to the core's neurons that still fits (every limit but output axons),
// so that connected groups share a core whatever their ids. Returns false when more than `max_cores` are needed.
bool grow_fill(const mapping_problem& p, const core_limits& lim, std::int64_t max_cores, std::vector<std::uint32_t>& core) {
  const std::size_t n = p.size();
  core.assign(n, UINT32_MAX);
  std::vector<std::uint32_t> seen(n, UINT32_MAX), conn(n, 0), touched;
  std::vector<std::uint8_t> skip(n, 0);
  std::size_t next_seed = 0, placed = 0;
  std::uint32_t c = 0;
  using entry = std::pair<std::uint32_t, std::int64_t>;  // (connections, -id)
  while (placed < n) {
    if (c >= max_cores) return false;
    std::int64_t neurons = 0, sources = 0, syn = 0;
    std::priority_queue<entry> heap;
    std::vector<std::uint32_t> skipped;
    auto fits = [&](std::size_t v, std::int64_t& new_sources) {
      new_sources = 0;
      for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) new_sources += seen[p.in[e]] != c;
      return !((lim.neurons && neurons + 1 > lim.neurons) ||
               (lim.axons_in && (sources + new_sources) * lim.axons_per_source > lim.axons_in) ||
               (lim.synapse_bytes && bytes_of(syn + static_cast<std::int64_t>(p.in_degree[v]), lim.synapse_bits) > lim.synapse_bytes));
    };
    auto add = [&](std::size_t v, std::int64_t new_sources) {
      core[v] = c;
      ++placed;
      ++neurons;
      sources += new_sources;
      syn += static_cast<std::int64_t>(p.in_degree[v]);
      for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) seen[p.in[e]] = c;
      auto bump = [&](std::uint32_t u, std::uint32_t m) {
        if (core[u] != UINT32_MAX) return;
        if (conn[u] == 0) touched.push_back(u);
        conn[u] += m;
        heap.push({conn[u], -static_cast<std::int64_t>(u)});
      };
      for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) bump(p.in[e], p.in_mult[e]);
      for (auto e = p.out_begin[v]; e < p.out_begin[v + 1]; ++e) bump(p.out[e], p.out_mult[e]);
    };
    int misses = 0;
    while (placed < n && misses < 16) {
      std::int64_t v = -1;
      while (!heap.empty()) {
        const auto [k, negid] = heap.top();
        heap.pop();
        const auto u = static_cast<std::size_t>(-negid);
        if (core[u] == UINT32_MAX && !skip[u] && conn[u] == k) {
          v = static_cast<std::int64_t>(u);
          break;
        }
      }
      if (v < 0) {  // nothing connected left: the lowest unplaced neuron
        while (next_seed < n && core[next_seed] != UINT32_MAX) ++next_seed;
        std::size_t u = next_seed;
        while (u < n && (core[u] != UINT32_MAX || skip[u])) ++u;
        if (u >= n) break;
        v = static_cast<std::int64_t>(u);
      }
      std::int64_t ns = 0;
      if (fits(static_cast<std::size_t>(v), ns)) {
        add(static_cast<std::size_t>(v), ns);
      } else if (neurons == 0) {
        return false;  // a single neuron does not fit an empty core (lower_bound_cores names why)
      } else {
        skip[static_cast<std::size_t>(v)] = 1;
        skipped.push_back(static_cast<std::uint32_t>(v));
        ++misses;
      }
    }
    for (auto u : skipped) skip[u] = 0;
    for (auto u : touched) conn[u] = 0;
    touched.clear();
    ++c;
  }
  return true;
}

}  // namespace

namespace mapper_detail {

// The refinement's choice for one neuron v (docs/deployment.md, "Partitioners"). For each candidate core b
// (neighbour_cores order) the move of v to b is examined; if it lowers the objective by more than any option so
// far but breaks a limit, up to 12 members w of b are examined as swap partners: w_k = m[(k * 7919 + v) mod |m|],
// k = 0, 1, ..., with m the members of b in their order once v has joined them (v last). The option with the
// lowest objective change below -1e-9 that keeps every limit wins; the first one wins a tie. The assignment is
// left as it was.
step_choice best_step(assignment& a, std::size_t v, std::vector<std::uint32_t>& nb) {
  constexpr double eps = 1e-9;
  const std::uint32_t home = a.core(v);
  a.neighbour_cores(v, nb);
  step_choice best{-1, -1, -eps};
  for (auto b : nb) {
    if (b == home) continue;
    const double c0 = a.cost();
    a.move(v, b);
    const double d = a.cost() - c0;
    const bool ok = a.touched_feasible();
    if (ok && d < best.delta) best = {b, -1, d};
    if (!ok && d < best.delta) {
      // The core is full (or another limit bites): try swapping with a few of its neurons, chosen before any moves.
      const auto& mem = a.members(b);
      std::array<std::uint32_t, 12> partners{};
      const std::size_t tries = std::min(mem.size(), partners.size());
      for (std::size_t k = 0; k < tries; ++k) partners[k] = mem[(k * 7919 + v) % mem.size()];
      for (std::size_t k = 0; k < tries; ++k) {
        const auto w = partners[k];
        if (w == v) continue;
        a.move(w, home);
        const double d2 = a.cost() - c0;
        if (d2 < best.delta && a.feasible(home) && a.feasible(b) && a.touched_feasible()) best = {b, w, d2};
        a.move(w, b);
      }
    }
    a.move(v, home);
  }
  return best;
}

// Passes over the neurons in a seeded random order, each taking its best_step; a pass that gains less than
// 0.1% of the objective ends the search.
void refine(assignment& a, std::uint64_t seed, int passes) {
  const std::size_t n = a.size();
  rng r(seed, stream_kind::init_weights, 0x4d4150);
  std::vector<std::uint32_t> order(n), nb;
  std::iota(order.begin(), order.end(), 0u);
  constexpr double eps = 1e-9;
  for (int pass = 0; pass < passes; ++pass) {
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[static_cast<std::size_t>(r.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
    const double before = a.cost();
    for (auto v : order) {
      const auto home = a.core(v);
      const auto step = best_step(a, v, nb);
      if (step.core >= 0) {
        a.move(v, static_cast<std::uint32_t>(step.core));
        if (step.swap >= 0) a.move(static_cast<std::size_t>(step.swap), home);
      }
    }
    if (before - a.cost() <= 1e-3 * before + eps) break;  // a pass that gains less than 0.1% ends it
  }
}

}  // namespace mapper_detail

namespace {
void check_cores(const mapping_problem& p, const std::vector<std::uint32_t>& cores, int K) {
  const auto beyond = [&](std::uint32_t c) { return c >= static_cast<std::uint32_t>(K); };
  if (K < 1 || cores.size() != p.size() || std::any_of(cores.begin(), cores.end(), beyond))
    throw internal_error("refinement: one core below K per neuron");
}
}  // namespace

refinement_step best_refinement_step(const mapping_problem& p, const core_limits& lim, std::span<const double> rates,
                                     const std::vector<std::uint32_t>& cores, int K, std::size_t v) {
  check_cores(p, cores, K);
  if (v >= p.size()) throw internal_error("best_refinement_step: no such neuron");
  assignment a(p, lim, rates, K);
  a.assign_all(cores);
  std::vector<std::uint32_t> nb;
  const auto s = best_step(a, v, nb);
  return {s.core, s.swap, s.delta};
}

std::vector<std::uint32_t> refine_assignment(const mapping_problem& p, const core_limits& lim,
                                             std::span<const double> rates, const std::vector<std::uint32_t>& cores,
                                             int K, std::uint64_t seed, int passes) {
  check_cores(p, cores, K);
  assignment a(p, lim, rates, K);
  a.assign_all(cores);
  refine(a, seed, passes);
  std::vector<std::uint32_t> out(p.size());
  for (std::size_t u = 0; u < p.size(); ++u) out[u] = a.core(u);
  return out;
}

namespace {

// Moves neurons out of cores that break a limit, into the feasible core where the objective grows least.
bool repair(assignment& a, std::size_t n) {
  for (int round = 0; round < 4 * static_cast<int>(n) + 16; ++round) {
    std::int64_t bad = -1;
    for (std::size_t c = 0; c < a.cores(); ++c)
      if (!a.feasible(c)) {
        bad = static_cast<std::int64_t>(c);
        break;
      }
    if (bad < 0) return true;
    const auto home = static_cast<std::uint32_t>(bad);
    const auto mem = a.members(home);
    double best = std::numeric_limits<double>::infinity();
    std::int64_t bv = -1, bc = -1;
    for (std::size_t k = 0; k < std::min<std::size_t>(mem.size(), 64); ++k) {
      const auto v = mem[(k * 7919) % mem.size()];
      for (std::size_t b = 0; b < a.cores(); ++b) {
        if (b == home) continue;
        const double c0 = a.cost();
        a.move(v, static_cast<std::uint32_t>(b));
        const double d = a.cost() - c0;
        const bool ok = a.feasible(b);
        a.move(v, home);
        if (ok && d < best) {
          best = d;
          bv = v;
          bc = static_cast<std::int64_t>(b);
        }
      }
    }
    if (bv < 0) return false;
    a.move(static_cast<std::size_t>(bv), static_cast<std::uint32_t>(bc));
  }
  return false;
}

#ifdef SPIKEWORM_HAVE_METIS
// METIS k-way on partition_graph (mapper.hpp).
bool metis_parts(const mapping_problem& p, std::span<const double> rates, int K, std::vector<std::uint32_t>& core) {
  const std::size_t n = p.size();
  core.assign(n, 0);
  if (K == 1) return true;
  const auto g = metis_graph(p, rates);
  const auto as_idx = [](const std::vector<std::int64_t>& v) { return std::vector<idx_t>(v.begin(), v.end()); };
  auto xadj = as_idx(g.xadj), adjncy = as_idx(g.adjncy), adjwgt = as_idx(g.adjwgt), vwgt = as_idx(g.vwgt);
  idx_t nv = static_cast<idx_t>(n), ncon = 2, nparts = K, objval = 0;
  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_SEED] = 1;  // deterministic
  options[METIS_OPTION_NUMBERING] = 0;
  std::vector<real_t> ub(2, static_cast<real_t>(1.03));
  std::vector<idx_t> part(n, 0);
  const int rc = METIS_PartGraphKway(&nv, &ncon, xadj.data(), adjncy.data(), vwgt.data(), nullptr, adjwgt.data(),
                                     &nparts, nullptr, ub.data(), options, &objval, part.data());
  if (rc != METIS_OK) return false;
  for (std::size_t u = 0; u < n; ++u) core[u] = static_cast<std::uint32_t>(part[u]);
  return true;
}
#endif
}  // namespace

mapping map_network(const mapping_problem& p, const core_limits& lim, std::span<const double> rates,
                    partitioner method, std::uint64_t seed) {
  if (!rates.empty() && rates.size() != p.size()) throw internal_error("map_network: one rate per neuron");
  const std::size_t n = p.size();
  if (n == 0) throw error("cannot map: the network has no on-chip neurons");
  const int lo = lower_bound_cores(p, lim);
  std::vector<std::uint32_t> core;
  mapping m;
  std::string last_error;
  // Keeps n x K target counts: bound the memory.
  auto guard = [&](std::int64_t K) {
    if (static_cast<double>(n) * static_cast<double>(K) > 268435456.0)
      throw error(fmt::format("cannot map: {} neurons x {} cores exceed the mapper's dense counts (2^28 entries)", n, K));
  };
  // Accepts a complete assignment when it keeps every limit (METIS: after repair); refines it.
  auto accept = [&](const std::vector<std::uint32_t>& cores_of, int k) {
    const int used = static_cast<int>(*std::max_element(cores_of.begin(), cores_of.end())) + 1;
    guard(std::max(used, k));
    assignment a(p, lim, rates, std::max(used, k));
    a.assign_all(cores_of);
    if (method == partitioner::metis && !a.feasible() && !repair(a, n)) {
      last_error = fmt::format("METIS parts in {} cores could not be repaired to the limits", k);
      return false;
    }
    if (!a.feasible()) {
      for (std::size_t c = 0; c < a.cores(); ++c)
        if (auto bad = a.check(c); bad.limit) {
          last_error = fmt::format("core {} needs {} {}, the chip allows {} (over by {})", c, bad.value, bad.limit,
                                   bad.cap, bad.value - bad.cap);
          break;
        }
      return false;
    }
    if (method == partitioner::greedy || method == partitioner::metis) refine(a, seed, 12);
    m = a.result(std::string(partitioner_name(method)));
    return true;
  };
  if (method == partitioner::sequential || method == partitioner::greedy) {
    // The fill decides the number of cores.
    const bool ok = method == partitioner::sequential ? sequential_fill(p, lim, lim.cores, core)
                                                      : grow_fill(p, lim, lim.cores, core);
    if (!ok)
      last_error = fmt::format("{} needs more than the chip's {} cores",
                               method == partitioner::sequential ? "filling cores in neuron order"
                                                                 : "growing connected groups", lim.cores);
    else
      accept(core, lo);
  } else {
    // Round-robin and METIS take the core count: grow it geometrically from the lower bound. METIS starts
    // where graph growing got to (k-way partitions into many parts are slow, and fewer parts rarely fit).
    std::int64_t start = lo;
    if (method == partitioner::metis && grow_fill(p, lim, lim.cores, core))
      start = std::max<std::int64_t>(lo, *std::max_element(core.begin(), core.end()) + 1);
    for (std::int64_t K = start;; K = std::min(lim.cores, std::max(K + 1, (K * 5 + 3) / 4))) {
      const int k = static_cast<int>(K);
      guard(K);
      bool made = true;
      if (method == partitioner::round_robin) {
        core.resize(n);
        for (std::size_t v = 0; v < n; ++v) core[v] = static_cast<std::uint32_t>(v % static_cast<std::size_t>(k));
      } else {
#ifdef SPIKEWORM_HAVE_METIS
        made = metis_parts(p, rates, k, core);
#else
        throw error("the metis partitioner is not available: spikeworm was built without libmetis-dev");
#endif
      }
      if (made && accept(core, k)) break;
      if (K >= lim.cores) break;
    }
  }
  if (m.core_of.empty())
    throw error(fmt::format("cannot fit: the {} partitioner found no placement in {} cores{}", partitioner_name(method),
                            lim.cores, last_error.empty() ? "" : " (last try: " + last_error + ")"));
  m.metis_available = metis_available();
  check_mapping(p, lim, m);
  add_splitters(p, lim, m);
  place(p, rates, lim, m);
  return m;
}

}  // namespace spikeworm
