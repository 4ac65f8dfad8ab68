// Reading network descriptions: the [simulation], [[population]] and [[projection]] sections of a
// configuration (docs/config-reference.md), every value validated where it is read.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/names.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm {

namespace {
constexpr name_table<model_kind, 9> model_names{{{model_kind::lif, "lif"},
                                                 {model_kind::cuba_lif, "cuba_lif"},
                                                 {model_kind::coba_lif, "coba_lif"},
                                                 {model_kind::cuba_alpha_lif, "cuba_alpha_lif"},
                                                 {model_kind::coba_alpha_lif, "coba_alpha_lif"},
                                                 {model_kind::nir, "nir"},
                                                 {model_kind::poisson, "poisson"},
                                                 {model_kind::spike_source, "spike_source"},
                                                 {model_kind::fixed_lif, "fixed_lif"}}};
constexpr name_table<update_mode, 3> update_names{
    {{update_mode::automatic, "auto"}, {update_mode::clock, "clock"}, {update_mode::event, "event"}}};
constexpr name_table<connection_rule, 5> rule_names{{{connection_rule::all_to_all, "all_to_all"},
                                                     {connection_rule::one_to_one, "one_to_one"},
                                                     {connection_rule::fixed_probability, "fixed_probability"},
                                                     {connection_rule::fixed_indegree, "fixed_indegree"},
                                                     {connection_rule::from_list, "from_list"}}};
constexpr name_table<state_variable, 3> variable_names{
    {{state_variable::v, "v"}, {state_variable::ge, "ge"}, {state_variable::gi, "gi"}}};
constexpr name_table<spike_format, 3> format_names{
    {{spike_format::hdf5, "hdf5"}, {spike_format::csv, "csv"}, {spike_format::both, "both"}}};
}  // namespace

// The tables hold string literals: their views are null-terminated.
const char* to_string(model_kind m) noexcept { return name_of(model_names, m).data(); }
const char* to_string(update_mode u) noexcept { return name_of(update_names, u).data(); }
const char* to_string(connection_rule r) noexcept { return name_of(rule_names, r).data(); }
const char* to_string(state_variable v) noexcept { return name_of(variable_names, v).data(); }
const char* to_string(spike_format f) noexcept { return name_of(format_names, f).data(); }

