// spikeworm eval and energy as operations: trained agents replayed with frozen weights (eval.json), and
// their energy per decision on energy tables (energy.json).
#pragma once

#include <atomic>
#include <filesystem>
#include <string_view>
#include <string>
#include <vector>

#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/learning/crossover.hpp"
#include "spikeworm/learning/energy.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm::app {

struct eval_request {
  std::string run;          // a training run folder (every session's weights) or one weights file
  std::string out;          // default: RUN/eval.json, or WEIGHTS.eval.json for a weights file
  eval_options options;
  int threads = 0;          // agents in parallel; 0: worker_threads' default
  // Over MPI ranks (docs/scaling.md): share the agents between the ranks, every rank calling eval; false: this
  // process evaluates every agent (energy's evaluation, which runs on rank 0 alone).
  bool spread = true;
};

struct eval_outcome {
  eval_result result;
  std::filesystem::path written;  // the JSON report
};

// Evaluates every agent of `run` (app::load_run of req.run) and writes the JSON report; `done` (may be null)
// counts the agents finished.
eval_outcome eval(const eval_request& req, const loaded_run& run, std::atomic<int>* done = nullptr);
// The JSON report of an evaluation: eval_result::to_json with the run, its weights, seed and whether only
// sampled actions were played.
nlohmann::json eval_json(const eval_result& r, const loaded_run& run, const eval_options& opt);

struct energy_request {
  std::string run;                  // a training run folder with its eval.json
  std::vector<std::string> tables;  // empty: every table in tables_dir
  std::string tables_dir;           // default: configs/energy of the data folder (app/data_dir.hpp)
  std::string out;                  // folder for energy.json (and eval.json when made); default: the run folder.
                                    // With it the run folder is only read: it may be read-only (an installed example).
};

struct energy_outcome {
  eval_result counts;               // from RUN/eval.json
  std::filesystem::path eval_path, written;
  std::vector<energy_table> tables;
  std::vector<energy_report> reports;  // one per table
};

// The energy tables of a request; a run that is no folder and bad table names fail here, before any work.
std::vector<energy_table> energy_tables(const energy_request& req);
// The folder energy() writes into: req.out, else the run folder.
std::filesystem::path energy_out_dir(const energy_request& req);
// Creates energy_out_dir(req) and checks that energy.json can be written there, before any work; when the
// run folder itself is not writable, the error suggests `out_hint` (the front end's name for req.out, e.g.
// "--out DIR"). Returns the folder.
std::filesystem::path prepare_energy_out(const energy_request& req, std::string_view out_hint);
// The eval.json energy() reads: OUT/eval.json when req.out is given and has one, else RUN/eval.json.
std::filesystem::path eval_path_of(const energy_request& req);
// Costs eval_path_of(req) on every table and writes energy.json into energy_out_dir(req).
energy_outcome energy(const energy_request& req, std::vector<energy_table> tables);

// Where spiking pays (docs/energy.md): the break-even map of a spiking layer against a dense one on every
// table. With req.run, its hidden-to-hidden projections are placed on the map at their measured firing rates
// (from eval_path_of(req)); without, the output folder is req.out or the current folder.
struct crossover_outcome {
  crossover_map map;
  std::string brain;  // the run's brain kind ("" without a run)
  std::filesystem::path written;
};
crossover_outcome crossover(const energy_request& req, std::vector<energy_table> tables);

}  // namespace spikeworm::app
