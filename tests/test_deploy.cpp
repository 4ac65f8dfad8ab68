// Deployment modelling: the mapper's limits and objective, the fixed-point LIF, quantization and its error bound,
// the chip time and energy model, chip profiles and energy tables.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "brain_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/deploy/chip_model.hpp"
#include "spikeworm/deploy/energy_table.hpp"
#include "spikeworm/deploy/mapper.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/deploy/quantize.hpp"
#include "spikeworm/learning/spiking_brain.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {
namespace {

namespace fs = std::filesystem;

// A network of `groups` clusters of `size` lif neurons with dense connections inside a cluster and sparse
// ones between clusters; the neuron ids are shuffled so that id order says nothing about the clusters.
struct clustered {
  std::unique_ptr<network> net;
};

clustered clustered_network(int groups, int size, double p_in, double p_out, std::uint64_t seed) {
  const int n = groups * size;
  population p;
  p.name = "N";
  p.size = static_cast<neuron_id>(n);
  p.model = model_kind::lif;
  p.lif = lower(lif_params{}, 1.0);
  std::vector<int> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  rng r(seed, stream_kind::init_weights, 99);
  for (std::size_t i = perm.size(); i > 1; --i)
    std::swap(perm[i - 1], perm[static_cast<std::size_t>(r.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
  // Shuffled ids are not expressible with population-level connection rules: one population per neuron,
  // one projection per synapse.
  std::vector<population> pops;
  for (int i = 0; i < n; ++i) {
    population q = p;
    q.name = fmt::format("n{}", i);
    q.size = 1;
    pops.push_back(q);
  }
  std::vector<projection_desc> projs;
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      const bool same = perm[static_cast<std::size_t>(a)] / size == perm[static_cast<std::size_t>(b)] / size;
      if (r.uniform() >= (same ? p_in : p_out)) continue;
      projection_desc d;
      d.source = fmt::format("n{}", a);
      d.target = fmt::format("n{}", b);
      d.weight = value_spec::constant(0.1);
      projs.push_back(d);
    }
  clustered c;
  c.net = std::make_unique<network>(pops, projs, 1.0, seed);
  return c;
}

// An independent count of every limit of a mapping (not the mapper's own bookkeeping).
void expect_within_limits(const mapping_problem& p, const core_limits& lim, const mapping& m) {
  ASSERT_EQ(m.core_of.size(), p.size());
  ASSERT_LE(m.cores_used, lim.cores);
  std::map<std::uint32_t, std::int64_t> neurons, syn;
  std::map<std::uint32_t, std::set<std::uint32_t>> sources;
  std::map<std::uint32_t, std::int64_t> outs;
  for (std::size_t v = 0; v < p.size(); ++v) {
    ++neurons[m.core_of[v]];
    for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) {
      sources[m.core_of[v]].insert(p.in[e]);
      syn[m.core_of[v]] += p.in_mult[e];
    }
    std::set<std::uint32_t> dst;
    for (auto e = p.out_begin[v]; e < p.out_begin[v + 1]; ++e) dst.insert(m.core_of[p.out[e]]);
    outs[m.core_of[v]] += static_cast<std::int64_t>(dst.size());
  }
  for (auto [c, k] : neurons) {
    if (lim.neurons) {
      EXPECT_LE(k, lim.neurons) << "core " << c;
    }
    if (lim.axons_in) {
      EXPECT_LE(static_cast<std::int64_t>(sources[c].size()) * lim.axons_per_source, lim.axons_in) << "core " << c;
    }
    if (lim.axons_out) {
      EXPECT_LE(outs[c], lim.axons_out) << "core " << c;
    }
    if (lim.synapse_bytes) {
      EXPECT_LE(static_cast<std::int64_t>(std::ceil(static_cast<double>(syn[c]) * lim.synapse_bits / 8)), lim.synapse_bytes)
          << "core " << c;
    }
  }
}

TEST(mapper, every_placement_respects_every_limit) {
  auto c = clustered_network(6, 40, 0.3, 0.02, 5);
  const auto prob = make_problem(*c.net);
  std::vector<core_limits> limits(3);
  limits[0].cores = 16;  // neurons bind
  limits[0].neurons = 40;
  limits[1].cores = 32;  // input axons bind
  limits[1].neurons = 64;
  limits[1].axons_in = 90;
  limits[2].cores = 32;  // synapse memory and output axons bind
  limits[2].neurons = 100;
  limits[2].synapse_bytes = 700;
  limits[2].synapse_bits = 8;
  limits[2].axons_out = 400;
  for (const auto& lim : limits)
    for (auto method : {partitioner::round_robin, partitioner::sequential, partitioner::greedy, partitioner::metis}) {
      SCOPED_TRACE(std::string(partitioner_name(method)));
      mapping m;
      try {
        m = map_network(prob, lim, {}, method);
      } catch (const error& e) {
        // The baselines ignore connectivity (round-robin spreads every cluster over every core, sequential
        // fills in id order): they may honestly fail where greedy and METIS fit.
        EXPECT_TRUE(method == partitioner::round_robin || method == partitioner::sequential) << e.what();
        EXPECT_NE(std::string(e.what()).find("cannot fit"), std::string::npos) << e.what();
        continue;
      }
      expect_within_limits(prob, lim, m);
      std::int64_t ax = 0, by = 0, out = 0, ne = 0;
      for (const auto& u : m.usage) {
        ax = std::max(ax, u.axons_in);
        by = std::max(by, u.synapse_bytes);
        out = std::max(out, u.axons_out);
        ne = std::max(ne, u.neurons);
      }
      std::printf("  %-11s %2d cores, max per core: %3lld neurons, %3lld input axons, %3lld output axons, %4lld bytes\n",
                  std::string(partitioner_name(method)).c_str(), m.cores_used, static_cast<long long>(ne),
                  static_cast<long long>(ax), static_cast<long long>(out), static_cast<long long>(by));
    }
}

// The graph METIS partitions, against a direct count over unordered pairs: mutual synapses u -> v and v -> u
// make one edge carrying both rates, self-loops none, weights scaled to 1000 at the largest (docs/deployment.md).
TEST(mapper, metis_graph_is_the_symmetrised_traffic_of_the_problem) {
  std::mt19937_64 gen(11);
  int trials_with_mutual_pairs = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const std::uint32_t n = 2 + static_cast<std::uint32_t>(gen() % 30);
    mapping_problem p;
    p.out_begin.push_back(0);
    for (std::uint32_t u = 0; u < n; ++u) {
      p.global.push_back(u);
      p.population.push_back("a");
      for (std::uint32_t v = 0; v < n; ++v)  // distinct targets, self-loops included; dense enough for mutual pairs
        if (gen() % 3 == 0) {
          p.out.push_back(v);
          p.out_mult.push_back(1 + static_cast<std::uint32_t>(gen() % 3));
        }
      p.out_begin.push_back(static_cast<std::uint32_t>(p.out.size()));
      p.in_degree.push_back(gen() % 4);
    }
    std::vector<double> rates(n);
    for (auto& r : rates) r = static_cast<double>(gen() % 1000) / 97.0;
    std::map<std::pair<std::uint32_t, std::uint32_t>, double> traffic;  // (min, max) -> spikes along it
    int mutual = 0;
    for (std::uint32_t u = 0; u < n; ++u)
      for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) {
        const auto v = p.out[e];
        if (v == u) continue;
        const auto [it, fresh] = traffic.try_emplace({std::min(u, v), std::max(u, v)}, 0.0);
        mutual += !fresh;
        it->second += rates[u];
      }
    trials_with_mutual_pairs += mutual > 0;
    double wmax = 0;
    for (const auto& [k, w] : traffic) wmax = std::max(wmax, w);
    const auto g = metis_graph(p, rates);
    ASSERT_EQ(g.xadj.size(), n + 1u);
    ASSERT_EQ(g.vwgt.size(), 2u * n);
    EXPECT_EQ(g.xadj[0], 0);
    for (std::uint32_t u = 0; u < n; ++u) {
      std::vector<std::int64_t> nbr, wgt;
      for (const auto& [k, w] : traffic) {
        if (k.first != u && k.second != u) continue;
        nbr.push_back(k.first == u ? k.second : k.first);
        wgt.push_back(std::max<std::int64_t>(1, std::llround(w * 1000.0 / wmax)));
      }
      std::vector<std::size_t> order(nbr.size());
      std::iota(order.begin(), order.end(), 0u);
      std::sort(order.begin(), order.end(), [&](auto a, auto b) { return nbr[a] < nbr[b]; });
      std::vector<std::int64_t> got_n(g.adjncy.begin() + g.xadj[u], g.adjncy.begin() + g.xadj[u + 1]);
      std::vector<std::int64_t> got_w(g.adjwgt.begin() + g.xadj[u], g.adjwgt.begin() + g.xadj[u + 1]);
      std::vector<std::int64_t> want_n, want_w;
      for (auto i : order) {
        want_n.push_back(nbr[i]);
        want_w.push_back(wgt[i]);
      }
      EXPECT_EQ(got_n, want_n) << "trial " << trial << ", vertex " << u;
      EXPECT_EQ(got_w, want_w) << "trial " << trial << ", vertex " << u;
      EXPECT_EQ(g.vwgt[2 * u], 1);
      EXPECT_EQ(g.vwgt[2 * u + 1], std::max<std::int64_t>(1, static_cast<std::int64_t>(p.in_degree[u])));
    }
    // Without rates every neuron counts 1: a mutual pair weighs twice a one-way edge.
    const auto unit = metis_graph(p, {});
    for (std::uint32_t u = 0; u < n; ++u)
      for (auto e = unit.xadj[u]; e < unit.xadj[u + 1]; ++e) {
        const auto v = static_cast<std::uint32_t>(unit.adjncy[static_cast<std::size_t>(e)]);
        int both = 0;
        for (auto [a, b] : {std::pair{u, v}, std::pair{v, u}})
          for (auto f = p.out_begin[a]; f < p.out_begin[a + 1]; ++f) both += p.out[f] == b;
        EXPECT_EQ(unit.adjwgt[static_cast<std::size_t>(e)], mutual == 0 || both == 2 ? 1000 : 500);
      }
  }
  EXPECT_GE(trials_with_mutual_pairs, 15);
}

