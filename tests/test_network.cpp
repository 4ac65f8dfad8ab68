// The synapse graph: connection rules, edge-indexed arrays, the Boost CSR structure, determinism.
#include <set>

#include <gtest/gtest.h>

#include "net_helpers.hpp"
#include "spikeworm/engine/graph.hpp"

namespace spikeworm {
namespace {

using test::net_from;

const char* two_pops = R"(
[[population]]
name = "a"
size = 30
model = "lif"
[[population]]
name = "b"
size = 40
model = "lif"
)";

TEST(network, all_to_all_is_a_contiguous_row_major_matrix) {
  auto net = net_from(std::string(two_pops) + R"(
[[projection]]
source = "a"
target = "b"
rule = "all_to_all"
weight = { dist = "uniform", low = -1.0, high = 1.0 }
)");
  ASSERT_EQ(net.num_synapses(), 30u * 40u);
  const auto& pr = net.projections()[0];
  ASSERT_TRUE(pr.contiguous);
  auto m = net.projection_matrix(0);
  EXPECT_EQ(m.rows, 30u);
  EXPECT_EQ(m.cols, 40u);
  // The matrix view is the network's own weight storage: element (i, j) is the edge a_i -> b_j of the
  // network seen as a Boost graph, whose edge index is the index into weights().
  const network& g = net;
  for (neuron_id i = 0; i < 30; ++i) {
    std::size_t j = 0;
    for (auto [it, end] = out_edges(i, g); it != end; ++it, ++j) {
      EXPECT_EQ(target(*it, g), 30 + j);
      EXPECT_EQ(&m(i, j), &net.weights()[get(boost::edge_index, g, *it)]);
    }
    EXPECT_EQ(j, 40u);
  }
  m(3, 5) = 0.25f;
  EXPECT_EQ(net.weights()[3 * 40 + 5], 0.25f);
}

TEST(network, csr_arrays_agree_with_boost_graph) {
  auto net = net_from(std::string(two_pops) + R"(
[[projection]]
source = "a"
target = "b"
rule = "fixed_probability"
p = 0.3
weight = 1.0
[[projection]]
source = "a"
target = "a"
rule = "fixed_probability"
p = 0.2
weight = -1.0
receptor = "inhibitory"
)");
  const network& g = net;  // through Boost.Graph's interface (graph.hpp)
  EXPECT_EQ(num_vertices(g), 70u);
  EXPECT_EQ(num_edges(g), net.num_synapses());
  const auto rows = net.row_start();
  const auto tg = net.targets();
  for (neuron_id n = 0; n < 70; ++n) {
    edge_id e = rows[n];
    ASSERT_EQ(out_degree(n, g), rows[n + 1] - rows[n]);
    for (auto [it, end] = out_edges(n, g); it != end; ++it, ++e) {
      ASSERT_EQ(get(boost::edge_index, g, *it), e);
      ASSERT_EQ(get(get(boost::edge_index, g), *it), e);
      ASSERT_EQ(source(*it, g), n);
      ASSERT_EQ(target(*it, g), tg[e]);
      if (e > rows[n]) {
        ASSERT_LE(tg[e - 1], tg[e]) << "rows are sorted by target";
      }
      // a -> a edges are inhibitory with weight -1, a -> b excitatory with +1.
      ASSERT_EQ(net.weights()[e], tg[e] < 30 ? -1.0f : 1.0f);
      ASSERT_EQ(net.receptors()[e], tg[e] < 30 ? receptor::inhibitory : receptor::excitatory);
    }
    ASSERT_EQ(e, rows[n + 1]);
  }
  EXPECT_FALSE(net.projections()[0].contiguous);
}

TEST(network, fixed_probability_count_and_autapses) {
  auto net = net_from(R"(
[[population]]
name = "a"
size = 1000
model = "lif"
[[projection]]
source = "a"
target = "a"
rule = "fixed_probability"
p = 0.1
autapses = false
weight = 0.5
delay = { dist = "uniform", low = 1, high = 5 }
)");
  // Binomial(999000, 0.1): sd = 300; 5 sd.
  EXPECT_NEAR(static_cast<double>(net.num_synapses()), 99900.0, 1500.0);
  const auto rows = net.row_start();
  std::set<int> seen_delays;
  for (neuron_id n = 0; n < 1000; ++n)
    for (edge_id e = rows[n]; e < rows[n + 1]; ++e) {
      ASSERT_NE(net.targets()[e], n) << "autapse";
      ASSERT_GE(net.delays()[e], 1);
      ASSERT_LE(net.delays()[e], 5);
      seen_delays.insert(net.delays()[e]);
    }
  EXPECT_EQ(seen_delays.size(), 5u);
  EXPECT_EQ(net.max_delay(), 5);
}

TEST(network, one_to_one_and_fixed_indegree) {
  auto net = net_from(std::string(two_pops) + R"(
[[population]]
name = "c"
size = 30
model = "lif"
[[projection]]
source = "a"
target = "c"
rule = "one_to_one"
weight = 2.0
[[projection]]
source = "a"
target = "b"
rule = "fixed_indegree"
k = 7
weight = 1.0
)");
  std::vector<std::set<neuron_id>> sources(100);
  const auto rows = net.row_start();
  for (neuron_id n = 0; n < 100; ++n)
    for (edge_id e = rows[n]; e < rows[n + 1]; ++e) {
      const neuron_id t = net.targets()[e];
      EXPECT_TRUE(sources[t].insert(n).second) << "duplicate synapse";
      if (t >= 70) {
        EXPECT_EQ(t - 70, n) << "one_to_one";
      }
    }
  for (neuron_id t = 30; t < 70; ++t) EXPECT_EQ(sources[t].size(), 7u) << "in-degree of " << t;
  for (neuron_id t = 70; t < 100; ++t) EXPECT_EQ(sources[t].size(), 1u);
}

TEST(network, same_seed_same_graph_other_seed_differs) {
  const std::string cfg = std::string(two_pops) + R"(
[[projection]]
source = "a"
target = "b"
rule = "fixed_probability"
p = 0.2
weight = { dist = "normal", mean = 0.0, std = 1.0 }
)";
  auto a = net_from(cfg, 5), b = net_from(cfg, 5), c = net_from(cfg, 6);
  ASSERT_EQ(a.num_synapses(), b.num_synapses());
  EXPECT_TRUE(std::equal(a.targets().begin(), a.targets().end(), b.targets().begin()));
  EXPECT_TRUE(std::equal(a.weights().begin(), a.weights().end(), b.weights().begin()));
  const bool same = a.num_synapses() == c.num_synapses() &&
                    std::equal(a.targets().begin(), a.targets().end(), c.targets().begin());
  EXPECT_FALSE(same);
}

}  // namespace
}  // namespace spikeworm
