// NIR graphs as spikeworm networks, and their runs (docs/nir.md, "Simulation").
#include "spikeworm/engine/nir_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::nir {

namespace {

bool is_linear_type(std::string_view t) {
  return t == "Affine" || t == "Linear" || t == "Scale" || t == "Flatten" || t == "Delay";
}

bool is_spiking_type(std::string_view t) { return t == "LIF" || t == "CubaLIF" || t == "IF" || t == "Threshold"; }

std::string describe(const plan_node& n) { return fmt::format("node '{}' ({})", n.name, n.source->type); }

// The value of neuron j of the node: a scalar (or one-element array) for all, or the j-th element.
double value(const plan_node& n, std::string_view key, double fallback, bool required, std::size_t j) {
  if (!n.source->has(key)) {
    if (required) throw error(fmt::format("{}: parameter '{}' is missing", describe(n), key));
    return fallback;
  }
  const auto& a = n.source->param(key);
  if (a.values.empty()) throw error(fmt::format("{}: parameter '{}' is empty", describe(n), key));
  return a.values[a.values.size() == 1 ? 0 : j];
}

struct dense {
  std::size_t rows = 0, cols = 0;
  std::vector<double> v;
};

dense identity(std::size_t n) {
  dense d{n, n, std::vector<double>(n * n, 0.0)};
  for (std::size_t i = 0; i < n; ++i) d.v[i * n + i] = 1.0;
  return d;
}

// a (r x m) times b (m x n), each sum taken over k in order.
dense multiply(const dense& a, const dense& b) {
  dense c{a.rows, b.cols, std::vector<double>(a.rows * b.cols, 0.0)};
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::size_t k = 0; k < a.cols; ++k) {
      const double x = a.v[i * a.cols + k];
      if (x == 0.0) continue;
      for (std::size_t j = 0; j < b.cols; ++j) c.v[i * b.cols + j] += x * b.v[k * b.cols + j];
    }
  return c;
}

class folder {
 public:
  folder(const document& d, const plan& p, const translate_options& o) : d_(d), p_(p), o_(o), incoming_(p.nodes.size()) {
    for (std::size_t e = 0; e < p.edges.size(); ++e) incoming_[p.edges[e].to].push_back(e);
    on_path_.assign(p.nodes.size(), 0);
  }

  bool top_level(std::size_t k) const {
    const node* n = p_.nodes[k].source;
    return !d_.root.nodes.empty() && n >= d_.root.nodes.data() && n < d_.root.nodes.data() + d_.root.nodes.size();
  }

  // Is node k a source of terms: a top-level Input or a neuron?
  bool source(std::size_t k) const {
    return (p_.nodes[k].source->type == "Input" && top_level(k)) || is_neuron(p_.nodes[k]);
  }

  // The inputs of consumer k (a neuron or a top-level Output): identity times each incoming edge.
  consumer fold(std::size_t k) {
    consumer c;
    c.bias.assign(p_.nodes[k].in, 0.0);
    for (std::size_t e : incoming_[k]) add(c, p_.edges[e].from, identity(p_.nodes[k].in), p_.edges[e].recurrent ? 1 : 0);
    return c;
  }

 private:
  void add(consumer& c, std::size_t x, const dense& a, step_t delay) {
    const plan_node& n = p_.nodes[x];
    if (source(x)) {
      c.terms.push_back({x, a.rows, a.cols, a.v, delay});
      return;
    }
    const std::string& type = n.source->type;
    const bool pass = type == "Flatten" || type == "Input" || type == "Output";  // nested Input / Output: identity
    if (!is_linear_type(type) && !pass) throw error(fmt::format("{}: spikeworm does not run this node type", describe(n)));
    if (on_path_[x]) throw error(fmt::format("{}: a cycle through linear nodes only (no neuron on it)", describe(n)));
    on_path_[x] = 1;
    dense next = a;
    if (type == "Affine" || type == "Linear") {
      const auto& w = n.source->param("weight");
      dense wm{w.shape.size() == 2 ? w.shape[0] : 1, n.in, w.values};
      if (type == "Affine") {
        const auto& b = n.source->param("bias");
        for (std::size_t i = 0; i < a.rows; ++i)
          for (std::size_t m = 0; m < a.cols; ++m) c.bias[i] += a.v[i * a.cols + m] * b.values[m];
      }
      next = multiply(a, wm);
    } else if (type == "Scale") {
      const auto& s = n.source->param("scale");
      for (std::size_t i = 0; i < next.rows; ++i)
        for (std::size_t j = 0; j < next.cols; ++j) next.v[i * next.cols + j] *= s.values[s.values.size() == 1 ? 0 : j];
    } else if (type == "Delay") {
      const auto& del = n.source->param("delay");
      double steps = -1;
      for (double s : del.values) {
        const double k = s / o_.dt_s;
        const double r = std::round(k);
        if (!(s >= 0.0) || std::abs(k - r) > 1e-6 * std::max(1.0, std::abs(k)))
          throw error(fmt::format("{}: delay {} s is not a whole number of steps of dt = {} s", describe(n), s, o_.dt_s));
        if (steps >= 0 && r != steps)
          throw error(fmt::format("{}: delays differ between elements ({} and {} steps); spikeworm delays a node's "
                                  "elements alike",
                                  describe(n), steps, r));
        steps = r;
      }
      delay += static_cast<step_t>(std::max(0.0, steps));
    }
    for (std::size_t e : incoming_[x]) add(c, p_.edges[e].from, next, delay + (p_.edges[e].recurrent ? 1 : 0));
    on_path_[x] = 0;
  }

