// Subcommands of the spikeworm command line.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "spikeworm/app/data_dir.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/app/simulate.hpp"
#include "spikeworm/app/sweep.hpp"
#include "spikeworm/app/train.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::cli {

// Files and run folders are read by app/ (app/run_dir.hpp); the commands name them as before. The data folder
// (chips, energy tables, plot scripts) is app::data_dir.
using app::data_dir;
using app::load_run;
using app::loaded_run;
using app::slurp;
using app::read_network_file;

// Option checks on the text before CLI11 converts it (docs/reliability.md): CLI11's own number
// checks let NaN through and clamp integers that overflow long long.
// A seed: decimal digits only, at most 2^63-1.
inline CLI::Validator seed_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0)
          return "seed must be an integer in [0, 9223372036854775807], got " + s;
        return {};
      },
      "SEED in [0, 2^63-1]");
}
// A finite number in [lo, hi]; nan and inf are refused.
inline CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) -> std::string {
        double v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < lo || v > hi)
          return "must be a finite number in [" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) +
                 "], got " + s;
        return {};
      },
      "NUMBER in [" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + "]");
}

// --max-memory SIZE (512M, 8G, 1.5GiB): refuse work whose estimated peak memory exceeds it, before
// building anything (docs/reliability.md); 0 keeps the default, this machine's memory.
inline CLI::Option* add_max_memory(CLI::App* c, std::uint64_t& bytes) {
  return c
      ->add_option_function<std::string>(
          "--max-memory", [&bytes](const std::string& s) { bytes = parse_byte_size(s); },
          "refuse work whose estimated peak memory exceeds SIZE, e.g. 512M or 8G (default: this machine's memory)")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            try {
              parse_byte_size(s, "value");
              return {};
            } catch (const spikeworm::error& e) {
              return e.what();
            }
          },
          "SIZE"));
}

struct eval_args {
  std::string run;
  std::string engine = "event";
  int episodes = 100;
  long long seed = 1000;
  std::string policy = "both";
  bool sample = false;  // --sample: --policy sampled
  int threads = 0;
  std::string config;
  std::string out;
  bool quiet = false;
  bool spread = true;  // false: every agent in this process (energy's evaluation runs on rank 0 alone)
};
void add_eval(CLI::App& app, eval_args& a);
int eval(const eval_args& a, std::ostream& out, std::ostream& err);
void print_eval(const eval_result& r, std::ostream& out);
// One row per agent (named by `names`, else by index): greedy and sampled success and steps side by side.
void print_agents(const eval_result& r, const std::vector<std::string>& names, std::ostream& out);
// A count with an SI suffix for tables: 1234 -> "1234", 56789 -> "56.8 k", 1.2e6 -> "1.2 M".
std::string si(double x);

struct energy_args {
  std::string run;
  std::vector<std::string> tables;  // empty: every table in --tables-dir
  std::string tables_dir;           // default: configs/energy of the data folder
  std::string out;                  // default: the run folder
  bool reeval = false;
  int episodes = 100;
  bool no_plot = false;
  bool quiet = false;
  bool crossover = false;
};
void add_energy(CLI::App& app, energy_args& a);
int energy(const energy_args& a, std::ostream& out, std::ostream& err);

struct deploy_args {
  std::string run;
  std::vector<std::string> chips;
  int episodes = 100;
  long long seed = 1000;
  int session = -1;  // -1: the best session by greedy success on selection episodes
  std::string partitioner = "greedy";
  std::string chips_dir;  // default: configs/chips of the data folder
  std::string config;
  std::string out;
  bool no_plot = false;
  bool quiet = false;
};
void add_deploy(CLI::App& app, deploy_args& a);
int deploy(const deploy_args& a, std::ostream& out, std::ostream& err);

struct map_args {
  std::string config;
  std::vector<std::string> chips;
  double duration = -1;  // [s]; <= 0: the config's, at most 1 s
  long long seed = -1;
  int threads = 0;
  std::string partitioner = "greedy";
  std::string chips_dir;
  std::string out_dir;
  std::uint64_t max_memory = 0;
  bool quiet = false;
};
void add_map(CLI::App& app, map_args& a);
int map(const map_args& a, std::ostream& out, std::ostream& err);

struct sweep_args {
  app::sweep_options opt;            // the command line fills the operation's options directly
  std::vector<std::string> compare;  // other sweep folders drawn on the same Pareto plot
  bool no_plot = false;
  bool quiet = false;
};
void add_sweep(CLI::App& app, sweep_args& a);
int sweep(const sweep_args& a, std::ostream& out, std::ostream& err);

// Runs scripts/<script> with Debian's /usr/bin/python3 and matplotlib; false (and a note) when missing.
bool run_python_plot(const std::string& script, const std::vector<std::string>& args, std::ostream& out);

struct simulate_args {
  std::string config;
  double duration = -1;  // [s]; < 0: from the config
  int threads = -1;
  long long min_neurons_per_thread = -1;
  long long seed = -1;
  std::string engine;
  std::string out_dir;
  std::string spike_format{};  // empty: from the config
  std::uint64_t max_memory = 0;
  bool quiet = false;
};
void add_simulate(CLI::App& app, simulate_args& a);
// Runs `steps` steps in about 100 chunks with a progress bar on err.
void run_with_progress(engine& eng, step_t steps, const char* label, bool quiet, std::ostream& err);
int simulate(const simulate_args& a, std::ostream& out, std::ostream& err);

struct rollout_args {
  std::string config;
  std::string policy = "random";
  long long episodes = 100;
  long long seed = 1;
  bool render = false;
  std::string trajectory;
  bool quiet = false;
};
void add_rollout(CLI::App& app, rollout_args& a);

struct nir_args {
  std::string file, input, out = "nir-run", reset, engine = "event";
  double dt = 0;
  int threads = 1;
  std::vector<std::string> record;
  bool no_plot = false;
  std::string import_file, import_out, import_reset;  // nir import
  double import_dt = 0, duration = 1.0;
  std::string export_run, export_out, export_config;  // nir export
  int session = -1;
  long long seed = 1;
  CLI::App* run_cmd = nullptr;
  CLI::App* import_cmd = nullptr;
  CLI::App* export_cmd = nullptr;
};
void add_nir(CLI::App& app, nir_args& a);
int nir(const nir_args& a, std::ostream& out, std::ostream& err);

struct train_args {
  app::train_options opt;  // the command line fills the operation's options directly
  bool verbose = false;
  bool quiet = false;
};
void add_train(CLI::App& app, train_args& a);

struct plot_args {
  std::string run_dir;
};
void add_plot(CLI::App& app, plot_args& a);
int plot(const plot_args& a, std::ostream& out, std::ostream& err);
int train(const train_args& a, std::ostream& out, std::ostream& err);
int rollout(const rollout_args& a, std::ostream& out, std::ostream& err);

}  // namespace spikeworm::cli
