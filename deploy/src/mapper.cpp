// The deployment mapper: partitioning under per-core limits, refinement of the routed-spike objective,
// mesh placement and TrueNorth splitters.
//
// Objective: sum over neurons u of rate(u) x |D(u) \ {core(u)}|, D(u) the cores holding u's targets. A chip
// sends one message per spike and destination core (Loihi's output axons, SpiNNaker's multicast keys), so
// this is the number of spike messages that leave their core per decision: a hypergraph connectivity
// objective, not an edge cut. METIS minimises the edge cut of the symmetrised graph as a starting point;
// the greedy refinement works on the true objective and keeps every limit.
#include "spikeworm/deploy/mapper.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"

#ifdef SPIKEWORM_HAVE_METIS
#include <metis.h>
#endif

namespace spikeworm {

bool metis_available() noexcept {
#ifdef SPIKEWORM_HAVE_METIS
  return true;
#else
  return false;
#endif
}

partitioner parse_partitioner(std::string_view name) {
  if (name == "round_robin") return partitioner::round_robin;
  if (name == "sequential") return partitioner::sequential;
  if (name == "greedy") return partitioner::greedy;
  if (name == "metis") return partitioner::metis;
  throw error(fmt::format("unknown partitioner '{}' (expected round_robin, sequential, greedy or metis)", name));
}

std::string_view partitioner_name(partitioner p) noexcept {
  switch (p) {
    case partitioner::round_robin: return "round_robin";
    case partitioner::sequential: return "sequential";
    case partitioner::greedy: return "greedy";
    case partitioner::metis: return "metis";
  }
  return "?";
}

mapping_problem make_problem(const network& net, std::span<const std::size_t> on_chip) {
  mapping_problem p;
  const auto& pops = net.populations();
  std::vector<std::int64_t> local(net.num_neurons(), -1);
  std::vector<bool> chosen(pops.size(), on_chip.empty());
  for (auto i : on_chip) chosen.at(i) = true;
  for (std::size_t pi = 0; pi < pops.size(); ++pi) {
    if (!chosen[pi]) continue;
    for (neuron_id n = pops[pi].first; n < pops[pi].end(); ++n) {
      local[n] = static_cast<std::int64_t>(p.global.size());
      p.global.push_back(n);
      p.population.push_back(pops[pi].name);
    }
  }
  const std::size_t n = p.global.size();
  const auto rows = net.row_start();
  const auto tgt = net.targets();
  p.out_begin.assign(n + 1, 0);
  p.in_degree.assign(n, 0);
  std::vector<std::uint32_t> row;
  for (std::size_t u = 0; u < n; ++u) {
    row.clear();
    const neuron_id g = p.global[u];
    for (edge_id e = rows[g]; e < rows[g + 1]; ++e)
      if (local[tgt[e]] >= 0) row.push_back(static_cast<std::uint32_t>(local[tgt[e]]));
    std::sort(row.begin(), row.end());
    for (std::size_t i = 0; i < row.size();) {
      std::size_t j = i;
      while (j < row.size() && row[j] == row[i]) ++j;
      p.out.push_back(row[i]);
      p.out_mult.push_back(static_cast<std::uint32_t>(j - i));
      p.in_degree[row[i]] += j - i;
      i = j;
    }
    p.out_begin[u + 1] = static_cast<std::uint32_t>(p.out.size());
  }
  // Transpose.
  p.in_begin.assign(n + 1, 0);
  for (auto v : p.out) ++p.in_begin[v + 1];
  for (std::size_t i = 0; i < n; ++i) p.in_begin[i + 1] += p.in_begin[i];
  p.in.resize(p.out.size());
  p.in_mult.resize(p.out.size());
  std::vector<std::uint32_t> fill(p.in_begin.begin(), p.in_begin.end() - 1);
  for (std::size_t u = 0; u < n; ++u)
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) {
      const auto at = fill[p.out[e]]++;
      p.in[at] = static_cast<std::uint32_t>(u);
      p.in_mult[at] = p.out_mult[e];
    }
  return p;
}

