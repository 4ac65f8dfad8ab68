// The mapper's problem: the on-chip neurons and their synapses as CSR in both directions, and the names of
// the partitioners (docs/deployment.md).
#include <algorithm>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/names.hpp"
#include "spikeworm/deploy/mapper.hpp"

namespace spikeworm {

bool metis_available() noexcept {
#ifdef SPIKEWORM_HAVE_METIS
  return true;
#else
  return false;
#endif
}

namespace {
constexpr name_table<partitioner, 4> partitioner_names{{{partitioner::round_robin, "round_robin"},
                                                        {partitioner::sequential, "sequential"},
                                                        {partitioner::greedy, "greedy"},
                                                        {partitioner::metis, "metis"}}};
}  // namespace

partitioner parse_partitioner(std::string_view name) { return parse_name(partitioner_names, name, "partitioner"); }
std::string_view partitioner_name(partitioner p) noexcept { return name_of(partitioner_names, p); }

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

}  // namespace spikeworm
