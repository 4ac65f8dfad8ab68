// spikeworm train: parse, app::train, print the tables.
#include <atomic>
#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/train.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

void add_train(CLI::App& app, train_args& a) {
  auto* c = app.add_subcommand("train", "Train spiking or MLP brains with REINFORCE or CMA-ES on a navigation task");
  c->footer("mpirun -np R spikeworm train ...: session k on rank k mod R, the files of one process; --threads is per "
            "rank (docs/scaling.md)");
  c->add_option("config", a.opt.config, "experiment configuration (TOML with [env], [brain], [train])");
  c->add_option("--sessions", a.opt.sessions, "independent sessions, seeds S..S+K-1 (default: [train] sessions)")
      ->check(CLI::Range(1, 10000));
  c->add_option("--episodes", a.opt.episodes, "episodes per session (default: [train] episodes)")->check(CLI::Range(1, 10000000));
  c->add_option("--threads", a.opt.threads, "worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  c->add_option("--seed", a.opt.seed, "seed of the first session (default: [train] seed)")->check(seed_check());
  c->add_option("--out", a.opt.out_dir, "output folder (default: runs/train)");
  c->add_option("--checkpoint-every", a.opt.checkpoint_every, "write the complete training state every N episodes")
      ->check(CLI::Range(1, 10000000));
  c->add_option("--final-eval", a.opt.final_eval, "greedy episodes each finished agent plays after training, shown "
                                                 "next to its training figures (default 20; 0: none)")
      ->check(CLI::Range(0, 1000000));
  c->add_flag("--force", a.opt.force,
              "train into a non-empty --out: first delete what a run writes there (weights/, checkpoints/, plots/, "
              "*.json, *.csv, config.toml, train.log)");
  c->add_option("--resume", a.opt.resume, "continue the run in this folder from its checkpoints");
  c->add_option("--init-weights", a.opt.init_weights,
                "transfer: start every session from these weights instead of the initialisation, a weights file "
                "(weights/session_K.bin) or a run folder (session k from its session k mod n); a fresh optimiser; "
                "overrides [train] init_weights");
  add_max_memory(c, a.opt.max_memory);
  c->add_flag("-v,--verbose", a.verbose, "one line per episode");
  c->add_flag("-q,--quiet", a.quiet, "no progress output");
}

namespace {

std::atomic<int> g_signal{0};  // set by SIGINT/SIGTERM during train (docs/training.md, "Interrupting a run")
extern "C" void on_stop_signal(int sig) { g_signal.store(sig); }

// Installs the handlers for the life of the object and restores the previous ones.
struct stop_on_signals {
  stop_on_signals() {
    g_signal.store(0);
    old_int = std::signal(SIGINT, on_stop_signal);
    old_term = std::signal(SIGTERM, on_stop_signal);
  }
  ~stop_on_signals() {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
  }
  stop_on_signals(const stop_on_signals&) = delete;
  stop_on_signals& operator=(const stop_on_signals&) = delete;
  void (*old_int)(int);
  void (*old_term)(int);
};

}  // namespace

int train(const train_args& a, std::ostream& out, std::ostream& err) {
  const stop_on_signals handlers;
  auto opt = a.opt;
  opt.stop = &g_signal;
  std::optional<progress_bar> bar;
  const auto mode = a.quiet || a.verbose ? progress_bar::mode::off : progress_bar::mode::automatic;
  const auto r = app::train(opt, [&](const app::train_progress& p) {
    if (!bar) bar.emplace(err, "train", p.total, mode);
    if (a.verbose && p.record) {
      const auto& e = *p.record;
      out << fmt::format("session {} episode {:4d}: {:<8} steps {:4d} reward {:8.3f} loss {:8.4f} lr {:.2e} "
                         "beta {:.3f} entropy {:.3f}\n",
                         p.session, e.episode, e.outcome, e.steps, e.reward, e.loss, e.lr, e.beta, e.entropy)
          << std::flush;  // one line per episode as it ends, also into a file or a pipe
    }
    bar->update(p.done, fmt::format("{}/{} episodes", p.done, p.total));
  });
  if (bar) bar->finish();
  if (r.interrupted && r.cfg.train.algorithm == train_algorithm::cmaes) {
    err << fmt::format("spikeworm: interrupted by signal {}: CMA-ES runs have no checkpoints, nothing was written\n",
                       r.interrupted);
    return 128 + r.interrupted;
  }
  if (r.interrupted) {
    err << fmt::format("spikeworm: interrupted by signal {}: every running session wrote its checkpoint at its "
                       "episode boundary; continue with: spikeworm train --resume {}\n",
                       r.interrupted, r.dir.string());
    return 128 + r.interrupted;  // 130 for SIGINT, 143 for SIGTERM
  }
  if (mpi::rank() != 0) return 0;  // rank 0 holds every session's figures (docs/scaling.md)
  out << app::train_report(r);
  for (std::size_t k = 0; k < r.per_session.size(); ++k)
    if (r.per_session[k].failed())
      err << "spikeworm: error: " << r.per_session[k].error << " (the session stopped; " << app::failure_note(r, k)
          << ")\n";
  return r.failed() ? 2 : 0;
}

}  // namespace spikeworm::cli