namespace {

constexpr std::int64_t max_population_size = 100'000'000;

// Every time in a network config is in ms (docs/config-reference.md, "Units"). Before, the lif times and
// the delays were in steps; where dt is not 1 ms the two readings differ, and a config that does not say
// units = "ms" is refused with the ms value that keeps its meaning.
bool steps_ambiguous(const simulation_desc& s) { return !s.units_ms && s.dt_ms != 1.0; }

// A time in ms as a config would write it: 12 significant digits, so 3 steps of 0.1 ms read 0.3.
std::string ms_text(double ms) { return fmt::format("{:.12g}", ms); }

[[noreturn]] void refuse_steps(const table_reader& t, std::string_view key, double steps, double dt_ms) {
  t.fail(key, fmt::format("times are in ms (they were in steps before): a config written in steps meant {} = {} "
                          "steps = {} ms at dt = {} ms; write {} = {} and add units = \"ms\" to [simulation] "
                          "(docs/config-reference.md, \"Units\")",
                          key, steps, ms_text(steps * dt_ms), dt_ms, key, ms_text(steps * dt_ms)));
}

// A whole number of steps of dt for a time in ms (1e-9 relative slack for decimal dt such as 0.1).
std::optional<double> whole_steps(double ms, double dt_ms) {
  const double q = ms / dt_ms, r = std::round(q);
  if (!std::isfinite(q) || std::abs(q - r) > 1e-9 * std::max(1.0, std::abs(q))) return std::nullopt;
  return r;
}

simulation_desc read_simulation(const table_reader& root) {
  simulation_desc s;
  auto t = root.subtable("simulation");
  if (!t) return s;
  t->allow_only({"dt", "duration", "seed", "engine", "threads", "min_neurons_per_thread", "record_spikes",
                 "spike_format", "units"});
  s.dt_ms = t->positive("dt", t->number("dt", s.dt_ms));
  s.units_ms = t->has("units");
  (void)t->choice("units", "ms", {"ms"});
  s.duration_s = t->number("duration", s.duration_s);
  t->require(s.duration_s >= 0 && std::isfinite(s.duration_s), "duration",
             fmt::format("must be >= 0 seconds, got {}", s.duration_s));
  t->require(steps_of(s.duration_s, s.dt_ms).has_value(), "duration",
             fmt::format("duration {} s with dt {} ms is not a step count in [1, 2^53]", s.duration_s, s.dt_ms));
  const auto seed = t->integer("seed", static_cast<std::int64_t>(s.seed));
  t->require(seed >= 0, "seed", fmt::format("must be >= 0, got {}", seed));
  s.seed = static_cast<std::uint64_t>(seed);
  s.engine = t->choice("engine", s.engine, {"event", "clock"});
  const auto threads = t->integer("threads", s.threads);
  t->require(threads >= 0 && threads <= 1024, "threads", fmt::format("must be in [0, 1024], got {}", threads));
  s.threads = static_cast<int>(threads);
  const auto per_thread = t->integer("min_neurons_per_thread", static_cast<std::int64_t>(s.min_neurons_per_thread));
  t->require(per_thread >= 0 && per_thread <= (std::int64_t{1} << 32), "min_neurons_per_thread",
             fmt::format("must be in [0, 2^32], got {}", per_thread));
  s.min_neurons_per_thread = static_cast<std::uint64_t>(per_thread);
  s.record_spikes = t->boolean("record_spikes", s.record_spikes);
  s.spike_output = parse_name(format_names, t->choice("spike_format", "hdf5", {"hdf5", "csv", "both"}), "spike_format");
  return s;
}

// record = { spikes = true, variables = ["v", ...], neurons = "all" | [ids] | count, interval = ms }.
record_spec read_record(const table_reader& t, const population& p, double dt_ms) {
  t.allow_only({"spikes", "variables", "neurons", "interval"});
  record_spec r;
  r.spikes = t.boolean("spikes", true);
  const std::string model = to_string(p.model);
  const std::string_view own = p.model == model_kind::lif ? "v" : has_synaptic_state(p.model) ? "v, ge, gi" : "";
  if (const toml::node* vars = t.node("variables")) {
    if (!vars->is_array()) t.fail("variables", "must be an array of state variable names, e.g. [\"v\"]");
    for (const auto& x : *vars->as_array()) {
      const auto name = x.value<std::string>();
      if (!name || !x.is_string()) t.fail("variables", "every entry must be a string, e.g. \"v\"");
      const bool known = *name == "v" ? !is_source(p.model) : (*name == "ge" || *name == "gi") && has_synaptic_state(p.model);
      if (!known)
        t.fail("variables", own.empty() ? fmt::format("a {} population has no state variables to record ('{}')", model, *name)
                                        : fmt::format("unknown variable '{}' of a {} population (its variables: {})",
                                                      *name, model, own));
      const auto v = parse_name(variable_names, *name, "variable");
      if (std::find(r.variables.begin(), r.variables.end(), v) != r.variables.end())
        t.fail("variables", fmt::format("'{}' is listed twice", *name));
      r.variables.push_back(v);
    }
  }
  if (r.variables.empty()) {
    for (std::string_view k : {"neurons", "interval"})
      t.require(!t.has(k), k, "takes effect only with a non-empty `variables`");
    return r;
  }
  const double interval_ms = t.number("interval", dt_ms);
  t.require(interval_ms > 0.0, "interval", fmt::format("must be > 0 ms, got {}", interval_ms));
  const double steps = std::round(interval_ms / dt_ms);
  t.require(steps >= 1.0 && std::abs(steps * dt_ms - interval_ms) <= 1e-9 * interval_ms && steps <= 1e15, "interval",
            fmt::format("must be a whole number of steps of dt = {} ms, got {} ms", dt_ms, interval_ms));
  r.interval = static_cast<step_t>(steps);
  const toml::node* n = t.node("neurons");
  if (!n || (n->is_string() && n->value<std::string>() == "all")) {
    for (neuron_id i = 0; i < p.size; ++i) r.neurons.push_back(i);
  } else if (n->is_integer()) {
    const auto count = *n->value<std::int64_t>();
    t.require(count >= 1 && count <= p.size, "neurons",
              fmt::format("a count must be in [1, {}] (population '{}' has {} neurons), got {}", p.size, p.name, p.size, count));
    // count neurons evenly spread over the population: i * size / count, i = 0 .. count - 1
    for (std::int64_t i = 0; i < count; ++i) r.neurons.push_back(static_cast<neuron_id>(i * std::int64_t{p.size} / count));
  } else if (n->is_array()) {
    std::vector<std::uint8_t> seen(p.size, 0);
    for (const auto& x : *n->as_array()) {
      const auto id = x.value<std::int64_t>();
      if (!id || !x.is_integer()) t.fail("neurons", "every entry must be an integer neuron index within the population");
      t.require(*id >= 0 && *id < p.size, "neurons",
                fmt::format("neuron {} is out of range: population '{}' has {} neurons (indices 0 .. {})", *id, p.name,
                            p.size, p.size - 1));
      t.require(!seen[static_cast<std::size_t>(*id)], "neurons", fmt::format("neuron {} is listed twice", *id));
      seen[static_cast<std::size_t>(*id)] = 1;
      r.neurons.push_back(static_cast<neuron_id>(*id));
    }
    t.require(!r.neurons.empty(), "neurons", "must list at least one neuron");
  } else {
    t.fail("neurons", "must be \"all\", a count of neurons spread evenly over the population, or an array of indices");
  }
  return r;
}

namespace {

// A TOML array of numbers; the message names the key and the index of a bad entry.
std::vector<double> read_numbers(const table_reader& t, std::string_view key) {
  const toml::node* n = t.node(key);
  if (!n || !n->is_array()) t.fail(key, "required: an array of numbers");
  std::vector<double> out;
  out.reserve(n->as_array()->size());
  for (const auto& e : *n->as_array()) {
    const auto v = e.value<double>();
    if (!v || !std::isfinite(*v))
      t.fail(key, fmt::format("entry {} is not a finite number", out.size()));
    out.push_back(*v);
  }
  return out;
}

// How the event engine steps the population (update), checked against what its model allows.
void read_update(const table_reader& t, population& p, const std::string& model) {
  const std::string update = t.choice("update", "auto", {"auto", "clock", "event"});
  p.update = update == "clock" ? update_mode::clock : update == "event" ? update_mode::event : update_mode::automatic;
  t.require(!is_source(p.model) || p.update != update_mode::clock, "update",
            fmt::format("a {} emits spikes at given steps and cannot be clock-driven", model));
  t.require(p.model != model_kind::coba_lif || p.update != update_mode::event, "update",
            "a coba_lif population is always clock-driven (its conductances change its membrane time constant, so "
            "there is no closed form for the lazy updates; docs/models.md)");
  t.require(p.model != model_kind::nir || p.update != update_mode::event, "update",
            "a nir population is always clock-driven (docs/nir.md)");
  t.require(!has_alpha_synapses(p.model) || p.update != update_mode::event, "update",
            fmt::format("a {} population is always clock-driven (the event engine has no lazy update or crossing "
                        "prediction for alpha synapses; docs/models.md)",
                        model));
}

// current (one for all neurons) or currents (one per neuron; nir import writes a graph's biases so).
void read_currents(const table_reader& t, population& p, const std::string& model) {
  p.current = t.number("current", 0.0);
  t.require(std::isfinite(p.current), "current", "must be finite");
  if (t.has("currents")) {  // per neuron (nir import writes a graph's biases so)
    t.require(!t.has("current"), "currents", "give current (one for all) or currents (one per neuron), not both");
    p.currents = read_numbers(t, "currents");
    t.require(p.currents.size() == p.size, "currents",
              fmt::format("has {} entries for {} neurons", p.currents.size(), p.size));
    t.require(!is_source(p.model), "currents", fmt::format("a {} takes no current", model));
  }
  t.require(!is_source(p.model) || p.current == 0.0, "current", fmt::format("a {} takes no current", model));
}

}  // namespace

population read_population(const table_reader& t, const simulation_desc& sim) {
  const double dt_ms = sim.dt_ms;
  t.allow_only({"name", "size", "model", "params", "init", "current", "currents", "update", "record"});
  population p;
  p.name = t.string("name");
  t.require(!p.name.empty(), "name", "must not be empty");
  const auto size = t.integer("size");
  t.require(size >= 1 && size <= max_population_size, "size",
            fmt::format("must be in [1, {}], got {}", max_population_size, size));
  p.size = static_cast<neuron_id>(size);
  const std::string model =
      t.choice("model", "", {"lif", "cuba_lif", "coba_lif", "cuba_alpha_lif", "coba_alpha_lif", "nir", "poisson", "spike_source"});
  const toml::table empty;
  const auto params = t.subtable("params").value_or(table_reader(empty, t.key_path("params"), t.file_ptr()));
  if (model == "lif") {
    p.model = model_kind::lif;
    const lif_params lp = read_lif_params(params);
    if (steps_ambiguous(sim)) {
      if (params.has("tau_m")) refuse_steps(params, "tau_m", lp.tau_m, dt_ms);
      if (params.has("t_ref")) refuse_steps(params, "t_ref", lp.t_ref, dt_ms);
      t.fail("model", fmt::format("lif times are in ms (they were in steps before): the default tau_m = {} ms was {} "
                                  "steps = {} ms at dt = {} ms; write tau_m and add units = \"ms\" to [simulation] "
                                  "(docs/config-reference.md, \"Units\")",
                                  lp.tau_m, lp.tau_m, ms_text(lp.tau_m * dt_ms), dt_ms));
    }
    p.lif = lower(lp, dt_ms, &params);
  } else if (model == "cuba_lif") {
    p.model = model_kind::cuba_lif;
    p.cuba = lower(read_cuba_lif_params(params), dt_ms, &params);
  } else if (model == "coba_lif") {
    p.model = model_kind::coba_lif;
    p.coba = lower(read_coba_lif_params(params), dt_ms, &params);
  } else if (model == "cuba_alpha_lif") {
    p.model = model_kind::cuba_alpha_lif;
    p.cuba_alpha = lower(read_cuba_alpha_lif_params(params), dt_ms, &params);
  } else if (model == "coba_alpha_lif") {
    p.model = model_kind::coba_alpha_lif;
    p.coba_alpha = lower(read_coba_alpha_lif_params(params), dt_ms, &params);
  } else if (model == "nir") {
    p.model = model_kind::nir;
    p.nir = lower(read_nir_params(params), dt_ms, &params);
  } else if (model == "poisson") {
    p.model = model_kind::poisson;
    p.poisson = lower(read_poisson_params(params), dt_ms, &params);
  } else {
    p.model = model_kind::spike_source;
    params.allow_only({"times", "steps"});
    if (const toml::node* old = params.node("steps")) {  // spike steps before times were in ms
      std::string ms;
      if (old->is_array())
        for (const auto& s : *old->as_array()) ms += (ms.empty() ? "" : ", ") + ms_text(s.value_or(0.0) * dt_ms);
      params.fail("steps", fmt::format("spike times are in ms (they were steps before): write times = [{}] (step k is "
                                       "the time k dt, dt = {} ms; docs/config-reference.md, \"Units\")",
                                       ms, dt_ms));
    }
    const toml::node* times = params.node("times");
    if (!times || !times->is_array())
      params.fail("times", "required: an array of spike times in ms, e.g. times = [1.0, 10.0]");
    for (const auto& s : *times->as_array()) {
      const auto v = s.value<double>();
      const auto k = v ? whole_steps(*v, dt_ms) : std::nullopt;
      if (!k || *k < 1.0 || *k > static_cast<double>(max_steps))
        params.fail("times", fmt::format("every time must be a whole multiple of dt = {} ms, >= dt (time k dt is step "
                                         "k; step 1 is the first step simulated), got {}",
                                         dt_ms, s.is_number() ? ms_text(*v) : std::string("a non-number")));
      const auto step = static_cast<step_t>(*k);
      if (!p.source_steps.empty() && step <= p.source_steps.back())
        params.fail("times", fmt::format("times must be strictly ascending ({} ms after {} ms)", ms_text(*v),
                                         ms_text(static_cast<double>(p.source_steps.back()) * dt_ms)));
      p.source_steps.push_back(step);
    }
  }
  read_currents(t, p, model);
  read_update(t, p, model);
  p.init_v = value_spec::constant(p.model == model_kind::lif              ? p.lif.v_rest
                                  : p.model == model_kind::coba_lif       ? p.coba.e_l
                                  : p.model == model_kind::cuba_alpha_lif ? p.cuba_alpha.e_l
                                  : p.model == model_kind::coba_alpha_lif ? p.coba_alpha.membrane.e_l
                                  : p.model == model_kind::nir            ? 0.0
                                                                          : p.cuba.e_l);
  if (auto init = t.subtable("init")) {
    if (p.model == model_kind::lif) init->allow_only({"v"});
    else if (has_synaptic_state(p.model)) init->allow_only({"v", "ge", "gi"});
    else init->allow_only({});
    p.init_v = read_value_spec(*init, "v", p.init_v);
    p.init_ge = read_value_spec(*init, "ge", p.init_ge);
    p.init_gi = read_value_spec(*init, "gi", p.init_gi);
  }
  if (auto rec = t.subtable("record")) p.record = read_record(*rec, p, dt_ms);
  return p;
}

namespace {

// rule = "from_list": the synapses one by one (docs/config-reference.md): local source and target indices,
// weights and delays [ms, whole steps, 0 only into a later clock-driven population: docs/nir.md].
projection_desc read_from_list(const table_reader& t, const population& src, const population& tgt, projection_desc d,
                               double dt_ms) {
  for (const char* key : {"p", "k", "weight", "delay"})
    t.require(!t.has(key), key, fmt::format("from_list takes sources, targets, weights and delays, not {}", key));
  d.rule = connection_rule::from_list;
  auto list = std::make_shared<connection_list>();
  const auto sources = read_numbers(t, "sources"), targets = read_numbers(t, "targets");
  const auto weights = read_numbers(t, "weights"), delays = read_numbers(t, "delays");
  const std::size_t n = sources.size();
  for (const auto& [key, size] : {std::pair<const char*, std::size_t>{"targets", targets.size()},
                                  {"weights", weights.size()}, {"delays", delays.size()}})
    t.require(size == n, key, fmt::format("has {} entries, sources has {}", size, n));
  auto index = [&](const char* key, double v, std::size_t k, const population& p) {
    if (!(v >= 0.0) || v != std::floor(v) || v >= static_cast<double>(p.size))
      t.fail(key, fmt::format("entry {} = {} is not a neuron of '{}' (0 to {})", k, v, p.name, p.size - 1));
    return static_cast<neuron_id>(v);
  };
  const bool conductance = tgt.model == model_kind::coba_lif || tgt.model == model_kind::coba_alpha_lif;
  for (std::size_t k = 0; k < n; ++k) {
    list->sources.push_back(index("sources", sources[k], k, src));
    list->targets.push_back(index("targets", targets[k], k, tgt));
    if (!(std::abs(weights[k]) <= 3.4e38)) t.fail("weights", fmt::format("entry {} = {} is beyond float32", k, weights[k]));
    if (conductance && weights[k] < 0.0)
      t.fail("weights", fmt::format("entry {} = {}: population '{}' is a {}, whose weights are conductances >= 0", k,
                                    weights[k], tgt.name, to_string(tgt.model)));
    list->weights.push_back(static_cast<float>(weights[k]));
    const auto steps = whole_steps(delays[k], dt_ms);
    if (!steps || *steps < 0.0 || *steps > 32767.0)
      t.fail("delays", fmt::format("entry {} = {} ms is not a whole number of steps of dt = {} ms in [0, 32767]", k,
                                   delays[k], dt_ms));
    list->delays.push_back(static_cast<delay_t>(*steps));
  }
  d.list = std::move(list);
  d.target_receptor =
      t.choice("receptor", "excitatory", {"excitatory", "inhibitory"}) == "excitatory" ? receptor::excitatory
                                                                                      : receptor::inhibitory;
  return d;
}

}  // namespace

projection_desc read_projection(const table_reader& t, const std::vector<population>& pops,
                                const simulation_desc& sim) {
  const double dt_ms = sim.dt_ms;
  t.allow_only({"source", "target", "rule", "p", "k", "weight", "delay", "receptor", "autapses", "sources", "targets",
                "weights", "delays"});
  projection_desc d;
  auto find = [&](std::string_view key) {
    const std::string name = t.string(key);
    for (const auto& p : pops)
      if (p.name == name) return &p;
    std::string names;
    for (const auto& p : pops) names += (names.empty() ? "" : ", ") + p.name;
    t.fail(key, fmt::format("unknown population '{}' (defined: {})", name, names));
  };
  const population* src = find("source");
  const population* tgt = find("target");
  d.source = src->name;
  d.target = tgt->name;
  t.require(!is_source(tgt->model), "target",
            fmt::format("population '{}' is a {} and cannot receive synapses", tgt->name, to_string(tgt->model)));
  const std::string rule =
      t.choice("rule", "", {"all_to_all", "one_to_one", "fixed_probability", "fixed_indegree", "from_list"});
  if (rule == "from_list") return read_from_list(t, *src, *tgt, d, dt_ms);
  for (const char* key : {"sources", "targets", "weights", "delays"})
    t.require(!t.has(key), key, fmt::format("only from_list takes {} (rule is {})", key, rule));
  if (rule == "all_to_all") d.rule = connection_rule::all_to_all;
  if (rule == "one_to_one") {
    d.rule = connection_rule::one_to_one;
    t.require(src->size == tgt->size, "rule",
              fmt::format("one_to_one needs equal sizes, got {} ({}) and {} ({})", src->name, src->size, tgt->name,
                          tgt->size));
  }
  if (rule == "fixed_probability") {
    d.rule = connection_rule::fixed_probability;
    d.p = t.number("p");
    t.require(d.p >= 0.0 && d.p <= 1.0, "p", fmt::format("must be in [0, 1], got {}", d.p));
  } else {
    t.require(!t.has("p"), "p", fmt::format("only fixed_probability takes p (rule is {})", rule));
  }
  d.autapses = t.boolean("autapses", true);
  if (rule == "fixed_indegree") {
    d.rule = connection_rule::fixed_indegree;
    d.k = t.integer("k");
    const std::int64_t avail = src->size - ((!d.autapses && src == tgt) ? 1 : 0);
    t.require(d.k >= 0 && d.k <= avail, "k",
              fmt::format("must be in [0, {}] (distinct sources available), got {}", avail, d.k));
  } else {
    t.require(!t.has("k"), "k", fmt::format("only fixed_indegree takes k (rule is {})", rule));
  }
  d.weight = read_value_spec(t, "weight", value_spec::constant(0.0));
  if (!t.has("weight")) t.fail("weight", "required key is missing");
  // coba_lif and coba_alpha_lif weights are conductance increments (peaks) in units of g_L (docs/models.md):
  // never negative.
  const bool conductance = tgt->model == model_kind::coba_lif || tgt->model == model_kind::coba_alpha_lif;
  t.require(!conductance || d.weight.min_value() >= 0.0, "weight",
            fmt::format("population '{}' is a {}: weights are conductances (units of its leak conductance) and must "
                        "be >= 0 (inhibition: receptor = \"inhibitory\"), got a lowest value of {}",
                        tgt->name, to_string(tgt->model), d.weight.min_value()));
  // delay [ms]: a whole number of steps of dt, >= 1 step (the default: one step). d.delay holds steps.
  d.delay = read_value_spec(t, "delay", value_spec::constant(dt_ms));
  t.require(d.delay.type != value_spec::kind::normal, "delay",
            "must be a time in ms or { dist = \"uniform\", low, high } in ms, whole multiples of dt");
  if (t.has("delay") && steps_ambiguous(sim)) {
    if (d.delay.type == value_spec::kind::constant) refuse_steps(t, "delay", d.delay.a, dt_ms);
    t.fail("delay", fmt::format("times are in ms (they were in steps before): a config written in steps meant "
                                "low = {} ms, high = {} ms at dt = {} ms; write those and add units = \"ms\" to "
                                "[simulation] (docs/config-reference.md, \"Units\")",
                                ms_text(d.delay.a * dt_ms), ms_text(d.delay.b * dt_ms), dt_ms));
  }
  for (double* ms : {&d.delay.a, &d.delay.b}) {
    if (d.delay.type == value_spec::kind::constant && ms == &d.delay.b) break;
    const auto steps = whole_steps(*ms, dt_ms);
    if (!steps)
      t.fail("delay", fmt::format("must be a whole multiple of dt = {} ms, got {} ms (nearest: {} or {} ms)", dt_ms, *ms,
                                  ms_text(std::floor(*ms / dt_ms) * dt_ms), ms_text(std::ceil(*ms / dt_ms) * dt_ms)));
    t.require(*steps >= 1.0, "delay",
              fmt::format("must be >= one step, dt = {} ms (a spike at t arrives at t + delay), got {} ms", dt_ms, *ms));
    t.require(*steps <= 32767.0, "delay",
              fmt::format("must be <= 32767 steps = {} ms at dt = {} ms, got {} ms", 32767 * dt_ms, dt_ms, *ms));
    *ms = *steps;
  }
  d.target_receptor =
      t.choice("receptor", "excitatory", {"excitatory", "inhibitory"}) == "excitatory" ? receptor::excitatory
                                                                                      : receptor::inhibitory;
  return d;
}

}  // namespace

