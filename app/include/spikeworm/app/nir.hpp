// spikeworm nir run: a NIR graph run on the engines (docs/nir.md), inputs and outputs as .npy or CSV files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "spikeworm/engine/nir_network.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::app {

struct nir_run_options {
  std::filesystem::path file;   // the .nir graph
  std::filesystem::path input;  // steps x input width: .npy (2-D, numeric) or CSV (numbers, one row per step)
  std::filesystem::path out;    // folder for OUTPUT.npy, NODE.v.npy, NODE.i.npy, NODE.spikes.npy, summary.json
  double dt_s = 0;                // [s]; 0: the file's metadata "dt" (an exported agent's), else an error
  std::optional<nir_reset> reset;  // none: the file's metadata "reset", else value
  std::string engine = "event";
  int threads = 1;
  std::vector<std::string> record;
};

struct nir_run_report {
  std::string version;
  nir_reset reset = nir_reset::value;
  std::string reset_source;  // "--reset", "metadata", "default"
  double dt_s = 0;           // the step used: --dt, or the file's metadata "dt"
  std::size_t steps = 0, populations = 0;
  std::uint64_t synapses = 0;
  nir::run_result result;
  std::vector<std::filesystem::path> written;
  double wall_seconds = 0;
};

nir_run_report nir_run(const nir_run_options& o);

struct nir_import_options {
  std::filesystem::path file, out;  // the .nir graph; the network config to write (TOML)
  double dt_s = 0;                  // [s]; 0: the file's metadata "dt", else an error
  std::optional<nir_reset> reset;
  double duration_s = 1.0;
};

struct nir_import_report {
  std::string version;
  nir_reset reset = nir_reset::value;
  std::size_t populations = 0, projections = 0;
  std::uint64_t synapses = 0;
};

// The graph as a network config (docs/nir.md, "nir import"): a population of the nir model per neuron node,
// a spike_source per Input (without spikes), a from_list projection per folded path; written atomically.
nir_import_report nir_import(const nir_import_options& o);

struct nir_export_options {
  experiment_config cfg;          // the run's config ([brain] must be a spiking brain)
  std::string weights;            // the agent's weights file
  std::filesystem::path out;      // the .nir file to write
};

struct nir_export_report {
  std::vector<std::string> nodes;                          // in the file's order
  std::vector<std::pair<std::string, std::string>> edges;  // (source, target)
  std::vector<std::pair<std::string, std::string>> metadata;
};

// A trained spiking agent as a NIR graph (docs/nir.md, "nir export"): Input -> Affine (input layer) -> Affine
// (hidden.0) -> LIF -> [Delay -> Affine -> LIF] per further layer (with a Linear back to the last LIF when
// recurrent) -> Affine (output, bias / T) -> Output. The discrete LIF maps exactly onto NIR's forward-Euler LIF
// at dt = the brain's dt; what NIR cannot say goes into the metadata. Refuses (naming what) an MLP brain, the
// dense head and the spike-train encoders. Written atomically.
nir_export_report nir_export(const nir_export_options& o);

// A steps x width train: .npy (little-endian float64/float32/int/uint/bool, C order, 1-D read as one column)
// or CSV (numbers separated by commas; a first line that is not numbers is a header). Throws error naming the
// file, and the row and column of a bad value.
nir::matrix read_train(const std::filesystem::path& path);
// A float64 .npy of the matrix (rows x cols), written atomically.
void write_npy(const std::filesystem::path& path, const nir::matrix& m);

}  // namespace spikeworm::app
