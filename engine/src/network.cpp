// Reading network descriptions and building the synapse graph.
#include "spikeworm/engine/network.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

const char* to_string(model_kind m) noexcept {
  switch (m) {
    case model_kind::lif: return "lif";
    case model_kind::cuba_lif: return "cuba_lif";
    case model_kind::poisson: return "poisson";
    case model_kind::spike_source: return "spike_source";
    case model_kind::fixed_lif: return "fixed_lif";
  }
  return "?";
}

const char* to_string(update_mode u) noexcept {
  switch (u) {
    case update_mode::automatic: return "auto";
    case update_mode::clock: return "clock";
    case update_mode::event: return "event";
  }
  return "?";
}

const char* to_string(connection_rule r) noexcept {
  switch (r) {
    case connection_rule::all_to_all: return "all_to_all";
    case connection_rule::one_to_one: return "one_to_one";
    case connection_rule::fixed_probability: return "fixed_probability";
    case connection_rule::fixed_indegree: return "fixed_indegree";
  }
  return "?";
}

namespace {

constexpr std::int64_t max_population_size = 100'000'000;

simulation_desc read_simulation(const table_reader& root) {
  simulation_desc s;
  auto t = root.subtable("simulation");
  if (!t) return s;
  t->allow_only({"dt", "duration", "seed", "engine", "threads", "record_spikes"});
  s.dt_ms = t->positive("dt", t->number("dt", s.dt_ms));
  s.duration_s = t->number("duration", s.duration_s);
  t->require(s.duration_s >= 0 && std::isfinite(s.duration_s), "duration",
             fmt::format("must be >= 0 seconds, got {}", s.duration_s));
  const auto seed = t->integer("seed", static_cast<std::int64_t>(s.seed));
  t->require(seed >= 0, "seed", fmt::format("must be >= 0, got {}", seed));
  s.seed = static_cast<std::uint64_t>(seed);
  s.engine = t->choice("engine", s.engine, {"event", "clock"});
  const auto threads = t->integer("threads", s.threads);
  t->require(threads >= 0 && threads <= 1024, "threads", fmt::format("must be in [0, 1024], got {}", threads));
  s.threads = static_cast<int>(threads);
  s.record_spikes = t->boolean("record_spikes", s.record_spikes);
  return s;
}

population read_population(const table_reader& t, double dt_ms) {
  t.allow_only({"name", "size", "model", "params", "init", "current", "update"});
  population p;
  p.name = t.string("name");
  t.require(!p.name.empty(), "name", "must not be empty");
  const auto size = t.integer("size");
  t.require(size >= 1 && size <= max_population_size, "size",
            fmt::format("must be in [1, {}], got {}", max_population_size, size));
  p.size = static_cast<neuron_id>(size);
  const std::string model = t.choice("model", "", {"lif", "cuba_lif", "poisson", "spike_source"});
  const toml::table empty;
  const auto params = t.subtable("params").value_or(table_reader(empty, t.key_path("params"), t.file_ptr()));
  if (model == "lif") {
    p.model = model_kind::lif;
    p.lif = lower(read_lif_params(params), &params);
  } else if (model == "cuba_lif") {
    p.model = model_kind::cuba_lif;
    p.cuba = lower(read_cuba_lif_params(params), dt_ms, &params);
  } else if (model == "poisson") {
    p.model = model_kind::poisson;
    p.poisson = lower(read_poisson_params(params), dt_ms, &params);
  } else {
    p.model = model_kind::spike_source;
    params.allow_only({"steps"});
    const toml::node* steps = params.node("steps");
    if (!steps || !steps->is_array()) params.fail("steps", "required: an array of spike steps, e.g. steps = [1, 10]");
    for (const auto& s : *steps->as_array()) {
      const auto v = s.value<std::int64_t>();
      if (!v || !s.is_integer() || *v < 1)
        params.fail("steps", "every step must be an integer >= 1 (step 1 is the first step simulated)");
      if (!p.source_steps.empty() && *v <= p.source_steps.back())
        params.fail("steps", fmt::format("steps must be strictly ascending ({} after {})", *v, p.source_steps.back()));
      p.source_steps.push_back(*v);
    }
  }
  p.current = t.number("current", 0.0);
  t.require(std::isfinite(p.current), "current", "must be finite");
  t.require(!is_source(p.model) || p.current == 0.0, "current", fmt::format("a {} takes no current", model));
  const std::string update = t.choice("update", "auto", {"auto", "clock", "event"});
  p.update = update == "clock" ? update_mode::clock : update == "event" ? update_mode::event : update_mode::automatic;
  t.require(!is_source(p.model) || p.update != update_mode::clock, "update",
            fmt::format("a {} emits spikes at given steps and cannot be clock-driven", model));
  p.init_v = value_spec::constant(p.model == model_kind::lif ? p.lif.v_rest : p.cuba.e_l);
  if (auto init = t.subtable("init")) {
    if (p.model == model_kind::lif) init->allow_only({"v"});
    else if (p.model == model_kind::cuba_lif) init->allow_only({"v", "ge", "gi"});
    else init->allow_only({});
    p.init_v = read_value_spec(*init, "v", p.init_v);
    p.init_ge = read_value_spec(*init, "ge", p.init_ge);
    p.init_gi = read_value_spec(*init, "gi", p.init_gi);
  }
  return p;
}

projection_desc read_projection(const table_reader& t, const std::vector<population>& pops) {
  t.allow_only({"source", "target", "rule", "p", "k", "weight", "delay", "receptor", "autapses"});
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
      t.choice("rule", "", {"all_to_all", "one_to_one", "fixed_probability", "fixed_indegree"});
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
  d.delay = read_value_spec(t, "delay", value_spec::constant(1.0));
  t.require(d.delay.type != value_spec::kind::normal, "delay",
            "must be a whole number of steps or { dist = \"uniform\", low, high } with whole bounds");
  t.require(d.delay.is_integral(), "delay", fmt::format("must be a whole number of steps, got {}", d.delay.a));
  t.require(d.delay.min_value() >= 1.0, "delay",
            fmt::format("must be >= 1 step (a spike at t arrives at t + delay), got {}", d.delay.min_value()));
  t.require(d.delay.max_value() <= 32767.0, "delay",
            fmt::format("must be <= 32767 steps, got {}", d.delay.max_value()));
  d.target_receptor =
      t.choice("receptor", "excitatory", {"excitatory", "inhibitory"}) == "excitatory" ? receptor::excitatory
                                                                                      : receptor::inhibitory;
  return d;
}

}  // namespace

