// Evaluation runs (eval.json) and their energy per decision (energy.json).
#include "spikeworm/app/eval.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ranks.hpp"
#include "spikeworm/app/data_dir.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/lock.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/parallel.hpp"

namespace spikeworm::app {

namespace fs = std::filesystem;

nlohmann::json eval_json(const eval_result& r, const loaded_run& run, const eval_options& opt) {
  auto j = r.to_json();
  j["run"] = run.dir.string();
  j["weights"] = run.weights;
  j["seed"] = opt.seed;
  j["sample"] = opt.policy == eval_policy::sampled;  // the top-level figures are of sampled actions
  return j;
}

eval_outcome eval(const eval_request& req, const loaded_run& run, std::atomic<int>* done) {
  const int threads = worker_threads(req.threads);
  // Over MPI ranks, rank 0 alone writes (and locks, and checks the output); every rank evaluates its agents
  // (docs/scaling.md).
  const bool writer = !req.spread || mpi::rank() == 0;
  const bool folder = fs::is_directory(fs::path(req.run));
  std::optional<folder_lock> lock;  // eval.json's writer owns the run folder (docs/training.md, "The run folder")
  if (folder && writer) lock.emplace(fs::path(req.run));
  eval_outcome o;
  o.written = !req.out.empty() ? fs::path(req.out)
              : folder         ? fs::path(req.run) / "eval.json"
                               : fs::path(req.run + ".eval.json");
  if (writer) {
    if (o.written.has_parent_path()) ensure_directory(o.written.parent_path());  // as deploy does
    check_output_writable(o.written);  // before the work (docs/reliability.md)
    if (folder) remove_stale_temporaries(req.run);
  }
  o.result = req.spread ? evaluate_over_ranks(run.cfg, run.weights, req.options, threads, done)
                        : evaluate_files(run.cfg, run.weights, req.options, threads, done);
  if (writer) write_file_atomically(o.written, json_text(eval_json(o.result, run, req.options)));
  return o;
}

std::vector<energy_table> energy_tables(const energy_request& req) {
  if (!req.run.empty() && !fs::is_directory(fs::path(req.run))) throw error(fmt::format("{}: not a training run folder", req.run));
  const std::string dir = req.tables_dir.empty() ? (data_dir() / "configs" / "energy").string() : req.tables_dir;
  return load_energy_tables(dir, req.tables);
}

fs::path energy_out_dir(const energy_request& req) {
  if (!req.out.empty()) return fs::path(req.out);
  return req.run.empty() ? fs::path(".") : fs::path(req.run);
}

fs::path prepare_energy_out(const energy_request& req, std::string_view out_hint) {
  const fs::path dir = energy_out_dir(req);
  ensure_directory(dir);
  try {
    check_output_writable(dir / "energy.json");  // an unwritable output folder fails before any work (docs/reliability.md)
  } catch (const error& e) {
    if (!req.out.empty()) throw;
    throw error(fmt::format("{} (give {} to write the results elsewhere)", e.what(), out_hint));
  }
  return dir;
}

fs::path eval_path_of(const energy_request& req) {
  if (!req.out.empty() && fs::exists(fs::path(req.out) / "eval.json")) return fs::path(req.out) / "eval.json";
  return fs::path(req.run) / "eval.json";
}

namespace {

eval_result read_eval(const fs::path& path) {
  const auto j = nlohmann::json::parse(slurp(path), nullptr, false);
  if (j.is_discarded()) throw error(fmt::format("{}: not valid JSON", path.string()));
  try {
    return eval_result::from_json(j);
  } catch (const error& e) {
    throw error(fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace

crossover_outcome crossover(const energy_request& req, std::vector<energy_table> tables) {
  crossover_outcome o;
  std::vector<crossover_point> points;
  if (!req.run.empty()) {
    const eval_result r = read_eval(eval_path_of(req));
    o.brain = brain_kind_name(r.brain_type);
    // Layer k feeds layer k + 1 through H x H synapses: a square layer whose input rate is layer k's rate.
    if (r.brain_type == brain_kind::spiking)
      for (std::size_t k = 0; k + 1 < r.layers_counts.size(); ++k)
        points.push_back({fmt::format("{} {}->{}", req.run, r.layers_counts[k].name, r.layers_counts[k + 1].name),
                          static_cast<std::uint64_t>(r.hidden), r.steps, r.firing_rate(k), {}, {}});
  }
  o.map = spikeworm::crossover(tables, {}, std::move(points));
  const fs::path out = energy_out_dir(req);
  ensure_directory(out);
  const folder_lock lock(out);
  o.written = out / "crossover.json";
  nlohmann::json doc = o.map.to_json();
  doc["run"] = req.run;
  write_file_atomically(o.written, json_text(doc));
  return o;
}

energy_outcome energy(const energy_request& req, std::vector<energy_table> tables) {
  const fs::path dir(req.run), out = energy_out_dir(req);
  ensure_directory(out);
  const folder_lock lock(out);  // energy.json's writer owns its folder (docs/training.md, "The run folder")
  energy_outcome o;
  o.eval_path = eval_path_of(req);
  o.tables = std::move(tables);
  o.counts = read_eval(o.eval_path);
  nlohmann::json reports = nlohmann::json::array();
  for (const auto& t : o.tables) {
    o.reports.push_back(energy_of(o.counts, t));
    reports.push_back(o.reports.back().to_json());
  }
  const auto& r = o.counts;
  nlohmann::json doc{{"run", dir.string()}, {"eval", o.eval_path.string()}, {"brain", std::string(brain_kind_name(r.brain_type))},
                     {"engine", r.engine}, {"success_rate", r.success_rate()}, {"neurobench", r.neurobench()},
                     {"tables", reports}};
  o.written = out / "energy.json";
  write_file_atomically(o.written, json_text(doc));
  return o;
}

}  // namespace spikeworm::app
