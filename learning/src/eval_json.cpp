// eval.json read back (eval_result::from_json): every field type- and range-checked (docs/training.md,
// "File formats").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {

namespace {

// eval.json's fields, each type- and range-checked; errors read "eval.json: key 'K': ..." (docs/training.md).
struct json_fields {
  const nlohmann::json& j;
  std::string where = "eval.json";
  const nlohmann::json& get(const char* key) const {
    if (!j.is_object() || !j.contains(key)) throw error(fmt::format("{}: missing key '{}'", where, key));
    return j.at(key);
  }
  [[noreturn]] void bad(const char* key, const std::string& what) const {
    throw error(fmt::format("{}: key '{}': {}", where, key, what));
  }
  template <class T>
  T integer(const char* key, T lo, T hi) const {
    const auto& v = get(key);
    if (!v.is_number_integer()) bad(key, fmt::format("must be an integer, got {}", v.dump()));
    if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)
                               : (v.get<std::int64_t>() < static_cast<std::int64_t>(lo) ||
                                  v.get<std::int64_t>() > static_cast<std::int64_t>(std::min<std::uint64_t>(hi, INT64_MAX))))
      bad(key, fmt::format("must be in [{}, {}], got {}", lo, hi, v.dump()));
    return v.is_number_unsigned() ? static_cast<T>(v.get<std::uint64_t>()) : static_cast<T>(v.get<std::int64_t>());
  }
  double real(const char* key, double lo, double hi) const {
    const auto& v = get(key);
    if (!v.is_number()) bad(key, fmt::format("must be a number, got {}", v.dump()));
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) bad(key, fmt::format("must be in [{}, {}], got {}", lo, hi, v.dump()));
    return x;
  }
  std::string text(const char* key) const {
    const auto& v = get(key);
    if (!v.is_string() || v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>().size() > 64)
      bad(key, fmt::format("must be a name, got {}", v.dump().substr(0, 80)));
    return v.get<std::string>();
  }
};

constexpr std::uint64_t max_count = 1ull << 53;            // counts stay exact as doubles

// Reads each listed count, an integer in [0, max_count].
void read_counts(const json_fields& f, std::initializer_list<std::pair<const char*, std::uint64_t*>> fields) {
  for (const auto& [key, out] : fields) *out = f.integer<std::uint64_t>(key, 0, max_count);
}
constexpr std::uint64_t max_decisions_per_episode = 1'000'000;

void read_layers(const json_fields& f, eval_result& r) {
  const auto& arr = f.get("layer");
  if (!arr.is_array() || arr.size() > 1000) f.bad("layer", "must be an array of at most 1000 layers");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json_fields l{arr[i], fmt::format("{}: layer[{}]", f.where, i)};
    layer_counts c;
    c.name = l.text("name");
    read_counts(l, {{"neurons", &c.neurons}, {"fan_out", &c.fan_out}, {"spikes", &c.spikes}, {"sops", &c.sops},
                    {"updates", &c.updates}, {"events", &c.events}});
    r.layers_counts.push_back(std::move(c));
  }
}

void read_task(const json_fields& f, eval_result& r) {
  r.agents = f.integer<int>("agents", 1, 10000);
  r.episodes = f.integer<int>("episodes", 1, INT32_MAX);
  r.successes = f.integer<int>("successes", 0, r.episodes);
  r.mean_steps_success = f.real("mean_steps_success", 0, static_cast<double>(max_decisions_per_episode));
  r.mean_reward = f.real("mean_reward", -1e12, 1e12);
  r.mean_foods = f.real("mean_foods", 0, 1e9);
  r.decisions = f.integer<std::uint64_t>("decisions", 0, static_cast<std::uint64_t>(r.episodes) * max_decisions_per_episode);
  const auto& ss = f.get("session_successes");
  if (!ss.is_array() || ss.size() != static_cast<std::size_t>(r.agents))
    f.bad("session_successes", fmt::format("must be an array of {} counts (one per agent)", r.agents));
  std::int64_t sum = 0;
  for (const auto& v : ss) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > r.successes)
      f.bad("session_successes", fmt::format("must hold counts in [0, {}], got {}", r.successes, v.dump()));
    sum += v.get<std::int64_t>();
    r.session_successes.push_back(v.get<int>());
  }
  if (sum != r.successes) f.bad("session_successes", fmt::format("sum {} differs from successes {}", sum, r.successes));
}

