// The tables of a training run: one row per session and the summary over sessions.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "spikeworm/app/train.hpp"

namespace spikeworm::app {

namespace {

std::string stats(const std::vector<double>& v, const char* fmtspec) {
  double mn = v.empty() ? 0 : v[0], mx = mn, sum = 0;
  for (double x : v) {
    mn = std::min(mn, x);
    mx = std::max(mx, x);
    sum += x;
  }
  const double mean = v.empty() ? 0 : sum / static_cast<double>(v.size());
  return fmt::format(fmt::runtime(fmt::format("{{:{0}}} [{{:{0}}}, {{:{0}}}]", fmtspec)), mean, mn, mx);
}

// Per-session columns gathered for the summary.
struct columns {
  std::vector<double> sr, l30, s30, eff, conv, psr, pvar, comp, wall, eps, greedy, greedy_steps;
  std::vector<std::vector<double>> rate;
};

std::string session_rows(const train_result& r, columns& c) {
  const bool cma = r.cfg.train.algorithm == train_algorithm::cmaes;
  std::string out;
  // The layer count comes from the config: a session that failed before its first episode has no rates.
  const std::size_t layers = r.cfg.brain.kind == brain_kind::spiking ? static_cast<std::size_t>(r.cfg.brain.layers) : 0;
  // Rates in Hz at the brain's step: spikes per neuron per step x 1000 / dt (docs/training.md).
  const double hz = 1000.0 / r.cfg.brain.dt_ms;
  // 120 columns with three layers and the greedy evaluation: wall time and episodes per second are in the
  // summary below and in sessions.csv.
  out += fmt::format("{:>7} {:>4} {:>7} {:>7} {:>7} {:>6} {:>5} {:>7} {:>8} {:>9}", "session", "seed", "success",
                     "last30", "steps30", "eff", "conv", "post SR", "post var", "composite");
  for (std::size_t l = 0; l < layers; ++l) out += fmt::format(" {:>8}", fmt::format("L{} [Hz]", l + 1));
  if (r.final_eval > 0) out += fmt::format(" {:>7} {:>6}", "greedy", "steps");
  out += "\n";
  c.rate.resize(layers);
  for (std::size_t k = 0; k < r.per_session.size(); ++k) {
    const auto& s = r.per_session[k];
    const auto& m = s.metrics;
    const double eps = s.wall_seconds > 0 ? s.episodes / s.wall_seconds : 0.0;
    out += fmt::format("{:>7} {:>4} {:>6.1f}% {:>6.1f}% {:>7.1f} {:>6.3f} {:>5} {:>6.1f}% {:>8.3f} {:>9.3f}", k, s.seed,
                       100 * m.success_rate, 100 * m.last30_success, m.last30_steps, m.path_efficiency,
                       m.convergence_run, 100 * m.post_success, m.post_variance, m.composite);
    for (std::size_t l = 0; l < layers; ++l) {
      if (l >= m.spike_rate.size()) {
        out += fmt::format(" {:>8}", "-");
        continue;
      }
      out += fmt::format(" {:>8.2f}", hz * m.spike_rate[l]);
      if (!s.failed()) c.rate[l].push_back(hz * m.spike_rate[l]);
    }
    if (r.final_eval > 0) {
      const auto& g = s.final_eval;
      out += fmt::format(" {:>7} {:>6}", g ? fmt::format("{:.1f}%", 100 * g->success_rate()) : "-",
                         g && g->successes ? fmt::format("{:.1f}", g->mean_steps_success) : "-");
      if (g) {
        c.greedy.push_back(100 * g->success_rate());
        if (g->successes) c.greedy_steps.push_back(g->mean_steps_success);
      }
    }
    out += s.failed() ? "  FAILED\n" : "\n";
    if (s.failed()) continue;  // failed sessions are excluded from the means (docs/training.md, "Failure")
    c.sr.push_back(100 * m.success_rate); c.l30.push_back(100 * m.last30_success); c.s30.push_back(m.last30_steps);
    c.eff.push_back(m.path_efficiency); c.conv.push_back(m.convergence_run); c.psr.push_back(100 * m.post_success);
    c.pvar.push_back(m.post_variance); c.comp.push_back(m.composite); c.wall.push_back(s.wall_seconds);
    c.eps.push_back(eps);
  }
  out += fmt::format(
      "success, last30: success rate over all episodes and over the last 30 ({}); steps30: mean\n"
      "steps of the last-30 successes; eff: {} efficiency; conv: convergence run, the first episode (>= 20)\n"
      "that starts 10 successes in a row (-1: none); post SR, post var: success rate from conv on and its variance\n"
      "SR (1 - SR); composite: docs/training.md; L1 [Hz]..: hidden-layer firing rates{}\n",
      cma ? "greedy, CMA-ES candidates" : "sampled actions", r.foraging ? "distance" : "path",
      r.final_eval > 0 ? ";\ngreedy, steps: greedy evaluation success and mean steps of its successes" : "");
  return out;
}

}  // namespace

std::string failure_note(const train_result& r, std::size_t k) {
  const auto& s = r.per_session.at(k);
  const auto weights = r.dir / "weights" / fmt::format("session_{}.bin", k);
  std::string out = std::filesystem::exists(weights)
                        ? fmt::format("{} was not overwritten (it holds an earlier export)", weights.string())
                        : fmt::format("no weights were exported for session {}", k);
  if (s.checkpoint_episode > 0)
    out += fmt::format("; checkpoints/session_{}.ckpt holds its first {} episodes (train --resume continues from it)",
                       k, s.checkpoint_episode);
  else
    out += "; no checkpoint was kept (the default checkpoint period is end-only: see --checkpoint-every)";
  return out;
}

std::string train_report(const train_result& r) {
  const bool cma = r.cfg.train.algorithm == train_algorithm::cmaes;
  std::string out = fmt::format("{} on {} ({}), {} sessions x {} episodes, {} threads\n\n",
                                brain_kind_name(r.cfg.brain.kind), envs::kind_name(r.cfg.env.kind), r.cfg.env.preset,
                                r.sessions, r.episodes, r.threads);
  columns c;
  out += session_rows(r, c);
  const int failed = r.failed();
  if (failed > 0 && failed == static_cast<int>(r.per_session.size())) {
    out += "\nsummary: none, every session failed\n";
    return out + fmt::format("\nwrote {}/{{episodes.csv, sessions.csv, summary.json}}\n", r.dir.string());
  }
  out += failed > 0 ? fmt::format("\nsummary over the {} finished sessions ({} failed, excluded): mean [min, max]\n",
                                  static_cast<int>(r.per_session.size()) - failed, failed)
                    : std::string("\nsummary: mean [min, max]\n");
  auto row = [&](const std::string& k, const std::string& v) { out += fmt::format("  {:<28} {}\n", k, v); };
  row("success rate [%]", stats(c.sr, ".1f"));
  row("last-30 success [%]", stats(c.l30, ".1f"));
  row("last-30 steps (successes)", stats(c.s30, ".1f") + fmt::format("   optimum {}", r.optimum));
  row(r.foraging ? "distance efficiency" : "path efficiency", stats(c.eff, ".3f"));
  row("convergence run (-1: none)", stats(c.conv, ".1f"));
  row("post-convergence success [%]", stats(c.psr, ".1f"));
  row("post-convergence variance", stats(c.pvar, ".3f"));
  row("composite", stats(c.comp, ".3f"));
  if (r.final_eval > 0 && !c.greedy.empty()) {
    double secs = 0;
    for (const auto& s : r.per_session) secs += s.final_eval_seconds;
    row("greedy eval success [%]", stats(c.greedy, ".1f") +
                                   fmt::format("   {} episodes per agent, {:.2f} s in all", r.final_eval, secs));
    if (!c.greedy_steps.empty()) row("greedy steps (successes)", stats(c.greedy_steps, ".1f"));
  }
  for (std::size_t l = 0; l < c.rate.size(); ++l)
    row(fmt::format("firing rate L{} [Hz]", l + 1), stats(c.rate[l], ".2f"));
  row("wall time per session [s]", stats(c.wall, ".2f") + fmt::format("   all: {:.2f} s", r.wall_seconds));
  row("episodes per second", stats(c.eps, ".2f"));
  out += fmt::format("\nwrote {}/{{episodes.csv, sessions.csv, summary.json, weights/{}}}\n", r.dir.string(),
                     cma ? "" : ", checkpoints/");
  return out;
}

}  // namespace spikeworm::app
