// The execution plan of a NIR graph (docs/nir.md, "Execution order"): nested graphs inlined, the size of
// every node's input and output checked along every edge, the edges that close a cycle marked recurrent (they
// carry the previous step's output), and the order in which the others are evaluated within one step.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "spikeworm/engine/nir_graph.hpp"

namespace spikeworm::nir {

struct plan_node {
  std::string name;             // nested nodes as "graph.node"
  const node* source = nullptr;  // into the document
  std::size_t in = 0, out = 0;   // element counts of its input and output
};

struct plan_edge {
  std::size_t from = 0, to = 0;  // indices into plan::nodes
  bool recurrent = false;        // closes a cycle: carries the previous step's output
};

struct plan {
  std::vector<plan_node> nodes;  // the top-level Input nodes first (by name), then the others in file order
  std::vector<plan_edge> edges;
  std::vector<std::size_t> order;  // every node, each after the sources of its non-recurrent inputs
};

// Throws error naming the node or edge: a node type spikeworm does not run (Conv1d, Conv2d, the pooling
// nodes, an unknown type), parameters of different sizes, an edge between nodes of different sizes, a nested
// graph entered or left without exactly one Input or Output.
plan make_plan(const document& d);

}  // namespace spikeworm::nir