policy_figures read_figures(const json_fields& f) {
  policy_figures p;
  p.episodes = f.integer<int>("episodes", 1, INT32_MAX);
  p.successes = f.integer<int>("successes", 0, p.episodes);
  p.mean_steps_success = f.real("mean_steps_success", 0, static_cast<double>(max_decisions_per_episode));
  p.median_steps_success = f.real("median_steps_success", 0, static_cast<double>(max_decisions_per_episode));
  p.decisions = f.integer<std::uint64_t>("decisions", 0, static_cast<std::uint64_t>(p.episodes) * max_decisions_per_episode);
  read_counts(f, {{"spikes", &p.spikes}});
  // The episode ends and foods (optional: absent in files of earlier builds, then 0).
  if (f.j.contains("timeouts")) {
    p.timeouts = f.integer<int>("timeouts", 0, p.episodes - p.successes);
    p.starved = f.integer<int>("starved", 0, p.episodes - p.successes - p.timeouts);
    p.killed = f.integer<int>("killed", 0, p.episodes - p.successes - p.timeouts - p.starved);
    read_counts(f, {{"foods", &p.foods}});
    const double mf = f.real("mean_foods", 0, static_cast<double>(max_count));
    if (std::abs(mf - p.mean_foods()) > 1e-9 * std::max(1.0, mf))
      f.bad("mean_foods", fmt::format("{} differs from foods / episodes = {}", mf, p.mean_foods()));
  }
  const double rate = f.real("success_rate", 0, 1);
  if (std::abs(rate - p.success_rate()) > 1e-9)
    f.bad("success_rate", fmt::format("{} differs from successes / episodes = {}", rate, p.success_rate()));
  f.real("spikes_per_decision", 0, static_cast<double>(max_count));
  return p;
}

// The figures per policy (greedy, sampled): overall and per agent, the per-agent ones summing to the overall
// ones, and the policy the top-level figures are of matching them.
void read_policies(const json_fields& f, eval_result& r) {
  r.policy = f.text("policy");
  if (r.policy != "greedy" && r.policy != "sampled")
    f.bad("policy", fmt::format("must be greedy or sampled, got '{}'", r.policy));
  for (const char* key : {"greedy", "sampled"}) {
    if (!f.j.contains(key)) continue;
    (key == std::string("greedy") ? r.greedy : r.sampled) = read_figures(json_fields{f.j.at(key), fmt::format("{}: {}", f.where, key)});
  }
  const auto& primary = r.policy == "greedy" ? r.greedy : r.sampled;
  if (!primary || primary->episodes != r.episodes || primary->successes != r.successes || primary->decisions != r.decisions)
    f.bad(r.policy.c_str(), "must hold the episodes, successes and decisions of the top-level figures");
  const auto& arr = f.get("per_agent");
  if (!arr.is_array() || arr.size() != static_cast<std::size_t>(r.agents))
    f.bad("per_agent", fmt::format("must be an array of {} entries (one per agent)", r.agents));
  policy_figures sum_g, sum_s;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json_fields a{arr[i], fmt::format("{}: per_agent[{}]", f.where, i)};
    if (!arr[i].is_object()) f.bad("per_agent", "must hold objects");
    agent_figures x;
    for (const char* key : {"greedy", "sampled"}) {
      const bool want = key == std::string("greedy") ? r.greedy.has_value() : r.sampled.has_value();
      if (arr[i].contains(key) != want) f.bad("per_agent", fmt::format("entry {}: '{}' must be {}", i, key, want ? "there" : "absent"));
      if (!want) continue;
      const auto p = read_figures(json_fields{arr[i].at(key), fmt::format("{}.{}", a.where, key)});
      (key == std::string("greedy") ? sum_g : sum_s).add(p);
      (key == std::string("greedy") ? x.greedy : x.sampled) = p;
    }
    r.per_agent.push_back(std::move(x));
  }
  for (const auto& [key, total, sum] : {std::tuple{"greedy", &r.greedy, &sum_g}, std::tuple{"sampled", &r.sampled, &sum_s}})
    if (*total && ((*total)->episodes != sum->episodes || (*total)->successes != sum->successes ||
                   (*total)->decisions != sum->decisions || (*total)->spikes != sum->spikes ||
                   (*total)->timeouts != sum->timeouts || (*total)->starved != sum->starved ||
                   (*total)->killed != sum->killed || (*total)->foods != sum->foods))
      f.bad(key, "differs from the sum of per_agent");
}

