// The routing objective of a mapping: spike messages leaving their core and their mesh hops under
// dimension-order routing, splitter stages included (docs/deployment.md).
#include <algorithm>
#include <cmath>

#include "spikeworm/deploy/mapper.hpp"

namespace spikeworm {

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
