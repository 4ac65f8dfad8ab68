// The network: populations of neurons and the synapse graph (CSR arrays with edge-indexed synapse arrays).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spikeworm/core/common_types.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/models/coba_alpha_lif.hpp"
#include "spikeworm/models/nir_neuron.hpp"
#include "spikeworm/models/coba_lif.hpp"
#include "spikeworm/models/cuba_alpha_lif.hpp"
#include "spikeworm/models/cuba_lif.hpp"
#include "spikeworm/models/fixed_lif.hpp"
#include "spikeworm/models/lif.hpp"
#include "spikeworm/models/poisson.hpp"

namespace spikeworm {

// fixed_lif: the integer LIF of a chip (built by the deployment quantizer; always clock-driven). coba_lif: the
// conductance-based LIF; cuba_alpha_lif, coba_alpha_lif: cuba_lif and coba_lif with alpha-function synapses (all
// three always clock-driven, docs/models.md).
// nir: the neurons of NIR graphs (docs/nir.md; always clock-driven; ge holds the synaptic current I of CubaLIF
// and CubaLI).
enum class model_kind : std::uint8_t {
  lif, cuba_lif, poisson, spike_source, fixed_lif, coba_lif, cuba_alpha_lif, coba_alpha_lif, nir
};
// Models with alpha synapses: besides ge, gi, the hidden state he, hi (neuron_state).
inline bool has_alpha_synapses(model_kind m) noexcept {
  return m == model_kind::cuba_alpha_lif || m == model_kind::coba_alpha_lif;
}
// Models with synaptic state ge, gi (recordable, settable in [population.init]).
inline bool has_synaptic_state(model_kind m) noexcept {
  return m == model_kind::cuba_lif || m == model_kind::coba_lif || has_alpha_synapses(m) || m == model_kind::nir;
}
// Models the event engine always steps by the clock (no lazy update for them; docs/models.md, docs/nir.md).
inline bool always_clock_driven(model_kind m) noexcept {
  return m == model_kind::fixed_lif || m == model_kind::coba_lif || has_alpha_synapses(m) || m == model_kind::nir;
}
// Poisson and spike_source populations emit spikes and receive none.
inline bool is_source(model_kind m) noexcept { return m == model_kind::poisson || m == model_kind::spike_source; }
const char* to_string(model_kind m) noexcept;

// How the event engine advances a population's neurons. `automatic`: clock-driven when its neurons are driven
// without input (they cross threshold on their own) and receive synapses, lazily event-driven otherwise.
enum class update_mode : std::uint8_t { automatic, clock, event };
const char* to_string(update_mode u) noexcept;

// from_list: the synapses are given one by one (connection_list), as the Python module and the PyNN backend
// build them; the others are drawn from the seed.
enum class connection_rule : std::uint8_t { all_to_all, one_to_one, fixed_probability, fixed_indegree, from_list };
const char* to_string(connection_rule r) noexcept;

// A neuron state variable that can be recorded: the membrane v of lif, cuba_lif, coba_lif and their alpha
// variants, the synaptic currents ge and gi of cuba_lif and cuba_alpha_lif or conductances of coba_lif and
// coba_alpha_lif (the names of [population.init]).
enum class state_variable : std::uint8_t { v, ge, gi };
const char* to_string(state_variable s) noexcept;

// What a population records (its `record` key, docs/config-reference.md): its spikes, and state variables of
// some of its neurons sampled after every `interval` steps (after steps interval, 2 interval, ...).
struct record_spec {
  bool spikes = true;
  std::vector<state_variable> variables;  // none: no traces
  std::vector<neuron_id> neurons;         // indices within the population, in the order of the trace columns
  step_t interval = 1;                    // [steps], >= 1
};

// Where simulate writes the spikes: spikes.h5 (NIR EventData, docs/recording.md), spikes.csv, or both.
enum class spike_format : std::uint8_t { hdf5, csv, both };
const char* to_string(spike_format f) noexcept;

// A population as lowered from its description: the model constants are ready to run.
struct population {
  std::string name;
  neuron_id first = 0;  // global id of its first neuron
  neuron_id size = 0;
  model_kind model = model_kind::lif;
  lif_lowered lif;
  cuba_lif_lowered cuba;
  coba_lif_lowered coba;
  cuba_alpha_lif_lowered cuba_alpha;
  coba_alpha_lif_lowered coba_alpha;
  poisson_lowered poisson;
  fixed_lif_lowered fixed;
  nir_lowered nir;
  std::vector<nir_lowered> nir_neurons;  // nir: one model per neuron when their parameters differ (else empty)
  std::vector<step_t> source_steps;  // spike_source: every neuron spikes at these steps (ascending, >= 1)
  double current = 0.0;  // constant injected input: per step (lif) or [mV] added to E_L (the other neuron models)
  update_mode update = update_mode::automatic;  // event engine only; the reference stepper steps everything
  value_spec init_v = value_spec::constant(0.0);
  value_spec init_ge = value_spec::constant(0.0);
  value_spec init_gi = value_spec::constant(0.0);
  // Per-neuron values (size `size`, or empty): when given, they replace `current` and the init specs.
  std::vector<double> currents, init_v_values, init_ge_values, init_gi_values;
  record_spec record;

