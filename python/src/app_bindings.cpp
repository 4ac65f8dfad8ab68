// The command-line operations as functions of _spikeworm: eval, energy, sweep, deploy and map (docs/python.md).
// Each does what its command does (app/, and the few steps the command adds around it) and returns what the
// command prints and writes as Python objects: dicts of numbers and strings, numpy arrays for per-episode and
// per-layer figures. Nothing is printed and nothing is plotted.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "spikeworm/app/data_dir.hpp"
#include "spikeworm/core/progress.hpp"
#include "spikeworm/app/deploy.hpp"
#include "spikeworm/app/eval.hpp"
#include "spikeworm/app/map.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/app/simulate.hpp"
#include "spikeworm/app/sweep.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/deploy/mapper.hpp"
#include "spikeworm/engine/output.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace spikeworm::python {

namespace {

// A JSON document as plain Python objects (dicts, lists, numbers, strings, None).
py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list l;
      for (const auto& x : j) l.append(to_python(x));
      return l;
    }
    case nlohmann::json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = to_python(v);
      return d;
    }
    default: return py::none();  // binary and discarded values: never in the library's documents
  }
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// Calls progress(done, total) from whichever thread does the work, holding the GIL only for the call. An
// exception raised by it stops further calls and is raised again by rethrow() once the work has ended, so
// that it never crosses the library's code.
class progress_relay {
 public:
  explicit progress_relay(const py::object& f) : f_(f) {}
  bool active() const noexcept { return !f_.is_none(); }
  void operator()(std::uint64_t done, std::uint64_t total) {
    if (!active()) return;
    const std::lock_guard lock(mu_);
    if (failed_) return;
    py::gil_scoped_acquire hold;
    try {
      f_(done, total);
    } catch (py::error_already_set& e) {
      failed_ = true;
      error_.emplace(std::move(e));
    }
  }
  // Pre: the GIL is held.
  void rethrow() {
    if (!error_) return;
    py::error_already_set e = std::move(*error_);
    error_.reset();
    throw e;
  }

 private:
  const py::object& f_;
  std::mutex mu_;
  bool failed_ = false;
  std::optional<py::error_already_set> error_;
};

// Runs work() on this thread (the GIL released by the caller) while a watcher reports `done` of `total`.
template <class Work>
auto watch(const std::atomic<int>& done, std::uint64_t total, progress_relay& relay, Work&& work) {
  std::uint64_t seen = 0;
  const auto report = [&](std::uint64_t d) {
    if (d != seen && d < total) relay(seen = d, total);
  };
  return watch_counter(done, std::chrono::milliseconds(50), relay.active() ? &report : nullptr,
                       std::forward<Work>(work));
}

// The command's range of an option (its --help), checked here too for calls that bypass the package.
void check_range(long long value, long long lo, long long hi, const char* what) {
  if (value < lo || value > hi) throw error(fmt::format("{}: must be in [{}, {}], got {}", what, lo, hi, value));
}
constexpr long long no_limit = INT64_MAX;

// One policy's episodes of every agent as arrays of shape (agents, episodes).
py::dict per_episode(const eval_result& r, bool sampled) {
  const std::size_t agents = r.per_agent.size();
  std::size_t episodes = 0;
  for (const auto& a : r.per_agent) {
    const auto& f = sampled ? a.sampled : a.greedy;
    if (f) episodes = std::max(episodes, f->episode_steps.size());
  }
  const auto shape = std::vector<py::ssize_t>{static_cast<py::ssize_t>(agents), static_cast<py::ssize_t>(episodes)};
  py::array_t<bool> success(shape);
  py::array_t<std::int32_t> steps(shape), foods(shape);
  py::array_t<double> returns(shape);
  py::list ends;
  auto s = success.mutable_unchecked<2>();
  auto st = steps.mutable_unchecked<2>();
  auto fo = foods.mutable_unchecked<2>();
  auto re = returns.mutable_unchecked<2>();
  for (std::size_t a = 0; a < agents; ++a) {
    const auto& f = sampled ? r.per_agent[a].sampled : r.per_agent[a].greedy;
    py::list row;
    for (std::size_t e = 0; e < episodes; ++e) {
      const auto i = static_cast<py::ssize_t>(a), k = static_cast<py::ssize_t>(e);
      const bool have = f && e < f->episode_steps.size();
      const auto end = have ? f->episode_ends[e] : envs::outcome::running;
      s(i, k) = end == envs::outcome::success;
      st(i, k) = have ? f->episode_steps[e] : 0;
      fo(i, k) = have ? f->episode_foods[e] : 0;
      re(i, k) = have ? f->episode_returns[e] : 0.0;
      row.append(py::str(std::string(envs::outcome_name(end))));
    }
    ends.append(row);
  }
  py::dict d;
  d["success"] = success;
  d["steps"] = steps;
  d["returns"] = returns;
  d["foods"] = foods;
  d["end"] = py::module_::import("numpy").attr("array")(ends, py::arg("dtype") = "U8").attr("reshape")(
      py::make_tuple(shape[0], shape[1]));
  return d;
}

