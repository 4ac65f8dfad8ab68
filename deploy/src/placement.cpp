// The mapper after partitioning: usage per core and its check, TrueNorth's splitters, and the placement of
// the cores on the chip's 2-D mesh (docs/deployment.md).
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "mapper_parts.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/deploy/mapper.hpp"

namespace spikeworm {

namespace mapper_detail {

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

}  // namespace mapper_detail

using namespace mapper_detail;

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

}  // namespace spikeworm