  neuron_id end() const noexcept { return first + size; }
  // The nir model of neuron `local` (0-based within the population).
  const nir_lowered& nir_of(neuron_id local) const noexcept { return nir_neurons.empty() ? nir : nir_neurons[local]; }
  bool contains(neuron_id n) const noexcept { return n >= first && n < first + size; }
};

// The synapses of a from_list projection: entry k connects local source sources[k] to local target
// targets[k] with weights[k] and delays[k] [steps, >= 1, or 0 into a later clock-driven population: docs/nir.md]. Shared, so copies of a description stay cheap.
struct connection_list {
  std::vector<neuron_id> sources, targets;
  std::vector<weight_t> weights;
  std::vector<delay_t> delays;
};

struct projection_desc {
  std::string source, target;
  connection_rule rule = connection_rule::all_to_all;
  double p = 1.0;            // fixed_probability
  std::int64_t k = 0;        // fixed_indegree
  value_spec weight = value_spec::constant(0.0);
  value_spec delay = value_spec::constant(1.0);  // [steps]
  receptor target_receptor = receptor::excitatory;
  bool autapses = true;      // allow i -> i when source and target are the same population
  std::shared_ptr<const connection_list> list;  // from_list
};

struct projection_info {
  projection_desc desc;
  std::uint32_t source_pop = 0, target_pop = 0;
  std::uint64_t synapses = 0;         // held by this network (a part holds those into its own neurons)
  std::uint64_t synapses_whole = 0;   // in the whole network (equal to synapses unless this is a part)
  // All-to-all projections that are their source's only projection occupy one contiguous edge range,
  // row-major [source][target]: a matrix view for the trainer.
  bool contiguous = false;
  edge_id first_edge = 0;
};

// Everything read from the [simulation], [[population]] and [[projection]] sections.
struct simulation_desc {
  double dt_ms = 1.0;        // [ms]
  double duration_s = 1.0;   // [s]
  std::uint64_t seed = 1;
  std::string engine = "event";
  int threads = 0;           // 0: all cores
  std::uint64_t min_neurons_per_thread = 30000;  // a run uses one thread per this many neurons (0: every thread asked)
  bool record_spikes = true;
  spike_format spike_output = spike_format::hdf5;
  bool units_ms = false;     // units = "ms" given: the config confirms its times are ms (docs/config-reference.md)
};

struct network_desc {
  simulation_desc sim;
  std::vector<population> populations;
  std::vector<projection_desc> projections;
};

// Reads [simulation], [[population]] and [[projection]] from a document, validating every value.
network_desc read_network_desc(const table_reader& root);
// Steps of dt_ms in duration_s, or nothing when that is not a count the engine can run: not
// finite, above max_steps, or 0 for a positive duration (docs/reliability.md).
inline constexpr step_t max_steps = step_t{1} << 53;
std::optional<step_t> steps_of(double duration_s, double dt_ms);
// steps_of, or an error naming `what` (the key or option) and both values.
step_t step_count(double duration_s, double dt_ms, std::string_view what);

// Synapses the projections are expected to draw (an upper bound in practice for fixed_probability), and
// the peak memory of building and running the network, both from the description alone.
double expected_synapses(const network_desc& d);
memory_estimate estimate_memory(const network_desc& d);

// A row-major matrix view onto a contiguous edge range: element (row, col) = data[row * cols + col].
struct matrix_view {
  std::span<weight_t> data;
  std::size_t rows = 0, cols = 0;
  weight_t& operator()(std::size_t r, std::size_t c) const noexcept { return data[r * cols + c]; }
};

class network {
 public:
  // Builds the graph: connectivity, weights and delays are drawn from streams keyed by (seed, projection,
  // row), so the network is the same whatever the thread count.
  network(std::vector<population> pops, std::vector<projection_desc> projs, double dt_ms, std::uint64_t seed);
  explicit network(const network_desc& d) : network(d.populations, d.projections, d.sim.dt_ms, d.sim.seed) {}
  // A part of the network for one process of a distributed run (docs/scaling.md): every population and
  // every row, but only the synapses whose target lies in [keep_begin, keep_end). The streams are drawn as
  // for the whole network, so the kept synapses are the same, in the same order, with the same values.
  network(const network_desc& d, neuron_id keep_begin, neuron_id keep_end);

