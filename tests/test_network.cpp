// The synapse graph: connection rules, edge-indexed arrays, the Boost CSR structure, determinism.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
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

// Every target column of a fixed_probability projection is drawn with probability p from every source: at
// p = 0.5 each column's in-degree is Binomial(2000, 0.5) (sd 22.4), within 6 sd of 1000 (a column never drawn,
// as the first or last target of every row, falls far outside); p = 1 gives every pair once, p = 0 none.
TEST(network, fixed_probability_draws_every_target_column_binomially) {
  const std::string pops = R"(
[[population]]
name = "s"
size = 2000
model = "lif"
[[population]]
name = "t"
size = 50
model = "lif"
)";
  for (double p : {0.5, 1.0, 0.0}) {
    auto net = net_from(pops + fmt::format(R"(
[[projection]]
source = "s"
target = "t"
rule = "fixed_probability"
p = {}
weight = 1.0
)", p));
    std::vector<int> column(50, 0);
    const auto rows = net.row_start();
    for (neuron_id n = 0; n < 2000; ++n) {
      std::set<neuron_id> row;
      for (edge_id e = rows[n]; e < rows[n + 1]; ++e) {
        ASSERT_TRUE(row.insert(net.targets()[e]).second) << "a pair drawn twice";
        ++column[net.targets()[e] - 2000];
      }
    }
    for (int t = 0; t < 50; ++t) {
      if (p == 0.5) {
        EXPECT_NEAR(column[static_cast<std::size_t>(t)], 1000, 6 * 22.4) << "target " << t;
      } else {
        EXPECT_EQ(column[static_cast<std::size_t>(t)], p == 1.0 ? 2000 : 0) << "target " << t;
      }
    }
  }
}