// A random problem of n neurons, each with distinct targets drawn with probability 1 / every, and its transpose.
mapping_problem random_problem(std::mt19937_64& gen, std::uint32_t n, std::uint32_t every) {
  mapping_problem p;
  p.out_begin.push_back(0);
  for (std::uint32_t u = 0; u < n; ++u) {
    p.global.push_back(u);
    p.population.push_back("a");
    for (std::uint32_t v = 0; v < n; ++v)
      if (v != u && gen() % every == 0) {
        p.out.push_back(v);
        p.out_mult.push_back(1 + static_cast<std::uint32_t>(gen() % 3));
      }
    p.out_begin.push_back(static_cast<std::uint32_t>(p.out.size()));
  }
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> in(n);
  for (std::uint32_t u = 0; u < n; ++u)
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) in[p.out[e]].push_back({u, p.out_mult[e]});
  p.in_begin.push_back(0);
  for (std::uint32_t v = 0; v < n; ++v) {
    std::uint64_t deg = 0;
    for (auto [u, m] : in[v]) {
      p.in.push_back(u);
      p.in_mult.push_back(m);
      deg += m;
    }
    p.in_begin.push_back(static_cast<std::uint32_t>(p.in.size()));
    p.in_degree.push_back(deg);
  }
  return p;
}

// The objective from scratch: sum over u of rate(u) x (cores holding u's targets, other than u's own).
double objective_of(const mapping_problem& p, std::span<const double> rates, const std::vector<std::uint32_t>& core) {
  double total = 0;
  for (std::size_t u = 0; u < p.size(); ++u) {
    std::set<std::uint32_t> dest;
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) dest.insert(core[p.out[e]]);
    dest.erase(core[u]);
    total += rates[u] * static_cast<double>(dest.size());
  }
  return total;
}

// Every limit from scratch: neurons, input axons (distinct sources into the core), output axons (distinct
// (source, destination core) routes out of the core) and synapse memory.
bool keeps_limits(const mapping_problem& p, const core_limits& lim, const std::vector<std::uint32_t>& core, int K) {
  std::vector<std::int64_t> neurons(K), out(K), syn(K);
  std::vector<std::set<std::uint32_t>> sources(K);
  for (std::size_t u = 0; u < p.size(); ++u) {
    ++neurons[core[u]];
    syn[core[u]] += static_cast<std::int64_t>(p.in_degree[u]);
    std::set<std::uint32_t> dest;
    for (auto e = p.out_begin[u]; e < p.out_begin[u + 1]; ++e) {
      dest.insert(core[p.out[e]]);
      sources[core[p.out[e]]].insert(static_cast<std::uint32_t>(u));
    }
    out[core[u]] += static_cast<std::int64_t>(dest.size());
  }
  for (int c = 0; c < K; ++c) {
    if (lim.neurons && neurons[c] > lim.neurons) return false;
    if (lim.axons_in && static_cast<std::int64_t>(sources[c].size()) * lim.axons_per_source > lim.axons_in) return false;
    if (lim.axons_out && out[c] > lim.axons_out) return false;
    if (lim.synapse_bytes && static_cast<std::int64_t>(std::ceil(static_cast<double>(syn[c]) * lim.synapse_bits / 8.0)) > lim.synapse_bytes)
      return false;
  }
  return true;
}

// One neuron's refinement step against an oracle that recomputes the objective and every limit from scratch
// for each option the rule of docs/deployment.md examines: the best move or swap wins, the first one a tie.
// Rates are multiples of 1/4, so the incremental and the recomputed objective agree exactly and ties are real.
TEST(mapper, a_refinement_step_takes_the_best_move_or_swap_it_examines) {
  std::mt19937_64 gen(23);
  int swaps = 0, moves = 0, none = 0, wide_swaps = 0;
  for (int trial = 0; trial < 24; ++trial) {
    const int K = 2 + trial % 3;
    const std::uint32_t n = K == 2 ? 34 : 14 + static_cast<std::uint32_t>(gen() % 20);
    const auto p = random_problem(gen, n, 3 + static_cast<std::uint32_t>(gen() % 4));
    std::vector<double> rates(n);
    for (auto& r : rates) r = static_cast<double>(1 + gen() % 8) / 4.0;
    core_limits lim;
    lim.cores = K;
    lim.neurons = (n + static_cast<std::uint32_t>(K) - 1) / static_cast<std::uint32_t>(K) + (trial % 2);  // full or one spare
    if (trial % 4 == 3) lim.axons_in = static_cast<std::int64_t>(n);  // a second limit that rarely binds
    std::vector<std::uint32_t> core(n);
    for (std::uint32_t u = 0; u < n; ++u) core[u] = u % static_cast<std::uint32_t>(K);
    std::shuffle(core.begin(), core.end(), gen);
    ASSERT_TRUE(keeps_limits(p, lim, core, K));
    const double c0 = objective_of(p, rates, core);
    for (std::uint32_t v = 0; v < n; ++v) {
      // Candidate cores: those of v's distinct sources and targets, most frequent first, then by id; at most 8.
      std::map<std::uint32_t, int> count;
      for (auto e = p.in_begin[v]; e < p.in_begin[v + 1]; ++e) ++count[core[p.in[e]]];
      for (auto e = p.out_begin[v]; e < p.out_begin[v + 1]; ++e) ++count[core[p.out[e]]];
      std::vector<std::pair<int, std::uint32_t>> cand;
      for (auto [c, k] : count) cand.push_back({-k, c});
      std::sort(cand.begin(), cand.end());
      if (cand.size() > 8) cand.resize(8);
      refinement_step want{-1, -1, -1e-9};
      for (auto [negk, b] : cand) {
        if (b == core[v]) continue;
        auto moved = core;
        moved[v] = b;
        const double d = objective_of(p, rates, moved) - c0;
        const bool ok = keeps_limits(p, lim, moved, K);
        if (ok && d < want.delta) want = {b, -1, d};
        if (ok || !(d < want.delta)) continue;
        std::vector<std::uint32_t> m;  // b's members in id order, then v
        for (std::uint32_t u = 0; u < n; ++u)
          if (core[u] == b) m.push_back(u);
        m.push_back(v);
        for (std::size_t k = 0; k < std::min<std::size_t>(m.size(), 12); ++k) {
          const auto w = m[(k * 7919 + v) % m.size()];
          if (w == v) continue;
          auto swapped = moved;
          swapped[w] = core[v];
          const double d2 = objective_of(p, rates, swapped) - c0;
          if (d2 < want.delta && keeps_limits(p, lim, swapped, K)) want = {b, w, d2};
        }
      }
      const auto got = best_refinement_step(p, lim, rates, core, K, v);
      SCOPED_TRACE(fmt::format("trial {}, neuron {}", trial, v));
      EXPECT_EQ(got.core, want.core);
      EXPECT_EQ(got.swap, want.swap);
      EXPECT_EQ(got.delta, want.delta);
      swaps += want.swap >= 0;
      moves += want.core >= 0 && want.swap < 0;
      none += want.core < 0;
      wide_swaps += want.swap >= 0 && n / static_cast<std::uint32_t>(K) >= 12;
    }
  }
  // The trials reach every branch: swaps (also in cores of 12 or more), plain moves, and no step.
  EXPECT_GE(swaps, 20);
  EXPECT_GE(wide_swaps, 5);
  EXPECT_GE(moves, 20);
  EXPECT_GE(none, 20);
}

// The passes never break a limit or raise the objective, and the incremental objective they report matches a
// recount; on two full cores whose only improvement is a swap, they find the placement that routes nothing.
TEST(mapper, refinement_passes_keep_every_limit_and_never_raise_the_objective) {
  std::mt19937_64 gen(29);
  int improved = 0;
  for (int trial = 0; trial < 30; ++trial) {
    const int K = 2 + trial % 4;
    const std::uint32_t n = 12 + static_cast<std::uint32_t>(gen() % 40);
    const auto p = random_problem(gen, n, 4 + static_cast<std::uint32_t>(gen() % 6));
    std::vector<double> rates(n);
    for (auto& r : rates) r = static_cast<double>(1 + gen() % 8) / 4.0;
    core_limits lim;
    lim.cores = K;
    lim.neurons = (n + static_cast<std::uint32_t>(K) - 1) / static_cast<std::uint32_t>(K) + (trial % 3);
    if (trial % 2) lim.axons_out = static_cast<std::int64_t>(n) * 2;
    std::vector<std::uint32_t> core(n);
    for (std::uint32_t u = 0; u < n; ++u) core[u] = u % static_cast<std::uint32_t>(K);
    std::shuffle(core.begin(), core.end(), gen);
    if (!keeps_limits(p, lim, core, K)) continue;
    const double before = objective_of(p, rates, core);
    for (int passes : {1, 12}) {
      const auto after = refine_assignment(p, lim, rates, core, K, 1 + static_cast<std::uint64_t>(trial), passes);
      SCOPED_TRACE(fmt::format("trial {}, {} passes", trial, passes));
      EXPECT_TRUE(keeps_limits(p, lim, after, K));
      EXPECT_LE(objective_of(p, rates, after), before);
      improved += objective_of(p, rates, after) < before;
    }
  }
  EXPECT_GE(improved, 40);
  // 0 <-> 2 and 1 <-> 3 on two cores of two, placed {0, 1} and {2, 3}: every move breaks the neuron limit.
  mapping_problem pair;
  {
    std::mt19937_64 none(1);
    pair = random_problem(none, 4, 1000000);  // no synapses, then two mutual pairs
  }
  pair.out = {2, 3, 0, 1};
  pair.out_mult = {1, 1, 1, 1};
  pair.out_begin = {0, 1, 2, 3, 4};
  pair.in = {2, 3, 0, 1};
  pair.in_mult = {1, 1, 1, 1};
  pair.in_begin = {0, 1, 2, 3, 4};
  pair.in_degree = {1, 1, 1, 1};
  core_limits two;
  two.cores = 2;
  two.neurons = 2;
  const std::vector<double> ones(4, 1.0);
  const std::vector<std::uint32_t> apart{0, 0, 1, 1};
  EXPECT_EQ(objective_of(pair, ones, apart), 4.0);
  const auto together = refine_assignment(pair, two, ones, apart, 2, 1, 12);
  EXPECT_EQ(objective_of(pair, ones, together), 0.0);
  EXPECT_EQ(together[0], together[2]);
  EXPECT_EQ(together[1], together[3]);
  EXPECT_NE(together[0], together[1]);
}

