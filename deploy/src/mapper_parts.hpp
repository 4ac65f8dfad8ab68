// The mapper's internal parts (docs/deployment.md): the incremental assignment of neurons to cores that the
// partitioners refine and check_mapping verifies, and the steps map_network runs after partitioning.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "spikeworm/deploy/mapper.hpp"

namespace spikeworm::mapper_detail {

inline std::int64_t bytes_of(std::int64_t synapses, double bits) {
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
  std::size_t size() const noexcept { return core_.size(); }
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

// The refinement (partitioners.cpp): one neuron's best move or swap, and the passes that take them.
struct step_choice {
  std::int64_t core = -1;  // -1: no step lowers the objective and keeps every limit
  std::int64_t swap = -1;  // the member of `core` that moves to v's core (-1: a plain move)
  double delta = 0;        // the objective's change
};
step_choice best_step(assignment& a, std::size_t v, std::vector<std::uint32_t>& scratch);
void refine(assignment& a, std::uint64_t seed, int passes);

// Mesh placement: cores in serpentine order, then swaps of positions that shorten traffic x distance.
void place(const mapping_problem& p, std::span<const double> rates, const core_limits& lim, mapping& m);
// Number of destination axons of u under m (`dst`: scratch, left holding the distinct destination cores).
std::uint64_t destinations(const mapping_problem& p, const core_limits& lim, const mapping& m, std::size_t u,
                           std::vector<std::uint32_t>& dst);
// TrueNorth: splitter neurons for every neuron with more destination axons than it may address.
void add_splitters(const mapping_problem& p, const core_limits& lim, mapping& m);

}  // namespace spikeworm::mapper_detail
