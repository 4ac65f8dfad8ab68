// Run reports: the summary table, summary.json and spikes.csv.
#include "spikeworm/engine/output.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "spikeworm/core/io.hpp"

namespace spikeworm {

double mean_rate_hz(const network& net, const run_counters& c, std::size_t p) {
  const double seconds = static_cast<double>(c.steps) * net.dt_ms() * 1e-3;
  const double n = net.populations()[p].size;
  return seconds > 0 ? static_cast<double>(c.spikes_per_population[p]) / (n * seconds) : 0.0;
}

namespace {
std::uint64_t outgoing(const network& net, std::size_t p) {
  std::uint64_t s = 0;
  for (const auto& pr : net.projections())
    if (pr.source_pop == p) s += pr.synapses_whole;  // network-wide, also in a part
  return s;
}
// Synapses of the whole network (a distributed run's part holds only some).
std::uint64_t synapses(const network& net) {
  std::uint64_t s = 0;
  for (const auto& pr : net.projections()) s += pr.synapses_whole;
  return s;
}
}  // namespace

std::string summary_table(const network& net, const run_counters& c, const run_report& r) {
  std::string out;
  const double sim_s = static_cast<double>(c.steps) * net.dt_ms() * 1e-3;
  out += fmt::format("{:<16} {:>9} {:>10} {:>12} {:>11} {:>10}\n", "population", "model", "neurons", "synapses out",
                     "spikes", "rate [Hz]");
  const auto& pops = net.populations();
  for (std::size_t p = 0; p < pops.size(); ++p)
    out += fmt::format("{:<16} {:>9} {:>10} {:>12} {:>11} {:>10.3f}\n", pops[p].name, to_string(pops[p].model),
                       pops[p].size, outgoing(net, p), c.spikes_per_population[p], mean_rate_hz(net, c, p));
  const double all_rate =
      sim_s > 0 ? static_cast<double>(c.total_spikes()) / (static_cast<double>(net.num_neurons()) * sim_s) : 0.0;
  out += fmt::format("{:<16} {:>9} {:>10} {:>12} {:>11} {:>10.3f}\n", "all", "", net.num_neurons(),
                     synapses(net), c.total_spikes(), all_rate);
  out += "\n";
  auto row = [&](std::string_view k, const std::string& v) { out += fmt::format("{:<34} {}\n", k, v); };
  for (std::size_t p = 0; p < r.stepping.size() && p < pops.size(); ++p)
    row(p == 0 ? "stepping" : "", fmt::format("{}: {}", pops[p].name, r.stepping[p]));
  row("engine", fmt::format("{} ({} thread{}{}{})", r.engine, r.threads, r.threads == 1 ? "" : "s",
                            r.ranks ? fmt::format(" in each of {} MPI ranks", r.ranks->ranks) : "",
                            r.threads_asked > r.threads
                                ? fmt::format("; {} asked, one per min_neurons_per_thread neurons", r.threads_asked)
                                : ""));
  if (r.ranks) {
    row("neurons per rank", fmt::format("{}", fmt::join(r.ranks->neurons, " ")));
    row("synapses per rank", fmt::format("{}", fmt::join(r.ranks->synapses, " ")));
    std::vector<double> mb;
    for (auto b : r.ranks->peak_rss_bytes) mb.push_back(static_cast<double>(b) / 1048576.0);
    row("peak memory per rank [MB]", fmt::format("{:.0f}", fmt::join(mb, " ")));
    row("spike exchange", fmt::format("{} epochs of one step, {:.0f} bytes received per rank and epoch",
                                      r.ranks->epochs, r.ranks->bytes_per_epoch));
    const double all = r.ranks->exchange_seconds + r.ranks->compute_seconds;
    row("time in the exchange", fmt::format("{:.3f} s ({:.1f}% of the slowest rank's run)", r.ranks->exchange_seconds,
                                            all > 0 ? 100.0 * r.ranks->exchange_seconds / all : 0.0));
  }
  row("simulated time", fmt::format("{:.4g} s ({} steps of {} ms)", sim_s, c.steps, net.dt_ms()));
  row("synaptic events delivered (SOPs)", fmt::format("{}", c.sops));
  const double frac = c.dense_updates ? 100.0 * static_cast<double>(c.neuron_updates) / static_cast<double>(c.dense_updates) : 0.0;
  row("neuron updates performed", fmt::format("{} ({:.2f}% of neurons x steps = {})", c.neuron_updates, frac, c.dense_updates));
  row("events queued", fmt::format("{}", c.events_queued));
  row("peak queue size", fmt::format("{}", c.peak_queue));
  row("spike raster digest", fmt::format("{:016x}", c.raster_digest));
  row("network build time", fmt::format("{:.3f} s", r.build_seconds));
  row("wall time", fmt::format("{:.3f} s", r.wall_seconds));
  if (r.write_seconds > 0) row("spike file writing time (not in wall time)", fmt::format("{:.3f} s", r.write_seconds));
  row("simulated / wall time", r.wall_seconds > 0 ? fmt::format("{:.3f}", sim_s / r.wall_seconds) : "-");
  row("wall time per simulated second", sim_s > 0 ? fmt::format("{:.4f} s", r.wall_seconds / sim_s) : "-");
  return out;
}

nlohmann::json summary_json(const network& net, const run_counters& c, const run_report& r) {
  using nlohmann::json;
  json pops = json::array();
  for (std::size_t p = 0; p < net.populations().size(); ++p) {
    const auto& pp = net.populations()[p];
    pops.push_back({{"name", pp.name},
                    {"model", to_string(pp.model)},
                    {"neurons", pp.size},
                    {"synapses_out", outgoing(net, p)},
                    {"spikes", c.spikes_per_population[p]},
                    {"rate_hz", mean_rate_hz(net, c, p)}});
    if (p < r.stepping.size()) pops.back()["stepping"] = r.stepping[p];
  }
  const double sim_s = static_cast<double>(c.steps) * net.dt_ms() * 1e-3;
  json j{{"config", r.config},
              {"engine", r.engine},
              {"threads", r.threads},
              {"threads_asked", r.threads_asked},
              {"seed", r.seed},
              {"dt_ms", net.dt_ms()},
              {"steps", c.steps},
              {"simulated_seconds", sim_s},
              {"neurons", net.num_neurons()},
              {"synapses", synapses(net)},
              {"populations", pops},
              {"spikes", c.total_spikes()},
              {"sops", c.sops},
              {"neuron_updates", c.neuron_updates},
              {"dense_updates", c.dense_updates},
              {"events_queued", c.events_queued},
              {"peak_queue", c.peak_queue},
              {"raster_digest", fmt::format("{:016x}", c.raster_digest)},
              {"build_seconds", r.build_seconds},
              {"wall_seconds", r.wall_seconds},
              {"write_seconds", r.write_seconds},
              {"sim_over_wall", r.wall_seconds > 0 ? sim_s / r.wall_seconds : 0.0}};
  if (r.ranks) {
    const double all = r.ranks->exchange_seconds + r.ranks->compute_seconds;
    j["ranks"] = {{"count", r.ranks->ranks},
                  {"partition", "contiguous"},
                  {"neurons", r.ranks->neurons},
                  {"synapses", r.ranks->synapses},
                  {"peak_rss_bytes", r.ranks->peak_rss_bytes},
                  {"epochs", r.ranks->epochs},
                  {"epoch_steps", 1},
                  {"bytes_per_epoch", r.ranks->bytes_per_epoch},
                  {"exchange_seconds", r.ranks->exchange_seconds},
                  {"compute_seconds", r.ranks->compute_seconds},
                  {"exchange_share", all > 0 ? r.ranks->exchange_seconds / all : 0.0}};
  }
  return j;
}

spike_csv_writer::spike_csv_writer(const std::filesystem::path& path, const network& net) : net_(&net), file_(path) {
  file_.stream() << "step,time_ms,neuron,population\n";
}

void spike_csv_writer::append(std::span<const spike> spikes) {
  const auto& pops = net_->populations();
  auto& out = file_.stream();
  for (const auto& s : spikes) {
    const auto& p = pops[net_->population_of(s.neuron)];
    if (!p.record.spikes) continue;
    line_.clear();
    fmt::format_to(std::back_inserter(line_), "{},{:.6g},{},{}\n", s.step, static_cast<double>(s.step) * net_->dt_ms(),
                   s.neuron, p.name);
    out << line_;
  }
}

void write_spikes_csv(const std::filesystem::path& path, const engine& e) {
  spike_csv_writer w(path, e.net());
  w.append(e.spikes());
  w.commit();
}

}  // namespace spikeworm