network_desc read_network_desc(const table_reader& root) {
  network_desc d;
  d.sim = read_simulation(root);
  const auto pops = root.array_of_tables("population");
  if (pops.empty())
    root.fail("population", "empty network: define at least one [[population]] with name, size and model");
  std::set<std::string> names;
  std::uint64_t total = 0;
  for (const auto& t : pops) {
    d.populations.push_back(read_population(t, d.sim.dt_ms));
    if (!names.insert(d.populations.back().name).second)
      t.fail("name", fmt::format("duplicate population name '{}'", d.populations.back().name));
    total += d.populations.back().size;
  }
  if (total > 1'000'000'000) root.fail("population", fmt::format("{} neurons in all: more than 1e9", total));
  for (const auto& t : root.array_of_tables("projection")) d.projections.push_back(read_projection(t, d.populations));
  return d;
}

network::network(std::vector<population> pops, std::vector<projection_desc> projs, double dt_ms, std::uint64_t seed)
    : pops_(std::move(pops)), dt_ms_(dt_ms) {
  if (pops_.empty()) throw error("empty network: no populations");
  neuron_id next = 0;
  for (auto& p : pops_) {
    p.first = next;
    next += p.size;
  }
  num_neurons_ = next;
  for (auto& d : projs) {
    projection_info info;
    info.desc = std::move(d);
    info.source_pop = static_cast<std::uint32_t>(population_index(info.desc.source));
    info.target_pop = static_cast<std::uint32_t>(population_index(info.desc.target));
    projs_.push_back(std::move(info));
  }
  build(seed);
}

std::size_t network::population_index(const std::string& name) const {
  for (std::size_t i = 0; i < pops_.size(); ++i)
    if (pops_[i].name == name) return i;
  throw error(fmt::format("unknown population '{}'", name));
}

std::size_t network::population_of(neuron_id n) const noexcept {
  auto it = std::upper_bound(pops_.begin(), pops_.end(), n, [](neuron_id x, const population& p) { return x < p.first; });
  return static_cast<std::size_t>(it - pops_.begin()) - 1;
}

matrix_view network::projection_matrix(std::size_t j) {
  const auto& pr = projs_.at(j);
  if (!pr.contiguous)
    throw error(fmt::format("projection {} -> {} is not a contiguous all-to-all edge range", pr.desc.source,
                            pr.desc.target));
  const auto rows = pops_[pr.source_pop].size, cols = pops_[pr.target_pop].size;
  return {std::span<weight_t>(weights_).subspan(pr.first_edge, std::size_t{rows} * cols), rows, cols};
}

double network::initial_value(const population& p, std::size_t, neuron_id n, int variable, std::uint64_t seed) const {
  const value_spec& s = variable == 0 ? p.init_v : variable == 1 ? p.init_ge : p.init_gi;
  if (s.type == value_spec::kind::constant) return s.a;
  rng r(seed, stream_kind::initial_state, n, static_cast<std::uint64_t>(variable));
  return s.sample(r);
}

namespace {

// Calls emit(target) for each synapse of row `s_local` of a row-centric projection, in ascending target order.
template <class Emit>
void row_targets(const projection_info& pr, const population& src, const population& tgt, neuron_id s_local,
                 std::uint64_t seed, std::size_t j, Emit&& emit) {
  const bool same = pr.source_pop == pr.target_pop;
  const neuron_id s = src.first + s_local;
  switch (pr.desc.rule) {
    case connection_rule::all_to_all:
      for (neuron_id t = tgt.first; t < tgt.end(); ++t)
        if (pr.desc.autapses || !same || t != s) emit(t);
      break;
    case connection_rule::one_to_one:
      if (pr.desc.autapses || !same) emit(tgt.first + s_local);
      break;
    case connection_rule::fixed_probability: {
      const double p = pr.desc.p;
      if (p <= 0.0) break;
      rng r(seed, stream_kind::connectivity, j, s_local);
      const double l = std::log1p(-p);
      std::int64_t t = r.geometric(l);
      while (t < static_cast<std::int64_t>(tgt.size)) {
        const neuron_id tg = tgt.first + static_cast<neuron_id>(t);
        if (pr.desc.autapses || !same || tg != s) emit(tg);
        t += 1 + r.geometric(l);
      }
      break;
    }
    case connection_rule::fixed_indegree: break;
  }
}

struct edge_sampler {
  rng w, d;
  const projection_desc* desc;
  edge_sampler(std::uint64_t seed, std::size_t j, std::uint64_t row, const projection_desc& pd)
      : w(seed, stream_kind::weight, j, row), d(seed, stream_kind::delay, j, row), desc(&pd) {}
  weight_t weight() { return static_cast<weight_t>(desc->weight.sample(w)); }
  delay_t delay() {
    if (desc->delay.type == value_spec::kind::constant) return static_cast<delay_t>(desc->delay.a);
    return static_cast<delay_t>(d.uniform_int(static_cast<std::int64_t>(desc->delay.a),
                                              static_cast<std::int64_t>(desc->delay.b)));
  }
};

constexpr neuron_id row_grain = 512;

}  // namespace

// Pre: pops_ and projs_ are set. Post: CSR rows sorted by target (stable: projection order, then draw order).
void network::build(std::uint64_t seed) {
  const std::size_t np = projs_.size();
  // Refuse, before any work, a network whose expected synapse count cannot be indexed.
  double expected_total = 0;
  for (const auto& pr : projs_) {
    const double ns = pops_[pr.source_pop].size, nt = pops_[pr.target_pop].size;
    double e = 0;
    switch (pr.desc.rule) {
      case connection_rule::all_to_all: e = ns * nt; break;
      case connection_rule::one_to_one: e = ns; break;
      case connection_rule::fixed_probability: e = pr.desc.p * ns * nt; break;
      case connection_rule::fixed_indegree: e = static_cast<double>(pr.desc.k) * nt; break;
    }
    expected_total += e;
    if (expected_total > 4.0e9)
      throw error(fmt::format("projection {} -> {} brings the network to about {:.3g} synapses, more than the "
                              "4e9 a 32-bit edge index holds",
                              pr.desc.source, pr.desc.target, expected_total));
  }
  // Pass 1: per projection, out-degree of each source neuron (local index).
  std::vector<std::vector<std::uint32_t>> count(np);
  std::vector<std::vector<neuron_id>> indegree_sources(np);  // fixed_indegree: sorted sources per target
  for (std::size_t j = 0; j < np; ++j) {
    const auto& pr = projs_[j];
    const auto& src = pops_[pr.source_pop];
    const auto& tgt = pops_[pr.target_pop];
    count[j].assign(src.size, 0);
    if (pr.desc.rule == connection_rule::fixed_indegree) {
      // Target-centric: k distinct sources per target (Floyd's sampling), kept sorted in one flat array
      // ([t_local * k, (t_local + 1) * k)); pass 2 draws the weights and scatters the edges into their rows.
      const bool same = pr.source_pop == pr.target_pop;
      const auto k = static_cast<std::size_t>(pr.desc.k);
      auto& chosen_all = indegree_sources[j];
      chosen_all.resize(std::size_t{tgt.size} * k);
      parallel_for_chunks<neuron_id>(tgt.size, row_grain, [&](neuron_id lo, neuron_id hi) {
        const bool skip_self = !pr.desc.autapses && same;
        const std::int64_t n = src.size - (skip_self ? 1 : 0);
        // Membership: a linear scan for small k (vectorised), a bitmap over the sources otherwise.
        const bool small = k <= 256;
        std::vector<std::uint64_t> bits(small ? 0 : (static_cast<std::size_t>(n) + 63) / 64);
        for (neuron_id t_local = lo; t_local < hi; ++t_local) {
          rng r(seed, stream_kind::connectivity, j, t_local);
          neuron_id* chosen = chosen_all.data() + std::size_t{t_local} * k;
          std::size_t m = 0;
          auto has = [&](std::int64_t x) {
            if (small) return std::find(chosen, chosen + m, static_cast<neuron_id>(x)) != chosen + m;
            return ((bits[static_cast<std::size_t>(x) / 64] >> (x % 64)) & 1u) != 0;
          };
          for (std::int64_t i = n - static_cast<std::int64_t>(k); i < n; ++i) {
            const std::int64_t x = r.uniform_int(0, i);
            const std::int64_t pick = has(x) ? i : x;
            chosen[m++] = static_cast<neuron_id>(pick);
            if (!small) bits[static_cast<std::size_t>(pick) / 64] |= std::uint64_t{1} << (pick % 64);
          }
          if (!small)
            for (std::size_t q = 0; q < m; ++q) bits[chosen[q] / 64] = 0;
          std::sort(chosen, chosen + m);
          if (skip_self)
            for (std::size_t q = 0; q < m; ++q)
              if (chosen[q] >= t_local) ++chosen[q];  // skip the target itself (order is kept)
        }
      });
      for (neuron_id sl : chosen_all) ++count[j][sl];
    } else {
      parallel_for_chunks<neuron_id>(src.size, row_grain, [&](neuron_id lo, neuron_id hi) {
        for (neuron_id s = lo; s < hi; ++s) {
          std::uint32_t c = 0;
          row_targets(pr, src, tgt, s, seed, j, [&](neuron_id) { ++c; });
          count[j][s] = c;
        }
      });
    }
  }
  // Row starts: row n holds, in projection order, the segments of each projection whose source contains n.
  std::vector<edge_id> rowstart(num_neurons_ + 1, 0);
  std::uint64_t total = 0;
  for (std::size_t j = 0; j < np; ++j) {
    const auto& src = pops_[projs_[j].source_pop];
    std::uint64_t syn = 0;
    for (neuron_id s = 0; s < src.size; ++s) {
      rowstart[src.first + s + 1] += count[j][s];
      syn += count[j][s];
    }
    projs_[j].synapses = syn;
    total += syn;
  }
  if (total > std::numeric_limits<edge_id>::max() - 1)
    throw error(fmt::format("{} synapses exceed the 32-bit edge index of this build", total));
  std::partial_sum(rowstart.begin(), rowstart.end(), rowstart.begin());
  std::vector<neuron_id> column;
  resize_huge(column, total);
  resize_huge(weights_, total);
  resize_huge(delays_, total);
  std::fill(delays_.begin(), delays_.end(), delay_t{1});
  resize_huge(receptors_, total);
  std::fill(receptors_.begin(), receptors_.end(), receptor::excitatory);
  // Segment start of projection j in row n.
  std::vector<std::vector<edge_id>> seg(np);
  {
    std::vector<edge_id> cursor(rowstart.begin(), rowstart.end() - 1);
    for (std::size_t j = 0; j < np; ++j) {
      const auto& src = pops_[projs_[j].source_pop];
      seg[j].resize(src.size);
      for (neuron_id s = 0; s < src.size; ++s) {
        seg[j][s] = cursor[src.first + s];
        cursor[src.first + s] += count[j][s];
      }
    }
  }
  // Pass 2: fill each segment (row-centric rules replay the same streams as pass 1).
  for (std::size_t j = 0; j < np; ++j) {
    const auto& pr = projs_[j];
    const auto& src = pops_[pr.source_pop];
    const auto& tgt = pops_[pr.target_pop];
    if (pr.desc.rule == connection_rule::fixed_indegree) {
      // Targets in ascending order, so each row segment comes out sorted by target.
      std::vector<edge_id> cur = seg[j];
      const auto k = static_cast<std::size_t>(pr.desc.k);
      const auto& chosen_all = indegree_sources[j];
      for (neuron_id t_local = 0; t_local < tgt.size; ++t_local) {
        edge_sampler es(seed, j, t_local, pr.desc);
        for (std::size_t q = 0; q < k; ++q) {
          const edge_id at = cur[chosen_all[std::size_t{t_local} * k + q]]++;
          column[at] = tgt.first + t_local;
          weights_[at] = es.weight();
          delays_[at] = es.delay();
          receptors_[at] = pr.desc.target_receptor;
        }
      }
      std::vector<neuron_id>().swap(indegree_sources[j]);
      continue;
    }
    parallel_for_chunks<neuron_id>(src.size, row_grain, [&](neuron_id lo, neuron_id hi) {
      for (neuron_id s = lo; s < hi; ++s) {
        edge_id at = seg[j][s];
        edge_sampler es(seed, j, s, pr.desc);
        row_targets(pr, src, tgt, s, seed, j, [&](neuron_id t) {
          column[at] = t;
          weights_[at] = es.weight();
          delays_[at] = es.delay();
          receptors_[at] = pr.desc.target_receptor;
          ++at;
        });
      }
    });
  }
  // Pass 3: stable-sort rows that hold several segments, by target.
  parallel_for_chunks<std::size_t>(num_neurons_, row_grain, [&](std::size_t lo, std::size_t hi) {
    std::vector<edge_id> idx;
    std::vector<neuron_id> c;
    std::vector<weight_t> w;
    std::vector<delay_t> d;
    std::vector<receptor> rc;
    for (std::size_t n = lo; n < hi; ++n) {
      const edge_id b = rowstart[n], e = rowstart[n + 1];
      if (std::is_sorted(column.begin() + b, column.begin() + e)) continue;
      idx.resize(e - b);
      std::iota(idx.begin(), idx.end(), b);
      std::stable_sort(idx.begin(), idx.end(), [&](edge_id x, edge_id y) { return column[x] < column[y]; });
      c.clear(); w.clear(); d.clear(); rc.clear();
      for (auto i : idx) {
        c.push_back(column[i]); w.push_back(weights_[i]); d.push_back(delays_[i]); rc.push_back(receptors_[i]);
      }
      std::copy(c.begin(), c.end(), column.begin() + b);
      std::copy(w.begin(), w.end(), weights_.begin() + b);
      std::copy(d.begin(), d.end(), delays_.begin() + b);
      std::copy(rc.begin(), rc.end(), receptors_.begin() + b);
    }
  });
  max_delay_ = delays_.empty() ? delay_t{1} : *std::max_element(delays_.begin(), delays_.end());
  // The Boost CSR graph takes ownership of the row and column arrays: one copy of the structure.
  graph_ = csr_graph(static_cast<csr_graph::vertices_size_type>(num_neurons_));
  graph_.m_forward.m_rowstart = std::move(rowstart);
  graph_.m_forward.m_column = std::move(column);
  // Contiguous all-to-all projections (matrix views).
  for (std::size_t j = 0; j < np; ++j) {
    auto& pr = projs_[j];
    if (pr.desc.rule != connection_rule::all_to_all) continue;
    const auto& src = pops_[pr.source_pop];
    const auto& tgt = pops_[pr.target_pop];
    if (pr.synapses != std::uint64_t{src.size} * tgt.size) continue;
    bool sole = true;
    for (std::size_t i = 0; i < np; ++i)
      if (i != j && projs_[i].source_pop == pr.source_pop && projs_[i].synapses > 0) sole = false;
    if (!sole) continue;
    pr.contiguous = true;
    pr.first_edge = graph_.m_forward.m_rowstart[src.first];
  }
}

}  // namespace spikeworm