py::dict eval_dict(const eval_result& r, const app::loaded_run& run, const eval_options& opt,
                   const fs::path& written) {
  py::dict d = to_python(app::eval_json(r, run, opt));
  py::dict eps;
  if (r.greedy) eps["greedy"] = per_episode(r, false);
  if (r.sampled) eps["sampled"] = per_episode(r, true);
  d["per_episode"] = eps;
  std::vector<double> rates;
  for (std::size_t k = 0; k < r.layers_counts.size(); ++k) rates.push_back(r.firing_rate_hz(k));
  d["firing_rate_hz"] = array_of(rates);
  d["written"] = written.string();
  return d;
}

// The agents of `run` evaluated as `spikeworm eval` does, with the GIL released; progress counts agents.
app::eval_outcome run_eval(const app::eval_request& req, const app::loaded_run& run, progress_relay& relay) {
  std::atomic<int> done{0};
  const auto total = static_cast<std::uint64_t>(run.weights.size());
  app::eval_outcome o;
  {
    py::gil_scoped_release free;
    o = watch(done, total, relay, [&] { return app::eval(req, run, &done); });
    relay(total, total);
  }
  return o;
}

py::dict eval(const std::string& run_path, const std::string& engine, int episodes, long long seed,
              const std::string& policy, int threads, const std::string& config, const std::string& out,
              const py::object& progress) {
  check_range(episodes, 1, 1000000, "episodes");
  check_range(seed, 0, no_limit, "seed");
  check_range(threads, 0, 256, "threads");
  app::eval_request req;
  req.run = run_path;
  req.out = out;
  req.options.engine = parse_eval_engine(engine);
  req.options.episodes = episodes;
  req.options.seed = static_cast<std::uint64_t>(seed);
  req.options.policy = parse_eval_policy(policy);
  req.threads = threads;
  const app::loaded_run run = app::load_run(run_path, config);
  progress_relay relay(progress);
  const auto o = run_eval(req, run, relay);
  relay.rethrow();
  return eval_dict(o.result, run, req.options, o.written);
}

// As `spikeworm energy` runs `spikeworm eval`: evaluates the run when it has no eval.json (or with reeval), into
// DIR/eval.json with an output folder; eval's dict, else None.
py::object evaluate_if_needed(const app::energy_request& req, const fs::path& dir, bool reeval, int episodes,
                              const py::object& progress) {
  if (!reeval && fs::exists(app::eval_path_of(req))) return py::none();
  progress_relay relay(progress);
  app::eval_request er;
  er.run = req.run;
  if (!req.out.empty()) er.out = (dir / "eval.json").string();
  er.options.episodes = episodes;
  er.options.policy = eval_policy::both;
  const app::loaded_run run = app::load_run(req.run, "");
  const auto o = run_eval(er, run, relay);
  relay.rethrow();
  return eval_dict(o.result, run, er.options, o.written);
}

