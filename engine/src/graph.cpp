// Boost.Graph views of a network (graph.hpp): the population graph with boost::topological_sort and
// boost::strong_components, and the synapse graph built with the documented edges_are_sorted constructor.
#include "spikeworm/engine/graph.hpp"

#include <algorithm>
#include <iterator>

#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <boost/property_map/property_map.hpp>

namespace spikeworm {

population_graph make_population_graph(std::size_t populations,
                                       std::span<const std::pair<std::size_t, std::size_t>> projections) {
  population_graph g(populations);
  for (std::size_t k = 0; k < projections.size(); ++k)
    boost::add_edge(projections[k].first, projections[k].second, k, g);
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

namespace {

// The network's edges as (source, target) pairs in edge order (by source, then as stored): the input of the
// CSR graph's edges_are_sorted constructor, read from the network's arrays without a copy.
class edge_pairs {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = std::pair<neuron_id, neuron_id>;
  using difference_type = std::ptrdiff_t;
  using pointer = const value_type*;
  using reference = const value_type&;

  edge_pairs(std::span<const edge_id> rows, std::span<const neuron_id> targets, edge_id e)
      : rows_(rows), targets_(targets), e_(e) {
    settle();
  }
  reference operator*() const noexcept { return pair_; }
  pointer operator->() const noexcept { return &pair_; }
  edge_pairs& operator++() noexcept {
    ++e_;
    settle();
    return *this;
  }
  edge_pairs operator++(int) noexcept {
    edge_pairs old = *this;
    ++*this;
    return old;
  }
  bool operator==(const edge_pairs& o) const noexcept { return e_ == o.e_; }

 private:
  // Post: pair_ is edge e_ (when e_ is an edge): its source is the row that holds it.
  void settle() noexcept {
    if (e_ >= targets_.size()) return;
    while (rows_[s_ + 1] <= e_) ++s_;
    pair_ = {s_, targets_[e_]};
  }
  std::span<const edge_id> rows_;
  std::span<const neuron_id> targets_;
  edge_id e_;
  neuron_id s_ = 0;
  value_type pair_{};
};

}  // namespace

csr_graph synapse_graph(const network& net) {
  const auto rows = net.row_start();
  const auto targets = net.targets();
  const auto edges = static_cast<edge_id>(targets.size());
  return csr_graph(boost::edges_are_sorted, edge_pairs(rows, targets, 0), edge_pairs(rows, targets, edges),
                   static_cast<csr_graph::vertices_size_type>(net.num_neurons()), edges);
}

}  // namespace spikeworm
