// spikeworm nir export (docs/nir.md, "nir export"): a trained spiking agent written as a NIR graph.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/app/nir.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/hdf5.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/brain.hpp"

namespace spikeworm::app {

namespace {

const param_tensor& tensor(const brain& b, std::string_view name) {
  for (const auto& p : b.params())
    if (p.name == name) return p;
  throw internal_error(fmt::format("nir export: the brain has no tensor {}", name));
}

// rows x cols of a tensor, row-major [out][in] whatever its storage.
std::vector<double> matrix_of(const param_tensor& p, double scale = 1.0) {
  std::vector<double> m(p.rows * p.cols);
  for (std::size_t r = 0; r < p.rows; ++r)
    for (std::size_t c = 0; c < p.cols; ++c) m[r * p.cols + c] = static_cast<double>(p.at(r, c)) * scale;
  return m;
}

struct writer {
  const h5::group& nodes;
  nir_export_report& rep;

  h5::group node(const std::string& name, const std::string& type) {
    h5::group g = nodes.create_group(name);
    g.string_dataset("type", type);
    rep.nodes.push_back(name);
    return g;
  }
  static void put(const h5::group& g, const char* key, const std::vector<double>& v, std::vector<std::size_t> shape) {
    g.dataset(key, v, shape);
  }
  void affine(const std::string& name, const param_tensor& w, const param_tensor* b, double bias_scale = 1.0) {
    h5::group g = node(name, b ? "Affine" : "Linear");
    put(g, "weight", matrix_of(w), {w.rows, w.cols});
    if (b) put(g, "bias", matrix_of(*b, bias_scale), {b->rows});
  }
};

}  // namespace

nir_export_report nir_export(const nir_export_options& o) {
  const brain_config& bc = o.cfg.brain;
  if (bc.kind != brain_kind::spiking)
    throw error(fmt::format("{}: a {} brain; nir export writes spiking agents", o.weights, brain_kind_name(bc.kind)));
  if (bc.readout == readout_kind::dense)
    throw error(fmt::format("{}: the agent has the dense head (readout = \"dense\"), a ReLU layer NIR has no node for; "
                            "export an agent with readout = \"spikes\"",
                            o.weights));
  if (!bc.enc.constant_input())
    throw error(fmt::format("{}: the agent's {} encoder feeds spike trains through folded input synapses; nir export "
                            "writes agents with a current encoder",
                            o.weights, encoder_name(bc.enc.kind)));
  const int n_obs = bc.enc.width(envs::observation_size);
  auto agent = make_brain(bc, n_obs, envs::num_actions, 1);
  read_weights(o.weights, agent->params());
  const lif_lowered lif = lower(bc.lif, bc.dt_ms);
  const double dt_s = bc.dt_ms / 1000.0;
  const std::size_t H = static_cast<std::size_t>(bc.hidden), T = static_cast<std::size_t>(bc.steps);
  const int L = bc.layers;

  nir_export_report rep;
  h5::file f(o.out);
  f.string_dataset("version", "0.2.0");
  h5::group root = f.create_group("node");
  root.string_dataset("type", "NIRGraph");
  h5::group nodes = root.create_group("nodes");
  writer w{nodes, rep};
  {
    h5::group g = w.node("input", "Input");
    writer::put(g, "shape", {static_cast<double>(n_obs)}, {1});
  }
  w.affine("input_layer", tensor(*agent, "input.weight"), &tensor(*agent, "input.bias"));
  w.affine("hidden0", tensor(*agent, "hidden.0.weight"), &tensor(*agent, "hidden.0.bias"));
  rep.edges = {{"input", "input_layer"}, {"input_layer", "hidden0"}, {"hidden0", "lif0"}};
  // The discrete lif v <- (1 - 1/tau) v + v_rest / tau + I is NIR's Euler LIF with tau = tau_steps dt,
  // v_leak = v_rest and r = tau_steps (docs/nir.md, "nir export").
  auto lif_node = [&](const std::string& name) {
    h5::group g = w.node(name, "LIF");
    const std::vector<double> one(H, 1.0);
    auto fill = [&](double x) {
      std::vector<double> v(H, x);
      return v;
    };
    writer::put(g, "tau", fill(lif.tau_m * dt_s), {H});
    writer::put(g, "r", fill(lif.tau_m), {H});
    writer::put(g, "v_leak", fill(lif.v_rest), {H});
    writer::put(g, "v_threshold", fill(lif.v_th), {H});
    writer::put(g, "v_reset", fill(lif.v_reset), {H});
  };
  lif_node("lif0");
  for (int k = 1; k < L; ++k) {
    const std::string d = fmt::format("delay{}", k), a = fmt::format("hidden{}", k), n = fmt::format("lif{}", k);
    {
      h5::group g = w.node(d, "Delay");
      writer::put(g, "delay", std::vector<double>(H, dt_s), {H});
    }
    w.affine(a, tensor(*agent, fmt::format("hidden.{}.weight", k)), &tensor(*agent, fmt::format("hidden.{}.bias", k)));
    lif_node(n);
    rep.edges.insert(rep.edges.end(), {{fmt::format("lif{}", k - 1), d}, {d, a}, {a, n}});
  }
  const std::string last = fmt::format("lif{}", L - 1);
  if (bc.recurrent) {
    w.affine("recurrent", tensor(*agent, fmt::format("recurrent.{}.weight", L - 1)), nullptr);
    rep.edges.insert(rep.edges.end(), {{last, "recurrent"}, {"recurrent", last}});
  }
  w.affine("readout", tensor(*agent, "output.weight"), &tensor(*agent, "output.bias"), 1.0 / static_cast<double>(T));
  {
    h5::group g = w.node("output", "Output");
    writer::put(g, "shape", {static_cast<double>(envs::num_actions)}, {1});
  }
  rep.edges.insert(rep.edges.end(), {{last, "readout"}, {"readout", "output"}});
  std::vector<std::string> flat;
  for (const auto& [a, b] : rep.edges) {
    flat.push_back(a);
    flat.push_back(b);
  }
  const std::vector<std::size_t> edge_shape{rep.edges.size(), 2};
  root.string_dataset("edges", flat, edge_shape);
  rep.metadata = {
      {"exported_by", "spikeworm nir export"},
      {"dt", fmt::format("{}", dt_s)},
      {"steps_per_decision", fmt::format("{}", T)},
      {"reset", "value"},
      {"input", fmt::format("the encoded observation ({} values), the same at each of the T steps of a decision", n_obs)},
      {"readout", "logits = the sum of Output over the T steps of a decision (its Affine bias is the output bias / T)"},
      {"decision_reset", fmt::format("membranes start at v_rest = {} at every decision (NIR runners start at 0)", lif.v_rest)},
      {"threshold_test", "spikeworm spikes at v >= v_threshold; NIR's v > v_threshold differs only where v equals it"},
      {"layer_delay", "layer k >= 1 gets the spikes of layer k-1 one step later (the Delay nodes)"},
  };
  h5::group meta = root.create_group("metadata");
  for (const auto& [k, v] : rep.metadata) meta.string_dataset(k, v);
  f.commit();
  return rep;
}

}  // namespace spikeworm::app