TEST(mapper, a_network_that_cannot_fit_names_the_limit) {
  auto c = clustered_network(4, 32, 0.3, 0.02, 7);
  const auto prob = make_problem(*c.net);
  core_limits lim;
  lim.cores = 3;
  lim.neurons = 32;  // 128 neurons need 4 cores
  try {
    map_network(prob, lim, {}, partitioner::greedy);
    FAIL() << "expected an error";
  } catch (const error& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("neurons per core"), std::string::npos) << w;
    EXPECT_NE(w.find("short by 1"), std::string::npos) << w;
  }
  lim.cores = 8;
  lim.axons_in = 5;  // some neuron receives from more than 5 sources
  try {
    map_network(prob, lim, {}, partitioner::greedy);
    FAIL() << "expected an error";
  } catch (const error& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("input axons"), std::string::npos) << w;
    EXPECT_NE(w.find("over by"), std::string::npos) << w;
  }
  lim.axons_in = 0;
  lim.synapse_bytes = 4;  // 8-bit synapses: a neuron with more than 4 synapses cannot fit
  try {
    map_network(prob, lim, {}, partitioner::metis);
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("bytes of synapses"), std::string::npos) << e.what();
  }
}

TEST(mapper, partitioners_route_fewer_spikes_than_round_robin_on_a_clustered_network) {
  auto c = clustered_network(8, 64, 0.2, 0.005, 11);
  const auto prob = make_problem(*c.net);
  core_limits lim;
  lim.cores = 64;
  lim.mesh_w = 8;
  lim.mesh_h = 8;
  lim.neurons = 64;  // exactly one cluster per core
  std::vector<double> rates(prob.size());
  rng r(3, stream_kind::init_weights, 5);
  for (auto& x : rates) x = 0.5 + r.uniform();  // spikes per decision
  std::map<std::string, double> routed;
  for (auto method : {partitioner::round_robin, partitioner::sequential, partitioner::greedy, partitioner::metis}) {
    const auto m = map_network(prob, lim, rates, method);
    expect_within_limits(prob, lim, m);
    EXPECT_EQ(m.cores_used, 8);
    routed[std::string(partitioner_name(method))] = route(prob, m, rates).routed;
  }
  for (auto& [k, v] : routed) std::printf("  routed spikes per decision, %-11s %8.1f\n", k.c_str(), v);
  // Ids are shuffled: round-robin and sequential placement both scatter every cluster.
  EXPECT_LT(routed["greedy"], 0.5 * routed["round_robin"]);
  EXPECT_LT(routed["metis"], 0.5 * routed["round_robin"]);
  EXPECT_LT(routed["greedy"], routed["sequential"]);
}

// Two populations of 3 lif neurons, A all-to-all into B (9 synapses): the network of the mapping tests below.
network a_to_b() {
  std::vector<population> pops;
  for (const char* n : {"A", "B"}) {
    population p;
    p.name = n;
    p.size = 3;
    p.model = model_kind::lif;
    p.lif = lower(lif_params{}, 1.0);
    pops.push_back(p);
  }
  projection_desc d;
  d.source = "A";
  d.target = "B";
  d.weight = value_spec::constant(0.5);
  return network(pops, {d}, 1.0, 1);
}

TEST(mapper, one_target_axon_needs_splitters) {
  // 3 neurons feeding 2 targets each in other cores, TrueNorth-like: 2 axons per source (one per sign).
  const network net = a_to_b();
  const auto prob = make_problem(net);
  core_limits lim;
  lim.cores = 8;
  lim.neurons = 4;
  lim.axons_in = 6;
  lim.axons_per_source = 2;
  lim.targets_per_neuron = 1;
  const auto m = map_network(prob, lim, {}, partitioner::greedy);
  expect_within_limits(prob, lim, m);
  // Expected splitters: every neuron with more than one destination axon (2 per destination core, one per
  // sign) gets one splitter per axon; B neurons address nothing.
  std::uint64_t splitters = 0;
  double routed = 0;
  for (std::size_t u = 0; u < prob.size(); ++u) {
    std::set<std::uint32_t> dst;
    for (auto e = prob.out_begin[u]; e < prob.out_begin[u + 1]; ++e) dst.insert(m.core_of[prob.out[e]]);
    const std::uint64_t axons = 2 * dst.size();
    if (axons > 1) {
      splitters += axons;
      routed += 1.0 + static_cast<double>(axons);  // to its splitter core, then one splitter spike per axon
    }
  }
  EXPECT_GE(splitters, 6u);  // each A neuron addresses at least B's core, with 2 axons
  EXPECT_EQ(m.splitter_neurons, splitters);
  EXPECT_GE(m.splitter_cores, 2);  // 4 neurons per splitter core hold 2 sources' 2 splitters each
  EXPECT_EQ(m.extra_delay, 1);
  EXPECT_DOUBLE_EQ(route(prob, m, {}).routed, routed);
}

// The core count is a limit like the others, splitter cores included: a chip with exactly the cores a placement
// needs takes it, one core fewer is refused naming the shortfall.
TEST(mapper, exactly_the_cores_needed_with_splitters_fit_and_one_fewer_is_refused) {
  const auto prob = make_problem(a_to_b());
  core_limits lim;
  lim.cores = 64;
  lim.neurons = 4;
  lim.axons_per_source = 2;
  lim.targets_per_neuron = 1;
  const auto wide = map_network(prob, lim, {}, partitioner::greedy);
  ASSERT_GT(wide.splitter_cores, 0);
  const int need = wide.cores_used + wide.splitter_cores;
  lim.cores = need;
  const auto exact = map_network(prob, lim, {}, partitioner::greedy);
  EXPECT_EQ(exact.cores_used + exact.splitter_cores, need);
  lim.cores = need - 1;
  try {
    map_network(prob, lim, {}, partitioner::greedy);
    ADD_FAILURE() << "one core short was accepted";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("short by 1"), std::string::npos) << e.what();
  }
}

// Spike messages, local deliveries and mesh hops against a direct count over each neuron's destination cores,
// with rates that differ per neuron, on a 4 x 2 mesh: a neuron with a splitter sends one message to its
// splitter core (unless it is its own), then one per destination axon (2 per core, one per sign) from there;
// any other neuron one message per destination core other than its own.
TEST(mapper, route_counts_messages_and_hops_through_splitters_on_the_mesh) {
  const network net = a_to_b();
  const auto prob = make_problem(net);
  for (auto [per_source, targets] : {std::pair{2, 1}, std::pair{1, 0}, std::pair{2, 0}}) {
    core_limits lim;
    lim.cores = 8;
    lim.mesh_w = 4;
    lim.mesh_h = 2;
    lim.neurons = 4;
    lim.axons_per_source = per_source;
    lim.targets_per_neuron = targets;
    const auto m = map_network(prob, lim, {}, partitioner::greedy);
    std::vector<double> rates(prob.size());
    for (std::size_t u = 0; u < rates.size(); ++u) rates[u] = 0.5 + 0.25 * static_cast<double>(u);
    auto dist = [&](std::size_t a, std::size_t b) {
      return std::abs(m.position[a].first - m.position[b].first) + std::abs(m.position[a].second - m.position[b].second);
    };
    double spikes = 0, routed = 0, local = 0, hops = 0, max_hops = 0;
    int via_splitter = 0;
    for (std::size_t u = 0; u < prob.size(); ++u) {
      const double r = rates[u];
      std::set<std::uint32_t> dst;
      for (auto e = prob.out_begin[u]; e < prob.out_begin[u + 1]; ++e) dst.insert(m.core_of[prob.out[e]]);
      spikes += r;
      const std::size_t home = m.core_of[u];
      if (!m.splitter_of.empty() && m.splitter_of[u] >= 0) {
        ++via_splitter;
        const auto sc = static_cast<std::size_t>(m.splitter_of[u]);
        routed += r * ((sc != home) + static_cast<double>(per_source * dst.size()));
        double h = dist(home, sc), longest = 0;
        for (auto d : dst) {
          h += per_source * dist(sc, d);
          longest = std::max<double>(longest, dist(sc, d));
        }
        hops += r * h;
        max_hops = std::max(max_hops, dist(home, sc) + longest);
        continue;
      }
      for (auto d : dst) {
        if (d == home) {
          local += r;
          continue;
        }
        routed += r;
        hops += r * dist(home, d);
        max_hops = std::max<double>(max_hops, dist(home, d));
      }
    }
    SCOPED_TRACE(fmt::format("{} axons per source, {} target axons per neuron", per_source, targets));
    EXPECT_EQ(via_splitter > 0, targets == 1);
    EXPECT_GT(hops, 0.0);
    const auto t = route(prob, m, rates);
    EXPECT_DOUBLE_EQ(t.spikes, spikes);
    EXPECT_DOUBLE_EQ(t.routed, routed);
    EXPECT_DOUBLE_EQ(t.local, local);
    EXPECT_DOUBLE_EQ(t.hops, hops);
    EXPECT_DOUBLE_EQ(t.max_hops, max_hops);
  }
}

