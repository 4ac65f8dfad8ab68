// Command-line dispatch: one clear line and a non-zero exit for every error: 2 for bad input or a failing
// environment (including file-system and JSON errors from libraries), 3 only for a bug (docs/reliability.md).
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "spikeworm/cli/cli.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/mpi.hpp"

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

// The end of a command that failed with `message`. Over MPI ranks a failing rank ends the whole job, or the
// other ranks would wait for it for ever (docs/scaling.md): rank 0 prints and calls MPI_Abort at once; another
// rank first waits a second, so that an error every rank meets (a bad config) is printed once, by rank 0, whose
// abort ends the others before they print.
int fail(int code, const std::string& message, std::ostream& err) {
  if (!mpi::spread()) {
    err << "spikeworm: " << message << "\n";
    return code;
  }
  using namespace std::chrono_literals;
  if (mpi::rank() != 0) std::this_thread::sleep_for(1s);
  err << "spikeworm: " << (mpi::rank() != 0 ? fmt::format("rank {} of {}: ", mpi::rank(), mpi::size()) : "")
      << message << "\n"
      << std::flush;
  mpi::abort(code);
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"spikeworm: an event-driven spiking-network simulator, trainer and energy/deployment modeller",
               "spikeworm"};
  app.require_subcommand(1);
  app.footer("Over MPI ranks, `mpirun -np R spikeworm simulate ...` runs one network split between the ranks, and "
             "`train|sweep|eval ...` share sessions, sweep points or agents; both write what one process writes "
             "(docs/scaling.md).");
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
  // Over MPI ranks only rank 0 prints (docs/scaling.md); every rank prints its own error (fail()).
  std::ostream discard(nullptr);
  std::ostream& o = mpi::rank() == 0 ? out : discard;
  std::ostream& e = mpi::rank() == 0 ? err : discard;
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& ex) {
    // --help and --version exit 0; every usage error exits 2 like any other bad input (CLI11's own codes
    // would tell them apart by 100 + its error class, which no user asks for).
    return app.exit(ex, o, e) == 0 ? 0 : 2;
  }
  // train, sweep and eval share their work between ranks and simulate runs on every rank; any other command runs
  // on rank 0 alone.
  if (mpi::rank() != 0 && !app.got_subcommand("train") && !app.got_subcommand("sweep") &&
      !app.got_subcommand("eval") && !app.got_subcommand("simulate"))
    return 0;
  try {
    if (const int n = quick_episodes(e); n > 0) {
      cap(tr.opt.episodes, n, 0);
      cap(tr.opt.final_eval, n, -1);  // 0 (off) stays off
      cap(sw.opt.episodes, n, 0);
      cap(sw.opt.eval_episodes, n, 0);
      cap(ev.episodes, n, 0);
      cap(en.episodes, n, 0);
      cap(dp.episodes, n, 0);
    }
    if (app.got_subcommand("simulate")) return simulate(sim, o, e);
    if (app.got_subcommand("rollout")) return rollout(roll, o, e);
    if (app.got_subcommand("train")) return train(tr, o, e);
    if (app.got_subcommand("plot")) return plot(pl, o, e);
    if (app.got_subcommand("eval")) return eval(ev, o, e);
    if (app.got_subcommand("energy")) return energy(en, o, e);
    if (app.got_subcommand("sweep")) return sweep(sw, o, e);
    if (app.got_subcommand("deploy")) return deploy(dp, o, e);
    if (app.got_subcommand("map")) return map(mp, o, e);
    if (app.got_subcommand("nir")) return nir(nr, o, e);
  } catch (const spikeworm::error& ex) {
    return fail(2, fmt::format("error: {}", ex.what()), err);
  } catch (const spikeworm::internal_error& ex) {
    return fail(3, fmt::format("internal error (a bug, please report it): {}", ex.what()), err);
  } catch (const std::filesystem::filesystem_error& ex) {
    // Input and environment, never a bug (docs/reliability.md): the paths and the OS reason.
    return fail(2, "error: " + describe(ex), err);
  } catch (const std::system_error& ex) {
    return fail(2, fmt::format("error: {}", ex.what()), err);
  } catch (const nlohmann::json::exception& ex) {
    return fail(2, fmt::format("error: malformed JSON input: {}", ex.what()), err);
  } catch (const std::bad_alloc&) {
    return fail(2, "error: out of memory", err);
  } catch (const std::exception& ex) {
    return fail(3, fmt::format("internal error (a bug, please report it): {}", ex.what()), err);
  }
  return 0;
}

}  // namespace spikeworm::cli
