// Evaluation of trained agents on the event engine, the reference stepper or the dense pass.
#include "spikeworm/learning/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "spikeworm/engine/engine.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/names.hpp"
#include "spikeworm/learning/mlp_brain.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/learning/spiking_brain.hpp"
#include "spikeworm/core/random.hpp"

namespace spikeworm {

namespace {
constexpr name_table<eval_engine, 3> engine_names{
    {{eval_engine::event, "event"}, {eval_engine::clock, "clock"}, {eval_engine::dense, "dense"}}};
constexpr name_table<eval_policy, 3> policy_names{
    {{eval_policy::greedy, "greedy"}, {eval_policy::sampled, "sampled"}, {eval_policy::both, "both"}}};

// The median of the successful episodes' steps (0: none).
double median_of(std::vector<int> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

eval_engine parse_eval_engine(std::string_view name) { return parse_name(engine_names, name, "engine"); }
std::string_view eval_engine_name(eval_engine e) noexcept { return name_of(engine_names, e); }
eval_policy parse_eval_policy(std::string_view name) { return parse_name(policy_names, name, "policy"); }
std::string_view eval_policy_name(eval_policy p) noexcept { return name_of(policy_names, p); }

nlohmann::json policy_figures::to_json() const {
  return {{"episodes", episodes}, {"successes", successes}, {"success_rate", success_rate()},
          {"mean_steps_success", mean_steps_success}, {"median_steps_success", median_steps_success},
          {"decisions", decisions}, {"spikes", spikes}, {"spikes_per_decision", spikes_per_decision()},
          {"timeouts", timeouts}, {"starved", starved}, {"killed", killed}, {"foods", foods},
          {"mean_foods", mean_foods()}};
}

void policy_figures::add(const policy_figures& o) {
  const int n = successes + o.successes;
  mean_steps_success = n ? (mean_steps_success * successes + o.mean_steps_success * o.successes) / n : 0.0;
  episodes += o.episodes;
  successes = n;
  decisions += o.decisions;
  spikes += o.spikes;
  timeouts += o.timeouts;
  starved += o.starved;
  killed += o.killed;
  foods += o.foods;
  success_steps.insert(success_steps.end(), o.success_steps.begin(), o.success_steps.end());
  episode_steps.insert(episode_steps.end(), o.episode_steps.begin(), o.episode_steps.end());
  episode_foods.insert(episode_foods.end(), o.episode_foods.begin(), o.episode_foods.end());
  episode_returns.insert(episode_returns.end(), o.episode_returns.begin(), o.episode_returns.end());
  episode_ends.insert(episode_ends.end(), o.episode_ends.begin(), o.episode_ends.end());
  median_steps_success = median_of(success_steps);
}

namespace {

// The dense equivalents of one decision, from the brain's shape.
void fill_shape(eval_result& r, const experiment_config& cfg) {
  const auto& b = cfg.brain;
  r.brain_type = b.kind;
  r.encoder = std::string(encoder_name(b.enc.kind));
  r.n_obs = envs::observation_size;
  r.n_input = input_width(b);
  r.n_actions = envs::num_actions;
  r.hidden = b.hidden;
  r.layers = b.layers;
  r.dt_ms = b.dt_ms;
  r.state_values = b.kind == brain_kind::spiking ? static_cast<std::uint64_t>(b.hidden) * b.layers : 0;
  const std::uint64_t I = static_cast<std::uint64_t>(r.n_input), H = static_cast<std::uint64_t>(b.hidden),
                      L = static_cast<std::uint64_t>(b.layers), A = static_cast<std::uint64_t>(r.n_actions);
  // The MLP baseline of docs/training.md (or this brain, when it is the MLP).
  const std::uint64_t mh = b.kind == brain_kind::mlp ? H : 64;
  const std::uint64_t ml = b.kind == brain_kind::mlp ? L : 2;
  r.mlp_hidden = static_cast<int>(mh);
  r.mlp_layers = static_cast<int>(ml);
  r.mlp_macs = ml == 0 ? I * A : I * mh + (ml - 1) * mh * mh + mh * A;  // 0 layers: the linear policy
  if (b.kind == brain_kind::mlp) {
    r.steps = 1;
    r.ann_macs = r.mlp_macs;
    r.clock_macs = r.mlp_macs;
    r.input_macs = 0;
    return;
  }
  r.steps = b.steps;
  const std::uint64_t T = static_cast<std::uint64_t>(b.steps);
  // Input: c = W_in x + b_in, I_1 = W_1 c + b_1, computed once per decision for a constant input. Spike
  // trains (rate, latency) go through the folded synapses W_1 W_in: SOPs, no MACs.
  const bool spikes_in = !b.enc.constant_input();
  r.input_macs = spikes_in ? 0 : I * H + H * H;
  r.dense_weights = spikes_in ? 0 : I * H + H * H;
  r.input_fan_out = spikes_in ? H : 0;
  const std::uint64_t R = b.recurrent ? 1 : 0;  // the recurrent last layer's H x H synapses onto itself
  // readout = dense: the head's MACs on the counts are dense operations; the last layer has no readout synapses.
  const std::uint64_t Hh = b.readout == readout_kind::dense ? static_cast<std::uint64_t>(b.head_hidden) : 0;
  const std::uint64_t readout_fan_out = Hh ? 0 : A;
  r.head_macs = Hh * (H + A);
  r.synapses = (L - 1 + R) * H * H + H * readout_fan_out + (spikes_in ? I * H : 0);
  r.clock_macs = T * r.synapses;
  // A ReLU network of the same shape: x -> H (W_in) -> H (W_1) -> ... -> H (W_L) (+ W_rec once) [-> Hh (W_h)] -> A.
  r.ann_macs = I * H + (L + R) * H * H + (Hh ? H * Hh + Hh * A : H * A);
  r.layers_counts.assign(static_cast<std::size_t>(L), {});
  for (std::uint64_t k = 0; k < L; ++k) {
    auto& l = r.layers_counts[k];
    l.name = fmt::format("L{}", k + 1);
    l.neurons = H;
    l.fan_out = (k + 1 < L ? H : readout_fan_out) + (b.recurrent && k + 1 == L ? H : 0);
  }
}

// One decision of a spiking brain on an engine, with the counts eval reports.
class engine_runner {
 public:
  engine_runner(spiking_brain& b, eval_engine kind) : run_(b, b.net(), kind == eval_engine::event ? "event" : "clock") {}
  void decide(std::span<const double> in, std::span<double> logits, eval_result& r) {
    run_.run(run_.drive(in), logits);
    const auto& c = run_.eng().counters();
    for (std::size_t k = 0; k < r.layers_counts.size(); ++k) {
      auto& l = r.layers_counts[k];
      l.spikes += c.spikes_per_population[k];
      l.sops += c.spikes_per_population[k] * l.fan_out;
      l.updates += c.updates_per_population[k];
      l.events += c.events_per_population[k];
    }
  }

 private:
  brain_runner run_;
};

}  // namespace

brain_runner::brain_runner(spiking_brain& b, const network& net, std::string_view engine_kind)
    : b_(b), eng_(make_engine(engine_kind, net, {1, 1, true})) {
  cur_.assign(net.num_neurons(), 0.0);
  counts_.resize(static_cast<std::size_t>(b.config().hidden));
}

brain_runner::~brain_runner() = default;

std::span<const double> brain_runner::drive(std::span<const double> in) {
  const auto H = static_cast<std::size_t>(b_.config().hidden), L = static_cast<std::size_t>(b_.config().layers);
  const auto T = static_cast<std::size_t>(b_.config().steps);
  for (std::size_t k = 1; k < L; ++k)
    for (std::size_t j = 0; j < H; ++j) cur_[k * H + j] = b_.bias_current(static_cast<int>(k), static_cast<int>(j));
  inputs_.clear();
  if (b_.config().enc.constant_input()) {
    b_.layer1_current(in, std::span<double>(cur_).first(H));
  } else {
    const auto bf = b_.fold_for_engine();
    std::copy(bf.begin(), bf.end(), cur_.begin());
    const std::size_t I = in.size() / T;
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t i = 0; i < I; ++i)
        if (in[t * I + i] != 0.0) inputs_.push_back({static_cast<step_t>(t + 1), static_cast<neuron_id>(L * H + i)});
  }
  return cur_;
}

void brain_runner::run(std::span<const double> currents, std::span<double> logits) {
  const auto H = static_cast<std::size_t>(b_.config().hidden), L = static_cast<std::size_t>(b_.config().layers);
  if (b_.config().enc.constant_input()) eng_->reset(currents);
  else eng_->reset_with_inputs(currents, inputs_);
  eng_->run(b_.config().steps);
  std::fill(counts_.begin(), counts_.end(), 0.0);
  const auto last = static_cast<neuron_id>((L - 1) * H);
  for (const auto& s : eng_->spikes())
    if (s.neuron >= last && s.neuron < last + H) counts_[s.neuron - last] += 1.0;
  b_.readout_counts(counts_, logits);
}

namespace {

// Evaluation's player: the greedy (or sampled) action of frozen weights, with the counts eval reports and the
// wall time of the brain's passes.
class eval_player final : public episode_player {
 public:
  eval_player(const experiment_config& cfg, brain& agent, spiking_brain* sb, const eval_options& opt, bool sample,
              eval_result& r)
      : agent_(agent), sb_(sb), sample_(sample), r_(r), in_(encoded_size(cfg.brain)) {
    if (sb && opt.engine != eval_engine::dense) runner_ = std::make_unique<engine_runner>(*sb, opt.engine);
  }
  void start(rng& pick) { pick_ = &pick; }
  std::span<double> input(std::size_t) override { return in_; }
  int act(std::size_t, std::span<const double> in) override {
    if (r_.input_fan_out)
      for (double x : in) r_.input_spikes += x != 0.0;
    const auto t0 = clock::now();
    if (runner_) {
      runner_->decide(in, logits_, r_);
    } else {
      agent_.forward(in, logits_);
      if (sb_) count_dense(agent_.last_activity());
    }
    busy += clock::now() - t0;
    int a = greedy_action(logits_);
    if (sample_) {
      softmax(logits_, p_);
      a = sample_action(p_, pick_->uniform());
    }
    ++r_.decisions;
    return a;
  }
  using clock = std::chrono::steady_clock;
  clock::duration busy{};

