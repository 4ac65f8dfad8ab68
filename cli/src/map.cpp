// spikeworm map: a network described in TOML placed onto neuromorphic chips' cores (no quantization): cores
// and utilisation, spikes routed between cores and mesh hops, energy and chip time per simulated second.
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/app/map.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/progress.hpp"
#include "spikeworm/core/units.hpp"
#include "spikeworm/deploy/chip.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

void add_map(CLI::App& app, map_args& a) {
  auto* c = app.add_subcommand("map",
                               "Place a network described in TOML onto neuromorphic chips (configs/chips): cores and "
                               "utilisation, routed spikes and hops, energy and chip time per simulated second, for "
                               "every partitioner");
  c->add_option("config", a.config, "network configuration (TOML, as for simulate)")->required();
  c->add_option("--chip", a.chips, "chip profile name(s) in configs/chips or .toml paths")->required();
  c->add_option("--duration", a.duration, "simulated time that measures the firing rates [s] (default: the config's, "
                                          "at most 1 s)")->check(finite_range(1e-6, 1e6));
  c->add_option("--seed", a.seed, "random seed (default: the config's)")->check(seed_check());
  c->add_option("--threads", a.threads, "engine threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  c->add_option("--partitioner", a.partitioner, "the placement costed: greedy (default), metis, sequential, round_robin")
      ->check(CLI::IsMember({"greedy", "metis", "sequential", "round_robin"}));
  c->add_option("--chips-dir", a.chips_dir, "folder of chip profiles (default: configs/chips of the data folder)");
  c->add_option("--out", a.out_dir, "folder for map_CHIP.json (not written when omitted)");
  add_max_memory(c, a.max_memory);
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

namespace {

void print_chip(const app::chip_map& c, partitioner method, std::ostream& out) {
  const auto& chip = c.chip;
  out << fmt::format("\n== {} ({}) ==\n", chip.name, chip.id) << std::flush;
  out << fmt::format("  {:<12} {:>7} {:>16} {:>16} {:>10} {:>12} {:>12} {:>14}\n", "partitioner", "cores",
                     "routed spikes/s", "hops/s", "neurons", "in axons", "out axons", "synapse bytes");
  for (const auto& r : c.rows) {
    if (!r.map) {
      out << fmt::format("  {:<12} {}\n", partitioner_name(r.method), r.error);
      continue;
    }
    out << fmt::format("  {:<12} {:>7} {:>16.4g} {:>16.4g} {:>10} {:>12} {:>12} {:>14}{}\n", partitioner_name(r.method),
                       r.map->cores_used + r.map->splitter_cores, r.per_second.routed, r.per_second.hops, r.max_neurons,
                       r.max_axons_in, r.max_axons_out, r.max_synapse_bytes, r.method == method ? "  <- costed" : "");
  }
  out << "  (per simulated second; neurons, in axons, out axons, synapse bytes: the most on one core)\n";
  const auto* costed = c.costed_row();
  if (!costed) return;
  const auto& a = c.per_second;
  if (chip.energy_published)
    out << fmt::format("per simulated second ({}): {:.4g} synaptic events, {:.4g} neuron updates, {:.4g} spike "
                       "messages ({:.4g} routed), {:.4g} hops; dynamic energy {}{}; chip time {:.4g} s ({})\n",
                       costed->map->method, a.synops, a.updates, a.messages, costed->per_second.routed, a.hops,
                       format_energy(c.dynamic_pj),
                       chip.static_mw > 0 ? fmt::format(", static {}", format_energy(c.static_pj)) : std::string(),
                       c.chip_seconds, chip.time_step_us > 0 ? "one step per tick" : "asynchronous");
  else
    out << fmt::format("per simulated second ({}): {:.4g} synaptic events, {:.4g} spike messages ({:.4g} routed); energy "
                       "not published; chip time {:.4g} s\n", costed->map->method, a.synops, a.messages,
                       costed->per_second.routed, c.chip_seconds);
}

}  // namespace

int map(const map_args& a, std::ostream& out, std::ostream& err) {
  app::map_options opt;
  opt.desc = read_network_file(a.config);
  opt.config = a.config;
  opt.duration = a.duration > 0 ? a.duration : std::min(1.0, opt.desc.sim.duration_s);
  if (a.seed >= 0) opt.desc.sim.seed = static_cast<std::uint64_t>(a.seed);
  const std::string dir = a.chips_dir.empty() ? (data_dir() / "configs" / "chips").string() : a.chips_dir;
  for (const auto& name : a.chips) opt.chips.push_back(read_chip_profile(chip_profile_path(dir, name)));
  opt.method = parse_partitioner(a.partitioner);
  opt.max_memory = a.max_memory;
  opt.threads = a.threads;
  if (!a.out_dir.empty()) ensure_directory(a.out_dir);

  app::map_result res;
  {
    std::optional<progress_bar> bar;  // over the simulated steps of the rate run
    opt.progress = [&](std::uint64_t done, std::uint64_t total) {
      if (!bar) bar.emplace(err, "rates", total, a.quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
      bar->update(done);
      if (done == total) bar->finish();
    };
    res = app::map(opt);
  }
  out << fmt::format("spikeworm map: {} ({} neurons, {} synapses), rates from {:.3g} s simulated: {:.3g} spikes/s, "
                     "{:.3g} synaptic events/s\n", a.config, res.neurons, res.synapses, res.seconds, res.spikes_per_s,
                     res.sops_per_s);
  bool failed = false;
  for (std::size_t k = 0; k < res.chips.size(); ++k) {
    const auto& c = res.chips[k];
    print_chip(c, opt.method, out);
    if (!c.costed_row()) {
      err << fmt::format("spikeworm: error: {} does not fit on {} with the {} partitioner (see above)\n", a.config,
                         c.chip.id, a.partitioner);
      failed = true;
      continue;
    }
    if (!a.out_dir.empty()) {
      const auto path = fs::path(a.out_dir) / fmt::format("map_{}.json", c.chip.id);
      write_file_atomically(path, json_text(res.to_json(k)));
      out << fmt::format("wrote {}\n", path.string());
    }
  }
  return failed ? 2 : 0;
}

}  // namespace spikeworm::cli