std::string refusal(const mapping_problem& prob, const core_limits& lim, mapping m) {
  try {
    check_mapping(prob, lim, m);
  } catch (const error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(mapper, check_names_the_first_limit_a_core_breaks_with_need_allowance_and_excess) {
  const auto net = a_to_b();
  const auto prob = make_problem(net);
  ASSERT_EQ(prob.size(), 6u);
  mapping together;  // every neuron on core 0
  together.core_of.assign(6, 0);
  together.cores_used = 1;
  mapping split;  // A on core 0, B on core 1
  split.core_of = {0, 0, 0, 1, 1, 1};
  split.cores_used = 2;
  core_limits lim;
  lim.cores = 2;
  EXPECT_EQ(refusal(prob, lim, together), "(accepted)");
  EXPECT_EQ(refusal(prob, lim, split), "(accepted)");
  lim.neurons = 4;
  EXPECT_EQ(refusal(prob, lim, together), "cannot fit: core 0 needs 6 neurons per core, the chip allows 4 (over by 2)");
  EXPECT_EQ(refusal(prob, lim, split), "(accepted)");
  lim.axons_per_source = 2;  // three sources into core 1, two axons each
  lim.axons_in = 5;
  EXPECT_EQ(refusal(prob, lim, split), "cannot fit: core 1 needs 6 input axons per core, the chip allows 5 (over by 1)");
  lim.axons_in = 6;
  lim.axons_out = 2;  // each A neuron has one route out of core 0
  EXPECT_EQ(refusal(prob, lim, split), "cannot fit: core 0 needs 3 output axons per core, the chip allows 2 (over by 1)");
  lim.axons_out = 3;
  lim.synapse_bytes = 8;  // 9 synapses of 8 bits into core 1
  EXPECT_EQ(refusal(prob, lim, split),
            "cannot fit: core 1 needs 9 synapse memory per core [bytes], the chip allows 8 (over by 1)");
  lim.synapse_bytes = 9;
  EXPECT_EQ(refusal(prob, lim, split), "(accepted)");
  lim.cores = 1;
  EXPECT_EQ(refusal(prob, lim, split), "cannot fit: the placement uses 2 cores, the chip has 1 (short by 1)");
  mapping short_map = split;
  short_map.core_of.pop_back();
  EXPECT_THROW(check_mapping(prob, lim, short_map), internal_error);
}

TEST(mapper, splitters_that_do_not_fit_are_refused_with_the_figures) {
  const auto net = a_to_b();
  const auto prob = make_problem(net);
  core_limits lim;
  lim.cores = 16;
  lim.neurons = 1;  // one neuron per core: each A neuron addresses 3 cores, 2 axons each
  lim.axons_per_source = 2;
  lim.targets_per_neuron = 1;
  try {
    map_network(prob, lim, {}, partitioner::greedy);
    FAIL() << "a neuron with 6 destination axons fitted in a core of 1 splitter neuron";
  } catch (const error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot fit: neuron 0 of population 'A' addresses 6 axons, more than the 1 "
                                     "splitter neurons of one core (a splitter tree is not modelled)");
  }
  // Six neurons per core, so that splitters fit: the plan the mapper makes, then one core fewer than it needs.
  lim.neurons = 6;
  const auto fits = map_network(prob, lim, {}, partitioner::greedy);
  ASSERT_GT(fits.splitter_cores, 0);
  const int need = fits.cores_used + fits.splitter_cores;
  lim.cores = need - 1;
  try {
    map_network(prob, lim, {}, partitioner::greedy);
    FAIL() << need << " cores needed, " << lim.cores << " given";
  } catch (const error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("splitter cores (one target axon per neuron) need"), std::string::npos) << what;
    EXPECT_NE(what.find(fmt::format("the chip has {} (short by", need - 1)), std::string::npos) << what;
  }
}

TEST(quantize, currents_round_to_the_lsb_saturate_with_their_sign_and_pass_unquantized_populations) {
  quantized_network qn;
  qn.net = std::make_unique<network>(a_to_b());
  qn.pops.resize(2);
  qn.pops[0].name = "A";  // lsb 0: not quantized
  qn.pops[1].name = "B";
  qn.pops[1].lsb = 0.5;
  qn.pops[1].bias_max = 10;
  const std::vector<double> in = {1.3, -2.2, 0.7, 1.2, 7.0, -100.0};
  std::vector<double> out(in.size());
  std::uint64_t saturated = 3;  // counts on from what it held
  qn.quantize_currents(in, out, saturated);
  EXPECT_EQ(out, (std::vector<double>{1.3, -2.2, 0.7, 2.0, 10.0, -10.0}));
  EXPECT_EQ(saturated, 5u);
  // The report lists the quantized populations only.
  const auto j = qn.to_json();
  ASSERT_EQ(j["populations"].size(), 1u);
  EXPECT_EQ(j["populations"][0]["population"], "B");
  EXPECT_EQ(j["populations"][0]["lsb"], 0.5);
  EXPECT_EQ(j["projections"].size(), 0u);
}

TEST(fixed_lif, integer_arithmetic) {
  fixed_lif_lowered m;
  m.decay_shift = 12;
  m.decay_num = 3891;  // 0.95 in 12 bits
  m.v_th = 1000;
  m.v_max = 2047;
  m.v_min = -2047;
  EXPECT_EQ(m.decayed(1000), 949);    // 1000 * 3891 / 4096 = 949.95..., toward zero
  EXPECT_EQ(m.decayed(-1000), -949);  // toward zero for negative membranes too
  EXPECT_EQ(m.step(1000, 5), 954);
  EXPECT_EQ(m.step(2000, 1000), 2047);  // saturation
  EXPECT_EQ(m.step(-2000, -1000), -2047);
  fixed_lif_lowered l;
  l.leak = 3;
  EXPECT_EQ(l.step(10, 0), 7);
  EXPECT_EQ(l.step(2, 0), 0);   // the leak stops at 0
  EXPECT_EQ(l.step(-10, 1), -6);
  EXPECT_TRUE(m.fires(1000));
  EXPECT_FALSE(m.fires(999));
}

// A random spiking brain (current encoder) whose network is the float reference.
std::unique_ptr<spiking_brain> random_brain(int hidden, int steps, std::uint64_t seed, encoder_kind enc = encoder_kind::current,
                                            double v_rest = 0.0, double v_th = 1.0) {
  brain_config cfg;
  cfg.lif.v_rest = v_rest;
  cfg.lif.v_th = v_th;
  cfg.hidden = hidden;
  cfg.layers = 2;
  cfg.steps = steps;
  cfg.enc.kind = enc;
  return std::make_unique<spiking_brain>(cfg, 2, 4, seed);
}

chip_profile wide_chip() {  // SpiNNaker-like: 16-bit weights, 32-bit membrane, 16-bit decay
  chip_profile c;
  c.id = "wide";
  c.weight_bits = 16;
  c.weight_shift_min = -15;
  c.weight_shift_max = 15;
  c.membrane_bits = 32;
  c.threshold_bits = 31;
  c.bias_bits = 32;
  c.decay_bits = 16;
  return c;
}

chip_profile loihi_like() {
  chip_profile c;
  c.id = "loihi_like";
  c.weight_bits = 8;
  c.weight_shift_min = -2;
  c.weight_shift_max = 13;
  c.membrane_bits = 24;
  c.threshold_bits = 23;
  c.bias_bits = 13;
  c.bias_shift_max = 7;
  c.decay_bits = 12;
  return c;
}

// Float and fixed-point runs of one decision on the reference stepper with membrane traces, and the bound
// of docs/deployment.md on |v_q lsb - v_f| while both networks have seen the same spikes:
//   B(t) = a_q B(t-1) + |a_q - a| |v_f(t-1)| + lsb + |b_q lsb - b| + sum over spikes arriving at t of |w_q lsb - w|
//          + max(0, |v_f(t)| - v_max lsb)   (saturation).
struct bound_check {
  std::uint64_t decisions = 0, identical = 0, flips = 0, flips_explained = 0, checked = 0, violations = 0;
  std::uint64_t saturated = 0;      // float membranes outside the fixed-point range
  double max_error_over_bound = 0;  // max |e| / B before the first difference
  double max_error = 0;             // max |e| [float units]
};

void check_decision(const network& fnet, const quantized_network& qn, std::span<const double> cur,
                    std::span<const spike> inputs, int T, bound_check& out) {
  clock_engine f(fnet, {1, 1, true}), q(*qn.net, {1, 1, true});
  f.enable_membrane_trace(true);
  q.enable_membrane_trace(true);
  std::vector<double> curq(cur.size());
  std::uint64_t sat = 0;
  qn.quantize_currents(cur, curq, sat);
  ASSERT_EQ(sat, 0u);
  if (inputs.empty()) {
    f.reset(cur);
    q.reset(curq);
  } else {
    f.reset_with_inputs(cur, inputs);
    q.reset_with_inputs(curq, inputs);
  }
  f.run(T);
  q.run(T);
  ++out.decisions;
  const auto& fs_ = f.spikes();
  const auto& qs = q.spikes();
  if (fs_ == qs) ++out.identical;
  const std::size_t N = fnet.num_neurons();
  // spiked[t][n]
  std::vector<std::uint8_t> sf(static_cast<std::size_t>(T + 1) * N, 0), sq(sf.size(), 0);
  for (const auto& s : fs_) sf[static_cast<std::size_t>(s.step) * N + s.neuron] = 1;
  for (const auto& s : qs) sq[static_cast<std::size_t>(s.step) * N + s.neuron] = 1;
  const auto& pops = fnet.populations();
  const auto rows = fnet.row_start();
  const auto tgt = fnet.targets();
  const auto wf = fnet.weights();
  const auto wq = qn.net->weights();
  std::vector<double> B(N, 0.0), in_err(N, 0.0);
  for (int t = 1; t <= T; ++t) {
    // weight errors of the spikes of step t - 1 (delay 1)
    std::fill(in_err.begin(), in_err.end(), 0.0);
    if (t > 1)
      for (neuron_id s = 0; s < N; ++s) {
        if (!sf[static_cast<std::size_t>(t - 1) * N + s]) continue;
        for (edge_id e = rows[s]; e < rows[s + 1]; ++e) {
          const auto& tq = qn.pops[fnet.population_of(tgt[e])];
          in_err[tgt[e]] += std::abs(static_cast<double>(wq[e]) * tq.lsb - static_cast<double>(wf[e]));
        }
      }
    bool differs = false;
    for (neuron_id n = 0; n < N; ++n) differs = differs || sf[static_cast<std::size_t>(t) * N + n] != sq[static_cast<std::size_t>(t) * N + n];
    for (std::size_t pi = 0; pi < pops.size(); ++pi) {
      if (is_source(pops[pi].model)) continue;
      const auto& pq = qn.pops[pi];
      const double a = pops[pi].lif.decay, aq = pq.decay_quant, lsb = pq.lsb;
      for (neuron_id n = pops[pi].first; n < pops[pi].end(); ++n) {
        const double vprev = t == 1 ? 0.0 : (sf[static_cast<std::size_t>(t - 1) * N + n] ? pops[pi].lif.v_reset
                                                                                          : f.membrane_trace()[static_cast<std::size_t>(t - 2) * N + n]);
        const double bias_err = std::abs(curq[n] * lsb - cur[n]);
        B[n] = aq * B[n] + std::abs(aq - a) * std::abs(vprev) + lsb + bias_err + in_err[n];
        const double vf = f.membrane_trace()[static_cast<std::size_t>(t - 1) * N + n];
        const double vq = q.membrane_trace()[static_cast<std::size_t>(t - 1) * N + n] * lsb;
        // Saturation: the quantized membrane is clamped to [-v_max, v_max] lsb; clamping moves it at most as
        // far past the float membrane as the float membrane lies outside that range.
        const double vmax = static_cast<double>(qn.net->populations()[pi].fixed.v_max) * lsb;
        B[n] += std::max(0.0, std::abs(vf) - vmax);
        out.saturated += std::abs(vf) > vmax;
        const double e = std::abs(vq - vf);
        ++out.checked;
        out.max_error = std::max(out.max_error, e);
        out.max_error_over_bound = std::max(out.max_error_over_bound, e / B[n]);
        if (e > B[n] * (1 + 1e-9)) ++out.violations;
        if (sf[static_cast<std::size_t>(t) * N + n] != sq[static_cast<std::size_t>(t) * N + n]) {
          ++out.flips;
          if (std::abs(vf - pops[pi].lif.v_th) <= B[n]) ++out.flips_explained;
        }
      }
    }
    if (differs) return;  // from here on the two networks see different spikes
  }
}