 private:
  void count_dense(const activity& act) {
    for (std::size_t k = 0; k < r_.layers_counts.size(); ++k) {
      auto& l = r_.layers_counts[k];
      l.spikes += act.spikes_per_layer[k];
      l.sops += act.spikes_per_layer[k] * l.fan_out;
      l.updates += l.neurons * static_cast<std::uint64_t>(r_.steps);
    }
  }
  brain& agent_;
  spiking_brain* sb_;
  bool sample_;
  eval_result& r_;
  std::unique_ptr<engine_runner> runner_;
  std::vector<double> in_;
  rng* pick_ = nullptr;
  action_values logits_{}, p_{};
};

}  // namespace

namespace {

// One policy's episodes: the figures and activity of eval_result, and the steps of each success.
eval_result play_policy(const experiment_config& cfg, brain& agent, const eval_options& opt, bool sample,
                        policy_figures& ends) {
  eval_result r;
  fill_shape(r, cfg);
  const bool spiking = cfg.brain.kind == brain_kind::spiking;
  r.engine = std::string(spiking ? eval_engine_name(opt.engine) : "dense");
  r.agents = 1;
  auto* sb = spiking ? dynamic_cast<spiking_brain*>(&agent) : nullptr;
  if (spiking && !sb) throw internal_error("evaluate: the config says spiking but the brain is not");
  eval_player player(cfg, agent, sb, opt, sample, r);
  envs::environment env(cfg.env);
  double steps_success = 0;
  for (int e = 0; e < opt.episodes; ++e) {
    const auto episode = static_cast<std::uint64_t>(e);
    rng pick(opt.seed, {static_cast<std::uint64_t>(stream_kind::policy), episode, 2, opt.agent});
    rng enc_rng(opt.seed, stream_kind::encoder, episode);
    player.start(pick);
    play_episode(env, envs::episode_seed(opt.seed, episode), cfg.brain.enc, encoder_steps(cfg.brain), enc_rng,
                 player);
    tally_episode(r, env.info(), steps_success);
    const auto& info = env.info();
    if (info.end == envs::outcome::success) ends.success_steps.push_back(info.steps);
    ends.timeouts += info.end == envs::outcome::timeout;
    ends.starved += info.end == envs::outcome::starved;
    ends.killed += info.end == envs::outcome::killed;
    ends.foods += static_cast<std::uint64_t>(info.foods_eaten);
    ends.episode_steps.push_back(info.steps);
    ends.episode_foods.push_back(info.foods_eaten);
    ends.episode_returns.push_back(info.total_reward);
    ends.episode_ends.push_back(info.end);
  }
  finish_tally(r, steps_success);
  r.dense_updates = spiking ? r.decisions * static_cast<std::uint64_t>(cfg.brain.hidden) * cfg.brain.layers * cfg.brain.steps : 0;
  r.session_successes = {r.successes};
  r.seconds = std::chrono::duration<double>(player.busy).count();
  return r;
}

policy_figures figures_of(const eval_result& r, policy_figures ends) {
  policy_figures f = std::move(ends);
  std::vector<int> success_steps = std::move(f.success_steps);
  f.episodes = r.episodes;
  f.successes = r.successes;
  f.mean_steps_success = r.mean_steps_success;
  f.median_steps_success = median_of(success_steps);
  f.decisions = r.decisions;
  for (const auto& l : r.layers_counts) f.spikes += l.spikes;
  f.success_steps = std::move(success_steps);
  return f;
}

}  // namespace

eval_result evaluate(const experiment_config& cfg, brain& agent, const eval_options& opt) {
  agent_figures a;
  std::optional<eval_result> primary;
  if (opt.policy != eval_policy::sampled) {
    policy_figures ends;
    primary = play_policy(cfg, agent, opt, false, ends);
    a.greedy = figures_of(*primary, std::move(ends));
  }
  if (opt.policy != eval_policy::greedy) {
    policy_figures ends;
    auto s = play_policy(cfg, agent, opt, true, ends);
    a.sampled = figures_of(s, std::move(ends));
    if (!primary) primary = std::move(s);
  }
  eval_result r = std::move(*primary);
  for (const auto& p : agent.params()) {
    r.parameters += p.value.size();
    if (!p.name.ends_with(".weight")) continue;
    r.connection_weights += p.value.size();
    r.zero_weights += static_cast<std::uint64_t>(std::count(p.value.begin(), p.value.end(), 0.0f));
  }
  r.policy = a.greedy ? "greedy" : "sampled";
  r.greedy = a.greedy;
  r.sampled = a.sampled;
  r.per_agent = {std::move(a)};
  return r;
}

void merge(eval_result& a, const eval_result& b) {
  if (a.agents == 0) {
    a = b;
    return;
  }
  const double steps_a = a.mean_steps_success * a.successes, steps_b = b.mean_steps_success * b.successes;
  const int episodes = a.episodes + b.episodes;
  a.mean_reward = (a.mean_reward * a.episodes + b.mean_reward * b.episodes) / std::max(1, episodes);
  a.mean_foods = (a.mean_foods * a.episodes + b.mean_foods * b.episodes) / std::max(1, episodes);
  a.episodes = episodes;
  a.successes += b.successes;
  a.mean_steps_success = a.successes ? (steps_a + steps_b) / a.successes : 0.0;
  a.decisions += b.decisions;
  a.agents += b.agents;
  a.session_successes.insert(a.session_successes.end(), b.session_successes.begin(), b.session_successes.end());
  if (a.greedy && b.greedy) a.greedy->add(*b.greedy);
  if (a.sampled && b.sampled) a.sampled->add(*b.sampled);
  a.per_agent.insert(a.per_agent.end(), b.per_agent.begin(), b.per_agent.end());
  for (std::size_t k = 0; k < a.layers_counts.size(); ++k) {
    auto& x = a.layers_counts[k];
    const auto& y = b.layers_counts.at(k);
    x.spikes += y.spikes;
    x.sops += y.sops;
    x.updates += y.updates;
    x.events += y.events;
  }
  a.dense_updates += b.dense_updates;
  a.connection_weights += b.connection_weights;
  a.zero_weights += b.zero_weights;
  a.input_spikes += b.input_spikes;
  a.seconds += b.seconds;
}

std::vector<eval_result> evaluate_agents(const experiment_config& cfg, const std::vector<std::string>& files,
                                        const std::vector<std::size_t>& which, const eval_options& opt, int threads,
                                        std::atomic<int>* done) {
  std::vector<eval_result> parts(which.size());
  std::vector<std::unique_ptr<brain>> brains;
  for (const std::size_t k : which) {
    brains.push_back(make_brain(cfg.brain, 1));
    read_weights(files.at(k), brains.back()->params());
  }
  worker_pool pool(threads);
  pool.for_each(which.size(), [&](std::size_t i) {
    eval_options own = opt;
    own.agent = which[i];
    parts[i] = evaluate(cfg, *brains[i], own);
    if (done) done->fetch_add(1);
  });
  return parts;
}

eval_result evaluate_files(const experiment_config& cfg, const std::vector<std::string>& files,
                           const eval_options& opt, int threads, std::atomic<int>* done) {
  if (files.empty()) throw error("eval: no weight files");
  std::vector<std::size_t> all(files.size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
  eval_result r;
  for (const auto& p : evaluate_agents(cfg, files, all, opt, threads, done)) merge(r, p);
  return r;
}

nlohmann::json eval_result::to_json() const {
  nlohmann::json per_layer = nlohmann::json::array();
  for (std::size_t k = 0; k < layers_counts.size(); ++k) {
    const auto& l = layers_counts[k];
    per_layer.push_back({{"name", l.name}, {"neurons", l.neurons}, {"fan_out", l.fan_out}, {"spikes", l.spikes},
                      {"sops", l.sops}, {"updates", l.updates}, {"events", l.events},
                      {"firing_rate", firing_rate(k)}, {"firing_rate_hz", firing_rate_hz(k)},
                      {"spikes_per_decision", per_decision(l.spikes)},
                      {"sops_per_decision", per_decision(l.sops)}, {"updates_per_decision", per_decision(l.updates)}});
  }
  nlohmann::json agents_json = nlohmann::json::array();
  for (const auto& a : per_agent) {
    nlohmann::json x = nlohmann::json::object();
    if (a.greedy) x["greedy"] = a.greedy->to_json();
    if (a.sampled) x["sampled"] = a.sampled->to_json();
    agents_json.push_back(std::move(x));
  }
  nlohmann::json j{{"brain", std::string(brain_kind_name(brain_type))}, {"engine", engine}, {"encoder", encoder}, {"n_obs", n_obs}, {"n_input", n_input},
          {"hidden", hidden}, {"layers", layers}, {"steps", steps}, {"n_actions", n_actions}, {"agents", agents},
          {"episodes", episodes}, {"successes", successes}, {"success_rate", success_rate()},
          {"mean_steps_success", mean_steps_success}, {"mean_reward", mean_reward}, {"mean_foods", mean_foods},
          {"decisions", decisions}, {"session_successes", session_successes}, {"layer", per_layer},
          {"dense_updates", dense_updates}, {"input_spikes", input_spikes}, {"input_fan_out", input_fan_out},
          {"input_macs", input_macs}, {"head_macs", head_macs}, {"clock_macs", clock_macs},
          {"ann_macs", ann_macs}, {"mlp_macs", mlp_macs}, {"synapses", synapses}, {"dense_weights", dense_weights},
          {"mlp_hidden", mlp_hidden}, {"mlp_layers", mlp_layers}, {"dt_ms", dt_ms}, {"parameters", parameters},
          {"state_values", state_values}, {"connection_weights", connection_weights}, {"zero_weights", zero_weights},
          {"neurobench", neurobench()}, {"seconds", seconds},
          {"seconds_per_decision", decisions ? seconds / static_cast<double>(decisions) : 0.0},
          {"policy", policy}, {"per_agent", agents_json}};
  if (greedy) j["greedy"] = greedy->to_json();
  if (sampled) j["sampled"] = sampled->to_json();
  return j;
}

}  // namespace spikeworm