// A network part (docs/scaling.md) holds exactly the whole network's synapses into its targets: the same
// targets, weights, delays and receptors, in the same order in every row, for every rule, and for parts that
// cut populations anywhere.
TEST(network, a_part_holds_exactly_the_whole_networks_synapses_into_its_targets) {
  const auto d = test::desc_from(R"(
[[population]]
name = "a"
size = 300
model = "lif"
[[population]]
name = "b"
size = 200
model = "cuba_lif"
[[projection]]
source = "a"
target = "b"
rule = "fixed_probability"
p = 0.2
weight = { dist = "normal", mean = 1.0, std = 0.5 }
delay = { dist = "uniform", low = 1, high = 4 }
[[projection]]
source = "b"
target = "a"
rule = "fixed_indegree"
k = 9
weight = { dist = "uniform", low = -2.0, high = -1.0 }
receptor = "inhibitory"
[[projection]]
source = "a"
target = "a"
rule = "one_to_one"
weight = 0.25
autapses = true
[[projection]]
source = "b"
target = "b"
rule = "all_to_all"
autapses = false
weight = 0.125
delay = 2
[[projection]]
source = "a"
target = "b"
rule = "from_list"
sources = [0, 5, 299, 7, 5]
targets = [199, 0, 100, 150, 0]
weights = [1.5, 2.5, 3.5, 4.5, 5.5]
delays = [1, 2, 3, 1, 1]
)");
  const network whole(d);
  struct edge {
    neuron_id target;
    weight_t w;
    delay_t delay;
    receptor r;
    bool operator==(const edge&) const = default;
  };
  auto row = [](const network& n, neuron_id s, neuron_id lo, neuron_id hi) {
    std::vector<edge> out;
    for (edge_id e = n.row_start()[s]; e < n.row_start()[s + 1]; ++e)
      if (n.targets()[e] >= lo && n.targets()[e] < hi)
        out.push_back({n.targets()[e], n.weights()[e], n.delays()[e], n.receptors()[e]});
    return out;
  };
  for (auto [lo, hi] : {std::pair<neuron_id, neuron_id>{0, 500}, {0, 137}, {137, 300}, {300, 433}, {433, 500},
                        {250, 350}, {0, 0}}) {
    const network part(d, lo, hi);
    std::uint64_t held = 0;
    for (neuron_id s = 0; s < 500; ++s) {
      const auto want = row(whole, s, lo, hi);
      ASSERT_EQ(row(part, s, 0, 500), want) << "row " << s << " of part [" << lo << ", " << hi << ")";
      held += want.size();
    }
    EXPECT_EQ(part.num_synapses(), held);
    for (std::size_t j = 0; j < whole.projections().size(); ++j)
      EXPECT_EQ(part.projections()[j].synapses_whole, whole.projections()[j].synapses) << "projection " << j;
  }
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

// fixed_indegree draws k distinct sources: k may be every source, one fewer within one population without
// autapses, and one more is refused naming k and the sources available.
TEST(network, fixed_indegree_takes_k_up_to_the_distinct_sources_available) {
  const auto with = [](const char* source, int k, bool autapses) {
    return std::string(two_pops) + fmt::format(R"(
[[projection]]
source = "{}"
target = "a"
rule = "fixed_indegree"
k = {}
autapses = {}
weight = 1.0
)", source, k, autapses ? "true" : "false");
  };
  const auto refusal = [](const std::string& text) {
    try {
      (void)net_from(text);
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // a has 30 neurons, b 40.
  EXPECT_EQ(refusal(with("a", 30, true)), "");
  EXPECT_EQ(net_from(with("a", 30, true)).num_synapses(), 900u);
  EXPECT_EQ(refusal(with("a", 29, false)), "");
  EXPECT_EQ(net_from(with("a", 29, false)).num_synapses(), 870u);
  EXPECT_NE(refusal(with("a", 30, false)).find("k: must be in [0, 29] (distinct sources available), got 30"),
            std::string::npos) << refusal(with("a", 30, false));
  EXPECT_NE(refusal(with("a", 31, true)).find("must be in [0, 30]"), std::string::npos);
  EXPECT_EQ(refusal(with("b", 40, false)), "");  // no autapse can arise between two populations
  EXPECT_NE(refusal(with("b", 41, false)).find("must be in [0, 40]"), std::string::npos);
  EXPECT_NE(refusal(with("b", -1, true)).find("got -1"), std::string::npos);
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

// Per-neuron initial values (the Python module's arrays) replace the population's init specs, each variable
// its own list; a variable without a list keeps its spec.
TEST(network, per_neuron_initial_values_reach_their_own_variable) {
  auto d = test::desc_from(R"(
[simulation]
dt = 0.1
[[population]]
name = "a"
size = 2
model = "cuba_lif"
[[population]]
name = "b"
size = 3
model = "cuba_lif"
init = { v = -58.5, ge = 0.75, gi = 0.125 }
)");
  const std::vector<double> v{-60.0, -55.0, -52.0}, ge{1.0, 2.0, 3.0}, gi{4.0, 5.0, 6.0};
  for (int given = 0; given < 8; ++given) {  // every subset of the three lists
    auto e = d;
    if (given & 1) e.populations[1].init_v_values = v;
    if (given & 2) e.populations[1].init_ge_values = ge;
    if (given & 4) e.populations[1].init_gi_values = gi;
    const network net(e);
    const auto& p = net.populations()[1];
    for (neuron_id n = 0; n < 3; ++n) {
      const std::string what = fmt::format("lists {}, neuron {}", given, n);
      EXPECT_EQ(net.initial_value(p, 1, p.first + n, 0, 7), (given & 1) ? v[n] : -58.5) << what;
      EXPECT_EQ(net.initial_value(p, 1, p.first + n, 1, 7), (given & 2) ? ge[n] : 0.75) << what;
      EXPECT_EQ(net.initial_value(p, 1, p.first + n, 2, 7), (given & 4) ? gi[n] : 0.125) << what;
    }
  }
}

}  // namespace
}  // namespace spikeworm
