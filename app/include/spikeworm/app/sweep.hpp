// spikeworm sweep as an operation: a grid over config keys, each point trained, evaluated and costed, with
// the energy-success Pareto front of each brain kind (sweep.json, sweep.csv, pNNN/).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/energy.hpp"

namespace spikeworm::app {

struct sweep_options {
  std::string config;                // base experiment configuration
  std::vector<std::string> sets;     // KEY=V1,V2,...; the grid is every combination
  std::string out_dir;               // default runs/sweep
  int sessions = 0, episodes = 0, threads = 0;
  int eval_episodes = 20;
  std::string eval_engine = "dense";
  std::vector<std::string> tables{"cmos45_fp32", "loihi"};
  std::uint64_t max_memory = 0;      // refuse a point whose training would exceed it (0: the machine's memory)
};

struct sweep_axis {
  std::string key;
  std::vector<std::string> values;
};
sweep_axis parse_set(const std::string& s);  // KEY=V1,V2,...; throws error naming a malformed one

struct sweep_point {
  std::string name;                  // p000, p001, ...
  std::string label;                 // key=value ...
  std::vector<std::string> values;   // one per axis
  brain_kind brain = brain_kind::spiking;
  double last30_success = 0, last30_steps = 0, success_rate = 0;  // training means over sessions
  double eval_success = 0, eval_steps = 0;                 // greedy evaluation, every agent (docs/energy.md)
  double sampled_success = 0, sampled_steps = 0;           // sampled evaluation on the same episodes
  std::vector<double> firing_rate;   // per hidden layer: spikes per neuron per step
  std::vector<double> firing_rate_hz;  // the same in Hz at the brain's dt
  std::vector<double> energy_pj;     // per table: the brain's energy per decision
  std::vector<double> mlp_energy_pj; // per table: the MLP baseline's
  std::vector<bool> pareto;          // per table: on the energy-success front of its brain kind (greedy eval)
  std::vector<bool> pareto_sampled;  // per table: the same with the sampled evaluation's success
};

struct sweep_result {
  std::vector<sweep_axis> axes;
  std::vector<energy_table> tables;
  std::vector<sweep_point> points;
  std::vector<std::string> train_failures;  // a point's training stopped on these; nothing after it ran
  std::string dir;
  // The point with the least energy on table t among those whose greedy (or sampled) evaluation success is
  // >= 0.9; null if none.
  const sweep_point* cheapest(std::size_t t, bool sampled = false) const noexcept;
};

// The energy-success Pareto fronts per brain kind and table (pareto on eval_success, pareto_sampled on
// sampled_success): a point is on a front when no point of its kind has both lower energy and higher success.
void mark_pareto(std::vector<sweep_point>& points, std::size_t tables);

// Before each point: its index, the number of points and its label; (points, points, "") at the end.
using sweep_callback = std::function<void(std::size_t done, std::size_t total, const std::string& label)>;

// One point as a row of sweep.json's "points".
nlohmann::json sweep_point_json(const sweep_result& s, const sweep_point& p);

// Points with the same config as a finished one in out_dir are reused. Throws error naming a point whose
// config is invalid, before anything runs.
sweep_result sweep(const sweep_options& opt, const sweep_callback& progress = {});

}  // namespace spikeworm::app
