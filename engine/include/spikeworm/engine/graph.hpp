// Boost.Graph views of a network, through the library's documented interface: the population graph
// (populations as vertices, projections as edges) with its topological order and strongly connected
// components (for importers and exporters of network graphs), and the synapse graph as a Boost CSR graph
// built from the network's own arrays when a Boost algorithm needs it (network.hpp says why on demand).
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "spikeworm/core/common_types.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm {

// Populations are vertices 0..P-1 (their index in the network); edge k is projection k (edge_index).
using population_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                               boost::property<boost::edge_index_t, std::size_t>>;

// Pre: every endpoint is < populations. Edges in the order given (parallel edges and self-loops kept).
population_graph make_population_graph(std::size_t populations,
                                       std::span<const std::pair<std::size_t, std::size_t>> projections);
population_graph make_population_graph(const network& net);

// A topological order of the populations (every projection goes from an earlier to a later one), or, when
// the graph has a cycle, one cycle: populations c0 -> c1 -> ... -> c0 (a self-loop is a cycle of one).
struct topological_result {
  std::vector<std::size_t> order;  // empty when there is a cycle
  std::vector<std::size_t> cycle;  // empty when acyclic
  bool acyclic() const noexcept { return cycle.empty(); }
};
topological_result topological_order(const population_graph& g);

// Strongly connected components: component[v] in [0, count). Populations on a common cycle share one.
struct components_result {
  std::vector<std::size_t> component;
  std::size_t count = 0;
};
components_result strong_components(const population_graph& g);

// The synapse graph: vertices are neurons, out-edges of n in target order, and edge_index(e) is the index of
// e in the network's weights(), delays() and receptors(). A copy of the structure (see network.hpp).
using csr_graph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                                     boost::no_property, neuron_id, edge_id>;
csr_graph synapse_graph(const network& net);

}  // namespace spikeworm