  const document& d_;
  const plan& p_;
  const translate_options& o_;
  std::vector<std::vector<std::size_t>> incoming_;
  std::vector<std::uint8_t> on_path_;
};

// The nir model's parameters of a neuron node, times from s to ms (docs/nir.md, "Simulation").
nir_params neuron_params(const plan_node& n, const translate_options& o, std::size_t j) {
  auto param_of = [&](std::string_view key, double fallback, bool required) { return value(n, key, fallback, required, j); };
  const std::string& t = n.source->type;
  nir_params q;
  q.reset = o.reset;
  if (t == "LIF") q.kind = nir_kind::lif;
  else if (t == "CubaLIF") q.kind = nir_kind::cuba_lif;
  else if (t == "IF") q.kind = nir_kind::if_;
  else if (t == "LI") q.kind = nir_kind::li;
  else if (t == "CubaLI") q.kind = nir_kind::cuba_li;
  else if (t == "I") q.kind = nir_kind::i;
  else q.kind = nir_kind::threshold;
  const bool leaky = t == "LIF" || t == "LI" || t == "CubaLIF" || t == "CubaLI";
  const bool cuba = t == "CubaLIF" || t == "CubaLI";
  if (t == "Threshold") {
    q.v_threshold = param_of("threshold", 0.0, true);
  } else {
    const double r = param_of("r", 1.0, true);
    q.r = leaky ? r : r / 1000.0;  // IF, I: dv/dt = R I with t in s; the model's r multiplies dt in ms
    if (leaky) {
      q.tau_mem = 1000.0 * param_of(cuba ? "tau_mem" : "tau", 0.0, true);
      q.v_leak = param_of("v_leak", 0.0, true);
    }
    if (cuba) {
      q.tau_syn = 1000.0 * param_of("tau_syn", 0.0, true);
      q.w_in = param_of("w_in", 1.0, false);
    }
    if (is_spiking_type(t)) {
      q.v_threshold = param_of("v_threshold", 0.0, true);
      q.v_reset = param_of("v_reset", 0.0, false);  // absent before NIR 0.2
    }
  }
  return q;
}

// A current input (docs/nir.md): each neuron's bias plus its terms from the Inputs at t - delay, given to the
// engine step by step.
void run_with_currents(engine& eng, const translation& tr, const plan& p, const network& net, const matrix& inputs,
                       const std::vector<std::size_t>& column) {
  const std::size_t steps = inputs.rows;
  std::vector<double> base(net.num_neurons(), 0.0);
  for (const auto& pop : net.populations())
    for (neuron_id j = 0; j < pop.size; ++j) base[pop.first + j] = pop.currents.empty() ? pop.current : pop.currents[j];
  // The terms from the Inputs, found once: (first neuron of the target, the term).
  std::vector<std::pair<neuron_id, const term*>> from_inputs;
  for (std::size_t k = 0; k < p.nodes.size(); ++k) {
    if (!is_neuron(p.nodes[k])) continue;
    const neuron_id first = net.populations()[static_cast<std::size_t>(tr.population_of[k])].first;
    for (const term& tm : tr.inputs_of[k].terms)
      if (std::find(tr.inputs.begin(), tr.inputs.end(), tm.source) != tr.inputs.end()) from_inputs.emplace_back(first, &tm);
  }
  std::vector<double> cur(base.size());
  for (std::size_t t = 0; t < steps; ++t) {
    cur = base;
    for (const auto& [first, tm] : from_inputs) {
      if (static_cast<step_t>(t) < tm->delay) continue;
      const std::size_t row = t - static_cast<std::size_t>(tm->delay);
      for (std::size_t i = 0; i < tm->rows; ++i) {
        double s = 0.0;
        for (std::size_t j = 0; j < tm->cols; ++j) s += tm->matrix[i * tm->cols + j] * inputs.at(row, column[tm->source] + j);
        cur[first + i] += s;
      }
    }
    eng.set_currents(cur);
    eng.run(1);
  }
}

