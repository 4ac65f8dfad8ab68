// spikeworm deploy: a trained spiking agent mapped onto a neuromorphic chip, quantized to its precision and
// run in fixed point: cores, traffic, energy, latency and task success next to the float agent.

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/deploy.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/units.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

void add_deploy(CLI::App& app, deploy_args& a) {
  auto* c = app.add_subcommand("deploy",
                               "Map a trained spiking agent onto a neuromorphic chip (configs/chips): cores and "
                               "utilisation, routed spikes and hops, quantized fixed-point run, energy and latency "
                               "per decision, success quantized vs float");
  c->add_option("run", a.run, "a training run folder or one weights file")->required();
  c->add_option("--chip", a.chips, "chip profile name(s) in configs/chips (loihi, loihi2, truenorth, spinnaker, "
                                   "spinnaker2) or a .toml path")->required();
  c->add_option("--episodes", a.episodes, "greedy episodes, float and quantized on the same seeds (default 100)")
      ->check(CLI::Range(1, 1000000));
  c->add_option("--seed", a.seed, "episode k starts from the seed of (S, k) (default 1000)")->check(seed_check());
  c->add_option("--session", a.session, "which session's agent of a run folder (default: the best on 20 greedy selection "
                                        "episodes seeded apart from the report's: highest success, ties by fewer mean "
                                        "steps, then lower session index; every agent's figures are printed)")->check(CLI::NonNegativeNumber);
  c->add_option("--partitioner", a.partitioner, "greedy (default), metis, sequential or round_robin")
      ->check(CLI::IsMember({"greedy", "metis", "sequential", "round_robin"}));
  c->add_option("--chips-dir", a.chips_dir, "folder of chip profiles (default: configs/chips of the data folder); "
                                            "their host datapath tables come from configs/energy of the data folder");
  c->add_option("--config", a.config, "the experiment config (default: config.toml of the run folder)");
  c->add_option("--out", a.out, "JSON report (default: RUN/deploy_CHIP.json, or WEIGHTS.deploy_CHIP.json)");
  c->add_flag("--no-plot", a.no_plot, "no deploy_CHIP.png");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

namespace {

std::string energy_str(double pj) { return format_energy(pj); }

std::string limit_str(std::int64_t used, std::int64_t cap) {
  return cap > 0 ? fmt::format("{}/{} ({:.0f}%)", used, cap, 100.0 * static_cast<double>(used) / static_cast<double>(cap))
                 : fmt::format("{} (no limit)", used);
}

void print_report(const deploy_report& r, std::ostream& out) {
  const auto& c = r.chip;
  const auto& m = r.map;
  out << fmt::format("\n== {} ({}) ==\n", c.name, c.id);
  out << fmt::format("mapping ({}): {} of {} cores{}\n", m.method, m.cores_used + m.splitter_cores, c.cores,
                     m.splitter_cores ? fmt::format(" ({} splitter cores, {} splitter neurons, +{} step of delay)",
                                                    m.splitter_cores, m.splitter_neurons, m.extra_delay)
                                      : std::string());
  out << fmt::format("  {:>5} {:>8} {:>18} {:>18} {:>18} {:>24}\n", "core", "mesh", "neurons", "input axons",
                     "output axons", "synapse memory [B]");
  const std::size_t shown = std::min<std::size_t>(m.usage.size(), 16);
  for (std::size_t k = 0; k < shown; ++k) {
    const auto& u = m.usage[k];
    out << fmt::format("  {:>5} {:>8} {:>18} {:>18} {:>18} {:>24}\n",
                       k < static_cast<std::size_t>(m.cores_used) ? fmt::format("{}", k) : fmt::format("{}s", k),
                       fmt::format("({},{})", m.position[k].first, m.position[k].second),
                       limit_str(u.neurons, c.neurons_per_core), limit_str(u.axons_in, c.axons_in_per_core),
                       limit_str(u.axons_out, c.axons_out_per_core), limit_str(u.synapse_bytes, c.synapse_memory_bytes));
  }
  if (m.splitter_cores) out << "  (s: splitter core)\n";
  if (shown < m.usage.size()) out << fmt::format("  ... {} more cores in the JSON report\n", m.usage.size() - shown);
  out << fmt::format("partitioners (routed spike messages per decision, quantized run's rates): {} {:.1f}",
                     m.method, r.routes.routed);
  for (std::size_t k = 0; k < r.alternatives.size(); ++k)
    out << fmt::format(", {} {:.1f} ({} cores)", r.alternatives[k].method, r.alternative_traffic[k].routed,
                       r.alternatives[k].cores_used);
  out << "\nquantization (lsb: least significant bit of the integer membrane):";
  for (const auto& q : r.quant.pops)
    if (q.lsb > 0)
      out << fmt::format(" {}: threshold {} lsb, decay {:.6g} -> {:.6g}{};", q.name, q.v_th, q.decay_float,
                         q.decay_quant, q.leak ? fmt::format(" (linear leak {} lsb)", q.leak) : std::string());
  out << "\n  weights:";
  for (const auto& p : r.quant.projs)
    out << fmt::format(" {}->{}: max |w| {:.4g}, step {:.3g}, max error {:.3g}{};", p.source, p.target, p.max_abs,
                       p.scale, p.max_error, c.ternary ? fmt::format(", {:.0f}% zero", 100 * p.zero_fraction) : "");
  out << "\n";
  const auto& f = r.float_run;
  const auto& q = r.quant_run;
  const double fd = std::max<double>(1, static_cast<double>(f.decisions)), qd = std::max<double>(1, static_cast<double>(q.decisions));
  double fs_ = 0, qs = 0;
  for (double x : f.spikes_per_neuron) fs_ += x;
  for (double x : q.spikes_per_neuron) qs += x;
  out << fmt::format("  {:<36}{:>14}{:>14}\n", "task (greedy, same episodes)", "float", "quantized");
  out << fmt::format("  {:<36}{:>13.1f}%{:>13.1f}%\n", "success", 100 * f.success_rate(), 100 * q.success_rate());
  out << fmt::format("  {:<36}{:>14.1f}{:>14.1f}\n", "mean steps of successes", f.mean_steps_success, q.mean_steps_success);
  out << fmt::format("  {:<36}{:>14.1f}{:>14.1f}\n", "spikes per decision", fs_ / fd, qs / qd);
  out << fmt::format("  {:<36}{:>14}{:>14}\n", "synaptic ops per decision", si(static_cast<double>(f.sops) / fd),
                     si(static_cast<double>(q.sops) / qd));
  out << fmt::format("  {:<36}{:>28}\n", "decisions with identical rasters",
                     fmt::format("{} of {}", q.identical_decisions, q.compared_decisions));
  if (q.saturated_biases) out << fmt::format("  bias values saturated: {}\n", q.saturated_biases);
  out << fmt::format("per decision (quantized): {} synaptic ops, {} neuron updates, {:.1f} spike messages "
                     "({:.1f} routed between cores), {:.1f} mesh hops; host: {:.1f} readout spikes in, {} multiply-accumulates\n",
                     si(r.synops), si(r.updates), r.messages, r.routes.routed, r.hops, r.host_spikes, si(r.host_macs));
  if (c.energy_published)
    out << fmt::format("energy per decision: chip {} (synaptic {}, neuron updates {}, routing {}); host {}; "
                       "static {}\n",
                       energy_str(r.energy_synop_pj + r.energy_update_pj + r.energy_route_pj),
                       energy_str(r.energy_synop_pj), energy_str(r.energy_update_pj), energy_str(r.energy_route_pj),
                       energy_str(r.energy_host_pj), c.static_mw > 0 ? energy_str(r.energy_static_pj) : "not modelled");
  else
    out << fmt::format("energy per decision: not published for {} (host {})\n", c.name, energy_str(r.energy_host_pj));
  out << fmt::format("latency per decision: {:.1f} µs ({})\n", r.latency_us,
                     c.time_step_us > 0 ? fmt::format("{} steps x {} µs tick", r.steps, c.time_step_us)
                                        : "asynchronous: busiest core per step + hops + barrier");
}

}  // namespace

int deploy(const deploy_args& a, std::ostream& out, std::ostream& err) {
  const loaded_run run = load_run(a.run, a.config);
  if (run.cfg.brain.kind != brain_kind::spiking)
    throw error(fmt::format("{}: a {} brain; deploy maps spiking brains onto neuromorphic chips", a.run,
                            brain_kind_name(run.cfg.brain.kind)));
  const std::string dir = a.chips_dir.empty() ? (data_dir() / "configs" / "chips").string() : a.chips_dir;
  std::vector<app::chip_setup> chips;
  const std::string tables_dir = (data_dir() / "configs" / "energy").string();
  for (const auto& name : a.chips) chips.push_back(app::load_chip(dir, name, tables_dir));
  for (const auto& chip : chips)  // before any work
    check_output_writable(app::deploy_report_path(a.run, a.out, chips.size(), chip.chip.id));
  if (fs::is_directory(fs::path(a.run))) remove_stale_temporaries(a.run);
  const auto choice = app::choose_session(run.cfg, run.weights, a.session, static_cast<std::uint64_t>(a.seed));
  const std::string why = choice.selected ? fmt::format("best of {} by greedy success {:.2f} on {} selection episodes",
                                                        run.weights.size(), choice.success, app::selection_episodes)
                                          : "chosen";

  app::deploy_options opt;
  opt.cfg = run.cfg;
  opt.weights = run.weights[static_cast<std::size_t>(choice.session)];
  opt.episodes = a.episodes;
  opt.seed = static_cast<std::uint64_t>(a.seed);
  opt.method = parse_partitioner(a.partitioner);
  out << fmt::format("spikeworm deploy: {} (session {}: {}), {} x {} lif, T = {}, {} encoder\n", run.dir.string(),
                     choice.session, why, run.cfg.brain.layers, run.cfg.brain.hidden, run.cfg.brain.steps,
                     encoder_name(run.cfg.brain.enc.kind));
  out << fmt::format("agents (greedy, {} selection episodes each, seeded apart from the report's):\n",
                     app::selection_episodes);
  out << fmt::format("  {:>3} {:<14} {:>8} {:>11}\n", "", "session", "success", "mean steps");
  for (std::size_t k = 0; k < choice.agents.size(); ++k) {
    const auto& g = choice.agents[k];
    out << fmt::format("  {:>3} {:<14} {:>8.3f} {:>11}\n", static_cast<int>(k) == choice.session ? "->" : "",
                       fs::path(run.weights[k]).stem().string(), g.success_rate(),
                       g.successes ? fmt::format("{:.1f}", g.mean_steps_success) : "-");
  }
  out << (choice.selected ? fmt::format("picked: session {} by {}\n", choice.session, app::selection_rule)
                          : fmt::format("picked: session {}, given by --session\n", choice.session));
  for (const auto& chip : chips) {
    opt.chip = chip;
    deploy_report rep;
    {
      progress_bar bar(err, fmt::format("deploy {}", chip.chip.id), static_cast<std::uint64_t>(2 * opt.episodes),
                       a.quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
      opt.progress = [&](std::uint64_t done, std::uint64_t) { bar.update(done); };
      rep = app::deploy(opt);
      bar.finish();
    }
    print_report(rep, out);
    const auto j = app::deploy_json(rep, run, opt, choice);
    const fs::path json_path = app::deploy_report_path(a.run, a.out, chips.size(), chip.chip.id);
    if (json_path.has_parent_path()) ensure_directory(json_path.parent_path());
    write_file_atomically(json_path, json_text(j));
    out << fmt::format("wrote {}\n", json_path.string());
    if (!a.no_plot) {
      fs::path png = json_path;
      png.replace_extension(".png");
      if (run_python_plot("plot_deploy.py", {json_path.string(), png.string()}, out))
        out << fmt::format("wrote {}\n", png.string());
    }
  }
  return 0;
}

}  // namespace spikeworm::cli
