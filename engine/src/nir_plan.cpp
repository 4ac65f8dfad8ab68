// The execution plan of a NIR graph (engine/nir_plan.hpp, docs/nir.md).
#include "spikeworm/engine/nir_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <boost/graph/depth_first_search.hpp>
#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/graph.hpp"

namespace spikeworm::nir {

namespace {

const std::set<std::string, std::less<>> neuron_types = {"LIF", "CubaLIF", "IF", "LI", "CubaLI", "I"};

std::size_t elements(const h5::array& a) { return a.size(); }

// The element counts (in, out) of a node; 0 for Flatten, whose size comes from its input.
std::pair<std::size_t, std::size_t> sizes(const std::string& name, const node& n) {
  if (n.type == "Input" || n.type == "Output") {
    std::size_t k = 1;
    for (double d : n.param("shape").values) k *= static_cast<std::size_t>(d);
    return {k, k};
  }
  if (n.type == "Affine" || n.type == "Linear") {
    const auto& w = n.param("weight");
    if (w.shape.size() != 2)
      throw error(fmt::format("NIR node '{}' ({}): weight has {} dimensions, expected 2", name, n.type, w.shape.size()));
    if (n.type == "Affine" && elements(n.param("bias")) != w.shape[0])
      throw error(fmt::format("NIR node '{}' (Affine): bias has {} elements for {} outputs", name,
                              elements(n.param("bias")), w.shape[0]));
    return {w.shape[1], w.shape[0]};
  }
  if (n.type == "Scale" || n.type == "Threshold" || n.type == "Delay") {
    const auto k = elements(n.param(n.type == "Scale" ? "scale" : n.type == "Threshold" ? "threshold" : "delay"));
    return {k, k};
  }
  if (n.type == "Flatten") return {0, 0};
  if (neuron_types.contains(n.type)) {
    std::size_t k = 0;
    std::string first;
    for (const auto& [key, a] : n.params) {
      if (key == "w_in" && a.size() == 1) continue;  // a scalar w_in broadcasts
      if (k == 0) {
        k = a.size();
        first = key;
      } else if (a.size() != k) {
        throw error(fmt::format("NIR node '{}' ({}): {} has {} elements and {} has {}", name, n.type, first, k, key,
                                a.size()));
      }
    }
    if (k == 0) throw error(fmt::format("NIR node '{}' ({}) has no parameters", name, n.type));
    return {k, k};
  }
  throw error(fmt::format("NIR node '{}' is a {}, which spikeworm does not run (docs/nir.md)", name, n.type));
}

struct builder {
  plan p;
  std::vector<std::pair<std::string, std::string>> named_edges;  // flat names

  // Adds the nodes of graph g under `prefix`; returns (its single Input, its single Output) flat names when
  // it is nested.
  std::pair<std::string, std::string> add(const node& g, const std::string& prefix) {
    std::map<std::string, std::pair<std::string, std::string>, std::less<>> nested;  // child -> (entry, exit)
    for (const auto& c : g.nodes) {
      const std::string flat = prefix + c.name;
      if (c.type == "NIRGraph") {
        nested[c.name] = add(c, flat + ".");
        continue;
      }
      plan_node n;
      n.name = flat;
      n.source = &c;
      std::tie(n.in, n.out) = sizes(flat, c);
      p.nodes.push_back(std::move(n));
    }
    for (const auto& [from, to] : g.edges) {
      const auto f = nested.find(from);
      const auto t = nested.find(to);
      named_edges.emplace_back(f != nested.end() ? f->second.second : prefix + from,
                               t != nested.end() ? t->second.first : prefix + to);
    }
    if (prefix.empty()) return {};
    std::vector<std::string> inputs, outputs;
    for (const auto& c : g.nodes) {
      if (c.type == "Input") inputs.push_back(prefix + c.name);
      if (c.type == "Output") outputs.push_back(prefix + c.name);
    }
    const std::string graph = prefix.substr(0, prefix.size() - 1);
    if (inputs.size() != 1 || outputs.size() != 1)
      throw error(fmt::format("NIR graph '{}' has {} Input and {} Output nodes; a nested graph needs one of each", graph,
                              inputs.size(), outputs.size()));
    return {inputs[0], outputs[0]};
  }
};

struct back_edges : boost::default_dfs_visitor {
  std::vector<std::size_t>* found;
  template <class Edge, class Graph>
  void back_edge(Edge e, const Graph& g) const {
    found->push_back(boost::get(boost::edge_index, g, e));
  }
};

}  // namespace

plan make_plan(const document& d) {
  builder b;
  b.add(d.root, "");
  auto& p = b.p;
  // Top-level inputs first (by name), so that the depth-first search starts from them.
  std::stable_sort(p.nodes.begin(), p.nodes.end(), [](const plan_node& x, const plan_node& y) {
    const bool xi = x.source->type == "Input" && x.name.find('.') == std::string::npos;
    const bool yi = y.source->type == "Input" && y.name.find('.') == std::string::npos;
    return xi != yi ? xi : (xi && x.name < y.name);
  });
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t i = 0; i < p.nodes.size(); ++i) index[p.nodes[i].name] = i;
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (const auto& [from, to] : b.named_edges) pairs.emplace_back(index.at(from), index.at(to));
  // Flatten takes its size from its input (in edge order; a chain of Flattens resolves in one pass each).
  for (std::size_t pass = 0; pass < p.nodes.size(); ++pass) {
    bool changed = false;
    for (const auto& [f, t] : pairs)
      if (p.nodes[t].in == 0 && p.nodes[f].out != 0) {
        p.nodes[t].in = p.nodes[t].out = p.nodes[f].out;
        changed = true;
      }
    if (!changed) break;
  }
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto& f = p.nodes[pairs[k].first];
    const auto& t = p.nodes[pairs[k].second];
    if (f.out != t.in)
      throw error(fmt::format("NIR edge {} -> {}: {} outputs {} elements, {} takes {}", f.name, t.name, f.name, f.out,
                              t.name, t.in));
    p.edges.push_back({pairs[k].first, pairs[k].second, false});
  }
  // Recurrent edges: the back edges of a depth-first search from the inputs; the rest is acyclic.
  const auto g = make_population_graph(p.nodes.size(), pairs);
  std::vector<std::size_t> back;
  boost::depth_first_search(g, boost::visitor(back_edges{{}, &back}));
  for (const auto k : back) p.edges[k].recurrent = true;
  std::vector<std::pair<std::size_t, std::size_t>> forward;
  for (const auto& e : p.edges)
    if (!e.recurrent) forward.emplace_back(e.from, e.to);
  p.order = topological_order(make_population_graph(p.nodes.size(), forward)).order;
  return p;
}

}  // namespace spikeworm::nir
