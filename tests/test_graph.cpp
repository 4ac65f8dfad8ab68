// The population graph (graph.hpp): topological order, cycles and strong components against analytic
// oracles: a feed-forward chain, a recurrent loop, a self-loop, several components; the synapse graph on
// rows without synapses.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/graph/strong_components.hpp>
#include <gtest/gtest.h>

#include "net_helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/graph.hpp"

namespace spikeworm {
namespace {

using edges = std::vector<std::pair<std::size_t, std::size_t>>;

bool has_edge(const edges& es, std::size_t u, std::size_t v) {
  return std::find(es.begin(), es.end(), std::pair{u, v}) != es.end();
}

// A cycle c0 -> c1 -> ... -> c0 of distinct vertices, every step an edge.
void expect_cycle(const std::vector<std::size_t>& cycle, const edges& es) {
  ASSERT_FALSE(cycle.empty());
  EXPECT_EQ(std::set<std::size_t>(cycle.begin(), cycle.end()).size(), cycle.size()) << "vertices repeat";
  for (std::size_t i = 0; i < cycle.size(); ++i)
    EXPECT_TRUE(has_edge(es, cycle[i], cycle[(i + 1) % cycle.size()])) << cycle[i] << " -> " << cycle[(i + 1) % cycle.size()];
}

TEST(population_graph, chain_has_its_one_topological_order_and_singleton_components) {
  // 2 -> 0 -> 3 -> 1, declared out of order: the only topological order is 2, 0, 3, 1.
  const edges es{{3, 1}, {2, 0}, {0, 3}};
  const auto g = make_population_graph(4, es);
  const auto topo = topological_order(g);
  EXPECT_TRUE(topo.acyclic());
  EXPECT_EQ(topo.order, (std::vector<std::size_t>{2, 0, 3, 1}));
  const auto sc = strong_components(g);
  EXPECT_EQ(sc.count, 4u);
  EXPECT_EQ(std::set<std::size_t>(sc.component.begin(), sc.component.end()).size(), 4u);
}

TEST(population_graph, diamond_order_puts_every_projection_forward) {
  const edges es{{0, 1}, {0, 2}, {1, 3}, {2, 3}, {0, 3}, {4, 2}};
  const auto topo = topological_order(make_population_graph(5, es));
  ASSERT_TRUE(topo.acyclic());
  ASSERT_EQ(topo.order.size(), 5u);
  std::vector<std::size_t> at(5);
  for (std::size_t i = 0; i < 5; ++i) at[topo.order[i]] = i;
  for (const auto& [u, v] : es) EXPECT_LT(at[u], at[v]) << u << " -> " << v;
}

TEST(population_graph, recurrent_loop_gives_its_cycle_and_one_component) {
  // 0 -> 1 -> 2 -> 0 with a read-out 2 -> 3 and an input 4 -> 0.
  const edges es{{4, 0}, {0, 1}, {1, 2}, {2, 0}, {2, 3}};
  const auto g = make_population_graph(5, es);
  const auto topo = topological_order(g);
  EXPECT_FALSE(topo.acyclic());
  EXPECT_TRUE(topo.order.empty());
  EXPECT_EQ(topo.cycle.size(), 3u);
  expect_cycle(topo.cycle, es);
  const auto sc = strong_components(g);
  EXPECT_EQ(sc.count, 3u);  // {0, 1, 2}, {3}, {4}
  EXPECT_EQ(sc.component[0], sc.component[1]);
  EXPECT_EQ(sc.component[1], sc.component[2]);
  EXPECT_NE(sc.component[0], sc.component[3]);
  EXPECT_NE(sc.component[0], sc.component[4]);
  EXPECT_NE(sc.component[3], sc.component[4]);
}

TEST(population_graph, self_loop_is_a_cycle_of_one) {
  const edges es{{0, 1}, {1, 1}};
  const auto g = make_population_graph(2, es);
  const auto topo = topological_order(g);
  EXPECT_EQ(topo.cycle, (std::vector<std::size_t>{1}));
  const auto sc = strong_components(g);
  EXPECT_EQ(sc.count, 2u);
  EXPECT_NE(sc.component[0], sc.component[1]);
}

TEST(population_graph, several_components) {
  // Two 2-cycles {0, 1} and {2, 3}, a bridge 1 -> 2 (not back), an isolated 4, a chain 5 -> 6.
  const edges es{{0, 1}, {1, 0}, {2, 3}, {3, 2}, {1, 2}, {5, 6}};
  const auto g = make_population_graph(7, es);
  const auto sc = strong_components(g);
  EXPECT_EQ(sc.count, 5u);
  EXPECT_EQ(sc.component[0], sc.component[1]);
  EXPECT_EQ(sc.component[2], sc.component[3]);
  EXPECT_NE(sc.component[1], sc.component[2]);
  EXPECT_EQ(std::set<std::size_t>({sc.component[0], sc.component[2], sc.component[4], sc.component[5],
                                   sc.component[6]}).size(), 5u);
  const auto topo = topological_order(g);
  ASSERT_FALSE(topo.acyclic());
  expect_cycle(topo.cycle, es);
  EXPECT_EQ(topo.cycle.size(), 2u);
}

TEST(population_graph, refuses_a_projection_outside_the_populations) {
  const edges es{{0, 1}, {1, 3}};
  try {
    make_population_graph(3, es);
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("1 -> 3"), std::string::npos) << e.what();
  }
}

TEST(population_graph, network_projections_are_its_edges) {
  const auto net = test::net_from(R"(
[[population]]
name = "in"
size = 4
model = "poisson"
params = { rate = 10.0 }
[[population]]
name = "hidden"
size = 5
model = "lif"
[[population]]
name = "out"
size = 3
model = "lif"
[[projection]]
source = "hidden"
target = "out"
rule = "all_to_all"
weight = 1.0
[[projection]]
source = "in"
target = "hidden"
rule = "all_to_all"
weight = 1.0
[[projection]]
source = "hidden"
target = "hidden"
rule = "one_to_one"
weight = 1.0
)");
  const auto g = make_population_graph(net);
  EXPECT_EQ(boost::num_vertices(g), 3u);
  EXPECT_EQ(boost::num_edges(g), 3u);
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const auto& pr = net.projections()[boost::get(boost::edge_index, g, *it)];
    EXPECT_EQ(boost::source(*it, g), pr.source_pop);
    EXPECT_EQ(boost::target(*it, g), pr.target_pop);
  }
  EXPECT_EQ(topological_order(g).cycle, (std::vector<std::size_t>{1}));  // hidden -> hidden
  EXPECT_EQ(strong_components(g).count, 3u);
}