// Throws unless the input has one column per Input element and finite values; are they all 0 or 1?
bool check_inputs(const translation& tr, const plan& p, const matrix& inputs) {
  std::size_t width = 0;
  for (std::size_t k : tr.inputs) width += p.nodes[k].out;
  if (inputs.cols != width)
    throw error(fmt::format("the input has {} columns; the graph's Input nodes take {}", inputs.cols, width));
  bool binary = true;
  for (double x : inputs.values) {
    if (!std::isfinite(x)) throw error(fmt::format("the input holds {}: every value must be finite", x));
    if (x != 0.0 && x != 1.0) binary = false;
  }
  return binary;
}

// The nodes whose v (and I) is sampled at every step: the recorded ones and the non-spiking sources of
// Output nodes; their populations' record set accordingly.
std::vector<std::uint8_t> choose_records(const translation& tr, const plan& p, const run_options& o,
                                         std::vector<population>& pops) {
  std::vector<std::uint8_t> want_v(p.nodes.size(), 0);
  for (const auto& name : o.record) {
    std::size_t k = 0;
    while (k < p.nodes.size() && p.nodes[k].name != name) ++k;
    if (k == p.nodes.size() || !is_neuron(p.nodes[k]))
      throw error(fmt::format("--record {}: no neuron node of that name in the graph", name));
    want_v[k] = 1;
  }
  for (std::size_t out : tr.outputs)
    for (const term& t : tr.inputs_of[out].terms)
      if (!tr.spiking[t.source]) want_v[t.source] = 1;
  for (std::size_t k = 0; k < p.nodes.size(); ++k) {
    if (!want_v[k]) continue;
    auto& pop = pops[static_cast<std::size_t>(tr.population_of[k])];
    pop.record.variables = {state_variable::v};
    if (pop.nir.synapse) pop.record.variables.push_back(state_variable::ge);
    pop.record.neurons.resize(pop.size);
    for (neuron_id j = 0; j < pop.size; ++j) pop.record.neurons[j] = j;
    pop.record.interval = 1;
  }
  return want_v;
}

}  // namespace

bool is_neuron(const plan_node& n) {
  const std::string& t = n.source->type;
  return t == "LIF" || t == "CubaLIF" || t == "IF" || t == "LI" || t == "CubaLI" || t == "I" || t == "Threshold";
}