std::optional<step_t> steps_of(double duration_s, double dt_ms) {
  const double raw = duration_s * 1000.0 / dt_ms;
  if (!std::isfinite(raw) || raw < 0.0 || raw > static_cast<double>(max_steps)) return std::nullopt;
  const auto steps = static_cast<step_t>(std::llround(raw));
  if (steps == 0 && duration_s > 0.0) return std::nullopt;
  return steps;
}

step_t step_count(double duration_s, double dt_ms, std::string_view what) {
  if (auto s = steps_of(duration_s, dt_ms)) return *s;
  throw error(fmt::format("{}: duration {} s with dt {} ms is not a step count in [1, 2^53]", what, duration_s, dt_ms));
}

network_desc read_network_desc(const table_reader& root) {
  network_desc d;
  d.sim = read_simulation(root);
  const auto pops = root.array_of_tables("population");
  if (pops.empty())
    root.fail("population", "empty network: define at least one [[population]] with name, size and model");
  std::set<std::string> names;
  std::uint64_t total = 0;
  for (const auto& t : pops) {
    d.populations.push_back(read_population(t, d.sim));
    if (!names.insert(d.populations.back().name).second)
      t.fail("name", fmt::format("duplicate population name '{}'", d.populations.back().name));
    total += d.populations.back().size;
  }
  if (total > 1'000'000'000) root.fail("population", fmt::format("{} neurons in all: more than 1e9", total));
  for (const auto& t : root.array_of_tables("projection")) d.projections.push_back(read_projection(t, d.populations, d.sim));
  return d;
}

}  // namespace spikeworm
