// The _spikeworm extension: the library API for Python (docs/python.md). It only translates: networks and
// runs come from app/ and engine/, errors become Python exceptions with the library's messages.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "spikeworm/app/simulate.hpp"
#include "spikeworm/app/train.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/memory.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace py = pybind11;
namespace spikeworm::python { void bind_app(py::module_& m); }  // eval, energy, sweep, deploy, map: app_bindings.cpp

namespace spikeworm::python {

namespace {

py::dict counters_dict(const network& net, const run_counters& c) {
  py::dict pops;
  for (std::size_t p = 0; p < net.populations().size(); ++p) {
    py::dict d;
    d["neurons"] = net.populations()[p].size;
    d["spikes"] = c.spikes_per_population[p];
    d["sops"] = c.sops_per_population[p];
    d["updates"] = c.updates_per_population[p];
    pops[py::str(net.populations()[p].name)] = d;
  }
  py::dict out;
  out["steps"] = c.steps;
  out["spikes"] = c.total_spikes();
  out["sops"] = c.sops;
  out["neuron_updates"] = c.neuron_updates;
  out["dense_updates"] = c.dense_updates;
  out["events_queued"] = c.events_queued;
  out["raster_digest"] = fmt::format("{:016x}", c.raster_digest);
  out["populations"] = pops;
  return out;
}

// Per-population arrays and from_list projections of Network.from_arrays (the package validates shapes and
// dtypes and names the argument; the library checks ranges and values again).
struct population_arrays {
  std::vector<double> current, init_v, init_ge, init_gi;
};
struct list_projection {
  std::string source, target, receptor;
  std::vector<neuron_id> sources, targets;
  std::vector<weight_t> weights;
  std::vector<delay_t> delays;
};

// Results are moved out of the engine after each run (no copy) into shared buffers, and numpy arrays are
// read-only views of them that keep their buffer alive (docs/python.md, "Zero copy").
template <class T, class B>
py::array_t<T> view_of(const std::shared_ptr<B>& buffer, const T* data, std::vector<py::ssize_t> shape,
                       std::vector<py::ssize_t> strides) {
  auto* held = new std::shared_ptr<B>(buffer);
  py::capsule owner(held, [](void* p) { delete static_cast<std::shared_ptr<B>*>(p); });
  py::array_t<T> a(std::move(shape), std::move(strides), data, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

// A network and its engine: build once, run for a while, read the spikes, run on or reset.
// Network.from_arrays's per-neuron arrays into the populations read from its config text.
void attach_arrays(network_desc& d, std::vector<population_arrays> arrays) {
  if (arrays.size() != d.populations.size())
    throw py::value_error(fmt::format("populations: {} array sets for {} populations", arrays.size(),
                                      d.populations.size()));
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    auto& p = d.populations[i];
    auto& a = arrays[i];
    auto attach = [&](std::vector<double>& from, std::vector<double>& to, const char* key) {
      if (from.empty()) return;
      if (from.size() != p.size)
        throw py::value_error(fmt::format("populations[{}]['{}']: {} values for {} neurons", i, key, from.size(), p.size));
      for (std::size_t k = 0; k < from.size(); ++k)
        if (!std::isfinite(from[k]))
          throw py::value_error(fmt::format("populations[{}]['{}'][{}] = {} is not finite", i, key, k, from[k]));
      if (is_source(p.model)) throw py::value_error(fmt::format("populations[{}]['{}']: a {} has no state or current", i, key, to_string(p.model)));
      to = std::move(from);
    };
    attach(a.current, p.currents, "current");
    attach(a.init_v, p.init_v_values, "init_v");
    if ((!a.init_ge.empty() || !a.init_gi.empty()) && !has_synaptic_state(p.model))
      throw py::value_error(fmt::format("populations[{}]: a {} population has no ge or gi", i, to_string(p.model)));
    attach(a.init_ge, p.init_ge_values, "init_ge");
    attach(a.init_gi, p.init_gi_values, "init_gi");
  }
}

class py_network {
 public:
  py_network(const std::string& config, bool is_text, const std::string& name, const std::string& engine_kind,
             int threads, long long seed) {
    desc_ = is_text ? app::read_network_text(config, name) : app::read_network_file(config);
    build(name, engine_kind, threads, seed);
  }

  // Network.from_arrays: `config` holds [simulation] and the populations without their arrays.
  py_network(const std::string& config, const std::string& engine_kind, int threads, long long seed,
             std::vector<population_arrays> arrays, std::vector<list_projection> lists) {
    desc_ = app::read_network_text(config, "<arrays>");
    attach_arrays(desc_, std::move(arrays));
    for (std::size_t j = 0; j < lists.size(); ++j) {
      auto& l = lists[j];
      projection_desc d;
      d.source = l.source;
      d.target = l.target;
      d.rule = connection_rule::from_list;
      if (l.receptor != "excitatory" && l.receptor != "inhibitory")
        throw py::value_error(fmt::format("projections[{}]['receptor']: expected 'excitatory' or 'inhibitory', got '{}'",
                                          j, l.receptor));
      d.target_receptor = l.receptor == "excitatory" ? receptor::excitatory : receptor::inhibitory;
      auto list = std::make_shared<connection_list>();
      list->sources = std::move(l.sources);
      list->targets = std::move(l.targets);
      list->weights = std::move(l.weights);
      list->delays = std::move(l.delays);
      d.list = std::move(list);
      desc_.projections.push_back(std::move(d));
    }
    build("<arrays>", engine_kind, threads, seed);
  }

  // Runs `duration_ms` more, without the GIL. Ctrl-C stops at the next chunk boundary with KeyboardInterrupt;
  // the network keeps the steps done and stays usable.
  void run(double duration_ms) {
    const step_t steps = step_count(duration_ms * 1e-3, net_->dt_ms(), "duration");
    const step_t chunk = std::max<step_t>(1, std::min<step_t>(steps / 100 + 1, 10000));
    for (step_t done = 0; done < steps;) {
      const step_t n = std::min(chunk, steps - done);
      {
        py::gil_scoped_release free;
        eng_->run(n);
      }
      done += n;
      if (PyErr_CheckSignals() != 0) {
        collect();
        throw py::error_already_set();
      }
    }
    collect();
  }

  void reset() {
    eng_->reset();
    spike_chunks_.clear();
    trace_chunks_.assign(eng_->traces().size(), {});
  }

  void set_currents(const std::vector<double>& currents) { eng_->set_currents(currents); }

  // Spikes of spike_source neurons (global ids) at steps > the current step.
  void add_inputs(const std::vector<step_t>& steps, const std::vector<neuron_id>& ids) {
    if (steps.size() != ids.size())
      throw py::value_error(fmt::format("add_inputs: {} steps for {} ids", steps.size(), ids.size()));
    std::vector<spike> in(steps.size());
    for (std::size_t k = 0; k < in.size(); ++k) in[k] = {steps[k], ids[k]};
    eng_->add_inputs(in);
  }
  double time_ms() const { return static_cast<double>(eng_->now()) * net_->dt_ms(); }
  double dt_ms() const { return net_->dt_ms(); }
  std::size_t size() const { return net_->num_neurons(); }
  std::size_t synapses() const { return net_->num_synapses(); }

  // (times [ms], neuron ids): ids are a view of the spikes moved out of the engine, times are computed.
  py::tuple spikes() {
    const auto& buf = merged_spikes();
    const auto n = static_cast<py::ssize_t>(buf->size());
    py::array_t<double> times(n);
    auto t = times.mutable_unchecked<1>();
    for (py::ssize_t k = 0; k < n; ++k) t(k) = static_cast<double>((*buf)[static_cast<std::size_t>(k)].step) * net_->dt_ms();
    static const spike none{};
    const spike* first = buf->empty() ? &none : buf->data();
    auto ids = view_of<std::uint32_t>(buf, &first->neuron, {n}, {static_cast<py::ssize_t>(sizeof(spike))});
    return py::make_tuple(times, ids);
  }

  // Each recorded state variable: its population, variable, neurons (global ids), interval [steps] and the
  // samples (rows x neurons; row j sampled after step (j + 1) interval), a view of the moved buffer.
  py::list traces() {
    py::list out;
    const auto& tr = eng_->traces();
    for (std::size_t k = 0; k < tr.size(); ++k) {
      auto& chunks = trace_chunks_[k];
      if (chunks.size() != 1) {
        auto all = std::make_shared<std::vector<state_t>>();
        for (const auto& c : chunks) all->insert(all->end(), c->begin(), c->end());
        chunks.assign(1, all);
      }
      const auto& buf = chunks.front();
      const auto cols = static_cast<py::ssize_t>(tr[k].neurons.size());
      const auto rows = cols == 0 ? 0 : static_cast<py::ssize_t>(buf->size()) / cols;
      static const state_t none = 0;
      py::dict d;
      d["population"] = net_->populations()[tr[k].population].name;
      d["variable"] = to_string(tr[k].variable);
      d["neurons"] = py::array_t<std::uint32_t>(static_cast<py::ssize_t>(tr[k].neurons.size()), tr[k].neurons.data());
      d["interval"] = tr[k].interval;
      d["values"] = view_of<state_t>(buf, buf->empty() ? &none : buf->data(), {rows, cols},
                                     {cols * static_cast<py::ssize_t>(sizeof(state_t)), sizeof(state_t)});
      out.append(d);
    }
    return out;
  }

  // Every synapse: global source and target ids, weight, delay [steps] and receptor (0 excitatory,
  // 1 inhibitory), in the network's order (by source, then target). Copies: the network owns its arrays.
  py::dict connections() const {
    const auto rows = net_->row_start();
    const auto n = static_cast<py::ssize_t>(net_->num_synapses());
    py::array_t<std::uint32_t> src(n), tgt(n);
    py::array_t<float> w(n);
    py::array_t<std::uint16_t> d(n);
    py::array_t<std::uint8_t> rc(n);
    auto s = src.mutable_unchecked<1>();
    for (std::size_t v = 0; v + 1 < rows.size(); ++v)
      for (edge_id e = rows[v]; e < rows[v + 1]; ++e) s(e) = static_cast<std::uint32_t>(v);
    std::copy(net_->targets().begin(), net_->targets().end(), tgt.mutable_data());
    std::copy(net_->weights().begin(), net_->weights().end(), w.mutable_data());
    std::copy(net_->delays().begin(), net_->delays().end(), d.mutable_data());
    std::transform(net_->receptors().begin(), net_->receptors().end(), rc.mutable_data(),
                   [](receptor r) { return static_cast<std::uint8_t>(r); });
    py::dict out;
    out["sources"] = src;
    out["targets"] = tgt;
    out["weights"] = w;
    out["delays"] = d;
    out["receptors"] = rc;
    return out;
  }

  // The initial value of a state variable ("v", "ge" or "gi") of every neuron (0 for sources), as reset() sets it.
  py::array_t<double> initial_state(const std::string& variable) const {
    const int k = variable == "v" ? 0 : variable == "ge" ? 1 : variable == "gi" ? 2 : -1;
    if (k < 0) throw py::value_error(fmt::format("variable: expected 'v', 'ge' or 'gi', got '{}'", variable));
    py::array_t<double> out(static_cast<py::ssize_t>(net_->num_neurons()));
    auto o = out.mutable_unchecked<1>();
    const auto& pops = net_->populations();
    for (std::size_t p = 0; p < pops.size(); ++p)
      for (neuron_id n = pops[p].first; n < pops[p].end(); ++n) {
        const bool has = !is_source(pops[p].model) && (k == 0 || has_synaptic_state(pops[p].model));
        o(n) = has ? net_->initial_value(pops[p], p, n, k, desc_.sim.seed) : 0.0;
      }
    return out;
  }

  py::dict counters() const { return counters_dict(*net_, eng_->counters()); }

  py::list populations() const {
    py::list out;
    for (const auto& p : net_->populations()) {
      py::dict d;
      d["name"] = p.name;
      d["first"] = p.first;
      d["size"] = p.size;
      d["model"] = to_string(p.model);
      out.append(d);
    }
    return out;
  }

  // Network.set_populations: the populations of `config` with their arrays replace the network's (the same
  // names, models, sizes and update modes); the synapses stay, the engine is rebuilt at t = 0.
  void set_populations(const std::string& config, std::vector<population_arrays> arrays) {
    network_desc d = app::read_network_text(config, "<arrays>");
    attach_arrays(d, std::move(arrays));
    {
      py::gil_scoped_release free;
      eng_.reset();
      try {
        net_->replace_populations(d.populations);
      } catch (...) {
        make_engine_now();  // the network is unchanged: it keeps a working engine
        throw;
      }
      desc_.populations = std::move(d.populations);
      make_engine_now();
    }
    spike_chunks_.clear();
  }

 private:
  void build(const std::string& name, const std::string& engine_kind, int threads, long long seed) {
    if (seed >= 0) desc_.sim.seed = static_cast<std::uint64_t>(seed);
    if (!engine_kind.empty()) desc_.sim.engine = engine_kind;
    if (threads >= 0) desc_.sim.threads = threads;
    check_memory(fmt::format("network {}", name), estimate_memory(desc_), 0);
    py::gil_scoped_release free;
    net_ = std::make_unique<network>(desc_);
    make_engine_now();
  }

  void make_engine_now() {
    eng_ = make_engine(desc_.sim.engine, *net_,
                       {desc_.sim.seed, std::max(1, worker_threads(desc_.sim.threads)), true});
    bool traced = false;
    for (const auto& p : net_->populations()) traced = traced || !p.record.variables.empty();
    if (traced) eng_->record_traces();
    trace_chunks_.assign(eng_->traces().size(), {});
  }

  // Moves the spikes and samples of the last run out of the engine (their buffers change hands, no copy).
  void collect() {
    if (!eng_->spikes().empty()) spike_chunks_.push_back(std::make_shared<std::vector<spike>>(eng_->take_spikes()));
    for (std::size_t k = 0; k < eng_->traces().size(); ++k)
      if (!eng_->traces()[k].values.empty())
        trace_chunks_[k].push_back(std::make_shared<std::vector<state_t>>(eng_->take_trace_values(k)));
  }

  const std::shared_ptr<std::vector<spike>>& merged_spikes() {
    if (spike_chunks_.size() != 1) {
      auto all = std::make_shared<std::vector<spike>>();
      for (const auto& c : spike_chunks_) all->insert(all->end(), c->begin(), c->end());
      spike_chunks_.assign(1, all);
    }
    return spike_chunks_.front();
  }

  network_desc desc_;
  std::unique_ptr<network> net_;
  std::unique_ptr<engine> eng_;
  std::vector<std::shared_ptr<std::vector<spike>>> spike_chunks_;
  std::vector<std::vector<std::shared_ptr<std::vector<state_t>>>> trace_chunks_;
};

template <class T>
std::vector<T> vector_of(const py::handle& h) {
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!a) throw py::type_error("expected an array of numbers");
  if (a.ndim() != 1) throw py::value_error(fmt::format("expected a 1-d array, got {} dimensions", a.ndim()));
  return std::vector<T>(a.data(), a.data() + a.size());
}

// Network.from_arrays's arrays, as the package hands them over (checked and converted there).
std::vector<population_arrays> population_arrays_of(const py::list& l) {
  std::vector<population_arrays> out;
  for (const auto& item : l) {
    const auto d = item.cast<py::dict>();
    population_arrays a;
    auto get = [&](const char* key, std::vector<double>& to) {
      if (d.contains(key)) to = vector_of<double>(d[key]);
    };
    get("current", a.current);
    get("init_v", a.init_v);
    get("init_ge", a.init_ge);
    get("init_gi", a.init_gi);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<list_projection> list_projections_of(const py::list& l) {
  std::vector<list_projection> out;
  for (const auto& item : l) {
    const auto d = item.cast<py::dict>();
    list_projection p;
    p.source = d["source"].cast<std::string>();
    p.target = d["target"].cast<std::string>();
    p.receptor = d["receptor"].cast<std::string>();
    p.sources = vector_of<neuron_id>(d["sources"]);
    p.targets = vector_of<neuron_id>(d["targets"]);
    p.weights = vector_of<weight_t>(d["weights"]);
    p.delays = vector_of<delay_t>(d["delays"]);
    out.push_back(std::move(p));
  }
  return out;
}

py::dict train(const std::string& config, int sessions, int episodes, int threads, long long seed,
               const std::string& out, bool force, int final_eval, const py::object& progress) {
  app::train_options o;
  o.config = config;
  o.sessions = sessions;
  o.episodes = episodes;
  o.threads = threads;
  o.seed = seed;
  o.out_dir = out;
  o.force = force;
  o.final_eval = final_eval;
  app::train_result r;
  {
    py::gil_scoped_release free;
    r = app::train(o, [&](const app::train_progress& p) {
      if (progress.is_none() || !p.record) return;
      py::gil_scoped_acquire hold;
      progress(p.done, p.total);
    });
  }
  py::list per;
  for (const auto& s : r.per_session) {
    py::dict d;
    d["seed"] = s.seed;
    d["episodes"] = s.episodes;
    d["failed"] = s.failed();
    d["error"] = s.error;
    d["success_rate"] = s.metrics.success_rate;
    d["last30_success"] = s.metrics.last30_success;
    d["last30_steps"] = s.metrics.last30_steps;
    d["path_efficiency"] = s.metrics.path_efficiency;
    d["wall_seconds"] = s.wall_seconds;
    per.append(d);
  }
  py::dict d;
  d["dir"] = r.dir.string();
  d["sessions"] = r.sessions;
  d["episodes"] = r.episodes;
  d["seed"] = r.seed;
  d["threads"] = r.threads;
  d["optimum"] = r.optimum;
  d["wall_seconds"] = r.wall_seconds;
  d["failed"] = r.failed();
  d["per_session"] = per;
  return d;
}

}  // namespace

}  // namespace spikeworm::python

PYBIND11_MODULE(_spikeworm, m) {
  using namespace spikeworm;
  using spikeworm::python::py_network;
  m.doc() = "spikeworm's library API (docs/python.md); use the spikeworm package, which wraps it.";
  static py::exception<spikeworm::error> error_type(m, "Error", PyExc_RuntimeError);
  static py::exception<spikeworm::config_error> config_type(m, "ConfigError", PyExc_ValueError);
  error_type.doc() = "Something the library refuses (a missing file, a run folder in use, memory above the limit), "
                     "with the CLI's message.";
  config_type.doc() = "A bad config value or structure (a ValueError), with the CLI's message and .file, .line, "
                      ".column and .key.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const config_error& e) {
      py::object exc = py::handle(config_type.ptr())(e.what());
      exc.attr("file") = e.file();
      exc.attr("line") = e.line();
      exc.attr("column") = e.column();
      exc.attr("key") = e.key();
      PyErr_SetObject(config_type.ptr(), exc.ptr());
    } catch (const spikeworm::error& e) {
      error_type(e.what());
    }
  });
  py::class_<py_network>(m, "Network", "A network built from a TOML config and its engine.")
      .def(py::init<const std::string&, bool, const std::string&, const std::string&, int, long long>(),
           py::arg("config"), py::arg("is_text"), py::arg("name"), py::arg("engine") = "", py::arg("threads") = -1,
           py::arg("seed") = -1)
      .def(py::init([](const std::string& config, const py::list& arrays, const py::list& lists,
                       const std::string& engine, int threads, long long seed) {
             return std::make_unique<py_network>(config, engine, threads, seed, spikeworm::python::population_arrays_of(arrays),
                                                 spikeworm::python::list_projections_of(lists));
           }),
           py::arg("config"), py::arg("arrays"), py::arg("lists"), py::arg("engine") = "", py::arg("threads") = -1,
           py::arg("seed") = -1, "Network.from_arrays (the package checks and converts the arrays).")
      .def("set_populations",
           [](py_network& n, const std::string& config, const py::list& arrays) {
             n.set_populations(config, spikeworm::python::population_arrays_of(arrays));
           },
           py::arg("config"), py::arg("arrays"), "Network.set_populations (the package checks and converts the arrays).")
      .def("run", &py_network::run, py::arg("duration_ms"),
           "Advance the simulation by duration_ms, without the GIL; Ctrl-C stops it cleanly.")
      .def("reset", &py_network::reset, "Back to the initial state (the same for the same seed).")
      .def("spikes", &py_network::spikes, "(times_ms, ids): numpy arrays of every spike since the last reset.")
      .def("traces", &py_network::traces,
           "Recorded state variables: a list of dicts (population, variable, neurons, interval, values).")
      .def("set_currents", &py_network::set_currents, py::arg("currents"),
           "Injected current per neuron (mV for the cuba and coba models, per step for lif) from the next step on.")
      .def("add_inputs", &py_network::add_inputs, py::arg("steps"), py::arg("ids"),
           "Spikes of spike_source neurons (global ids) at steps after the current one.")
      .def("connections", &py_network::connections,
           "Every synapse as arrays: sources, targets (global ids), weights, delays [steps], receptors (0 exc, 1 inh).")
      .def("initial_state", &py_network::initial_state, py::arg("variable"),
           "Initial values of 'v', 'ge' or 'gi' of every neuron, as reset() sets them.")
      .def("counters", &py_network::counters, "Spikes, synaptic operations and neuron updates, per population.")
      .def("populations", &py_network::populations, "Each population's name, first id, size and model.")
      .def_property_readonly("time_ms", &py_network::time_ms, "Simulated time so far [ms] (0 after reset()).")
      .def_property_readonly("dt_ms", &py_network::dt_ms, "The time step [ms].")
      .def_property_readonly("size", &py_network::size, "Number of neurons (ids 0 .. size - 1).")
      .def_property_readonly("synapses", &py_network::synapses, "Number of synapses.");
  m.def("train", &spikeworm::python::train, py::arg("config"), py::arg("sessions") = 0, py::arg("episodes") = 0,
        py::arg("threads") = 0, py::arg("seed") = -1, py::arg("out") = "", py::arg("force") = false,
        py::arg("final_eval") = 20, py::arg("progress") = py::none(),
        "Train REINFORCE sessions of an experiment config into a run folder; returns the figures per session.");
  spikeworm::python::bind_app(m);
}
