// Subcommands of the spikeworm command line.
#pragma once

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace spikeworm::cli {

struct simulate_args {
  std::string config;
  double duration = -1;  // [s]; < 0: from the config
  int threads = -1;
  long long seed = -1;
  std::string engine;
  std::string out_dir;
  bool quiet = false;
};
void add_simulate(CLI::App& app, simulate_args& a);
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

struct train_args {
  std::string config;
  int sessions = 0;       // 0: from the config
  int episodes = 0;
  int threads = 0;
  long long seed = -1;
  std::string out_dir;
  int checkpoint_every = 0;
  std::string resume;
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