// docs/deployment.md, "Quantization", recomputed here from its own words for every shipped chip profile (integer
// weights with shifts, TrueNorth's ternary weights and linear leak, 12- and 16-bit decays) and several brains:
// each population's lsb, threshold, decay or leak and membrane range, and each synapse's integer weight.
TEST(quantize, every_value_follows_the_documented_rules_on_every_shipped_chip) {
  const std::string dir = std::string(SPIKEWORM_SOURCE_DIR_FALLBACK) + "/configs/chips";
  std::vector<chip_profile> profiles;
  for (const auto& id : known_chips(dir)) profiles.push_back(read_chip_profile(chip_profile_path(dir, id)));
  ASSERT_EQ(profiles.size(), 5u);
  auto narrow = read_chip_profile(chip_profile_path(dir, "truenorth"));  // a leak of 2 bits: the leak saturates at 1
  narrow.id = "truenorth, 2-bit leak";
  narrow.leak_bits = 2;
  profiles.push_back(narrow);
  int synapses = 0, saturated_leaks = 0;
  for (const auto& chip : profiles) {
    const auto& id = chip.id;
    for (std::uint64_t seed : {3u, 4u}) {
      // Seed 4 rests off zero and fires at 1.6, so that the rules of the initial membrane and the leak are seen
      // (0 / lsb is 0 under any rule, and 1 is its own inverse).
      auto b = random_brain(20, 10, seed, seed == 3 ? encoder_kind::current : encoder_kind::rate, seed == 3 ? 0.0 : 0.37,
                            seed == 3 ? 1.0 : 1.6);
      const network& net = b->net();
      const auto& pops = net.populations();
      std::vector<double> cmax(pops.size());
      for (std::size_t p = 0; p < pops.size(); ++p) cmax[p] = 0.5 + 1.5 * static_cast<double>(p);
      const auto qn = quantize(net, chip, cmax);
      const double qw = std::ldexp(1.0, chip.weight_bits - 1) - 1;
      // The float weights of each (source population, target population) pair.
      std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> ws;
      const auto rows = net.row_start();
      const auto tgt = net.targets();
      const auto w = net.weights();
      for (neuron_id s = 0; s < net.num_neurons(); ++s)
        for (edge_id e = rows[s]; e < rows[s + 1]; ++e)
          ws[{net.population_of(s), net.population_of(tgt[e])}].push_back(static_cast<double>(w[e]));
      const auto mean_abs = [](const std::vector<double>& v) {
        double m = 0;
        for (double x : v) m += std::abs(x);
        return m / static_cast<double>(v.size());
      };
      const auto ternary_magnitude = [&](const std::vector<double>& v) {  // mean |w| over |w| > 0.7 mean |w|
        const double cut = 0.7 * mean_abs(v);
        double a = 0;
        int kept = 0;
        for (double x : v) {
          if (std::abs(x) > cut) {
            a += std::abs(x);
            ++kept;
          }
        }
        return kept ? a / kept : 0.0;
      };
      for (std::size_t p = 0; p < pops.size(); ++p) {
        const auto& q = qn.pops[p];
        if (pops[p].model != model_kind::lif) {
          EXPECT_EQ(q.lsb, 0.0);
          continue;
        }
        const auto& m = pops[p].lif;
        // lsb: the finest value every range allows.
        const int th_bits = std::min(chip.threshold_bits, chip.membrane_bits - 7);
        const double bias_range = (std::ldexp(1.0, chip.bias_bits - 1) - 1) * std::ldexp(1.0, chip.bias_shift_max);
        double lsb = std::max(m.v_th / (std::ldexp(1.0, th_bits) - 1), (cmax[p] + std::abs(m.leak)) / bias_range);
        for (const auto& [key, v] : ws) {
          if (key.second != p) continue;
          double max_abs = 0;
          for (double x : v) max_abs = std::max(max_abs, std::abs(x));
          lsb = std::max(lsb, chip.ternary ? ternary_magnitude(v) / qw
                                           : max_abs / (qw * std::ldexp(1.0, chip.weight_shift_max)));
          lsb = std::max(lsb, max_abs / std::ldexp(1.0, 23));
        }
        ASSERT_EQ(q.lsb, lsb) << id << ", population " << pops[p].name;
        EXPECT_EQ(q.name, pops[p].name);
        EXPECT_EQ(q.v_th, std::max<std::int64_t>(1, std::llround(m.v_th / lsb))) << id;
        EXPECT_EQ(q.decay_float, m.decay) << id;
        const auto& f = qn.net->populations()[p].fixed;
        EXPECT_EQ(qn.net->populations()[p].model, model_kind::fixed_lif);
        EXPECT_EQ(f.v_th, std::max<std::int64_t>(1, std::llround(m.v_th / lsb))) << id;
        EXPECT_EQ(f.v_reset, std::llround(m.v_reset / lsb)) << id;
        const auto& init = qn.net->populations()[p].init_v;
        EXPECT_EQ(init.type, value_spec::kind::constant) << id;
        EXPECT_EQ(init.a, std::nearbyint(m.v_rest / lsb)) << id;
        if (seed == 4) {
          EXPECT_GT(init.a, 1.0) << id;
        }
        EXPECT_EQ(f.v_max, (std::int64_t{1} << (chip.membrane_bits - 1)) - 1) << id;
        EXPECT_EQ(f.v_min, -f.v_max) << id;
        EXPECT_EQ(f.t_ref, m.t_ref) << id;
        EXPECT_EQ(q.bias_max, static_cast<std::int64_t>(bias_range)) << id;
        if (chip.decay_bits > 0) {
          EXPECT_EQ(f.decay_shift, chip.decay_bits) << id;
          EXPECT_EQ(f.decay_num, std::llround(m.decay * std::ldexp(1.0, chip.decay_bits))) << id;
          EXPECT_EQ(f.leak, 0) << id;
          EXPECT_EQ(q.decay_quant, static_cast<double>(f.decay_num) / std::ldexp(1.0, chip.decay_bits)) << id;
          EXPECT_EQ(q.decay_num, f.decay_num) << id;  // the report's figures are the network's
          EXPECT_EQ(q.decay_shift, f.decay_shift) << id;
          EXPECT_EQ(q.leak, 0) << id;
        } else {  // (1 - decay) theta / 2, in lsb, within the leak's width
          EXPECT_EQ(f.decay_shift, 0) << id;
          const double leak = std::nearbyint((1.0 - m.decay) * m.v_th / 2.0 / lsb);
          EXPECT_EQ(f.leak, static_cast<std::int64_t>(std::min(leak, std::ldexp(1.0, chip.leak_bits - 1) - 1))) << id;
          saturated_leaks += leak > std::ldexp(1.0, chip.leak_bits - 1) - 1;
          EXPECT_EQ(q.decay_quant, 1.0) << id;
          EXPECT_EQ(q.leak, f.leak) << id;
          EXPECT_EQ(q.decay_num, 0) << id;
          EXPECT_EQ(q.decay_shift, 0) << id;
        }
      }
      // Weights: integer chips take w / (lsb 2^shift) rounded and clamped to +-qw, then << shift, with the
      // smallest shift in range that holds the projection's largest weight; ternary chips 0 or +-A.
      const auto wq = qn.net->weights();
      std::map<std::pair<std::size_t, std::size_t>, int> shift;
      for (const auto& [key, v] : ws) {
        const double lsb = qn.pops[key.second].lsb;
        double max_abs = 0;
        for (double x : v) max_abs = std::max(max_abs, std::abs(x));
        int k = chip.weight_shift_min;
        while (k < chip.weight_shift_max && qw * lsb * std::ldexp(1.0, k) < max_abs) ++k;
        shift[key] = k;
      }
      for (const auto& r : qn.projs) {
        std::size_t sp = 0, tp = 0;
        for (std::size_t p = 0; p < pops.size(); ++p) {
          if (pops[p].name == r.source) sp = p;
          if (pops[p].name == r.target) tp = p;
        }
        if (!chip.ternary) {
          EXPECT_EQ(r.shift, shift.at({sp, tp})) << id << " " << r.source << " -> " << r.target;
        }
      }
      for (neuron_id s = 0; s < net.num_neurons(); ++s)
        for (edge_id e = rows[s]; e < rows[s + 1]; ++e) {
          const std::pair<std::size_t, std::size_t> key{net.population_of(s), net.population_of(tgt[e])};
          const double lsb = qn.pops[key.second].lsb, x = static_cast<double>(w[e]);
          double expected;
          if (chip.ternary) {
            const double A = std::min(qw, std::nearbyint(ternary_magnitude(ws.at(key)) / lsb));
            expected = std::abs(x) > 0.7 * mean_abs(ws.at(key)) ? std::copysign(A, x) : 0.0;
          } else {
            const int k = shift.at(key);
            const double q = std::clamp(std::nearbyint(x / (lsb * std::ldexp(1.0, k))), -qw, qw);
            expected = k >= 0 ? q * std::ldexp(1.0, k) : std::nearbyint(q * std::ldexp(1.0, k));
          }
          ASSERT_EQ(static_cast<double>(wq[e]), expected) << id << ", synapse " << e;
          ++synapses;
        }
    }
  }
  EXPECT_GT(synapses, 1000);
  EXPECT_GT(saturated_leaks, 0);
}