translation translate(const document& d, const plan& p, const translate_options& o) {
  if (!(o.dt_s > 0.0) || !std::isfinite(o.dt_s)) throw error(fmt::format("dt must be a positive number of seconds, got {}", o.dt_s));
  translation tr;
  tr.dt_ms = o.dt_s * 1000.0;
  for (const plan_node& node : p.nodes)  // every numeric parameter finite, before anything is built
    for (const auto& [key, a] : node.source->params)
      for (std::size_t i = 0; i < a.values.size(); ++i)
        if (!std::isfinite(a.values[i]))
          throw error(fmt::format("{}: parameter '{}' holds {} at element {}", describe(node), key, a.values[i], i));
  folder f(d, p, o);
  const std::size_t n = p.nodes.size();
  tr.population_of.assign(n, -1);
  tr.inputs_of.resize(n);
  tr.spiking.assign(n, false);
  for (std::size_t k : p.order) {
    const plan_node& node = p.nodes[k];
    const std::string& t = node.source->type;
    if (t == "Input" && f.top_level(k)) {
      tr.inputs.push_back(k);
      tr.spiking[k] = true;
      population pop;
      pop.name = node.name;
      pop.model = model_kind::spike_source;
      pop.size = static_cast<neuron_id>(node.out);
      tr.population_of[k] = static_cast<int>(tr.populations.size());
      tr.populations.push_back(std::move(pop));
      tr.params.resize(tr.populations.size());
      tr.uniform.resize(tr.populations.size(), true);
    } else if (is_neuron(node)) {
      tr.spiking[k] = is_spiking_type(t);
      population pop;
      pop.name = node.name;
      pop.model = model_kind::nir;
      pop.size = static_cast<neuron_id>(node.out);
      // Parameters may differ between the node's neurons (arrays): then every neuron gets its own model.
      std::vector<nir_params> q(node.out);
      for (std::size_t j = 0; j < node.out; ++j) q[j] = neuron_params(node, o, j);
      const bool alike = std::all_of(q.begin(), q.end(), [&](const nir_params& x) { return x == q[0]; });
      try {
        pop.nir = lower(q[0], tr.dt_ms);
        if (!alike)
          for (const auto& x : q) pop.nir_neurons.push_back(lower(x, tr.dt_ms));
      } catch (const error& e) {
        throw error(fmt::format("{}: {}", describe(node), e.what()));
      }
      tr.params.resize(tr.populations.size() + 1);
      tr.params.back() = q[0];
      tr.uniform.resize(tr.populations.size() + 1, true);
      tr.uniform.back() = alike;
      pop.update = update_mode::clock;
      pop.init_v = value_spec::constant(0.0);
      tr.population_of[k] = static_cast<int>(tr.populations.size());
      tr.populations.push_back(std::move(pop));
    } else if (t == "Output" && f.top_level(k)) {
      tr.outputs.push_back(k);
    }
  }
  // Population order is the plan's order, so every zero-delay synapse goes to a later population.
  for (std::size_t k = 0; k < n; ++k) {
    const bool neuron = is_neuron(p.nodes[k]);
    if (!neuron && std::find(tr.outputs.begin(), tr.outputs.end(), k) == tr.outputs.end()) continue;
    tr.inputs_of[k] = f.fold(k);
    if (!neuron) continue;
    auto& pop = tr.populations[static_cast<std::size_t>(tr.population_of[k])];
    if (std::any_of(tr.inputs_of[k].bias.begin(), tr.inputs_of[k].bias.end(), [](double b) { return b != 0.0; }))
      pop.currents = tr.inputs_of[k].bias;
    for (const term& t : tr.inputs_of[k].terms) {
      if (!tr.spiking[t.source])
        throw error(fmt::format("{} feeds {}: its output is a value, not spikes, and only spikes cross synapses in "
                                "spikeworm (LI, CubaLI and I nodes can feed Output nodes only; docs/nir.md)",
                                describe(p.nodes[t.source]), describe(p.nodes[k])));
      if (t.delay > 32767) throw error(fmt::format("{}: a delay of {} steps (at most 32767)", describe(p.nodes[k]), t.delay));
      auto list = std::make_shared<connection_list>();
      for (std::size_t j = 0; j < t.cols; ++j)  // by source, so each source's synapses are in target order
        for (std::size_t i = 0; i < t.rows; ++i) {
          const double w = t.matrix[i * t.cols + j];
          if (w == 0.0) continue;
          if (!(std::abs(w) <= static_cast<double>(std::numeric_limits<float>::max())))
            throw error(fmt::format("{}: weight {} beyond the float32 range the network stores", describe(p.nodes[k]), w));
          list->sources.push_back(static_cast<neuron_id>(j));
          list->targets.push_back(static_cast<neuron_id>(i));
          list->weights.push_back(static_cast<float>(w));
          list->delays.push_back(static_cast<delay_t>(t.delay));
        }
      projection_desc pd;
      pd.source = p.nodes[t.source].name;
      pd.target = p.nodes[k].name;
      pd.rule = connection_rule::from_list;
      pd.target_receptor = receptor::excitatory;
      pd.list = std::move(list);
      tr.projections.push_back(std::move(pd));
    }
  }
  return tr;
}