py::dict energy(const std::string& run_path, const std::vector<std::string>& tables, const std::string& tables_dir,
                bool reeval, int episodes, const std::string& out, const py::object& progress) {
  check_range(episodes, 1, 1000000, "episodes");
  const app::energy_request req{run_path, tables, tables_dir, out};
  auto loaded = app::energy_tables(req);  // bad table names fail before any work
  const fs::path dir = app::prepare_energy_out(req, "out=DIR");
  remove_stale_temporaries(dir);
  py::object evaluated = evaluate_if_needed(req, dir, reeval, episodes, progress);
  app::energy_outcome o;
  {
    py::gil_scoped_release free;
    o = app::energy(req, std::move(loaded));
  }
  const auto& r = o.counts;
  py::dict per_table;
  for (std::size_t k = 0; k < o.tables.size(); ++k) per_table[py::str(o.tables[k].id)] = to_python(o.reports[k].to_json());
  std::vector<double> rates;
  for (std::size_t k = 0; k < r.layers_counts.size(); ++k) rates.push_back(r.firing_rate_hz(k));
  py::dict d;
  d["run"] = run_path;
  d["eval"] = o.eval_path.string();
  d["brain"] = std::string(brain_kind_name(r.brain_type));
  d["engine"] = r.engine;
  d["success_rate"] = r.success_rate();
  d["decisions_per_episode"] = r.episodes ? static_cast<double>(r.decisions) / r.episodes : 0.0;
  d["firing_rate_hz"] = array_of(rates);
  d["neurobench"] = to_python(r.neurobench());
  d["tables"] = per_table;
  d["evaluated"] = evaluated;
  d["written"] = o.written.string();
  return d;
}

// energy --crossover: break-even rates as numpy arrays [steps, widths], NaN where spiking never pays and inf
// where it always does; the run's layers (if any) with their energy ratio per table.
py::dict crossover(const std::string& run_path, const std::vector<std::string>& tables, const std::string& tables_dir,
                   int episodes, const std::string& out, const py::object& progress) {
  check_range(episodes, 1, 1000000, "episodes");
  const app::energy_request req{run_path, tables, tables_dir, out};
  auto loaded = app::energy_tables(req);
  const fs::path dir = app::prepare_energy_out(req, "out=DIR");
  remove_stale_temporaries(dir);
  py::object evaluated = run_path.empty() ? py::none() : evaluate_if_needed(req, dir, false, episodes, progress);
  app::crossover_outcome o;
  {
    py::gil_scoped_release free;
    o = app::crossover(req, std::move(loaded));
  }
  const auto& g = o.map.grid;
  py::dict per_table;
  for (const auto& t : o.map.tables) {
    py::array_t<double> be({static_cast<py::ssize_t>(g.steps.size()), static_cast<py::ssize_t>(g.widths.size())});
    auto v = be.mutable_unchecked<2>();
    for (std::size_t s = 0; s < g.steps.size(); ++s)
      for (std::size_t w = 0; w < g.widths.size(); ++w) {
        const double r = t.breakeven[s * g.widths.size() + w];
        v(s, w) = r == never_pays ? std::numeric_limits<double>::quiet_NaN() : r;
      }
    py::array_t<double> ratio({static_cast<py::ssize_t>(g.steps.size()), static_cast<py::ssize_t>(g.widths.size()),
                               static_cast<py::ssize_t>(g.rates.size())});
    std::copy(t.ratio.begin(), t.ratio.end(), ratio.mutable_data());
    py::dict d;
    d["name"] = t.name;
    d["kind"] = t.chip ? "chip" : "cmos";
    d["breakeven_rate"] = be;
    d["energy_ratio"] = ratio;
    per_table[py::str(t.id)] = d;
  }
  py::list points;
  for (const auto& p : o.map.points) {
    py::dict d;
    d["label"] = p.label;
    d["width"] = p.width;
    d["steps"] = p.steps;
    d["rate"] = p.rate;
    py::dict r, be;
    for (std::size_t k = 0; k < o.map.tables.size(); ++k) {
      r[py::str(o.map.tables[k].id)] = p.ratio[k];
      be[py::str(o.map.tables[k].id)] =
          p.breakeven[k] == never_pays ? std::numeric_limits<double>::quiet_NaN() : p.breakeven[k];
    }
    d["energy_ratio"] = r;
    d["breakeven_rate"] = be;
    points.append(d);
  }
  py::dict d;
  d["widths"] = array_of(g.widths);
  d["steps"] = array_of(g.steps);
  d["rates"] = array_of(g.rates);
  d["tables"] = per_table;
  d["points"] = points;
  d["evaluated"] = evaluated;
  d["written"] = o.written.string();
  return d;
}