  std::size_t num_neurons() const noexcept { return num_neurons_; }
  // The targets whose synapses this network holds: [0, num_neurons()) unless it is a part.
  neuron_id keep_begin() const noexcept { return keep_begin_; }
  neuron_id keep_end() const noexcept { return keep_end_; }
  bool is_part() const noexcept { return keep_begin_ != 0 || keep_end_ != num_neurons_; }
  std::size_t num_synapses() const noexcept { return weights_.size(); }
  double dt_ms() const noexcept { return dt_ms_; }
  delay_t max_delay() const noexcept { return max_delay_; }
  // Some synapse has delay 0 (same-step propagation into a later, clock-driven population; docs/nir.md).
  bool has_zero_delay() const noexcept { return has_zero_delay_; }
  // Steps of the engines' input ring: max_delay, one more with zero delays (the current step's slot stays
  // open for them while the slot max_delay steps ahead is written).
  std::size_t ring_slots() const noexcept { return std::size_t{max_delay_} + (has_zero_delay_ ? 1 : 0); }

  // Hot-loop views of the CSR arrays: the out-edges of n are [row_start[n], row_start[n+1]), sorted by
  // target; edge e goes to targets()[e] and carries weights()[e], delays()[e] and receptors()[e].
  //
  // The network owns these arrays (huge pages, filled in parallel), and Boost.Graph sees them through its
  // documented interface only: graph.hpp adapts network to the IncidenceGraph and VertexListGraph concepts
  // (graph_traits, out_edges, source, target, vertex_index and edge_index maps), edge_index being the index
  // into these arrays. Chosen over building a boost::compressed_sparse_row_graph from them on demand: Boost
  // algorithms run on the network directly, with no second copy of a structure that reaches gigabytes at
  // the largest sizes, and the hot loops keep reading these spans, untouched by the adaptation.
  std::span<const edge_id> row_start() const noexcept { return row_start_; }
  std::span<const neuron_id> targets() const noexcept { return targets_; }
  std::span<weight_t> weights() noexcept { return weights_; }
  std::span<const weight_t> weights() const noexcept { return weights_; }
  std::span<const delay_t> delays() const noexcept { return delays_; }
  std::span<const receptor> receptors() const noexcept { return receptors_; }

  const std::vector<population>& populations() const noexcept { return pops_; }
  // Replaces what no synapse depends on: each population's parameters, currents, initial values, spike times
  // and recording. Names, models, sizes and update modes must stay (error naming the population otherwise);
  // the synapses are kept as they are. An engine built on this network must be rebuilt after it.
  void replace_populations(std::vector<population> pops);
  const std::vector<projection_info>& projections() const noexcept { return projs_; }
  std::size_t population_index(const std::string& name) const;  // throws error naming the population
  std::size_t population_of(neuron_id n) const noexcept;
  matrix_view projection_matrix(std::size_t projection);         // throws if not contiguous

  // Initial value of a state variable ("v", "ge", "gi") of neuron n for a run seeded with `seed`.
  double initial_value(const population& p, std::size_t pop_index, neuron_id n, int variable,
                       std::uint64_t seed) const;

 private:
  void init(std::vector<projection_desc> projs);
  void build(std::uint64_t seed);
  bool kept(neuron_id target) const noexcept { return target >= keep_begin_ && target < keep_end_; }
  // The local indices [lo, hi) of population p's neurons whose synapses are kept.
  std::pair<neuron_id, neuron_id> kept_locals(const population& p) const noexcept {
    const neuron_id lo = std::clamp(keep_begin_, p.first, p.end()), hi = std::clamp(keep_end_, p.first, p.end());
    return {lo - p.first, hi - p.first};
  }
  void check_list(const projection_info& pr) const;
  static void check_values(const population& p);
  std::vector<std::vector<std::uint32_t>> count_synapses(std::uint64_t seed,
                                                         std::vector<std::vector<neuron_id>>& indegree_sources);
  void mark_contiguous();

  std::vector<population> pops_;
  std::vector<projection_info> projs_;
  double dt_ms_;
  std::size_t num_neurons_ = 0;
  neuron_id keep_begin_ = 0, keep_end_ = 0;
  std::vector<edge_id> row_start_;
  std::vector<neuron_id> targets_;
  std::vector<weight_t> weights_;
  std::vector<delay_t> delays_;
  std::vector<receptor> receptors_;
  delay_t max_delay_ = 1;
  bool has_zero_delay_ = false;
};

}  // namespace spikeworm