TEST(synapse_graph, rows_without_synapses_and_a_network_without_projections) {
  // Rows 0-2 (population a) are empty, rows 3-6 (b) hold b_i -> every neuron of a.
  const std::string pops = R"(
[[population]]
name = "a"
size = 3
model = "lif"
[[population]]
name = "b"
size = 4
model = "lif"
)";
  const auto net = test::net_from(pops + R"(
[[projection]]
source = "b"
target = "a"
rule = "all_to_all"
weight = { dist = "uniform", low = 0.0, high = 1.0 }
)");
  ASSERT_EQ(num_vertices(net), 7u);
  ASSERT_EQ(num_edges(net), 12u);
  const auto rows = net.row_start();
  neuron_id visited = 0;
  for (auto [v, vend] = vertices(net); v != vend; ++v, ++visited) {
    const neuron_id n = *v;
    EXPECT_EQ(n, visited);
    EXPECT_EQ(out_degree(n, net), n < 3 ? 0u : 3u);
    edge_id e = rows[n];
    for (auto [it, end] = out_edges(n, net); it != end; ++it, ++e) {
      EXPECT_EQ(source(*it, net), n);
      EXPECT_EQ(target(*it, net), net.targets()[e]);
      EXPECT_EQ(get(boost::edge_index, net, *it), e);
    }
  }
  EXPECT_EQ(visited, 7u);
  const auto empty = test::net_from(pops);
  EXPECT_EQ(num_vertices(empty), 7u);
  EXPECT_EQ(num_edges(empty), 0u);
  EXPECT_EQ(out_edges(6, empty).first, out_edges(6, empty).second);
}

TEST(synapse_graph, boost_strong_components_run_on_the_network) {
  // a: 3 neurons all-to-all among themselves (one component); b: 4 neurons, each only onto itself
  // (one_to_one, autapses: four components); a -> b all-to-all joins none of them. 5 components.
  const auto net = test::net_from(R"(
[[population]]
name = "a"
size = 3
model = "lif"
[[population]]
name = "b"
size = 4
model = "lif"
[[projection]]
source = "a"
target = "a"
rule = "all_to_all"
weight = 1.0
autapses = false
[[projection]]
source = "b"
target = "b"
rule = "one_to_one"
weight = 1.0
[[projection]]
source = "a"
target = "b"
rule = "all_to_all"
weight = 1.0
)");
  std::vector<std::size_t> component(num_vertices(net));
  const auto count = boost::strong_components(
      net, boost::make_iterator_property_map(component.begin(), get(boost::vertex_index, net)));
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(component[0], component[1]);
  EXPECT_EQ(component[1], component[2]);
  EXPECT_EQ(std::set<std::size_t>(component.begin() + 2, component.end()).size(), 5u);
}

}  // namespace
}  // namespace spikeworm
