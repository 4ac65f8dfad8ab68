// Recordings in HDF5, in the layout of NIR's NIRGraphData files (docs/recording.md): spikes.h5 holds each
// population's spikes as EventData, traces.h5 its sampled state variables as TimeGriddedData. Both are
// streamed: append() after each chunk of steps (then the engine's record is cleared), commit() at the end
// writes the closing attributes and renames the temporary file onto its name; destroyed without commit(),
// a writer leaves no file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "spikeworm/core/hdf5.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm {

// Whether the recordings' datasets are byte-shuffled and deflated (docs/recording.md has the measurements).
inline constexpr bool compress_recordings = true;

// /nodes/<population>/observables/spikes: datasets idx (int32, neuron index within the population) and time
// (float64, seconds: step t spans ((t-1) dt, t dt] and its spikes are at t dt), both of shape (1, spikes);
// attributes n_neurons and t_max [s]. Only the populations whose record.spikes is true.
class spike_h5_writer {
 public:
  spike_h5_writer(const std::filesystem::path& path, const network& net);
  // Spikes in step order (engine::spikes()).
  void append(std::span<const spike> spikes);
  // t_max = steps dt.
  void commit(step_t steps);

 private:
  struct population_out {
    std::size_t index;
    h5::group observable;
    h5::growing_dataset idx, time;
    std::vector<std::int32_t> idx_buffer;
    std::vector<double> time_buffer;
  };
  const network* net_;
  h5::file file_;
  std::vector<population_out> pops_;
  std::vector<std::int32_t> slot_;  // per population: its index in pops_, or -1
};

// /nodes/<population>/observables/<variable> (v, ge, gi): dataset data (float64, shape (1, samples, neurons);
// row j sampled after step (j+1) interval, at time (j+1) dt of the attribute), dataset idx (int32, shape
// (1, neurons): the column's neuron index within the population), attributes dt [s] (the sampling interval)
// and unit ("mV" for cuba_lif's and cuba_alpha_lif's variables and the v of coba_lif and coba_alpha_lif, "1" for
// the dimensionless lif and the conductances of coba_lif and coba_alpha_lif).
class trace_h5_writer {
 public:
  // The layout of the engine's traces (engine::record_traces()).
  trace_h5_writer(const std::filesystem::path& path, const engine& eng);
  void append(const engine& eng);
  void commit() { file_.commit(); }

 private:
  h5::file file_;
  std::vector<h5::growing_dataset> data_;  // one per engine trace, in order
};

// Bytes the engine's traces take per simulated step (the samples buffered between two appends).
double trace_bytes_per_step(const engine& eng);

}  // namespace spikeworm
