// spikeworm eval: parse, app::eval (trained agents replayed on the event engine, the reference stepper or
// the dense pass), print task figures and per-layer activity next to the dense equivalents.

#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/app/eval.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

void add_eval(CLI::App& app, eval_args& a) {
  auto* c = app.add_subcommand("eval",
                               "Replay trained agents greedy and sampled: task success and steps per agent, spikes, "
                               "firing rates, SOPs, neuron updates and events per layer and decision, next to dense MACs");
  c->footer("mpirun -np R spikeworm eval ...: agent k on rank k mod R, the eval.json of one process (docs/scaling.md)");
  c->add_option("run", a.run, "a training run folder (every session's weights) or one weights file")->required();
  c->add_option("--engine", a.engine, "event (default), clock (reference stepper) or dense (the trainer's pass)")
      ->check(CLI::IsMember({"event", "clock", "dense"}));
  c->add_option("--episodes", a.episodes, "episodes per agent (default 100)")->check(CLI::Range(1, 1000000));
  c->add_option("--seed", a.seed, "episode k starts from the seed of (S, k), for every agent (default 1000)")
      ->check(seed_check());
  auto* policy = c->add_option("--policy", a.policy, "both (default): every episode played greedy (most likely action) and sampled "
                                      "(from the softmax, as in training); greedy or sampled: that one only")
      ->check(CLI::IsMember({"both", "greedy", "sampled"}));
  c->add_flag("--sample", a.sample, "the same as --policy sampled")->excludes(policy);
  c->add_option("--threads", a.threads, "agents evaluated in parallel (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 256));
  c->add_option("--config", a.config, "the experiment config (default: config.toml of the run folder)");
  c->add_option("--out", a.out, "JSON report (default: RUN/eval.json, or WEIGHTS.eval.json for a weights file)");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

std::string si(double x) {
  if (x >= 1e9) return fmt::format("{:.3g} G", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.3g} M", x / 1e6);
  if (x >= 1e4) return fmt::format("{:.3g} k", x / 1e3);
  return fmt::format("{:.4g}", x);
}

void print_eval(const eval_result& r, std::ostream& out) {
  out << fmt::format("{} brain, {} agent(s) x {} episodes on the {} {}\n", brain_kind_name(r.brain_type), r.agents,
                     r.agents ? r.episodes / r.agents : 0, r.engine == "dense" ? "dense" : r.engine,
                     r.engine == "dense" ? "pass" : "engine");
  out << fmt::format("  {} success {:.1f}% ({} of {}), mean steps of successes {:.1f}, decisions {}\n", r.policy,
                     100 * r.success_rate(),
                     r.successes, r.episodes, r.mean_steps_success, r.decisions);
  if (r.policy == "greedy" && r.sampled)
    out << fmt::format("  sampled success {:.1f}% ({} of {}), mean steps of successes {:.1f}, decisions {}\n",
                       100 * r.sampled->success_rate(), r.sampled->successes, r.sampled->episodes,
                       r.sampled->mean_steps_success, r.sampled->decisions);
  if (r.brain_type == brain_kind::spiking) {
    out << fmt::format("\n{:<30}", fmt::format("per decision ({} steps of {} ms)", r.steps, r.dt_ms));
    for (const auto& l : r.layers_counts) out << fmt::format("{:>12}", l.name);
    out << fmt::format("   ({} episodes)\n", r.policy);
    auto line = [&](const char* label, auto f) {
      out << fmt::format("  {:<28}", label);
      for (std::size_t k = 0; k < r.layers_counts.size(); ++k) out << fmt::format("{:>12}", f(k));
      out << "\n";
    };
    line("neurons", [&](std::size_t k) { return fmt::format("{}", r.layers_counts[k].neurons); });
    line("spikes", [&](std::size_t k) { return fmt::format("{:.1f}", r.per_decision(r.layers_counts[k].spikes)); });
    line("firing rate", [&](std::size_t k) { return fmt::format("{:.3g} Hz", r.firing_rate_hz(k)); });
    line("fan-out", [&](std::size_t k) { return fmt::format("{}", r.layers_counts[k].fan_out); });
    line("synaptic operations (SOPs)", [&](std::size_t k) { return si(r.per_decision(r.layers_counts[k].sops)); });
    line("neuron updates performed", [&](std::size_t k) { return si(r.per_decision(r.layers_counts[k].updates)); });
    line("events queued", [&](std::size_t k) { return si(r.per_decision(r.layers_counts[k].events)); });
    std::uint64_t sops = 0, updates = 0;
    for (const auto& l : r.layers_counts) {
      sops += l.sops;
      updates += l.updates;
    }
    out << "  (SOPs: spikes x fan-out; firing rate: spikes per neuron per step x 1000 / dt)\n";
    out << "\ndense equivalents per decision (MACs: multiply-accumulates)\n";
    out << fmt::format("  {:<44}{:>12}\n", "SOPs, all layers (readout included)", si(r.per_decision(sops)));
    out << fmt::format("  {:<44}{:>12}\n", "MACs, same network clock-driven", si(static_cast<double>(r.clock_macs)));
    out << fmt::format("  {:<44}{:>12}\n", "neuron updates performed", si(r.per_decision(updates)));
    out << fmt::format("  {:<44}{:>12}\n", "neuron updates clock-driven (neurons x steps)",
                       si(r.per_decision(r.dense_updates)));
    out << fmt::format("  {:<44}{:>12}\n", "MACs, input layer (real-valued input)", si(static_cast<double>(r.input_macs)));
    if (r.head_macs)
      out << fmt::format("  {:<44}{:>12}\n", "MACs, dense head on the spike counts", si(static_cast<double>(r.head_macs)));
    out << fmt::format("  {:<44}{:>12}\n", "MACs, ReLU network of the same shape", si(static_cast<double>(r.ann_macs)));
  }
  out << fmt::format("  {:<44}{:>12}\n",
                     fmt::format("MACs, MLP baseline {}x{} (one pass)", r.mlp_layers, r.mlp_hidden),
                     si(static_cast<double>(r.mlp_macs)));
  const auto nb = r.neurobench();
  out << fmt::format("\nNeuroBench (per decision, docs/energy.md): effective MACs {}, effective ACs (accumulates) {}, "
                     "dense {},\n  activation sparsity {}, membrane updates {}, footprint {} bytes, connection "
                     "sparsity {:.1f}%\n",
                     si(nb["SynapticOperations"]["Effective_MACs"].get<double>()),
                     si(nb["SynapticOperations"]["Effective_ACs"].get<double>()),
                     si(nb["SynapticOperations"]["Dense"].get<double>()),
                     nb["ActivationSparsity"].is_null() ? std::string("not measured")
                                                        : fmt::format("{:.2f}%", 100 * nb["ActivationSparsity"].get<double>()),
                     si(nb["MembraneUpdates"].get<double>()), nb["Footprint"].get<std::uint64_t>(),
                     100 * nb["ConnectionSparsity"].get<double>());
  out << fmt::format("\nwall time of the brain: {:.1f} µs per decision ({} engine)\n",
                     r.decisions ? 1e6 * r.seconds / static_cast<double>(r.decisions) : 0.0, r.engine);
}

namespace {

std::string success_cell(const std::optional<policy_figures>& p) {
  return p ? fmt::format("{:.1f}% {:>9}", 100 * p->success_rate(), fmt::format("{}/{}", p->successes, p->episodes))
           : std::string("-");
}
std::string steps_cell(const std::optional<policy_figures>& p, bool median) {
  if (!p || p->successes == 0) return "-";
  return fmt::format("{:.1f}", median ? p->median_steps_success : p->mean_steps_success);
}
std::string spikes_cell(const eval_result& r, const std::optional<policy_figures>& p) {
  return p && r.brain_type == brain_kind::spiking ? fmt::format("{:.1f}", p->spikes_per_decision()) : std::string("-");
}

}  // namespace

void print_agents(const eval_result& r, const std::vector<std::string>& names, std::ostream& out) {
  out << "per agent (greedy: the most likely action; sampled: drawn from the softmax, as in training; steps of the "
         "successes)\n";
  out << fmt::format("  {:<12} {:>18} {:>7} {:>7} {:>10} {:>18} {:>7} {:>7} {:>10}\n", "", "greedy", "median",
                     "mean", "spikes", "sampled", "median", "mean", "spikes");
  out << fmt::format("  {:<12} {:>18} {:>7} {:>7} {:>10} {:>18} {:>7} {:>7} {:>10}\n", "session", "success",
                     "steps", "steps", "/decision", "success", "steps", "steps", "/decision");
  auto row = [&](const std::string& name, const std::optional<policy_figures>& g,
                 const std::optional<policy_figures>& s) {
    out << fmt::format("  {:<12} {:>18} {:>7} {:>7} {:>10} {:>18} {:>7} {:>7} {:>10}\n", name, success_cell(g),
                       steps_cell(g, true), steps_cell(g, false), spikes_cell(r, g), success_cell(s),
                       steps_cell(s, true), steps_cell(s, false), spikes_cell(r, s));
  };
  for (std::size_t k = 0; k < r.per_agent.size(); ++k)
    row(k < names.size() ? names[k] : fmt::format("{}", k), r.per_agent[k].greedy, r.per_agent[k].sampled);
  if (r.per_agent.size() > 1) row("all", r.greedy, r.sampled);
  for (const auto& [name, p] : {std::pair{"greedy", &r.greedy}, std::pair{"sampled", &r.sampled}})
    if (*p)
      out << fmt::format("  {:<8} episode ends: {} successes, {} timeouts, {} starved, {} killed by predators; "
                         "foods eaten per episode {:.2f}\n",
                         name, (*p)->successes, (*p)->timeouts, (*p)->starved, (*p)->killed, (*p)->mean_foods());
}

int eval(const eval_args& a, std::ostream& out, std::ostream& err) {
  const app::loaded_run run = app::load_run(a.run, a.config);
  app::eval_request req;
  req.run = a.run;
  req.out = a.out;
  req.options.engine = parse_eval_engine(a.engine);
  req.options.episodes = a.episodes;
  req.options.seed = static_cast<std::uint64_t>(a.seed);
  req.options.policy = a.sample ? eval_policy::sampled : parse_eval_policy(a.policy);
  req.threads = a.threads;
  req.spread = a.spread;
  std::atomic<int> done{0};
  app::eval_outcome r;
  {
    progress_bar bar(err, "eval", run.weights.size(), a.quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
    r = watch_progress(bar, done, a.quiet, [&] { return app::eval(req, run, &done); });
    bar.update(run.weights.size());
    bar.finish();
  }
  if (a.spread && mpi::rank() != 0) return 0;  // rank 0 holds the merged result (docs/scaling.md)
  print_eval(r.result, out);
  std::vector<std::string> names;
  for (const auto& w : run.weights) names.push_back(std::filesystem::path(w).stem().string());
  out << "\n";
  print_agents(r.result, names, out);
  out << fmt::format("wrote {}\n", r.written.string());
  return 0;
}

}  // namespace spikeworm::cli