run_result run(const translation& tr, const plan& p, const matrix& inputs, const run_options& o) {
  run_result res;
  res.binary_input = check_inputs(tr, p, inputs);
  // The record: spikes of every population; v (and I) of recorded nodes and of non-spiking output sources.
  std::vector<population> pops = tr.populations;
  const std::vector<std::uint8_t> want_v = choose_records(tr, p, o, pops);
  std::vector<int> trace_of(p.nodes.size(), -1);  // index of the node's v trace (I follows for Cuba kinds)
  int traces = 0;
  std::vector<projection_desc> projs;
  for (const auto& pd : tr.projections) {
    bool from_input = false;
    for (std::size_t k : tr.inputs) from_input |= p.nodes[k].name == pd.source;
    if (res.binary_input || !from_input) projs.push_back(pd);
  }
  network net(pops, projs, tr.dt_ms, 1);
  for (std::size_t q = 0; q < pops.size(); ++q)  // the engines order traces by population, then variable
    for (std::size_t k = 0; k < p.nodes.size(); ++k)
      if (want_v[k] && tr.population_of[k] == static_cast<int>(q)) {
        trace_of[k] = traces;
        traces += pops[q].nir.synapse ? 2 : 1;
      }
  auto eng = make_engine(o.engine, net, engine_options{1, o.threads, true});
  eng->record_traces();
  const std::size_t steps = inputs.rows;
  // Column offset of each Input node in the input matrix.
  std::vector<std::size_t> column(p.nodes.size(), 0);
  {
    std::size_t c = 0;
    for (std::size_t k : tr.inputs) {
      column[k] = c;
      c += p.nodes[k].out;
    }
  }
  if (res.binary_input) {
    std::vector<spike> in;
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t k : tr.inputs) {
        const neuron_id first = net.populations()[static_cast<std::size_t>(tr.population_of[k])].first;
        for (std::size_t j = 0; j < p.nodes[k].out; ++j)
          if (inputs.at(t, column[k] + j) == 1.0) in.push_back({static_cast<step_t>(t + 1), first + static_cast<neuron_id>(j)});
      }
    std::sort(in.begin(), in.end());
    eng->add_inputs(in);
    eng->run(static_cast<step_t>(steps));
  } else {
    run_with_currents(*eng, tr, p, net, inputs, column);
  }
  res.counters = eng->counters();
  // Spikes and states per node.
  auto spikes_of = [&](std::size_t k) {
    const auto& pop = net.populations()[static_cast<std::size_t>(tr.population_of[k])];
    matrix m{steps, pop.size, std::vector<double>(steps * pop.size, 0.0)};
    for (const spike& s : eng->spikes())
      if (pop.contains(s.neuron)) m.values[static_cast<std::size_t>(s.step - 1) * pop.size + (s.neuron - pop.first)] = 1.0;
    return m;
  };
  auto trace_matrix = [&](int index) {
    const trace& tc = eng->traces()[static_cast<std::size_t>(index)];
    matrix m{tc.rows(), tc.neurons.size(), std::vector<double>(tc.values.begin(), tc.values.end())};
    return m;
  };
  // The output of source node k at every step: its spikes, its v, or the input.
  auto output_of = [&](std::size_t k) {
    if (std::find(tr.inputs.begin(), tr.inputs.end(), k) != tr.inputs.end()) {
      matrix m{steps, p.nodes[k].out, std::vector<double>(steps * p.nodes[k].out)};
      for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t j = 0; j < m.cols; ++j) m.values[t * m.cols + j] = inputs.at(t, column[k] + j);
      return m;
    }
    return tr.spiking[k] ? spikes_of(k) : trace_matrix(trace_of[k]);
  };
  for (std::size_t out : tr.outputs) {
    const consumer& c = tr.inputs_of[out];
    matrix y{steps, p.nodes[out].in, std::vector<double>(steps * p.nodes[out].in, 0.0)};
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t i = 0; i < y.cols; ++i) y.values[t * y.cols + i] = c.bias[i];
    for (const term& tm : c.terms) {
      const matrix src = output_of(tm.source);
      for (std::size_t t = static_cast<std::size_t>(tm.delay); t < steps; ++t)
        for (std::size_t i = 0; i < tm.rows; ++i) {
          double s = 0.0;
          for (std::size_t j = 0; j < tm.cols; ++j) s += tm.matrix[i * tm.cols + j] * src.at(t - static_cast<std::size_t>(tm.delay), j);
          y.values[t * y.cols + i] += s;
        }
    }
    res.outputs.emplace_back(p.nodes[out].name, std::move(y));
  }
  for (std::size_t k = 0; k < p.nodes.size(); ++k) {
    if (!want_v[k] || std::find(o.record.begin(), o.record.end(), p.nodes[k].name) == o.record.end()) continue;
    res.records.push_back({p.nodes[k].name, "v", trace_matrix(trace_of[k])});
    if (pops[static_cast<std::size_t>(tr.population_of[k])].nir.synapse)
      res.records.push_back({p.nodes[k].name, "i", trace_matrix(trace_of[k] + 1)});
    if (tr.spiking[k]) res.records.push_back({p.nodes[k].name, "spikes", spikes_of(k)});
  }
  return res;
}

}  // namespace spikeworm::nir