py::dict sweep(const std::string& config, const std::vector<std::string>& sets, const std::string& out,
               int sessions, int episodes, int threads, int eval_episodes, const std::string& eval_engine,
               const std::vector<std::string>& tables, const std::string& max_memory, const py::object& progress) {
  check_range(sessions, 0, 10000, "sessions");
  check_range(episodes, 0, 10000000, "episodes");
  check_range(threads, 0, 256, "threads");
  check_range(eval_episodes, 1, 100000, "eval_episodes");
  if (sets.empty()) throw error("set: give at least one KEY=V1,V2,...");
  parse_eval_engine(eval_engine);  // an unknown engine fails before any work
  app::sweep_options o;
  o.config = config;
  o.sets = sets;
  if (!out.empty()) o.out_dir = out;
  o.sessions = sessions;
  o.episodes = episodes;
  o.threads = threads;
  o.eval_episodes = eval_episodes;
  o.eval_engine = eval_engine;
  if (!tables.empty()) o.tables = tables;
  if (!max_memory.empty()) o.max_memory = parse_byte_size(max_memory, "max_memory");
  progress_relay relay(progress);
  app::sweep_result s;
  {
    py::gil_scoped_release free;
    s = app::sweep(o, [&](std::size_t done, std::size_t total, const std::string&) { relay(done, total); });
  }
  relay.rethrow();
  if (!s.train_failures.empty()) {
    std::string all;
    for (const auto& f : s.train_failures) all += (all.empty() ? "" : "\n") + f;
    throw error(all);
  }
  py::dict axes;
  for (const auto& a : s.axes) axes[py::str(a.key)] = a.values;
  py::list ids;
  for (const auto& t : s.tables) ids.append(t.id);
  py::list points;
  for (const auto& p : s.points) {
    py::dict d = to_python(app::sweep_point_json(s, p));
    d["firing_rate"] = array_of(p.firing_rate);  // per hidden layer, as numpy arrays
    d["firing_rate_hz"] = array_of(p.firing_rate_hz);
    points.append(d);
  }
  py::dict cheapest;
  for (std::size_t t = 0; t < s.tables.size(); ++t) {
    py::dict c;
    for (const bool sampled : {false, true}) {
      const auto* best = s.cheapest(t, sampled);
      c[sampled ? "sampled" : "greedy"] = best ? py::object(py::str(best->name)) : py::object(py::none());
    }
    cheapest[py::str(s.tables[t].id)] = c;
  }
  py::dict d;
  d["dir"] = s.dir;
  d["axes"] = axes;
  d["tables"] = ids;
  d["points"] = points;
  d["cheapest"] = cheapest;
  return d;
}

py::dict deploy(const std::string& run_path, const std::vector<std::string>& chip_names, int episodes, long long seed,
                int session, const std::string& method, const std::string& chips_dir, const std::string& config,
                const std::string& out, const py::object& progress) {
  check_range(episodes, 1, 1000000, "episodes");
  check_range(seed, 0, no_limit, "seed");
  check_range(session, -1, no_limit, "session");
  if (chip_names.empty()) throw error("chips: give at least one chip profile");
  const auto part = parse_partitioner(method);
  const app::loaded_run run = app::load_run(run_path, config);
  if (run.cfg.brain.kind != brain_kind::spiking)
    throw error(fmt::format("{}: a {} brain; deploy maps spiking brains onto neuromorphic chips", run_path,
                            brain_kind_name(run.cfg.brain.kind)));
  const std::string dir = chips_dir.empty() ? (app::data_dir() / "configs" / "chips").string() : chips_dir;
  const std::string tables_dir = (app::data_dir() / "configs" / "energy").string();
  std::vector<app::chip_setup> chips;
  for (const auto& name : chip_names) chips.push_back(app::load_chip(dir, name, tables_dir));
  for (const auto& chip : chips)  // before any work
    check_output_writable(app::deploy_report_path(run_path, out, chips.size(), chip.chip.id));
  if (fs::is_directory(fs::path(run_path))) remove_stale_temporaries(run_path);
  progress_relay relay(progress);
  py::dict reports, written;
  app::session_choice choice;
  {
    py::gil_scoped_release free;
    choice = app::choose_session(run.cfg, run.weights, session, static_cast<std::uint64_t>(seed));
  }
  app::deploy_options opt;
  opt.cfg = run.cfg;
  opt.weights = run.weights[static_cast<std::size_t>(choice.session)];
  opt.episodes = episodes;
  opt.seed = static_cast<std::uint64_t>(seed);
  opt.method = part;
  const auto per_chip = static_cast<std::uint64_t>(2 * episodes);
  const auto total = per_chip * chips.size();
  for (std::size_t k = 0; k < chips.size(); ++k) {
    opt.chip = chips[k];
    opt.progress = [&relay, k, per_chip, total](std::uint64_t done, std::uint64_t) { relay(k * per_chip + done, total); };
    nlohmann::json j;
    fs::path path;
    {
      py::gil_scoped_release free;
      const auto rep = app::deploy(opt);
      j = app::deploy_json(rep, run, opt, choice);
      path = app::deploy_report_path(run_path, out, chips.size(), chips[k].chip.id);
      if (path.has_parent_path()) ensure_directory(path.parent_path());
      write_file_atomically(path, json_text(j));
    }
    relay.rethrow();
    reports[py::str(chips[k].chip.id)] = to_python(j);
    written[py::str(chips[k].chip.id)] = path.string();
  }
  py::dict d;
  d["session"] = choice.session;
  d["selected"] = choice.selected;
  d["weights"] = opt.weights;
  d["chips"] = reports;
  d["written"] = written;
  return d;
}

