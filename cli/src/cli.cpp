// Command-line dispatch: one clear line and a non-zero exit for every error: 2 for bad input or a failing
// environment (including file-system and JSON errors from libraries), 3 only for a bug (docs/reliability.md).
#include <charconv>
#include <cstdlib>
#include <cstring>
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

// SPIKEWORM_QUICK=N: every episode count of train, sweep, eval, energy and deploy capped at N (docs tests;
// docs/getting-started.md). Announced on stderr, so a shortened run is never taken for a real one.
int quick_episodes(std::ostream& err) {
  const char* q = std::getenv("SPIKEWORM_QUICK");
  if (!q || !*q) return 0;
  int n = 0;
  const auto [end, ec] = std::from_chars(q, q + std::strlen(q), n);
  if (ec != std::errc() || *end != '\0' || n < 1)
    throw error(fmt::format("SPIKEWORM_QUICK '{}': expected a positive number of episodes", q));
  err << fmt::format("spikeworm: SPIKEWORM_QUICK={}: episode counts capped at {} (a shortened run)\n", n, n);
  return n;
}

template <class T>
void cap(T& value, int n, T unset) {
  if (value == unset || value > n) value = static_cast<T>(n);
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
  nir_args nr;
  add_nir(app, nr);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2 like any other bad input (CLI11's own codes
    // would tell them apart by 100 + its error class, which no user asks for).
    return app.exit(e, out, err) == 0 ? 0 : 2;
  }
  try {
    if (const int n = quick_episodes(err); n > 0) {
      cap(tr.opt.episodes, n, 0);
      cap(tr.opt.final_eval, n, -1);  // 0 (off) stays off
      cap(sw.opt.episodes, n, 0);
      cap(sw.opt.eval_episodes, n, 0);
      cap(ev.episodes, n, 0);
      cap(en.episodes, n, 0);
      cap(dp.episodes, n, 0);
    }
    if (app.got_subcommand("simulate")) return simulate(sim, out, err);
    if (app.got_subcommand("rollout")) return rollout(roll, out, err);
    if (app.got_subcommand("train")) return train(tr, out, err);
    if (app.got_subcommand("plot")) return plot(pl, out, err);
    if (app.got_subcommand("eval")) return eval(ev, out, err);
    if (app.got_subcommand("energy")) return energy(en, out, err);
    if (app.got_subcommand("sweep")) return sweep(sw, out, err);
    if (app.got_subcommand("deploy")) return deploy(dp, out, err);
    if (app.got_subcommand("map")) return map(mp, out, err);
    if (app.got_subcommand("nir")) return nir(nr, out, err);
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
