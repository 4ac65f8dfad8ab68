// The _spikeworm extension: the library API for Python (docs/python.md). It only translates: networks and
// runs come from app/ and engine/, errors become Python exceptions with the library's messages.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
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

// A network and its engine: build once, run for a while, read the spikes, run on or reset.
class py_network {
 public:
  py_network(const std::string& config, bool is_text, const std::string& name, const std::string& engine_kind,
             int threads, long long seed) {
    desc_ = is_text ? app::read_network_text(config, name) : app::read_network_file(config);
    if (seed >= 0) desc_.sim.seed = static_cast<std::uint64_t>(seed);
    if (!engine_kind.empty()) desc_.sim.engine = engine_kind;
    if (threads >= 0) desc_.sim.threads = threads;
    check_memory(fmt::format("network {}", name), estimate_memory(desc_), 0);
    {
      py::gil_scoped_release free;
      net_ = std::make_unique<network>(desc_);
      eng_ = make_engine(desc_.sim.engine, *net_,
                         {desc_.sim.seed, std::max(1, worker_threads(desc_.sim.threads)), true});
    }
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
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
  }

  void reset() { eng_->reset(); }
  double time_ms() const { return static_cast<double>(eng_->now()) * net_->dt_ms(); }
  double dt_ms() const { return net_->dt_ms(); }
  std::size_t size() const { return net_->num_neurons(); }
  std::size_t synapses() const { return net_->num_synapses(); }

  // (times [ms], neuron ids): copies, since the engine's record grows and is cleared on reset.
  py::tuple spikes() const {
    const auto& s = eng_->spikes();
    py::array_t<double> times(static_cast<py::ssize_t>(s.size()));
    py::array_t<std::uint32_t> ids(static_cast<py::ssize_t>(s.size()));
    auto t = times.mutable_unchecked<1>();
    auto i = ids.mutable_unchecked<1>();
    for (std::size_t k = 0; k < s.size(); ++k) {
      t(static_cast<py::ssize_t>(k)) = static_cast<double>(s[k].step) * net_->dt_ms();
      i(static_cast<py::ssize_t>(k)) = s[k].neuron;
    }
    return py::make_tuple(times, ids);
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

 private:
  network_desc desc_;
  std::unique_ptr<network> net_;
  std::unique_ptr<engine> eng_;
};

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
      .def("run", &py_network::run, py::arg("duration_ms"),
           "Advance the simulation by duration_ms, without the GIL; Ctrl-C stops it cleanly.")
      .def("reset", &py_network::reset, "Back to the initial state (the same for the same seed).")
      .def("spikes", &py_network::spikes, "(times_ms, ids): numpy arrays of every spike since the last reset.")
      .def("counters", &py_network::counters, "Spikes, synaptic operations and neuron updates, per population.")
      .def("populations", &py_network::populations, "Each population's name, first id, size and model.")
      .def_property_readonly("time_ms", &py_network::time_ms)
      .def_property_readonly("dt_ms", &py_network::dt_ms)
      .def_property_readonly("size", &py_network::size)
      .def_property_readonly("synapses", &py_network::synapses);
  m.def("train", &spikeworm::python::train, py::arg("config"), py::arg("sessions") = 0, py::arg("episodes") = 0,
        py::arg("threads") = 0, py::arg("seed") = -1, py::arg("out") = "", py::arg("force") = false,
        py::arg("final_eval") = 20, py::arg("progress") = py::none(),
        "Train REINFORCE sessions of an experiment config into a run folder; returns the figures per session.");
  spikeworm::python::bind_app(m);
}