py::dict map(const std::string& config, bool is_text, const std::string& name, const std::vector<std::string>& chip_names,
             double duration, long long seed, int threads, const std::string& method, const std::string& chips_dir,
             const std::string& out, const std::string& max_memory, const py::object& progress) {
  if (!(duration > 0 || duration == -1) || !std::isfinite(duration) || duration > 1e6)
    throw error(fmt::format("duration: must be a finite number in [1e-06, 1e+06] seconds, got {}", duration));
  check_range(threads, 0, 1024, "threads");
  if (chip_names.empty()) throw error("chips: give at least one chip profile");
  app::map_options opt;
  opt.desc = is_text ? app::read_network_text(config, name) : app::read_network_file(config);
  opt.config = name;
  opt.duration = duration > 0 ? duration : std::min(1.0, opt.desc.sim.duration_s);
  if (seed >= 0) opt.desc.sim.seed = static_cast<std::uint64_t>(seed);
  const std::string dir = chips_dir.empty() ? (app::data_dir() / "configs" / "chips").string() : chips_dir;
  for (const auto& c : chip_names) opt.chips.push_back(read_chip_profile(chip_profile_path(dir, c)));
  opt.method = parse_partitioner(method);
  if (!max_memory.empty()) opt.max_memory = parse_byte_size(max_memory, "max_memory");
  opt.threads = threads;
  if (!out.empty()) ensure_directory(out);
  progress_relay relay(progress);
  opt.progress = [&relay](std::uint64_t done, std::uint64_t total) { relay(done, total); };
  app::map_result res;
  {
    py::gil_scoped_release free;
    res = app::map(opt);
  }
  relay.rethrow();
  py::dict chips, written;
  std::string failures;
  for (std::size_t k = 0; k < res.chips.size(); ++k) {
    const auto& c = res.chips[k];
    if (!c.costed_row()) {
      failures += fmt::format("{}{} does not fit on {} with the {} partitioner", failures.empty() ? "" : "\n", name,
                              c.chip.id, method);
      continue;
    }
    const auto j = res.to_json(k);
    if (!out.empty()) {
      const auto path = fs::path(out) / fmt::format("map_{}.json", c.chip.id);
      write_file_atomically(path, json_text(j));
      written[py::str(c.chip.id)] = path.string();
    }
    chips[py::str(c.chip.id)] = to_python(j);
  }
  if (!failures.empty()) throw error(failures);
  py::dict d;
  d["config"] = res.config;
  d["seconds"] = res.seconds;
  d["neurons"] = res.neurons;
  d["synapses"] = res.synapses;
  d["spikes_per_s"] = res.spikes_per_s;
  d["sops_per_s"] = res.sops_per_s;
  d["chips"] = chips;
  d["written"] = written;
  return d;
}

}  // namespace

// simulate: app::simulate, the summary as a dict. Under mpirun with mpi4py the network is split between the
// ranks (docs/scaling.md), and every rank returns the same summary; rank 0 writes the files.
py::dict simulate(const std::string& config, double duration, int threads, long long seed, const std::string& engine,
                  const std::string& out, const std::string& spike_format) {
  mpi::adopt();
  app::simulate_options o;
  o.config = config;
  o.duration = duration;
  o.threads = threads;
  o.seed = seed;
  o.engine = engine;
  o.out_dir = out;
  o.spike_format = spike_format;
  app::simulate_result r;
  {
    py::gil_scoped_release free;
    r = app::simulate(o);
  }
  py::dict d = to_python(summary_json(*r.net, r.counters, r.report));
  d["ranks"] = mpi::size();
  d["rank"] = mpi::rank();
  return d;
}