namespace {

std::int64_t bytes_of(std::int64_t synapses, double bits) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(synapses) * bits / 8.0));
}

// The first limit a core violates (limit == nullptr: none).
struct usage_check {
  const char* limit = nullptr;
  std::int64_t value = 0, cap = 0;
};

// Incremental state of an assignment of n neurons to K cores.
class assignment {
 public:
  assignment(const mapping_problem& p, const core_limits& lim, std::span<const double> rates, int K)
      : p_(p), lim_(lim), r_(rates), K_(static_cast<std::size_t>(K)) {
    const std::size_t n = p.size();
    core_.assign(n, 0);
    cnt_.assign(n * K_, 0);
    ndest_.assign(n, 0);
    neurons_.assign(K_, 0);
    sources_.assign(K_, 0);
    axout_.assign(K_, 0);
    syn_.assign(K_, 0);
    stamp_.assign(n, 0);
    members_.assign(K_, {});
    slot_.assign(n, 0);
  }

  double rate(std::size_t u) const noexcept { return r_.empty() ? 1.0 : r_[u]; }
  std::size_t cores() const noexcept { return K_; }
  std::uint32_t core(std::size_t u) const noexcept { return core_[u]; }
  double cost() const noexcept { return cost_; }
  const std::vector<std::uint32_t>& members(std::size_t c) const noexcept { return members_[c]; }

  // Initial placement: every neuron in `cores` (all at once, then the counts).
  void assign_all(const std::vector<std::uint32_t>& cores) {
    const std::size_t n = p_.size();
    core_ = cores;
    std::fill(cnt_.begin(), cnt_.end(), 0);
    std::fill(neurons_.begin(), neurons_.end(), 0);
    std::fill(sources_.begin(), sources_.end(), 0);
    std::fill(axout_.begin(), axout_.end(), 0);
    std::fill(syn_.begin(), syn_.end(), 0);
    for (auto& m : members_) m.clear();
    for (std::size_t u = 0; u < n; ++u) {
      ++neurons_[core_[u]];
      syn_[core_[u]] += static_cast<std::int64_t>(p_.in_degree[u]);
      slot_[u] = static_cast<std::uint32_t>(members_[core_[u]].size());
      members_[core_[u]].push_back(static_cast<std::uint32_t>(u));
      for (auto e = p_.out_begin[u]; e < p_.out_begin[u + 1]; ++e) cnt_[u * K_ + core_[p_.out[e]]] += p_.out_mult[e];
    }
    cost_ = 0;
    for (std::size_t u = 0; u < n; ++u) {
      std::uint32_t d = 0;
      for (std::size_t c = 0; c < K_; ++c)
        if (cnt_[u * K_ + c]) {
          ++d;
          ++sources_[c];
        }
      ndest_[u] = d;
      axout_[core_[u]] += d;
      cost_ += term(u);
    }
  }

  usage_check check(std::size_t c) const noexcept {
    if (lim_.neurons && neurons_[c] > lim_.neurons) return {"neurons per core", neurons_[c], lim_.neurons};
    const std::int64_t ax = sources_[c] * lim_.axons_per_source;
    if (lim_.axons_in && ax > lim_.axons_in) return {"input axons per core", ax, lim_.axons_in};
    if (lim_.axons_out && axout_[c] > lim_.axons_out) return {"output axons per core", axout_[c], lim_.axons_out};
    const auto bytes = bytes_of(syn_[c], lim_.synapse_bits);
    if (lim_.synapse_bytes && bytes > lim_.synapse_bytes) return {"synapse memory per core [bytes]", bytes, lim_.synapse_bytes};
    return {};
  }
  bool feasible(std::size_t c) const noexcept { return check(c).limit == nullptr; }
  bool feasible() const noexcept {
    for (std::size_t c = 0; c < K_; ++c)
      if (!feasible(c)) return false;
    return true;
  }