TEST(quantize, sixteen_bit_spikes_match_the_float_network) {
  auto b = random_brain(48, 40, 21);
  const auto chip = wide_chip();
  std::vector<double> cmax(b->net().populations().size(), 0.0);
  std::vector<double> cur(b->net().num_neurons());
  const int H = 48;
  for (int k = 1; k < 2; ++k)
    for (int j = 0; j < H; ++j) cur[static_cast<std::size_t>(k * H + j)] = b->bias_current(k, j);
  std::vector<std::vector<double>> obs;
  rng r(5, stream_kind::encoder, 1);
  for (int i = 0; i < 200; ++i) obs.push_back({r.uniform(), r.uniform(-1.0, 1.0)});
  for (const auto& o : obs) {
    b->layer1_current(o, std::span<double>(cur).first(H));
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < H; ++j)
        cmax[static_cast<std::size_t>(k)] = std::max(cmax[static_cast<std::size_t>(k)], std::abs(cur[static_cast<std::size_t>(k * H + j)]));
  }
  const auto qn = quantize(b->net(), chip, cmax);
  bound_check bc;
  std::uint64_t spikes = 0;
  for (const auto& o : obs) {
    b->layer1_current(o, std::span<double>(cur).first(H));
    check_decision(b->net(), qn, cur, {}, 40, bc);
    clock_engine f(b->net(), {});
    f.reset(cur);
    f.run(40);
    spikes += f.spikes().size();
  }
  std::printf("  16-bit: %llu of %llu decisions identical, %llu flips (%llu within the bound), max |e| %.3g, max |e|/B %.3g, "
              "%.1f spikes per decision, %llu saturated\n", static_cast<unsigned long long>(bc.identical),
              static_cast<unsigned long long>(bc.decisions), static_cast<unsigned long long>(bc.flips),
              static_cast<unsigned long long>(bc.flips_explained), bc.max_error, bc.max_error_over_bound,
              static_cast<double>(spikes) / 200.0, static_cast<unsigned long long>(bc.saturated));
  EXPECT_GT(spikes, 200u * 20u);  // the test inputs make both layers fire
  EXPECT_EQ(bc.violations, 0u);
  EXPECT_EQ(bc.flips, bc.flips_explained);  // every difference starts within the bound of threshold
  EXPECT_GE(bc.identical, 190u);            // and differences are rare
}

TEST(quantize, eight_bit_error_stays_within_the_derived_bound) {
  // Spike-train input (rate encoder): the input spikes are identical in both runs.
  auto b = random_brain(32, 60, 33, encoder_kind::rate);
  const auto bf = b->fold_for_engine();
  const auto chip = loihi_like();
  const int H = 32, T = 60;
  std::vector<double> cur(b->net().num_neurons(), 0.0);
  std::copy(bf.begin(), bf.end(), cur.begin());
  for (int j = 0; j < H; ++j) cur[static_cast<std::size_t>(H + j)] = b->bias_current(1, j);
  std::vector<double> cmax(b->net().populations().size(), 0.0);
  for (std::size_t p = 0; p < 2; ++p)
    for (int j = 0; j < H; ++j) cmax[p] = std::max(cmax[p], std::abs(cur[p * H + static_cast<std::size_t>(j)]));
  const auto qn = quantize(b->net(), chip, cmax);
  EXPECT_GT(qn.projs.size(), 1u);
  bound_check bc;
  rng r(9, stream_kind::encoder, 2);
  const neuron_id first_in = static_cast<neuron_id>(2 * H);
  for (int d = 0; d < 100; ++d) {
    std::vector<spike> in;
    const double p0 = r.uniform(), p1 = r.uniform();
    for (int t = 1; t <= T; ++t) {
      if (r.uniform() < p0) in.push_back({t, first_in});
      if (r.uniform() < p1) in.push_back({t, first_in + 1});
    }
    check_decision(b->net(), qn, cur, in, T, bc);
  }
  std::printf("  8-bit: %llu of %llu decisions identical, %llu flips (%llu within the bound), %llu membranes checked, "
              "max |e| %.3g, max |e|/B %.3g, %llu saturated\n", static_cast<unsigned long long>(bc.identical),
              static_cast<unsigned long long>(bc.decisions), static_cast<unsigned long long>(bc.flips),
              static_cast<unsigned long long>(bc.flips_explained), static_cast<unsigned long long>(bc.checked),
              bc.max_error, bc.max_error_over_bound, static_cast<unsigned long long>(bc.saturated));
  EXPECT_GT(bc.checked, 10000u);
  EXPECT_EQ(bc.violations, 0u);
  EXPECT_EQ(bc.flips, bc.flips_explained);
  EXPECT_GT(bc.max_error, 0.0);  // the 8-bit weights do change the membranes
}

TEST(quantize, event_engine_runs_the_fixed_point_network_as_the_reference_stepper) {
  auto b = random_brain(40, 50, 8, encoder_kind::rate);
  const auto bf = b->fold_for_engine();
  std::vector<double> cur(b->net().num_neurons(), 0.0);
  std::copy(bf.begin(), bf.end(), cur.begin());
  for (int j = 0; j < 40; ++j) cur[static_cast<std::size_t>(40 + j)] = b->bias_current(1, j);
  std::vector<double> cmax(3, 1.0);
  for (const auto& chip : {loihi_like(), wide_chip()}) {
    const auto qn = quantize(b->net(), chip, cmax, 1);  // with a splitter's extra step of delay
    std::vector<double> curq(cur.size());
    std::uint64_t sat = 0;
    qn.quantize_currents(cur, curq, sat);
    std::vector<spike> in;
    rng r(4, stream_kind::encoder, 3);
    for (int t = 1; t <= 50; ++t)
      for (neuron_id i = 80; i < 82; ++i)
        if (r.uniform() < 0.5) in.push_back({t, i});
    for (int threads : {1, 2}) {
      auto ev = make_engine("event", *qn.net, {1, threads, true});
      auto ck = make_engine("clock", *qn.net, {1, 1, true});
      ev->reset_with_inputs(curq, in);
      ck->reset_with_inputs(curq, in);
      ev->run(50);
      ck->run(50);
      EXPECT_GT(ck->spikes().size(), 100u);
      EXPECT_EQ(ev->spikes(), ck->spikes()) << chip.id << ", " << threads << " threads";
      EXPECT_EQ(ev->counters().sops, ck->counters().sops);
    }
  }
}

TEST(chips, every_profile_in_configs_reads_and_fits_the_default_brain) {
  const fs::path dir = fs::path(SPIKEWORM_SOURCE_DIR_FALLBACK) / "configs" / "chips";
  const auto names = known_chips(dir.string());
  EXPECT_GE(names.size(), 5u);
  auto b = random_brain(128, 10, 1);
  const auto prob = make_problem(b->net());
  for (const auto& n : names) {
    const auto c = read_chip_profile(chip_profile_path(dir.string(), n));
    EXPECT_FALSE(c.name.empty());
    const auto m = map_network(prob, limits_of(c), {}, partitioner::greedy);
    expect_within_limits(prob, limits_of(c), m);
  }
  try {
    chip_profile_path(dir.string(), "no_such_chip");
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("loihi"), std::string::npos) << e.what();  // lists the known chips
  }
}

TEST(energy, every_shipped_table_reads_and_cites_a_source) {
  const std::string dir = std::string(SPIKEWORM_SOURCE_DIR_FALLBACK) + "/configs/energy";
  const auto tables = load_energy_tables(dir, {});
  EXPECT_EQ(tables.size(), 5u);
  for (const auto& t : tables) {
    std::ifstream in(t.file);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find("Source"), std::string::npos) << t.id << " (" << t.file << ") has no source";
    // Every value line carries a comment or sits under one naming where it comes from.
    EXPECT_GT(t.sop_pj, 0);
  }
  EXPECT_THROW(load_energy_tables(dir, {"no_such_table"}), error);
}

// Two tables with one id (a table file's stem, a chip profile's [energy_table] id) are one clear error naming
// both files, whichever comes first, not a silent choice.
TEST(energy, an_id_given_twice_is_refused_naming_both_files) {
  const std::string root = SPIKEWORM_SOURCE_DIR_FALLBACK;
  std::ifstream in(root + "/configs/chips/loihi.toml");
  std::stringstream loihi;
  loihi << in.rdbuf();
  for (const char* other : {"a_copy.toml", "z_copy.toml"}) {
    test::temp_dir dir;
    fs::create_directories(dir.path() / "chips");
    const auto a = dir.write("chips/loihi.toml", loihi.str());
    const auto b = dir.write(std::string("chips/") + other, loihi.str());
    try {
      load_energy_tables(root + "/configs/energy", (dir.path() / "chips").string(), {});
      ADD_FAILURE() << "a duplicate id was accepted";
    } catch (const error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("energy table id 'loihi' is given twice"), std::string::npos) << msg;
      EXPECT_NE(msg.find(a.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(b.string()), std::string::npos) << msg;
    }
  }
  // The shipped folders hold no duplicate.
  EXPECT_NO_THROW(load_energy_tables(root + "/configs/energy", root + "/configs/chips", {}));
}

TEST(energy, a_chip_table_is_its_profile_on_its_host_datapath) {
  const std::string root = SPIKEWORM_SOURCE_DIR_FALLBACK;
  const auto tables = load_energy_tables(root + "/configs/energy", root + "/configs/chips", {});
  std::vector<std::string> ids;
  for (const auto& t : tables) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"cmos45_fp32", "cmos45_int8", "loihi", "spinnaker1", "spinnaker2"}));
  const auto host = tables[0];
  struct expected {
    const char* id;
    const char* name;
    const char* chip;
    double sop, update;
  };
  for (const auto& x : {expected{"loihi", "Loihi", "loihi", 23.6, 52.0}, expected{"spinnaker1", "SpiNNaker 1", "spinnaker", 13300, 26000},
                        expected{"spinnaker2", "SpiNNaker 2", "spinnaker2", 450, 2190}}) {
    const auto t = load_energy_tables(root + "/configs/energy", {x.id}).at(0);
    EXPECT_EQ(t.name, x.name);
    EXPECT_TRUE(t.chip) << x.id;
    EXPECT_EQ(t.sop_pj, x.sop) << x.id;
    EXPECT_EQ(t.neuron_update_pj, x.update) << x.id;
    EXPECT_EQ(fs::path(t.file).filename(), fs::path(std::string(x.chip) + ".toml"));
    // The dense parts on the host datapath: 45 nm CMOS fp32.
    EXPECT_EQ(t.mac_pj, host.mac_pj);
    EXPECT_EQ(t.weight_bits, host.weight_bits);
    EXPECT_EQ(t.state_bits, host.state_bits);
    EXPECT_EQ(t.sram_bytes, host.sram_bytes);
    EXPECT_EQ(t.sram_read_pj, host.sram_read_pj);
    // One key set: the chip's energies are the profile's synop_pj and update_pj.
    const auto chip = read_chip_profile(chip_profile_path(root + "/configs/chips", x.chip));
    EXPECT_EQ(chip.synop_pj, t.sop_pj);
    EXPECT_EQ(chip.update_pj, t.neuron_update_pj);
    EXPECT_EQ(host_table(root + "/configs/energy", chip.host).mac_pj, t.mac_pj);
  }
  try {
    load_energy_tables(root + "/configs/energy", {"no_such_table"});
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("spinnaker1"), std::string::npos) << e.what();  // lists the known tables
  }
}