void bind_app(py::module_& m) {
  m.def("simulate", &simulate, py::arg("config"), py::arg("duration") = -1.0, py::arg("threads") = -1,
        py::arg("seed") = -1, py::arg("engine") = "", py::arg("out") = "", py::arg("spike_format") = "",
        "simulate (the package checks the arguments).");
  // What the command line reports as input errors besides spikeworm::error (cli/src/cli.cpp) is
  // spikeworm.Error here too, with the same text.
  // A reference held for the interpreter's life: a static py::object would be released after it ends.
  static PyObject* error_type = py::object(m.attr("Error")).release().ptr();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const fs::filesystem_error& e) {
      std::string s = e.path1().empty() ? std::string() : e.path1().string() + ": ";
      if (!e.path2().empty()) s += e.path2().string() + ": ";
      PyErr_SetString(error_type, (s + e.code().message()).c_str());
    } catch (const std::system_error& e) {
      PyErr_SetString(error_type, e.what());
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(error_type, fmt::format("malformed JSON input: {}", e.what()).c_str());
    }
  });
  m.def("eval", &eval, py::arg("run"), py::arg("engine") = "event", py::arg("episodes") = 100,
        py::arg("seed") = 1000, py::arg("policy") = "both", py::arg("threads") = 0, py::arg("config") = "",
        py::arg("out") = "", py::arg("progress") = py::none(),
        "`spikeworm eval`: replay a run folder's agents (or one weights file) with frozen weights and write the "
        "JSON report. Returns eval.json as a dict, with per_episode arrays (agents x episodes) per policy, "
        "firing_rate_hz per layer and the written path; progress(done, total) counts agents.");
  m.def("energy", &energy, py::arg("run"), py::arg("tables") = std::vector<std::string>{},
        py::arg("tables_dir") = "", py::arg("reeval") = false, py::arg("episodes") = 100, py::arg("out") = "",
        py::arg("progress") = py::none(),
        "`spikeworm energy`: the energy per decision of a run's evaluated agents on energy tables (evaluating them "
        "first when the run has no eval.json, or with reeval). Returns energy.json's figures with one dict per "
        "table; progress(done, total) counts agents evaluated.");
  m.def("crossover", &crossover, py::arg("run") = "", py::arg("tables") = std::vector<std::string>{},
        py::arg("tables_dir") = "", py::arg("episodes") = 100, py::arg("out") = "", py::arg("progress") = py::none(),
        "`spikeworm energy --crossover`: where a spiking layer costs less than the dense layer of the same "
        "weights, on every table, over width and time steps; with a run, its layers placed on the map.");
  m.def("sweep", &sweep, py::arg("config"), py::arg("sets"), py::arg("out") = "", py::arg("sessions") = 0,
        py::arg("episodes") = 0, py::arg("threads") = 0, py::arg("eval_episodes") = 20,
        py::arg("eval_engine") = "dense", py::arg("tables") = std::vector<std::string>{},
        py::arg("max_memory") = "", py::arg("progress") = py::none(),
        "`spikeworm sweep`: train, evaluate and cost every point of a grid (sets: KEY=V1,V2,...). Returns the "
        "axes, the tables, one dict per point and the cheapest point per table; progress(done, total) counts points.");
  m.def("deploy", &deploy, py::arg("run"), py::arg("chips"), py::arg("episodes") = 100, py::arg("seed") = 1000,
        py::arg("session") = -1, py::arg("partitioner") = "greedy", py::arg("chips_dir") = "", py::arg("config") = "",
        py::arg("out") = "", py::arg("progress") = py::none(),
        "`spikeworm deploy`: map a trained spiking agent onto chips, quantize it and run it in fixed point, and "
        "write deploy_CHIP.json. Returns each chip's report as a dict; progress(done, total) counts episodes.");
  m.def("map", &map, py::arg("config"), py::arg("is_text"), py::arg("name"), py::arg("chips"),
        py::arg("duration") = -1.0, py::arg("seed") = -1, py::arg("threads") = 0, py::arg("partitioner") = "greedy",
        py::arg("chips_dir") = "", py::arg("out") = "", py::arg("max_memory") = "", py::arg("progress") = py::none(),
        "`spikeworm map`: place a network on chips by every partitioner, with traffic, energy and chip time per "
        "simulated second. Returns map_CHIP.json of each chip as a dict; progress(done, total) counts steps.");
}

}  // namespace spikeworm::python