  // Moves v to core b, updating every count and the cost. Touched cores (whose output axons or sources
  // changed) are appended to touched_.
  void move(std::size_t v, std::uint32_t b) {
    const std::uint32_t a = core_[v];
    if (a == b) return;
    ++epoch_;
    touched_.clear();
    touched_.push_back(a);
    touched_.push_back(b);
    affected_.clear();
    auto touch = [&](std::size_t u) {
      if (stamp_[u] == epoch_) return;
      stamp_[u] = epoch_;
      affected_.push_back(static_cast<std::uint32_t>(u));
      cost_ -= term(u);
    };
    touch(v);
    for (auto e = p_.in_begin[v]; e < p_.in_begin[v + 1]; ++e) touch(p_.in[e]);
    // v changes core: its own output axons move from a to b.
    axout_[a] -= ndest_[v];
    axout_[b] += ndest_[v];
    --neurons_[a];
    ++neurons_[b];
    syn_[a] -= static_cast<std::int64_t>(p_.in_degree[v]);
    syn_[b] += static_cast<std::int64_t>(p_.in_degree[v]);
    // members
    auto& ma = members_[a];
    const auto s = slot_[v];
    ma[s] = ma.back();
    slot_[ma[s]] = s;
    ma.pop_back();
    slot_[v] = static_cast<std::uint32_t>(members_[b].size());
    members_[b].push_back(static_cast<std::uint32_t>(v));
    core_[v] = b;
    // Every source u of v now has m more targets in b and m fewer in a.
    for (auto e = p_.in_begin[v]; e < p_.in_begin[v + 1]; ++e) {
      const std::size_t u = p_.in[e];
      const auto m = p_.in_mult[e];
      auto& ca = cnt_[u * K_ + a];
      auto& cb = cnt_[u * K_ + b];
      ca -= m;
      if (ca == 0) {
        --ndest_[u];
        --axout_[core_[u]];
        --sources_[a];
        touched_.push_back(core_[u]);
      }
      if (cb == 0) {
        ++ndest_[u];
        ++axout_[core_[u]];
        ++sources_[b];
        touched_.push_back(core_[u]);
      }
      cb += m;
    }
    for (auto u : affected_) cost_ += term(u);
  }
  bool touched_feasible() const noexcept {
    for (auto c : touched_)
      if (!feasible(c)) return false;
    return true;
  }