// The derived figures to_json writes (rates, per-decision values) and the fields the app adds (run, weights,
// seed, sample): type- and range-checked too, so no key of the file goes unchecked.
void check_derived(const json_fields& f, const eval_result& r) {
  const double rate = f.real("success_rate", 0, 1);
  if (std::abs(rate - r.success_rate()) > 1e-9)
    f.bad("success_rate", fmt::format("{} differs from successes / episodes = {}", rate, r.success_rate()));
  f.real("seconds_per_decision", 0, 1e12);
  const auto& arr = f.get("layer");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json_fields l{arr[i], fmt::format("{}: layer[{}]", f.where, i)};
    const double layer_rate = l.real("firing_rate", 0, 1);
    const double hz = l.real("firing_rate_hz", 0, 1000.0 / r.dt_ms);
    if (std::abs(hz - layer_rate * 1000.0 / r.dt_ms) > 1e-9 * std::max(1.0, hz))
      l.bad("firing_rate_hz", fmt::format("{} differs from firing_rate x 1000 / dt_ms = {}", hz, layer_rate * 1000.0 / r.dt_ms));
    for (const char* key : {"spikes_per_decision", "sops_per_decision", "updates_per_decision"})
      l.real(key, 0, static_cast<double>(max_count));
  }
  if (const auto why = neurobench_mismatch(f.get("neurobench"), r.neurobench()); !why.empty())
    f.bad("neurobench", why);
  if (f.j.contains("run") && !f.j.at("run").is_string()) f.bad("run", "must be a string");
  if (f.j.contains("sample") && !f.j.at("sample").is_boolean()) f.bad("sample", "must be true or false");
  if (f.j.contains("seed")) f.integer<std::uint64_t>("seed", 0, UINT64_MAX);
  if (f.j.contains("weights")) {
    const auto& w = f.j.at("weights");
    if (!w.is_array() || w.size() != static_cast<std::size_t>(r.agents))
      f.bad("weights", fmt::format("must list {} weight files (one per agent)", r.agents));
    for (const auto& x : w)
      if (!x.is_string()) f.bad("weights", fmt::format("must hold file names, got {}", x.dump().substr(0, 80)));
  }
}

}  // namespace

eval_result eval_result::from_json(const nlohmann::json& j) {
  const json_fields f{j};
  eval_result r;
  try {
    r.brain_type = parse_brain_kind(f.text("brain"));
  } catch (const error& e) {
    f.bad("brain", e.what());
  }
  r.engine = f.text("engine");
  if (r.engine != "event" && r.engine != "clock" && r.engine != "dense")
    f.bad("engine", fmt::format("must be event, clock or dense, got '{}'", r.engine));
  r.encoder = f.text("encoder");
  r.n_obs = f.integer<int>("n_obs", 1, 1 << 20);
  r.n_input = f.integer<int>("n_input", 1, 1 << 20);
  r.hidden = f.integer<int>("hidden", 1, 1 << 20);
  r.layers = f.integer<int>("layers", 0, 1000);
  r.steps = f.integer<int>("steps", 1, 1 << 20);
  r.n_actions = f.integer<int>("n_actions", 1, 1 << 16);
  read_task(f, r);
  read_layers(f, r);
  read_counts(f, {{"dense_updates", &r.dense_updates}, {"input_spikes", &r.input_spikes},
                  {"input_fan_out", &r.input_fan_out}, {"input_macs", &r.input_macs}, {"clock_macs", &r.clock_macs},
                  {"ann_macs", &r.ann_macs}, {"mlp_macs", &r.mlp_macs}, {"synapses", &r.synapses},
                  {"dense_weights", &r.dense_weights}});
  if (f.j.contains("head_macs")) read_counts(f, {{"head_macs", &r.head_macs}});  // absent: no dense head
  r.mlp_hidden = f.integer<int>("mlp_hidden", 1, 1 << 20);
  r.mlp_layers = f.integer<int>("mlp_layers", 0, 1000);
  r.dt_ms = f.real("dt_ms", 1e-9, 1e6);
  read_counts(f, {{"parameters", &r.parameters}, {"state_values", &r.state_values},
                  {"connection_weights", &r.connection_weights}, {"zero_weights", &r.zero_weights}});
  if (r.zero_weights > r.connection_weights)
    f.bad("zero_weights", fmt::format("{} exceeds connection_weights {}", r.zero_weights, r.connection_weights));
  r.seconds = f.real("seconds", 0, 1e12);
  read_policies(f, r);
  check_derived(f, r);
  return r;
}

}  // namespace spikeworm
