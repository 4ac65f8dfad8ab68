// Boost.Graph views of a network (graph.hpp): the population graph with boost::topological_sort and
// boost::strong_components, and compile-time checks that the synapse graph models Boost's concepts.
#include "spikeworm/engine/graph.hpp"

#include <algorithm>
#include <iterator>

#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/graph_concepts.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <boost/property_map/property_map.hpp>
#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

population_graph make_population_graph(std::size_t populations,
                                       std::span<const std::pair<std::size_t, std::size_t>> projections) {
  population_graph g(populations);
  for (std::size_t k = 0; k < projections.size(); ++k) {
    const auto [u, v] = projections[k];
    // add_edge would silently add the missing vertices.
    if (u >= populations || v >= populations)
      throw error(fmt::format("projection {}: {} -> {} names a population outside [0, {})", k, u, v, populations));
    boost::add_edge(u, v, k, g);
  }
  return g;
}

population_graph make_population_graph(const network& net) {
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  edges.reserve(net.projections().size());
  for (const auto& pr : net.projections()) edges.emplace_back(pr.source_pop, pr.target_pop);
  return make_population_graph(net.populations().size(), edges);
}

namespace {

using vertex = boost::graph_traits<population_graph>::vertex_descriptor;
using edge = boost::graph_traits<population_graph>::edge_descriptor;

// Depth-first search visitor that keeps the tree parents and stops at the first back edge (u -> v, v an
// ancestor of u or u itself): the tree path v -> ... -> u and that edge form a cycle.
struct cycle_finder : boost::default_dfs_visitor {
  std::vector<vertex>* parent;
  std::vector<std::size_t>* cycle;
  struct found {};
  void tree_edge(edge e, const population_graph& g) const { (*parent)[boost::target(e, g)] = boost::source(e, g); }
  void back_edge(edge e, const population_graph& g) const {
    const vertex u = boost::source(e, g), v = boost::target(e, g);
    for (vertex x = u; x != v; x = (*parent)[x]) cycle->push_back(x);
    cycle->push_back(v);
    std::reverse(cycle->begin(), cycle->end());
    throw found{};
  }
};

}  // namespace

topological_result topological_order(const population_graph& g) {
  topological_result r;
  try {
    // topological_sort writes the vertices in reverse topological order.
    boost::topological_sort(g, std::back_inserter(r.order));
    std::reverse(r.order.begin(), r.order.end());
    return r;
  } catch (const boost::not_a_dag&) {
    r.order.clear();
  }
  std::vector<vertex> parent(boost::num_vertices(g));
  try {
    boost::depth_first_search(g, boost::visitor(cycle_finder{{}, &parent, &r.cycle}));
  } catch (const cycle_finder::found&) {
  }
  return r;
}

components_result strong_components(const population_graph& g) {
  components_result r;
  r.component.assign(boost::num_vertices(g), 0);
  r.count = static_cast<std::size_t>(boost::strong_components(
      g, boost::make_iterator_property_map(r.component.begin(), boost::get(boost::vertex_index, g))));
  return r;
}

// The network models Boost.Graph's IncidenceGraph and VertexListGraph concepts (graph.hpp).
BOOST_CONCEPT_ASSERT((boost::IncidenceGraphConcept<network>));
BOOST_CONCEPT_ASSERT((boost::VertexListGraphConcept<network>));
BOOST_CONCEPT_ASSERT((boost::ReadablePropertyMapConcept<synapse_edge_index_map, synapse_edge>));

}  // namespace spikeworm