  // The (at most 8) cores holding most of v's sources and targets: the candidate moves.
  void neighbour_cores(std::size_t v, std::vector<std::uint32_t>& out) const {
    out.clear();
    for (auto e = p_.in_begin[v]; e < p_.in_begin[v + 1]; ++e) out.push_back(core_[p_.in[e]]);
    for (auto e = p_.out_begin[v]; e < p_.out_begin[v + 1]; ++e) out.push_back(core_[p_.out[e]]);
    std::sort(out.begin(), out.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>>& runs = runs_;
    runs.clear();
    for (std::size_t i = 0; i < out.size();) {
      std::size_t j = i;
      while (j < out.size() && out[j] == out[i]) ++j;
      runs.push_back({static_cast<std::uint32_t>(j - i), out[i]});
      i = j;
    }
    std::sort(runs.begin(), runs.end(), [](auto x, auto y) { return x.first != y.first ? x.first > y.first : x.second < y.second; });
    out.clear();
    for (std::size_t i = 0; i < std::min<std::size_t>(runs.size(), 8); ++i) out.push_back(runs[i].second);
  }

  mapping result(std::string method) const {
    mapping m;
    m.method = std::move(method);
    m.core_of = core_;
    // Renumber the used cores 0..k-1 in order of first use.
    std::vector<std::int64_t> id(K_, -1);
    int next = 0;
    for (auto& c : m.core_of) {
      if (id[c] < 0) id[c] = next++;
      c = static_cast<std::uint32_t>(id[c]);
    }
    m.cores_used = next;
    return m;
  }

 private:
  double term(std::size_t u) const noexcept {
    const bool local = cnt_[u * K_ + core_[u]] > 0;
    return rate(u) * static_cast<double>(ndest_[u] - (local ? 1 : 0));
  }

  const mapping_problem& p_;
  const core_limits& lim_;
  std::span<const double> r_;
  std::size_t K_;
  std::vector<std::uint32_t> core_, cnt_, ndest_;
  std::vector<std::int64_t> neurons_, sources_, axout_, syn_;
  std::vector<std::uint64_t> stamp_;
  std::uint64_t epoch_ = 0;
  std::vector<std::uint32_t> affected_, touched_;
  mutable std::vector<std::pair<std::uint32_t, std::uint32_t>> runs_;
  std::vector<std::vector<std::uint32_t>> members_;
  std::vector<std::uint32_t> slot_;
  double cost_ = 0;
};


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

// Moves (and swaps, when the better core is full) that lower the objective and keep every limit.
void refine(assignment& a, std::size_t n, std::uint64_t seed, int passes) {
  rng r(seed, stream_kind::init_weights, 0x4d4150);
  std::vector<std::uint32_t> order(n), nb;
  std::iota(order.begin(), order.end(), 0u);
  constexpr double eps = 1e-9;
  for (int pass = 0; pass < passes; ++pass) {
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[static_cast<std::size_t>(r.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
    const double before = a.cost();
    for (auto v : order) {
      const std::uint32_t home = a.core(v);
      a.neighbour_cores(v, nb);
      double best = -eps;
      std::int64_t best_core = -1, best_swap = -1;
      for (auto b : nb) {
        if (b == home) continue;
        const double c0 = a.cost();
        a.move(v, b);
        const double d = a.cost() - c0;
        const bool ok = a.touched_feasible();
        if (ok && d < best) {
          best = d;
          best_core = b;
          best_swap = -1;
        }
        if (!ok && d < best) {
          // The core is full (or another limit bites): try swapping with a few of its neurons.
          const auto& mem = a.members(b);
          const std::size_t tries = std::min<std::size_t>(mem.size(), 12);
          for (std::size_t k = 0; k < tries; ++k) {
            const auto w = mem[(k * 7919 + v) % mem.size()];
            if (w == v) continue;
            a.move(w, home);
            const double d2 = a.cost() - c0;
            if (d2 < best && a.feasible(home) && a.feasible(b) && a.touched_feasible()) {
              best = d2;
              best_core = b;
              best_swap = w;
            }
            a.move(w, b);
          }
        }
        a.move(v, home);
      }
      if (best_core >= 0) {
        a.move(v, static_cast<std::uint32_t>(best_core));
        if (best_swap >= 0) a.move(static_cast<std::size_t>(best_swap), home);
      }
    }
    if (before - a.cost() <= 1e-3 * before + eps) break;  // a pass that gains less than 0.1% ends it
  }
}

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
// METIS k-way on the symmetrised graph: edge weight = spike traffic along it (both directions), two vertex
// constraints (one neuron, its synapses).
bool metis_parts(const mapping_problem& p, std::span<const double> rates, int K, std::vector<std::uint32_t>& core) {
  const std::size_t n = p.size();
  core.assign(n, 0);
  if (K == 1) return true;
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
  for (auto& a : adj) {
    std::sort(a.begin(), a.end());
    std::size_t o = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (o > 0 && a[o - 1].first == a[i].first) a[o - 1].second += a[i].second;
      else a[o++] = a[i];
    }
    a.resize(o);
    for (auto& [v, w] : a) wmax = std::max(wmax, w);
  }
  std::vector<idx_t> xadj{0}, adjncy, adjwgt, vwgt;
  const double scale = wmax > 0 ? 1000.0 / wmax : 1.0;
  for (std::size_t u = 0; u < n; ++u) {
    for (auto& [v, w] : adj[u]) {
      adjncy.push_back(static_cast<idx_t>(v));
      adjwgt.push_back(std::max<idx_t>(1, static_cast<idx_t>(std::lround(w * scale))));
    }
    xadj.push_back(static_cast<idx_t>(adjncy.size()));
    vwgt.push_back(1);
    vwgt.push_back(static_cast<idx_t>(std::max<std::uint64_t>(1, p.in_degree[u])));
  }
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

// Mesh placement: cores in serpentine order, then swaps of positions that shorten traffic x distance.
void place(const mapping_problem& p, std::span<const double> rates, const core_limits& lim, mapping& m) {
  const int W = std::max(1, lim.mesh_w), H = std::max(1, lim.mesh_h), cpt = std::max(1, lim.cores_per_tile);
  const int K = m.cores_used + m.splitter_cores;
  const int total = std::max(W * H * cpt, K);  // a mesh too small for the cores grows rows (tests' defaults)
  const int slots = std::min(total, std::max(K, std::min(total, 4 * K + 16)));
  std::vector<std::pair<int, int>> pos(static_cast<std::size_t>(slots));
  for (int i = 0; i < slots; ++i) {
    const int tile = i / cpt, y = tile / W, x = y % 2 == 0 ? tile % W : W - 1 - tile % W;
    pos[static_cast<std::size_t>(i)] = {x, y};
  }
  // Traffic between main cores (messages per decision), symmetric.
  const std::size_t k = static_cast<std::size_t>(m.cores_used);
  std::vector<double> tr(k * k, 0.0);
  std::vector<std::uint32_t> dst;
  for (std::size_t u = 0; u < p.size(); ++u) {
    dst.clear();
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) dst.push_back(m.core_of[p.out[e]]);
    std::sort(dst.begin(), dst.end());
    dst.erase(std::unique(dst.begin(), dst.end()), dst.end());
    const double r = rates.empty() ? 1.0 : rates[u];
    for (auto d : dst)
      if (d != m.core_of[u]) {
        tr[m.core_of[u] * k + d] += r;
        tr[d * k + m.core_of[u]] += r;
      }
  }
  std::vector<int> at(static_cast<std::size_t>(slots));
  std::iota(at.begin(), at.end(), 0);  // core i (i < k) sits at slot at[i]; slots >= k hold nothing
  auto dist = [&](int a, int b) {
    const auto& pa = pos[static_cast<std::size_t>(at[static_cast<std::size_t>(a)])];
    const auto& pb = pos[static_cast<std::size_t>(at[static_cast<std::size_t>(b)])];
    return std::abs(pa.first - pb.first) + std::abs(pa.second - pb.second);
  };
  auto cost_of = [&](int a) {
    double c = 0;
    for (std::size_t b = 0; b < k; ++b) c += tr[static_cast<std::size_t>(a) * k + b] * dist(a, static_cast<int>(b));
    return c;
  };
  if (k > 1 && k <= 512) {
    for (int pass = 0; pass < 6; ++pass) {
      bool improved = false;
      for (int a = 0; a < static_cast<int>(k); ++a)
        for (int b = a + 1; b < slots; ++b) {
          const double before = cost_of(a) + (b < static_cast<int>(k) ? cost_of(b) : 0.0);
          std::swap(at[static_cast<std::size_t>(a)], at[static_cast<std::size_t>(b)]);
          const double after = cost_of(a) + (b < static_cast<int>(k) ? cost_of(b) : 0.0);
          if (after + 1e-9 < before) improved = true;
          else std::swap(at[static_cast<std::size_t>(a)], at[static_cast<std::size_t>(b)]);
        }
      if (!improved) break;
    }
  }
  m.position.resize(static_cast<std::size_t>(K));
  // Splitter cores take the slots next to the main cores.
  std::vector<bool> used(static_cast<std::size_t>(slots), false);
  for (std::size_t c = 0; c < k; ++c) {
    m.position[c] = pos[static_cast<std::size_t>(at[c])];
    used[static_cast<std::size_t>(at[c])] = true;
  }
  int next = 0;
  for (int c = static_cast<int>(k); c < K; ++c) {
    while (next < slots && used[static_cast<std::size_t>(next)]) ++next;
    m.position[static_cast<std::size_t>(c)] = pos[static_cast<std::size_t>(std::min(next, slots - 1))];
    if (next < slots) used[static_cast<std::size_t>(next)] = true;
  }
}

// Number of destination axons of u under m.
std::uint64_t destinations(const mapping_problem& p, const core_limits& lim, const mapping& m, std::size_t u,
                           std::vector<std::uint32_t>& dst) {
  dst.clear();
  for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) dst.push_back(m.core_of[p.out[e]]);
  std::sort(dst.begin(), dst.end());
  dst.erase(std::unique(dst.begin(), dst.end()), dst.end());
  return dst.size() * static_cast<std::uint64_t>(lim.axons_per_source);
}

// TrueNorth: splitter neurons for every neuron with more destination axons than it may address.
void add_splitters(const mapping_problem& p, const core_limits& lim, mapping& m) {
  auto& splitter_core = m.splitter_of;
  splitter_core.assign(p.size(), -1);
  m.axons_per_destination = lim.axons_per_source;
  m.splitter_neurons = 0;
  m.splitter_cores = 0;
  m.extra_delay = 0;
  if (lim.targets_per_neuron <= 0) return;
  std::vector<std::uint32_t> dst;
  std::int64_t used_neurons = 0, used_axons = 0;
  for (std::size_t u = 0; u < p.size(); ++u) {
    const auto d = static_cast<std::int64_t>(destinations(p, lim, m, u, dst));
    if (d <= lim.targets_per_neuron) continue;
    // One splitter per destination axon, in one splitter core (one input axon for u).
    if ((lim.neurons && d > lim.neurons))
      throw error(fmt::format("cannot fit: neuron {} of population '{}' addresses {} axons, more than the {} splitter "
                              "neurons of one core (a splitter tree is not modelled)", u, p.population[u], d, lim.neurons));
    if (m.splitter_cores == 0 || (lim.neurons && used_neurons + d > lim.neurons) ||
        (lim.axons_in && used_axons + 1 > lim.axons_in)) {
      ++m.splitter_cores;
      used_neurons = used_axons = 0;
      m.usage.push_back({});
    }
    used_neurons += d;
    used_axons += 1;
    m.usage.back().neurons = used_neurons;
    m.usage.back().axons_in = used_axons;
    m.usage.back().axons_out = used_neurons;  // one target axon each
    m.splitter_neurons += static_cast<std::uint64_t>(d);
    splitter_core[u] = m.cores_used + m.splitter_cores - 1;
    m.extra_delay = 1;
  }
  if (m.cores_used + m.splitter_cores > lim.cores)
    throw error(fmt::format("cannot fit: {} cores and {} splitter cores (one target axon per neuron) need {} cores, the "
                            "chip has {} (short by {})", m.cores_used, m.splitter_cores, m.cores_used + m.splitter_cores,
                            lim.cores, m.cores_used + m.splitter_cores - lim.cores));
}

}  // namespace

