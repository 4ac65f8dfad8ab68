// The deployment mapper (docs/deployment.md): places a network's neurons onto the cores of a neuromorphic chip
// under every per-core limit, minimising the spikes routed between cores, and places the cores on the
// chip's 2-D mesh. docs/deployment.md gives the model and the measured comparison of the partitioners.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spikeworm/engine/network.hpp"

namespace spikeworm {

// Per-core limits of a chip; 0 means "no limit".
struct core_limits {
  std::int64_t cores = 1;           // cores available
  int mesh_w = 1, mesh_h = 1;       // tiles on the 2-D mesh (mesh_w x mesh_h x cores_per_tile >= cores)
  int cores_per_tile = 1;           // cores sharing a tile's router: 0 hops between them
  std::int64_t neurons = 0;         // neurons (compartments) per core
  std::int64_t axons_in = 0;        // input axons per core: distinct sources with a synapse into the core
  std::int64_t axons_out = 0;       // output axons per core: distinct (source neuron, destination core) routes
  std::int64_t synapse_bytes = 0;   // synapse memory per core
  double synapse_bits = 8;          // memory per stored synapse [bits]
  int axons_per_source = 1;         // axons one source takes in a destination core (TrueNorth: 2, one per sign)
  int targets_per_neuron = 0;       // destination axons a neuron may address (TrueNorth: 1; more need splitters)
};

// The graph the mapper partitions: the on-chip neurons (local ids 0..n-1) and their synapses.
struct mapping_problem {
  std::vector<neuron_id> global;            // local id -> network neuron id
  std::vector<std::string> population;      // local id -> population name (for messages)
  std::vector<std::uint32_t> out_begin, out;  // CSR of distinct targets (local ids), with multiplicity
  std::vector<std::uint32_t> out_mult;
  std::vector<std::uint32_t> in_begin, in;    // the transpose
  std::vector<std::uint32_t> in_mult;
  std::vector<std::uint64_t> in_degree;       // synapses into each neuron (synapse memory)
  std::size_t size() const noexcept { return global.size(); }
};

// The neurons of the populations `on_chip` (indices into net.populations(); empty: all) and the synapses
// between them. Synapses from other populations (e.g. host-side inputs) are not part of the problem.
mapping_problem make_problem(const network& net, std::span<const std::size_t> on_chip = {});

struct core_usage {
  std::int64_t neurons = 0, axons_in = 0, axons_out = 0, synapse_bytes = 0;
};

enum class partitioner : std::uint8_t { round_robin, sequential, greedy, metis };
inline constexpr std::array<partitioner, 4> all_partitioners{partitioner::round_robin, partitioner::sequential,
                                                              partitioner::greedy, partitioner::metis};
partitioner parse_partitioner(std::string_view name);  // throws error listing the known ones
std::string_view partitioner_name(partitioner p) noexcept;

struct mapping {
  std::string method;
  std::vector<std::uint32_t> core_of;         // local neuron -> core
  int cores_used = 0;
  std::vector<core_usage> usage;              // per core; splitter cores follow the cores_used main cores
  std::vector<std::pair<int, int>> position;  // per core: (x, y) of its tile on the mesh
  // TrueNorth's one-target-axon rule: a neuron addressing d > targets_per_neuron destinations drives
  // d splitter neurons (one extra step of delay) placed in splitter cores.
  std::uint64_t splitter_neurons = 0;
  int splitter_cores = 0;
  int extra_delay = 0;                        // steps the splitters add on routes through them
  std::vector<std::int64_t> splitter_of;      // local neuron -> its splitter core (-1: none)
  int axons_per_destination = 1;              // axons a spike addresses in each destination core
  bool metis_available = false;
};

// What crosses the chip for given per-neuron spike counts (spikes per decision, local ids).
struct traffic {
  double spikes = 0;         // spikes of on-chip neurons
  double routed = 0;         // spike messages leaving their core: sum over spikes of destination cores != own
  double local = 0;          // spike deliveries that stay in their core
  double hops = 0;           // mesh hops of the routed messages (dimension-order routing, one message per
                             // destination core; splitter stages included)
  double max_hops = 0;       // longest route [hops]
};

// Places the neurons of `prob` under `lim`. `rates` (spikes per decision per local neuron; empty: 1 each)
// weights the objective: sum over neurons of rate x (destination cores other than its own).
// Throws error naming the limit, the core or neuron and by how much when the network cannot fit.
mapping map_network(const mapping_problem& prob, const core_limits& lim, std::span<const double> rates,
                    partitioner method, std::uint64_t seed = 1);
// The routing objective of a mapping (rates empty: 1 per neuron).
traffic route(const mapping_problem& prob, const mapping& m, std::span<const double> rates);
// Recomputes every core's usage and throws error naming the first violated limit (a test oracle too).
void check_mapping(const mapping_problem& prob, const core_limits& lim, mapping& m);
bool metis_available() noexcept;

// The greedy refinement the greedy and metis partitioners end with (docs/deployment.md, "Partitioners"), on an
// assignment `cores` (local neuron -> core < K) that keeps every limit. best_refinement_step is one neuron's
// choice: the move to a neighbouring core, or the swap with one of its members, that lowers the objective most
// and keeps every limit (core -1: none does). refine_assignment runs the seeded passes and returns the cores.
struct refinement_step {
  std::int64_t core = -1, swap = -1;
  double delta = 0;
};
refinement_step best_refinement_step(const mapping_problem& prob, const core_limits& lim, std::span<const double> rates,
                                     const std::vector<std::uint32_t>& cores, int K, std::size_t v);
std::vector<std::uint32_t> refine_assignment(const mapping_problem& prob, const core_limits& lim,
                                             std::span<const double> rates, const std::vector<std::uint32_t>& cores,
                                             int K, std::uint64_t seed, int passes);

// The graph the metis partitioner hands to METIS (docs/deployment.md, "Partitioners"), in CSR: undirected, without
// self-loops, neighbours ascending. The weight of edge {u, v} is the traffic along it, rate(u) for u -> v plus
// rate(v) for v -> u, scaled so that the largest is 1000, rounded, and at least 1. Two weights per vertex
// (vwgt[2u], vwgt[2u + 1]): 1, and its synapses in (at least 1).
struct partition_graph {
  std::vector<std::int64_t> xadj, adjncy, adjwgt, vwgt;
};
partition_graph metis_graph(const mapping_problem& prob, std::span<const double> rates);

}  // namespace spikeworm
