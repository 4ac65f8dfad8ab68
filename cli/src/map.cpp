// spikeworm map: a network described in TOML placed onto neuromorphic chips' cores (no quantization): cores
// and utilisation, spikes routed between cores and mesh hops, energy and chip time per simulated second.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/deploy/mapper.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/learning/deploy.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/core/progress.hpp"

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
                                          "at most 1 s)")->check(CLI::Range(1e-6, 1e6));
  c->add_option("--seed", a.seed, "random seed (default: the config's)")->check(CLI::NonNegativeNumber);
  c->add_option("--threads", a.threads, "engine threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  c->add_option("--partitioner", a.partitioner, "the placement costed: greedy (default), metis, sequential, round_robin")
      ->check(CLI::IsMember({"greedy", "metis", "sequential", "round_robin"}));
  c->add_option("--chips-dir", a.chips_dir, "folder of chip profiles (default: configs/chips of the source tree)");
  c->add_option("--out", a.out_dir, "folder for map_CHIP.json (not written when omitted)");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

int map(const map_args& a, std::ostream& out, std::ostream& err) {
  network_desc desc = read_network_file(a.config);
  const double duration = a.duration > 0 ? a.duration : std::min(1.0, desc.sim.duration_s);
  if (a.seed >= 0) desc.sim.seed = static_cast<std::uint64_t>(a.seed);
  const std::string dir = a.chips_dir.empty() ? (source_dir() / "configs" / "chips").string() : a.chips_dir;
  std::vector<chip_profile> chips;
  for (const auto& name : a.chips) chips.push_back(read_chip_profile(chip_profile_path(dir, name)));
  const auto method = parse_partitioner(a.partitioner);
  if (!a.out_dir.empty()) ensure_directory(a.out_dir);

  // Firing rates from a run of the event engine.
  network net(desc);
  const int threads = worker_threads(a.threads);
  auto eng = make_engine("event", net, {desc.sim.seed, threads, true});
  const auto steps = std::max<step_t>(1, static_cast<step_t>(std::llround(duration * 1000.0 / desc.sim.dt_ms)));
  run_with_progress(*eng, steps, "rates", a.quiet, err);
  const double seconds = static_cast<double>(steps) * desc.sim.dt_ms / 1000.0;
  const auto prob = make_problem(net);
  std::vector<double> rates(prob.size(), 0.0);  // spikes per simulated second
  for (const auto& s : eng->spikes()) rates[s.neuron] += 1.0 / seconds;
  const double sops_per_s = static_cast<double>(eng->counters().sops) / seconds;
  const double steps_per_s = 1000.0 / desc.sim.dt_ms;
  double spikes_per_s = 0;
  for (double r : rates) spikes_per_s += r;
  out << fmt::format("spikeworm map: {} ({} neurons, {} synapses), rates from {:.3g} s simulated: {:.3g} spikes/s, "
                     "{:.3g} synaptic events/s\n", a.config, net.num_neurons(), net.num_synapses(), seconds, spikes_per_s,
                     sops_per_s);
  bool failed = false;
  for (const auto& chip : chips) {
    out << fmt::format("\n== {} ({}) ==\n", chip.name, chip.id) << std::flush;
    const auto lim = limits_of(chip);
    out << fmt::format("  {:<12} {:>7} {:>16} {:>16} {:>10} {:>12} {:>12} {:>14}\n", "partitioner", "cores",
                       "routed spikes/s", "hops/s", "neurons", "in axons", "out axons", "synapse bytes");
    nlohmann::json jalts = nlohmann::json::array();
    std::optional<mapping> chosen;
    traffic chosen_t;
    for (auto m : {partitioner::round_robin, partitioner::sequential, partitioner::greedy, partitioner::metis}) {
      try {
        auto mp = map_network(prob, lim, rates, m);
        const auto t = route(prob, mp, rates);
        std::int64_t ne = 0, ax = 0, ao = 0, by = 0;
        for (const auto& u : mp.usage) {
          ne = std::max(ne, u.neurons);
          ax = std::max(ax, u.axons_in);
          ao = std::max(ao, u.axons_out);
          by = std::max(by, u.synapse_bytes);
        }
        out << fmt::format("  {:<12} {:>7} {:>16.4g} {:>16.4g} {:>10} {:>12} {:>12} {:>14}{}\n", partitioner_name(m),
                           mp.cores_used + mp.splitter_cores, t.routed, t.hops, ne, ax, ao, by,
                           m == method ? "  <- costed" : "");
        jalts.push_back({{"method", partitioner_name(m)}, {"cores", mp.cores_used + mp.splitter_cores},
                         {"routed_per_s", t.routed}, {"hops_per_s", t.hops}, {"max_neurons", ne}, {"max_axons_in", ax},
                         {"max_axons_out", ao}, {"max_synapse_bytes", by}});
        if (m == method) {
          chosen = std::move(mp);
          chosen_t = t;
        }
      } catch (const error& e) {
        out << fmt::format("  {:<12} {}\n", partitioner_name(m), e.what());
        jalts.push_back({{"method", partitioner_name(m)}, {"error", e.what()}});
      }
    }
    if (!chosen) {
      err << fmt::format("spikeworm: error: {} does not fit on {} with the {} partitioner (see above)\n", a.config,
                         chip.id, a.partitioner);
      failed = true;
      continue;
    }
    // Per simulated second: energy and chip time.
    const double updates = (static_cast<double>(prob.size()) + static_cast<double>(chosen->splitter_neurons)) * steps_per_s;
    const double messages = chosen_t.routed + chosen_t.local;
    const double e_dyn = sops_per_s * chip.synop_pj + updates * chip.update_pj + messages * chip.spike_pj + chosen_t.hops * chip.hop_pj;
    double chip_seconds = 0;
    if (chip.time_step_us > 0) {
      chip_seconds = steps_per_s * chip.time_step_us * 1e-6;
    } else {
      // Busiest core per step: neurons x update time + synaptic events into it x synop time.
      const std::size_t K = static_cast<std::size_t>(chosen->cores_used);
      std::vector<std::int64_t> per_core(K, 0);
      for (auto c : chosen->core_of) ++per_core[c];
      std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> fan(prob.size());
      for (std::size_t u = 0; u < prob.size(); ++u) {
        std::map<std::uint32_t, std::uint32_t> by;
        for (auto e = prob.out_begin[u]; e < prob.out_begin[u + 1]; ++e) by[chosen->core_of[prob.out[e]]] += prob.out_mult[e];
        fan[u].assign(by.begin(), by.end());
      }
      std::vector<double> work(K);
      const auto& sp = eng->spikes();
      std::size_t i = 0;
      double total_ns = 0;
      for (step_t t = 1; t <= steps; ++t) {
        for (std::size_t k = 0; k < K; ++k) work[k] = static_cast<double>(per_core[k]) * chip.update_ns;
        for (; i < sp.size() && sp[i].step == t; ++i)
          for (const auto& [core, n] : fan[sp[i].neuron]) work[core] += n * chip.synop_ns;
        total_ns += *std::max_element(work.begin(), work.end()) + chosen_t.max_hops * chip.hop_ns + chip.barrier_ns;
      }
      chip_seconds = total_ns * 1e-9 / seconds;
    }
    const double e_static = chip.static_mw * 1e-3 * chip_seconds * 1e12;  // pJ per simulated second
    if (chip.energy_published)
      out << fmt::format("per simulated second ({}): {:.4g} synaptic events, {:.4g} neuron updates, {:.4g} spike "
                         "messages ({:.4g} routed), {:.4g} hops; dynamic energy {:.4g} mJ{}; chip time {:.4g} s ({})\n",
                         chosen->method, sops_per_s, updates, messages, chosen_t.routed, chosen_t.hops, e_dyn * 1e-9,
                         chip.static_mw > 0 ? fmt::format(", static {:.4g} mJ", e_static * 1e-9) : std::string(),
                         chip_seconds, chip.time_step_us > 0 ? "one step per tick" : "asynchronous");
    else
      out << fmt::format("per simulated second ({}): {:.4g} synaptic events, {:.4g} spike messages ({:.4g} routed); energy "
                         "not published; chip time {:.4g} s\n", chosen->method, sops_per_s, messages, chosen_t.routed,
                         chip_seconds);
    if (!a.out_dir.empty()) {
      nlohmann::json cores = nlohmann::json::array();
      for (std::size_t c = 0; c < chosen->usage.size(); ++c) {
        const auto& u = chosen->usage[c];
        cores.push_back({{"core", c}, {"x", chosen->position.at(c).first}, {"y", chosen->position.at(c).second},
                         {"neurons", u.neurons}, {"axons_in", u.axons_in}, {"axons_out", u.axons_out},
                         {"synapse_bytes", u.synapse_bytes}, {"splitter", c >= static_cast<std::size_t>(chosen->cores_used)}});
      }
      const nlohmann::json j = {
          {"config", a.config}, {"chip", chip.id}, {"chip_name", chip.name}, {"seconds_simulated", seconds},
          {"neurons", net.num_neurons()}, {"synapses", net.num_synapses()}, {"partitioner", chosen->method},
          {"partitioners", jalts}, {"cores", cores}, {"splitter_neurons", chosen->splitter_neurons},
          {"per_second",
           {{"spikes", spikes_per_s}, {"synaptic_events", sops_per_s}, {"neuron_updates", updates},
            {"messages", messages}, {"routed", chosen_t.routed}, {"hops", chosen_t.hops},
            {"energy_dynamic_pj", chip.energy_published ? nlohmann::json(e_dyn) : nlohmann::json(nullptr)},
            {"energy_static_pj", e_static}, {"chip_seconds", chip_seconds}}}};
      const auto path = fs::path(a.out_dir) / fmt::format("map_{}.json", chip.id);
      write_file_atomically(path, j.dump(2) + "\n");
      out << fmt::format("wrote {}\n", path.string());
    }
  }
  return failed ? 2 : 0;
}

}  // namespace spikeworm::cli