void check_mapping(const mapping_problem& p, const core_limits& lim, mapping& m) {
  if (m.core_of.size() != p.size()) throw internal_error("check_mapping: wrong size");
  if (m.cores_used > lim.cores)
    throw error(fmt::format("cannot fit: the placement uses {} cores, the chip has {} (short by {})", m.cores_used,
                            lim.cores, m.cores_used - lim.cores));
  assignment a(p, lim, {}, std::max(1, m.cores_used));
  a.assign_all(m.core_of);
  m.usage.assign(static_cast<std::size_t>(m.cores_used), {});
  for (std::size_t c = 0; c < a.cores(); ++c) {
    const auto bad = a.check(c);
    if (bad.limit)
      throw error(fmt::format("cannot fit: core {} needs {} {}, the chip allows {} (over by {})", c, bad.value,
                              bad.limit, bad.cap, bad.value - bad.cap));
  }
  std::vector<std::uint32_t> dst;
  for (std::size_t u = 0; u < p.size(); ++u) {
    auto& us = m.usage[m.core_of[u]];
    ++us.neurons;
    us.synapse_bytes += static_cast<std::int64_t>(p.in_degree[u]);  // synapses for now
    us.axons_out += static_cast<std::int64_t>(destinations(p, lim, m, u, dst) / static_cast<std::uint64_t>(lim.axons_per_source));
  }
  // Distinct sources per core, exactly.
  for (std::size_t c = 0; c < m.usage.size(); ++c) m.usage[c].axons_in = 0;
  {
    std::vector<std::vector<std::uint32_t>> src(m.usage.size());
    for (std::size_t v = 0; v < p.size(); ++v)
      for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) src[m.core_of[v]].push_back(p.in[e]);
    for (std::size_t c = 0; c < src.size(); ++c) {
      std::sort(src[c].begin(), src[c].end());
      m.usage[c].axons_in = static_cast<std::int64_t>(std::unique(src[c].begin(), src[c].end()) - src[c].begin()) *
                            lim.axons_per_source;
    }
  }
  for (auto& us : m.usage) us.synapse_bytes = bytes_of(us.synapse_bytes, lim.synapse_bits);
}

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
    if (method == partitioner::greedy || method == partitioner::metis) refine(a, n, seed, 12);
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

