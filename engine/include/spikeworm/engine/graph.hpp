// Boost.Graph views of a network, through the library's documented interface: the population graph
// (populations as vertices, projections as edges) with its topological order and strongly connected
// components (for importers and exporters of network graphs), and the synapse graph: the network adapted to
// Boost.Graph's concepts, so that its algorithms read the network's own CSR arrays (network.hpp says why).
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graph_traits.hpp>
#include <boost/graph/properties.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/iterator_facade.hpp>
#include <boost/property_map/property_map.hpp>

#include "spikeworm/core/common_types.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm {

// Populations are vertices 0..P-1 (their index in the network); edge k is projection k (edge_index).
using population_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                               boost::property<boost::edge_index_t, std::size_t>>;

// Edges in the order given (parallel edges and self-loops kept). Throws error for an endpoint >= populations.
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

// The synapse graph: the network itself, adapted to Boost.Graph's documented concepts (IncidenceGraph,
// VertexListGraph; graph_traits, out_edges, source, target, out_degree, vertices, num_vertices, num_edges
// and the vertex_index and edge_index maps), so its algorithms run on the network's own CSR arrays without
// a copy. Vertices are neurons; the out-edges of n are in target order; edge_index(e) is the index of e
// in weights(), delays() and receptors(). Call these unqualified (argument-dependent lookup), as Boost's
// algorithms do.
struct synapse_edge {
  neuron_id source = 0;
  edge_id index = 0;  // into the network's edge arrays
  bool operator==(const synapse_edge&) const = default;
};

// The out-edges of one neuron, by edge index.
class synapse_out_edge_iterator
    : public boost::iterator_facade<synapse_out_edge_iterator, synapse_edge, boost::random_access_traversal_tag,
                                    synapse_edge> {
 public:
  synapse_out_edge_iterator() = default;
  synapse_out_edge_iterator(neuron_id source, edge_id e) noexcept : source_(source), e_(e) {}

 private:
  friend class boost::iterator_core_access;
  synapse_edge dereference() const noexcept { return {source_, e_}; }
  bool equal(const synapse_out_edge_iterator& o) const noexcept { return e_ == o.e_; }
  void increment() noexcept { ++e_; }
  void decrement() noexcept { --e_; }
  void advance(std::ptrdiff_t n) noexcept { e_ = static_cast<edge_id>(static_cast<std::ptrdiff_t>(e_) + n); }
  std::ptrdiff_t distance_to(const synapse_out_edge_iterator& o) const noexcept {
    return static_cast<std::ptrdiff_t>(o.e_) - static_cast<std::ptrdiff_t>(e_);
  }
  neuron_id source_ = 0;
  edge_id e_ = 0;
};

struct synapse_graph_traversal : boost::incidence_graph_tag, boost::vertex_list_graph_tag {};

// edge_index of the synapse graph: the edge's index into the network's edge arrays.
struct synapse_edge_index_map {
  using key_type = synapse_edge;
  using value_type = edge_id;
  using reference = edge_id;
  using category = boost::readable_property_map_tag;
};
inline edge_id get(synapse_edge_index_map, const synapse_edge& e) noexcept { return e.index; }

inline std::pair<synapse_out_edge_iterator, synapse_out_edge_iterator> out_edges(neuron_id n, const network& g) {
  const auto rows = g.row_start();
  return {synapse_out_edge_iterator(n, rows[n]), synapse_out_edge_iterator(n, rows[n + 1])};
}
inline std::size_t out_degree(neuron_id n, const network& g) {
  const auto rows = g.row_start();
  return rows[n + 1] - rows[n];
}
inline neuron_id source(const synapse_edge& e, const network&) noexcept { return e.source; }
inline neuron_id target(const synapse_edge& e, const network& g) { return g.targets()[e.index]; }
inline std::pair<boost::counting_iterator<neuron_id>, boost::counting_iterator<neuron_id>> vertices(const network& g) {
  return {boost::counting_iterator<neuron_id>(0),
          boost::counting_iterator<neuron_id>(static_cast<neuron_id>(g.num_neurons()))};
}
inline std::size_t num_vertices(const network& g) noexcept { return g.num_neurons(); }
inline std::size_t num_edges(const network& g) noexcept { return g.num_synapses(); }
inline boost::typed_identity_property_map<neuron_id> get(boost::vertex_index_t, const network&) noexcept { return {}; }
inline synapse_edge_index_map get(boost::edge_index_t, const network&) noexcept { return {}; }
inline neuron_id get(boost::vertex_index_t, const network&, neuron_id n) noexcept { return n; }
inline edge_id get(boost::edge_index_t, const network&, const synapse_edge& e) noexcept { return e.index; }

}  // namespace spikeworm

namespace boost {

template <>
struct graph_traits<spikeworm::network> {
  using vertex_descriptor = spikeworm::neuron_id;
  using edge_descriptor = spikeworm::synapse_edge;
  using directed_category = directed_tag;
  using edge_parallel_category = allow_parallel_edge_tag;
  using traversal_category = spikeworm::synapse_graph_traversal;
  using out_edge_iterator = spikeworm::synapse_out_edge_iterator;
  using vertex_iterator = counting_iterator<spikeworm::neuron_id>;
  using in_edge_iterator = void;
  using adjacency_iterator = void;
  using edge_iterator = void;
  using vertices_size_type = std::size_t;
  using edges_size_type = std::size_t;
  using degree_size_type = std::size_t;
  static vertex_descriptor null_vertex() noexcept { return std::numeric_limits<spikeworm::neuron_id>::max(); }
};

template <>
struct property_map<spikeworm::network, vertex_index_t> {
  using type = typed_identity_property_map<spikeworm::neuron_id>;
  using const_type = type;
};

template <>
struct property_map<spikeworm::network, edge_index_t> {
  using type = spikeworm::synapse_edge_index_map;
  using const_type = type;
};

}  // namespace boost