// A profile or table with one line changed: the reader refuses it with one message naming the file, the key
// and what is wrong.
struct bad_case {
  std::string edit;     // the line replaced (by its key) or, when the key is absent, appended
  std::string key;      // the key the message must name
  std::string message;  // a fragment of the reason
};

std::string with_edit(std::string text, const std::string& edit) {
  if (edit.empty()) return text;
  if (const auto nl = edit.find('\n'); nl != std::string::npos)  // one edit per line
    return with_edit(with_edit(std::move(text), edit.substr(0, nl)), edit.substr(nl + 1));
  const auto key = edit.substr(0, edit.find_first_of(" ="));
  const auto first = text.find('\n' + key + " ");
  const auto at = first == std::string::npos ? text.find('\n' + key + "=") : first;
  if (edit.front() == '-') {  // "-key": the key's line removed
    const auto k = text.find('\n' + edit.substr(1) + " ");
    return k == std::string::npos ? text : text.erase(k + 1, text.find('\n', k + 1) - k);
  }
  if (at == std::string::npos) {
    const auto section = text.find("\n[");  // appended before the first subtable: a top-level key
    return section == std::string::npos ? text + edit + "\n" : text.insert(section + 1, edit + "\n");
  }
  return text.replace(at + 1, text.find('\n', at + 1) - at - 1, edit);
}

template <class Read>
void expect_each_refused(const std::string& base, const std::vector<bad_case>& cases, Read read) {
  test::temp_dir dir;
  read(dir.write("good.toml", base).string());  // the base reads
  int k = 0;
  for (const auto& c : cases) {
    const auto path = dir.write("case" + std::to_string(k++) + ".toml", with_edit(base, c.edit)).string();
    try {
      read(path);
      ADD_FAILURE() << "accepted: " << c.edit;
    } catch (const error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << c.edit << ": " << what;
      EXPECT_NE(what.find(c.key), std::string::npos) << c.edit << ": " << what;
      EXPECT_NE(what.find(c.message), std::string::npos) << c.edit << ": " << what;
    }
  }
}

const std::string chip_base = R"(name = "Test chip"
cores = 8
mesh = [2, 2]
cores_per_tile = 2
neurons_per_core = 64
weight_bits = 8
weight_shift = [-2, 6]
decay_bits = 12
time_step_us = 0
synop_ns = 3.5
update_ns = 8.4
synop_pj = 20.0
update_pj = 50.0
host = "cmos45_fp32"
[energy_table]
id = "testchip"
name = "Test chip table"
)";

TEST(chips, every_bad_key_of_a_profile_is_refused_naming_file_key_and_reason) {
  expect_each_refused(chip_base, {
      {"cores = 0", "cores", "must be in [1, 16777216], got 0"},
      {"mesh = [2]", "mesh", "two integers"},
      {"mesh = [2, 2.5]", "mesh", "two integers"},
      {"mesh = [0, 2]", "mesh", "must be >= 1"},
      {"mesh = [1, 2]", "mesh", "hold fewer than the 8 cores"},
      {"cores_per_tile = 0", "cores_per_tile", "must be in [1, 1024]"},
      {"neurons_per_core = -1", "neurons_per_core", "must be in [0,"},
      {"synapse_bits = 0", "synapse_bits", "positive"},
      {"weights = \"float\"", "weights", "float"},
      {"weight_bits = 1", "weight_bits", "must be in [2, 24], got 1"},
      {"weight_shift = [6, -2]", "weight_shift", "-24 <= min <= max <= 24"},
      {"weight_shift = [-25, 2]", "weight_shift", "-24 <= min <= max <= 24"},
      {"weight_shift = [2, 25]", "weight_shift", "-24 <= min <= max <= 24"},
      {"membrane_bits = 33", "membrane_bits", "must be in [4, 32], got 33"},
      {"decay_bits = 0", "leak_bits", "needs a linear leak"},
      {"synop_ns = 0\nupdate_ns = 0", "time_step_us", "give a fixed tick"},
      {"hop_ns = -1", "hop_ns", "must be >= 0, got -1"},
      {"-synop_pj", "update_pj", "needs synop_pj too"},
      {"frequency_mhz = 100", "frequency_mhz", ""},
  }, [](const std::string& p) { read_chip_profile(p); });
  // With neither energy, a chip may not carry an energy table.
  test::temp_dir dir;
  auto no_energy = with_edit(with_edit(chip_base, "-update_pj"), "-synop_pj");
  const auto p = dir.write("noenergy.toml", no_energy).string();
  try {
    read_chip_profile(p);
    ADD_FAILURE() << "an energy table without energies was accepted";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("energy_table"), std::string::npos) << e.what();
  }
  const auto bare = read_chip_profile(dir.write("bare.toml", no_energy.substr(0, no_energy.find("[energy_table]"))).string());
  EXPECT_FALSE(bare.energy_published);
  EXPECT_TRUE(bare.energy_table_id.empty());
}

TEST(chips, defaults_of_an_omitted_mesh_and_energy_table_id_and_the_profile_path) {
  test::temp_dir dir;
  auto text = with_edit(with_edit(chip_base, "-mesh"), "-cores_per_tile");
  text.replace(text.find("id = \"testchip\"\n"), 16, "");
  const auto p = dir.write("flat.toml", text);
  const auto c = read_chip_profile(p.string());
  EXPECT_EQ(c.mesh_w, 8);  // one row of `cores` tiles
  EXPECT_EQ(c.mesh_h, 1);
  EXPECT_EQ(c.cores_per_tile, 1);
  EXPECT_EQ(c.energy_table_id, "flat");  // the file's stem
  EXPECT_EQ(c.energy_table_name, "Test chip table");
  EXPECT_EQ(c.weight_shift_min, -2);
  EXPECT_EQ(c.weight_shift_max, 6);
  EXPECT_EQ(limits_of(c).axons_per_source, 1);
  // A name is looked up in the folder; a path to a .toml file is taken as it is.
  EXPECT_EQ(chip_profile_path(dir.path().string(), "flat"), p.string());
  EXPECT_EQ(chip_profile_path((dir.path() / "nowhere").string(), p.string()), p.string());
  EXPECT_EQ(known_chips(dir.path().string()), std::vector<std::string>{"flat"});
  EXPECT_TRUE(known_chips((dir.path() / "nowhere").string()).empty());
  try {
    chip_profile_path((dir.path() / "nowhere").string(), "loihi");
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown chip 'loihi'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("none"), std::string::npos) << e.what();
  }
  auto ternary = with_edit(text, "weights = \"ternary\"");
  EXPECT_EQ(limits_of(read_chip_profile(dir.write("t.toml", ternary).string())).axons_per_source, 2);
}

// A profile built in code limits only what it sets (capacity 0: no limit): one core takes a whole network.
TEST(chips, a_profile_built_in_code_limits_only_what_it_sets) {
  chip_profile c;
  c.cores = 1;
  const auto l = limits_of(c);
  EXPECT_EQ(l.cores, 1);
  EXPECT_EQ(l.neurons, 0);
  EXPECT_EQ(l.axons_in, 0);
  EXPECT_EQ(l.axons_out, 0);
  EXPECT_EQ(l.synapse_bytes, 0);
  EXPECT_EQ(l.targets_per_neuron, 0);
  auto net = clustered_network(3, 20, 0.3, 0.05, 3);
  const auto prob = make_problem(*net.net);
  const auto m = map_network(prob, l, {}, partitioner::greedy);
  EXPECT_EQ(m.cores_used, 1);
  EXPECT_EQ(m.splitter_neurons, 0u);
  c.neurons_per_core = 25;
  c.cores = 3;
  EXPECT_EQ(map_network(prob, limits_of(c), {}, partitioner::greedy).cores_used, 3);
}

// Every key of a profile reaches its own field: each is set to a value unlike every default and every other
// key's value, and read back; a fixed tick alone, however short, is a time model.
TEST(chips, every_key_of_a_profile_reaches_its_field) {
  test::temp_dir dir;
  const auto p = dir.write("every.toml", R"(name = "Every key"
cores = 30
mesh = [4, 5]
cores_per_tile = 2
neurons_per_core = 101
axons_in_per_core = 102
axons_out_per_core = 103
synapse_memory_bytes = 104
synapse_bits = 5.5
targets_per_neuron = 3
weights = "ternary"
weight_bits = 6
weight_shift = [-3, 7]
membrane_bits = 20
threshold_bits = 19
bias_bits = 11
bias_shift_max = 4
decay_bits = 0
leak_bits = 9
time_step_us = 0.25
synop_ns = 1.25
update_ns = 2.25
hop_ns = 3.25
barrier_ns = 4.25
synop_pj = 5.25
update_pj = 6.25
spike_pj = 7.25
hop_pj = 8.25
static_mw = 9.25
host = "cmos45_int8"
[energy_table]
id = "every_id"
name = "Every table"
)");
  const auto c = read_chip_profile(p.string());
  EXPECT_EQ(c.id, "every");
  EXPECT_EQ(c.file, p.string());
  EXPECT_EQ(c.name, "Every key");
  EXPECT_EQ(std::vector<std::int64_t>({c.cores, c.mesh_w, c.mesh_h, c.cores_per_tile, c.neurons_per_core,
                                       c.axons_in_per_core, c.axons_out_per_core, c.synapse_memory_bytes,
                                       c.targets_per_neuron}),
            std::vector<std::int64_t>({30, 4, 5, 2, 101, 102, 103, 104, 3}));
  EXPECT_EQ(c.synapse_bits, 5.5);
  EXPECT_TRUE(c.ternary);
  EXPECT_EQ(std::vector<int>({c.weight_bits, c.weight_shift_min, c.weight_shift_max, c.membrane_bits, c.threshold_bits,
                              c.bias_bits, c.bias_shift_max, c.decay_bits, c.leak_bits}),
            std::vector<int>({6, -3, 7, 20, 19, 11, 4, 0, 9}));
  EXPECT_EQ(std::vector<double>({c.time_step_us, c.synop_ns, c.update_ns, c.hop_ns, c.barrier_ns, c.synop_pj,
                                 c.update_pj, c.spike_pj, c.hop_pj, c.static_mw}),
            std::vector<double>({0.25, 1.25, 2.25, 3.25, 4.25, 5.25, 6.25, 7.25, 8.25, 9.25}));
  EXPECT_TRUE(c.energy_published);
  EXPECT_EQ(c.host, "cmos45_int8");
  EXPECT_EQ(c.energy_table_id, "every_id");
  EXPECT_EQ(c.energy_table_name, "Every table");
  const auto l = limits_of(c);
  EXPECT_EQ(std::vector<std::int64_t>({l.cores, l.mesh_w, l.mesh_h, l.cores_per_tile, l.neurons, l.axons_in, l.axons_out,
                                       l.synapse_bytes, l.axons_per_source, l.targets_per_neuron}),
            std::vector<std::int64_t>({30, 4, 5, 2, 101, 102, 103, 104, 2, 3}));
  EXPECT_EQ(l.synapse_bits, 5.5);
  // Omitted keys take their documented defaults: one core, 8-bit integer weights, 24-bit membrane, a 12-bit
  // decay, the fp32 host; a fixed tick alone is enough of a time model.
  const auto d = read_chip_profile(dir.write("defaults.toml", "name = \"Bare\"\ntime_step_us = 1e-3\n").string());
  EXPECT_EQ(d.cores, 1);
  EXPECT_EQ(d.mesh_w, 1);
  EXPECT_EQ(d.mesh_h, 1);
  EXPECT_FALSE(d.ternary);
  EXPECT_EQ(d.weight_bits, 8);
  EXPECT_EQ(d.membrane_bits, 24);
  EXPECT_EQ(d.threshold_bits, 23);  // membrane_bits - 1
  EXPECT_EQ(d.bias_bits, 16);
  EXPECT_EQ(d.decay_bits, 12);
  EXPECT_EQ(d.synapse_bits, 8.0);
  EXPECT_EQ(d.time_step_us, 1e-3);
  EXPECT_FALSE(d.energy_published);
  EXPECT_EQ(d.host, "cmos45_fp32");
}