traffic route(const mapping_problem& p, const mapping& m, std::span<const double> rates) {
  traffic t;
  std::vector<std::uint32_t> dst;
  auto dist = [&](std::size_t a, std::size_t b) {
    const auto& pa = m.position[a];
    const auto& pb = m.position[b];
    return static_cast<double>(std::abs(pa.first - pb.first) + std::abs(pa.second - pb.second));
  };
  const auto per_dest = static_cast<double>(m.axons_per_destination);
  for (std::size_t u = 0; u < p.size(); ++u) {
    const double r = rates.empty() ? 1.0 : rates[u];
    t.spikes += r;
    dst.clear();
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) dst.push_back(m.core_of[p.out[e]]);
    std::sort(dst.begin(), dst.end());
    dst.erase(std::unique(dst.begin(), dst.end()), dst.end());
    const std::size_t home = m.core_of[u];
    if (!m.splitter_of.empty() && m.splitter_of[u] >= 0) {
      // u -> its splitter core -> one splitter spike per destination axon (same-core ones included).
      const auto sc = static_cast<std::size_t>(m.splitter_of[u]);
      const double to_split = dist(home, sc);
      double from = 0, longest = 0;
      for (auto d : dst) {
        from += dist(sc, d) * per_dest;
        longest = std::max(longest, dist(sc, d));
      }
      t.routed += r * ((sc != home ? 1.0 : 0.0) + static_cast<double>(dst.size()) * per_dest);
      t.hops += r * (to_split + from);
      if (r > 0) t.max_hops = std::max(t.max_hops, to_split + longest);
      continue;
    }
    double hop = 0, longest = 0;
    for (auto d : dst) {
      if (d == home) {
        t.local += r;
        continue;
      }
      t.routed += r;
      hop += dist(home, d);
      longest = std::max(longest, dist(home, d));
    }
    t.hops += r * hop;
    if (r > 0) t.max_hops = std::max(t.max_hops, longest);
  }
  return t;
}

}  // namespace spikeworm
