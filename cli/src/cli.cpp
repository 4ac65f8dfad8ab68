// Command-line dispatch: one clear line and a non-zero exit for every error: 2 for bad input or a failing
// environment (including file-system and JSON errors from libraries), 3 only for a bug (docs/reliability.md).
#include <exception>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "spikeworm/cli/cli.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm::cli {

namespace {

std::string describe(const std::filesystem::filesystem_error& e) {
  std::string s = e.path1().empty() ? std::string() : e.path1().string() + ": ";
  if (!e.path2().empty()) s += e.path2().string() + ": ";
  return s + e.code().message();
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"spikeworm: an event-driven spiking-network simulator, trainer and energy/deployment modeller",
               "spikeworm"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "spikeworm " SPIKEWORM_VERSION);
  simulate_args sim;
  add_simulate(app, sim);
  rollout_args roll;
  add_rollout(app, roll);
  train_args tr;
  add_train(app, tr);
  plot_args pl;
  add_plot(app, pl);
  eval_args ev;
  add_eval(app, ev);
  energy_args en;
  add_energy(app, en);
  sweep_args sw;
  add_sweep(app, sw);
  deploy_args dp;
  add_deploy(app, dp);
  map_args mp;
  add_map(app, mp);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2 like any other bad input (CLI11's own codes
    // would tell them apart by 100 + its error class, which no user asks for).
    return app.exit(e, out, err) == 0 ? 0 : 2;
  }
  try {
    if (app.got_subcommand("simulate")) return simulate(sim, out, err);
    if (app.got_subcommand("rollout")) return rollout(roll, out, err);
    if (app.got_subcommand("train")) return train(tr, out, err);
    if (app.got_subcommand("plot")) return plot(pl, out, err);
    if (app.got_subcommand("eval")) return eval(ev, out, err);
    if (app.got_subcommand("energy")) return energy(en, out, err);
    if (app.got_subcommand("sweep")) return sweep(sw, out, err);
    if (app.got_subcommand("deploy")) return deploy(dp, out, err);
    if (app.got_subcommand("map")) return map(mp, out, err);
  } catch (const spikeworm::error& e) {
    err << "spikeworm: error: " << e.what() << "\n";
    return 2;
  } catch (const spikeworm::internal_error& e) {
    err << "spikeworm: internal error (a bug, please report it): " << e.what() << "\n";
    return 3;
  } catch (const std::filesystem::filesystem_error& e) {
    // Input and environment, never a bug (docs/reliability.md): the paths and the OS reason.
    err << "spikeworm: error: " << describe(e) << "\n";
    return 2;
  } catch (const std::system_error& e) {
    err << "spikeworm: error: " << e.what() << "\n";
    return 2;
  } catch (const nlohmann::json::exception& e) {
    err << "spikeworm: error: malformed JSON input: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    err << "spikeworm: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    err << "spikeworm: internal error (a bug, please report it): " << e.what() << "\n";
    return 3;
  }
  return 0;
}

}  // namespace spikeworm::cli