const std::string energy_base = R"(name = "test table"
kind = "cmos"
sop_pj = 0.9
neuron_update_pj = 5.5
mac_pj = 4.6
weight_bits = 32
state_bits = 32
sram_bytes = [8192, 32768, 1048576]
sram_read_64bit_pj = [10.0, 20.0, 100.0]
)";

TEST(energy, every_bad_key_of_a_table_is_refused_naming_file_key_and_reason) {
  expect_each_refused(energy_base, {
      {"-sram_bytes", "sram_bytes", "required"},
      {"sram_bytes = []", "sram_bytes", "non-empty array"},
      {"sram_bytes = 8192", "sram_bytes", "non-empty array"},
      {"sram_bytes = [8192, 0, 1048576]", "sram_bytes", "positive number"},
      {"sram_bytes = [8192, \"x\", 1048576]", "sram_bytes", "positive number"},
      {"sram_bytes = [32768, 8192, 1048576]", "sram_bytes", "ascending"},
      {"sram_read_64bit_pj = [10.0, 20.0]", "sram_read_64bit_pj", "(3 sizes, 2 energies)"},
      {"weight_bits = 0", "weight_bits", "must be in [1, 64], got 0"},
      {"weight_bits = 65", "weight_bits", "must be in [1, 64], got 65"},
      {"state_bits = 0", "state_bits", "must be in [1, 64], got 0"},
      {"state_bits = 65", "state_bits", "must be in [1, 64], got 65"},
      {"kind = \"gpu\"", "kind", "gpu"},
      {"sop_pj = 0", "sop_pj", "positive"},
      {"mac_pj = -1", "mac_pj", "positive"},
      {"sram_size = 4", "sram_size", ""},
  }, [](const std::string& p) { read_energy_table(p); });
}

TEST(energy, sram_read_energy_is_log_log_interpolated_and_clamped_at_the_listed_sizes) {
  test::temp_dir dir;
  const auto t = read_energy_table(dir.write("t.toml", energy_base).string());
  EXPECT_EQ(t.read_64bit_pj(100.0), 10.0);  // below the smallest array
  EXPECT_EQ(t.read_64bit_pj(8192.0), 10.0);
  EXPECT_EQ(t.read_64bit_pj(32768.0), 20.0);
  EXPECT_EQ(t.read_64bit_pj(1048576.0), 100.0);
  EXPECT_EQ(t.read_64bit_pj(1e9), 100.0);  // above the largest
  // 16 KB is half-way between 8 KB and 32 KB in log size: 10 * (20/10)^(1/2).
  EXPECT_NEAR(t.read_64bit_pj(16384.0), 10.0 * std::sqrt(2.0), 1e-12);
  // 2^(15 + 2.5) bytes is half-way between 32 KB and 1 MB: 20 * (100/20)^(1/2).
  EXPECT_NEAR(t.read_64bit_pj(std::ldexp(1.0, 15) * std::pow(2.0, 2.5)), 20.0 * std::sqrt(5.0), 1e-12);
  EXPECT_EQ(energy_table{}.read_64bit_pj(16384.0), 0.0);  // no SRAM listed: no SRAM energy
  // Any positive energy is a value, however small (an advanced node reads 64 bits for a fraction of a pJ).
  const auto small = read_energy_table(
      dir.write("small.toml", with_edit(with_edit(energy_base, "sram_read_64bit_pj = [0.25, 0.5, 1e-3]"), "sop_pj = 1e-3"))
          .string());
  EXPECT_EQ(small.sram_read_pj, (std::vector<double>{0.25, 0.5, 1e-3}));
  EXPECT_EQ(small.sop_pj, 1e-3);
  EXPECT_EQ(small.read_64bit_pj(1e9), 1e-3);
}

TEST(energy, tables_are_found_by_id_or_path_and_a_missing_one_is_named) {
  test::temp_dir dir;
  const auto tables = dir.path() / "energy";
  fs::create_directories(tables);
  const auto a = dir.write("energy/a.toml", energy_base);
  const auto outside = dir.write("outside.toml", with_edit(energy_base, "sop_pj = 2.5"));
  // The chips folder sits beside the tables folder, also when the tables folder is given with a trailing slash.
  fs::create_directories(dir.path() / "chips");
  dir.write("chips/c.toml", with_edit(chip_base, "host = \"a\""));
  for (const auto& d : {tables.string(), tables.string() + "/"}) {
    const auto all = load_energy_tables(d, {});
    ASSERT_EQ(all.size(), 2u) << d;
    EXPECT_EQ(all[0].id, "a");
    EXPECT_EQ(all[1].id, "testchip");
    EXPECT_EQ(all[1].sop_pj, 20.0);
    EXPECT_EQ(all[1].mac_pj, 4.6);  // the host's
  }
  const auto picked = load_energy_tables(tables.string(), {"testchip", outside.string()});
  ASSERT_EQ(picked.size(), 2u);
  EXPECT_EQ(picked[0].id, "testchip");
  EXPECT_EQ(picked[1].id, "outside");
  EXPECT_EQ(picked[1].sop_pj, 2.5);
  EXPECT_EQ(host_table(tables.string(), "a").file, a.string());
  EXPECT_EQ(host_table(tables.string(), outside.string()).sop_pj, 2.5);
  const auto message = [](auto f) {
    try {
      f();
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message([&] { load_energy_tables(tables.string(), {"b"}); }).find("unknown energy table 'b'"), std::string::npos);
  EXPECT_NE(message([&] { load_energy_tables(tables.string(), {"b"}); }).find("a, testchip"), std::string::npos);
  EXPECT_NE(message([&] { host_table(tables.string(), "b"); }).find("known in " + tables.string() + ": a)"), std::string::npos);
  const auto empty = dir.path() / "lone" / "energy";  // no chips folder beside it
  fs::create_directories(empty);
  EXPECT_NE(message([&] { load_energy_tables(empty.string(), {}); }).find("no energy tables"), std::string::npos);
  EXPECT_NE(message([&] { host_table(empty.string(), "b"); }).find("none"), std::string::npos);
  EXPECT_NE(message([&] { load_energy_tables((dir.path() / "nowhere").string(), {}); }).find("no such folder"),
            std::string::npos);
}

TEST(chip_model, busiest_core_per_step_plus_routing_and_barrier) {
  // Two neurons on core 0, one on core 1; neuron 0 has 2 synapses into core 1, neuron 1 one into core 0.
  mapping_problem p;
  p.global = {0, 1, 2};
  p.population = {"a", "a", "b"};
  p.out_begin = {0, 2, 3, 3};
  p.out = {2, 2, 0};
  p.out_mult = {1, 1, 1};
  mapping m;
  m.core_of = {0, 0, 1};
  m.cores_used = 2;
  m.splitter_neurons = 4;
  const auto fan = fan_by_core(p, m);
  EXPECT_EQ(fan.neurons_per_core, (std::vector<std::int64_t>{2, 1}));
  ASSERT_EQ(fan.targets[0].size(), 1u);
  EXPECT_EQ(fan.targets[0][0], (std::pair<std::uint32_t, std::uint32_t>{1, 2}));
  chip_profile chip;
  chip.update_ns = 10;
  chip.synop_ns = 100;
  chip.hop_ns = 1;
  chip.barrier_ns = 1000;
  step_timer timer(chip, fan, 3);
  // Step 1: neuron 0 spikes: core 1 = 10 + 2 x 100. Step 2: none: core 0 = 20. Step 3: 1 spikes: core 0 = 120.
  const std::vector<spike> spikes{{1, 0}, {3, 1}};
  EXPECT_DOUBLE_EQ(timer.time_ns(spikes, 3), (210 + 3 + 1000) + (20 + 3 + 1000) + (120 + 3 + 1000));
  EXPECT_DOUBLE_EQ(updates_per_step(p, m), 7.0);
  chip.synop_pj = 2;
  chip.update_pj = 3;
  chip.spike_pj = 5;
  chip.hop_pj = 7;
  const auto e = energy_on(chip, {1, 10, 100, 1000});
  EXPECT_DOUBLE_EQ(e.synaptic, 2);
  EXPECT_DOUBLE_EQ(e.update, 30);
  EXPECT_DOUBLE_EQ(e.routing(), 500 + 7000);
}

}  // namespace
}  // namespace spikeworm
