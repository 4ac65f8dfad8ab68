// NIR graphs as stored in HDF5 (docs/nir.md): the file's version and its nested graph of typed nodes with
// their parameters and edges, read as they are, before any import decides what the nodes mean.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spikeworm/core/hdf5_read.hpp"

namespace spikeworm::nir {

// A node: its name within its graph, its NIR type ("LIF", "Affine", "NIRGraph", ...), every numeric dataset of
// its group (tau, weight, shape, ...), its string datasets other than the type (e.g. Conv padding "same"), and,
// for a NIRGraph, its child nodes (in the file's order) and edges (source, target) between their names.
struct node {
  std::string name, type;
  std::map<std::string, h5::array, std::less<>> params;
  std::map<std::string, std::string, std::less<>> strings;
  std::vector<node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;

  bool has(std::string_view key) const { return params.find(key) != params.end(); }
  // Throws error naming the node, its type and the key.
  const h5::array& param(std::string_view key) const;
  const node* child(std::string_view child_name) const;
};

struct document {
  std::string version;  // as written, e.g. "0.2.0"
  node root;            // a NIRGraph named "node"
  std::map<std::string, std::string, std::less<>> metadata;  // /node/metadata: each value as text
};

// NIR file versions read: 0.1 up to 1.0 (docs/nir.md).
inline constexpr std::string_view oldest_version = "0.1", newest_version = "1.0";

// Reads a NIR file. Throws error naming the file and what is wrong: not HDF5, no /version or one outside
// [oldest_version, newest_version], a node without a type, an edge naming a node its graph lacks.
document read(const std::filesystem::path& path);

}  // namespace spikeworm::nir
