// Evaluation of trained agents: hand-counted SOPs and MACs, and the event engine against the dense pass
// on a trained agent.
#include <algorithm>
#include <numeric>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/engine.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/learning/energy.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/evaluate.hpp"
#include "spikeworm/learning/reinforce.hpp"
#include "spikeworm/learning/spiking_brain.hpp"
#include "spikeworm/core/random.hpp"
#include "brain_helpers.hpp"
#include "engine_helpers.hpp"
#include "helpers.hpp"

namespace spikeworm {
namespace {

experiment_config static_medium(int hidden, int steps) {
  experiment_config cfg;
  cfg.env.kind = envs::env_kind::static_goal;
  cfg.env = envs::preset_config(envs::env_kind::static_goal, "medium");
  cfg.brain.hidden = hidden;
  cfg.brain.steps = steps;
  return cfg;
}

param_tensor& param(brain& b, const std::string& name) {
  for (auto& p : b.params())
    if (p.name == name) return p;
  throw std::runtime_error("no parameter " + name);
}

TEST(eval, counts_match_a_hand_count_on_a_small_network) {
  // H = 3, T = 5. Layer 1 gets the constant current 0.6 whatever the observation (W_in = W_1 = 0,
  // b_1 = 0.6): with decay 1 - 1/20 its membrane is 0.6, 1.17 (spike), 0.6, 1.17 (spike), 0.6, so every
  // layer-1 neuron spikes at steps 1 and 3 (0-based). W_2 = 1.5: each layer-1 spike volley makes every
  // layer-2 neuron spike one step later (steps 2 and 4); b_2 = 0.
  auto cfg = static_medium(3, 5);
  auto b = make_brain(cfg.brain, 1);
  for (auto& p : b->params()) std::fill(p.value.begin(), p.value.end(), 0.0f);
  std::fill(param(*b, "hidden.0.bias").value.begin(), param(*b, "hidden.0.bias").value.end(), 0.6f);
  std::fill(param(*b, "hidden.1.weight").value.begin(), param(*b, "hidden.1.weight").value.end(), 1.5f);
  for (auto engine : {eval_engine::event, eval_engine::clock, eval_engine::dense}) {
    eval_options opt;
    opt.engine = engine;
    opt.episodes = 1;
    const auto r = evaluate(cfg, *b, opt);
    ASSERT_GT(r.decisions, 0u);
    const double d = static_cast<double>(r.decisions);
    ASSERT_EQ(r.layers_counts.size(), 2u);
    EXPECT_EQ(r.layers_counts[0].name, "L1");  // the hidden layers, counted from 1 as docs/energy.md names them
    EXPECT_EQ(r.layers_counts[1].name, "L2");
    EXPECT_EQ(r.layers_counts[0].neurons, 3u);
    EXPECT_EQ(r.layers_counts[0].spikes, 6 * r.decisions) << eval_engine_name(engine);
    EXPECT_EQ(r.layers_counts[1].spikes, 6 * r.decisions) << eval_engine_name(engine);
    EXPECT_EQ(r.layers_counts[0].sops, 6 * 3 * r.decisions);  // fan-out 3 into layer 2
    EXPECT_EQ(r.layers_counts[1].sops, 6 * 4 * r.decisions);  // fan-out 4 into the readout
    EXPECT_DOUBLE_EQ(r.firing_rate(0), 6.0 / 15.0);
    EXPECT_EQ(r.dense_updates, 2 * 3 * 5 * r.decisions);
    if (engine != eval_engine::event) EXPECT_EQ(r.layers_counts[0].updates, 15 * r.decisions);
    else EXPECT_LT(r.layers_counts[0].updates + r.layers_counts[1].updates, 30 * r.decisions);
    EXPECT_EQ(r.input_macs, 2u * 3u + 3u * 3u);          // W_in x, W_1 c
    EXPECT_EQ(r.clock_macs, 5u * (3u * 3u + 3u * 4u));   // every synapse (hidden and readout), every step
    EXPECT_EQ(r.ann_macs, 2u * 3u + 2u * 3u * 3u + 3u * 4u);
    EXPECT_EQ(r.mlp_macs, 2u * 64u + 64u * 64u + 64u * 4u);
    EXPECT_EQ(r.synapses, 3u * 3u + 3u * 4u);
    // NeuroBench's metrics per decision (docs/energy.md): MACs of the dense input layer (2 x 3 + 3 x 3),
    // ACs = SOPs (6 x 3 + 6 x 4), dense = the MACs + every synapse every step (5 x 21), sparsity
    // 1 - 12 spikes / 30 neuron-steps; 49 parameters (W_in 6, b_in 3, W_1 9, b_1 3, b_2 3, W_out 12, b_out 4,
    // W_2 9) in 4 bytes and 6 membranes in 8; zero weights: all but W_2's 9 of 36.
    const auto nb = r.neurobench();
    EXPECT_DOUBLE_EQ(nb["SynapticOperations"]["Effective_MACs"].get<double>(), 15.0);
    EXPECT_DOUBLE_EQ(nb["SynapticOperations"]["Effective_ACs"].get<double>(), 42.0);
    EXPECT_DOUBLE_EQ(nb["SynapticOperations"]["Dense"].get<double>(), 120.0);
    EXPECT_DOUBLE_EQ(nb["ActivationSparsity"].get<double>(), 0.6);
    const double updates = static_cast<double>(r.layers_counts[0].updates + r.layers_counts[1].updates) / d;
    EXPECT_DOUBLE_EQ(nb["MembraneUpdates"].get<double>(), engine == eval_engine::event ? updates : 30.0);
    EXPECT_EQ(nb["Footprint"].get<std::uint64_t>(), 49u * 4u + 6u * 8u);
    EXPECT_DOUBLE_EQ(nb["ConnectionSparsity"].get<double>(), 27.0 / 36.0);
    EXPECT_DOUBLE_EQ(r.firing_rate_hz(0), 6.0 / 15.0 * 1000.0);  // 0.4 spikes per neuron per 1 ms step
    const auto j = r.to_json();
    EXPECT_EQ(j["neurobench"], nb);
    EXPECT_EQ(eval_result::from_json(j).to_json(), j);
  }
}

TEST(eval, brain_times_in_ms_give_the_spikes_of_the_same_brain_in_steps) {
  // tau_m = 20 ms at dt = 1 ms and tau_m = 10 ms at dt = 0.5 ms are both 20 steps: the same spikes; the
  // rate in Hz doubles with the steps per second.
  auto a = static_medium(8, 10), b = a;
  b.brain.dt_ms = 0.5;
  b.brain.lif.tau_m = 10.0;
  auto ba = make_brain(a.brain, 3), bb = make_brain(b.brain, 3);
  eval_options opt;
  opt.episodes = 2;
  const auto ra = evaluate(a, *ba, opt), rb = evaluate(b, *bb, opt);
  ASSERT_EQ(ra.decisions, rb.decisions);
  EXPECT_EQ(ra.successes, rb.successes);
  for (std::size_t k = 0; k < ra.layers_counts.size(); ++k) {
    EXPECT_EQ(ra.layers_counts[k].spikes, rb.layers_counts[k].spikes);
    EXPECT_DOUBLE_EQ(rb.firing_rate_hz(k), 2 * ra.firing_rate_hz(k));
  }
  EXPECT_GT(ra.layers_counts[0].spikes, 0u);
}

TEST(eval, mlp_counts_are_its_macs) {
  auto cfg = static_medium(32, 1);
  cfg.brain.kind = brain_kind::mlp;
  auto b = make_brain(cfg.brain, 1);
  eval_options opt;
  opt.episodes = 2;
  const auto r = evaluate(cfg, *b, opt);
  EXPECT_EQ(r.mlp_macs, 2u * 32u + 32u * 32u + 32u * 4u);
  EXPECT_EQ(r.engine, "dense");
  EXPECT_TRUE(r.layers_counts.empty());
  const auto nb = r.neurobench();
  EXPECT_DOUBLE_EQ(nb["SynapticOperations"]["Effective_MACs"].get<double>(), static_cast<double>(r.mlp_macs));
  EXPECT_DOUBLE_EQ(nb["SynapticOperations"]["Effective_ACs"].get<double>(), 0.0);
  EXPECT_TRUE(nb["ActivationSparsity"].is_null());  // ReLU zeros are not counted
  EXPECT_EQ(nb["Footprint"].get<std::uint64_t>(), 4u * (2u * 32u + 32u + 32u * 32u + 32u + 32u * 4u + 4u));
}

TEST(eval, event_engine_matches_dense_pass_on_a_trained_agent) {
  // Train the default brain briefly on static medium, then replay its decisions (sampled, along its own
  // trajectories) with the dense pass, the event engine and the reference stepper.
  auto cfg = static_medium(128, 100);
  cfg.train.episodes = 60;
  session s(cfg, 0, 5);
  for (int e = 0; e < cfg.train.episodes; ++e) s.run_episode();
  auto& b = dynamic_cast<spiking_brain&>(s.policy());
  event_engine ev(b.net(), {1, 1, true});
  clock_engine ck(b.net(), {1, 1, true});
  ck.enable_membrane_trace(true);
  envs::environment env(cfg.env);
  const int H = b.config().hidden, L = b.config().layers;
  int decisions = 0, identical = 0, flips = 0, same_action = 0;
  std::uint64_t spikes = 0;
  action_values logits{}, elogits{}, p{};
  for (int episode = 0; decisions < 1200; ++episode) {
    env.reset(envs::episode_seed(77, static_cast<std::uint64_t>(episode)));
    rng pick(77, stream_kind::policy, static_cast<std::uint64_t>(episode), 3);
    while (!env.done() && decisions < 1200) {
      const auto obs = envs::to_array(env.observe());
      b.forward(obs, logits);
      const auto counts = test::engine_counts(ev, b, obs);
      std::vector<double> last(counts.end() - H, counts.end());
      b.readout_counts(last, elogits);
      bool same = true;
      for (int k = 0; k < L; ++k) {
        double layer = 0;
        for (int j = 0; j < H; ++j) layer += counts[static_cast<std::size_t>(k * H + j)];
        same = same && layer == static_cast<double>(b.last_activity().spikes_per_layer[k]);
        spikes += b.last_activity().spikes_per_layer[k];
      }
      for (int j = 0; j < H; ++j) same = same && last[j] == b.counts()[j];
      for (int a = 0; a < envs::num_actions; ++a) same = same && elogits[a] == logits[a];
      auto argmax = [](const action_values& z) { return static_cast<int>(std::max_element(z.begin(), z.end()) - z.begin()); };
      same_action += argmax(logits) == argmax(elogits);
      if (same) {
        ++identical;
      } else {
        // Only threshold decisions may differ: every spike of the two engines is compared, each divergence
        // judged where it starts, on the reference stepper.
        (void)test::engine_counts(ck, b, obs);
        const auto c = test::compare_spikes(ev, ck);
        ASSERT_FALSE(c.identical) << "engines agree, the dense pass differs: decision " << decisions;
        EXPECT_EQ(c.unexplained, 0u) << "decision " << decisions << ": " << c.detail;
        flips += static_cast<int>(c.flips);
      }
      softmax(logits, p);
      const int act = sample_action(p, pick.uniform());
      env.step(static_cast<envs::action>(act));
      ++decisions;
    }
  }
  std::cout << identical << " of " << decisions << " decisions identical, " << flips << " threshold flips, "
            << same_action << " same greedy action, " << spikes << " spikes\n";
  EXPECT_GT(spikes, static_cast<std::uint64_t>(decisions) * 1000u) << "the layers must be active";
  EXPECT_GE(same_action * 1000, decisions * 999) << "greedy action must agree in >= 99.9% of decisions";
  EXPECT_GE(identical * 100, decisions * 99);
}

// An independent replay of evaluation's episodes: the brain's forward pass, the first largest logit when
// greedy, else a draw from softmax(logits) with agent `agent`'s stream of episode k (docs/energy.md).
struct replay_player final : episode_player {
  replay_player(brain& agent, const brain_config& cfg, bool sampled) : b(agent), sample(sampled), in(encoded_size(cfg)) {}
  std::span<double> input(std::size_t) override { return in; }
  int act(std::size_t, std::span<const double> x) override {
    b.forward(x, logits);
    int a = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    if (sample) {
      softmax(logits, p);
      a = sample_action(p, pick->uniform());
    }
    return a;
  }
  brain& b;
  bool sample;
  std::vector<double> in;
  rng* pick = nullptr;
  action_values logits{}, p{};
};

policy_figures replay(const experiment_config& cfg, brain& b, const eval_options& opt, bool sample) {
  replay_player player(b, cfg.brain, sample);
  envs::environment env(cfg.env);
  policy_figures f;
  double steps = 0;
  for (int e = 0; e < opt.episodes; ++e) {
    const auto k = static_cast<std::uint64_t>(e);
    rng pick(opt.seed, {static_cast<std::uint64_t>(stream_kind::policy), k, 2, opt.agent});
    rng enc(opt.seed, stream_kind::encoder, k);
    player.pick = &pick;
    f.decisions += play_episode(env, envs::episode_seed(opt.seed, k), cfg.brain.enc, encoder_steps(cfg.brain), enc, player);
    ++f.episodes;
    switch (env.info().end) {
      case envs::outcome::success:
        ++f.successes;
        steps += env.info().steps;
        f.success_steps.push_back(env.info().steps);
        break;
      case envs::outcome::timeout: ++f.timeouts; break;
      case envs::outcome::starved: ++f.starved; break;
      case envs::outcome::killed: ++f.killed; break;
      case envs::outcome::running: break;
    }
    f.foods += static_cast<std::uint64_t>(env.info().foods_eaten);
    f.episode_steps.push_back(env.info().steps);
    f.episode_foods.push_back(env.info().foods_eaten);
    f.episode_returns.push_back(env.info().total_reward);
    f.episode_ends.push_back(env.info().end);
  }
  f.mean_steps_success = f.successes ? steps / f.successes : 0.0;
  return f;
}

experiment_config mlp_static_medium() {
  experiment_config cfg;
  cfg.env = envs::preset_config(envs::env_kind::static_goal, "medium");
  cfg.brain.kind = brain_kind::mlp;
  cfg.brain.hidden = 16;
  return cfg;
}

TEST(eval, greedy_and_sampled_figures_match_an_independent_replay) {
  // A briefly trained spiking agent on the dense pass: eval.json's greedy and sampled figures, per agent and
  // overall, are those of play_episode with a player of its own.
  auto cfg = static_medium(16, 12);
  cfg.train.episodes = 40;
  session s(cfg, 0, 4);
  for (int e = 0; e < cfg.train.episodes; ++e) s.run_episode();
  eval_options opt;
  opt.engine = eval_engine::dense;
  opt.episodes = 12;
  opt.policy = eval_policy::both;
  opt.agent = 3;
  const auto r = eval_result::from_json(evaluate(cfg, s.policy(), opt).to_json());
  ASSERT_TRUE(r.greedy && r.sampled);
  ASSERT_EQ(r.per_agent.size(), 1u);
  for (const bool sample : {false, true}) {
    const auto want = replay(cfg, s.policy(), opt, sample);
    const auto& got = sample ? *r.sampled : *r.greedy;
    const auto& agent = sample ? *r.per_agent[0].sampled : *r.per_agent[0].greedy;
    for (const auto* g : {&got, &agent}) {
      EXPECT_EQ(g->episodes, want.episodes);
      EXPECT_EQ(g->successes, want.successes) << (sample ? "sampled" : "greedy");
      EXPECT_EQ(g->decisions, want.decisions) << (sample ? "sampled" : "greedy");
      EXPECT_NEAR(g->mean_steps_success, want.mean_steps_success, 1e-9);
      auto v = want.success_steps;
      std::sort(v.begin(), v.end());
      const double median = v.empty() ? 0.0 : (v[(v.size() - 1) / 2] + v[v.size() / 2]) / 2.0;
      EXPECT_DOUBLE_EQ(g->median_steps_success, median);
    }
  }
  EXPECT_EQ(r.policy, "greedy");  // the top-level figures are the greedy ones
  EXPECT_EQ(r.successes, r.greedy->successes);
  EXPECT_GT(r.sampled->successes, 0) << "the sampled replay must be non-trivial";
}

// eval.json's "policy" names the policy its top-level figures come from: greedy whenever greedy ran.
TEST(eval, top_level_policy_names_the_figures_it_reports) {
  const auto cfg = mlp_static_medium();
  auto b = make_brain(cfg.brain, 1);
  eval_options opt;
  opt.episodes = 2;
  for (const auto& [policy, name] : {std::pair{eval_policy::greedy, "greedy"}, std::pair{eval_policy::sampled, "sampled"},
                                     std::pair{eval_policy::both, "greedy"}}) {
    opt.policy = policy;
    const auto r = evaluate(cfg, *b, opt);
    EXPECT_EQ(r.policy, name);
    EXPECT_EQ(eval_result::from_json(r.to_json()).policy, name);
    EXPECT_EQ(r.greedy.has_value(), policy != eval_policy::sampled);
    EXPECT_EQ(r.sampled.has_value(), policy != eval_policy::greedy);
    const auto& top = name == std::string("greedy") ? *r.greedy : *r.sampled;
    EXPECT_EQ(r.successes, top.successes);
    EXPECT_EQ(r.decisions, top.decisions);
  }
}

TEST(eval, episode_ends_and_foods_match_an_independent_replay_on_predators) {
  // An untrained MLP on predators small: episodes end by starvation, predators and timeouts; eval.json
  // counts each end and the foods eaten as a replay of its own does, per agent and overall.
  experiment_config cfg;
  cfg.env = envs::preset_config(envs::env_kind::predators, "small");
  cfg.brain.kind = brain_kind::mlp;
  cfg.brain.hidden = 16;
  auto b = make_brain(cfg.brain, 9);
  eval_options opt;
  opt.episodes = 40;
  opt.policy = eval_policy::both;
  const auto r = eval_result::from_json(evaluate(cfg, *b, opt).to_json());
  int ends = 0;
  for (const bool sample : {false, true}) {
    const auto want = replay(cfg, *b, opt, sample);
    for (const auto* g : {sample ? &*r.sampled : &*r.greedy, sample ? &*r.per_agent[0].sampled : &*r.per_agent[0].greedy}) {
      EXPECT_EQ(g->successes + g->timeouts + g->starved + g->killed, g->episodes);
      EXPECT_EQ(g->timeouts, want.timeouts);
      EXPECT_EQ(g->starved, want.starved);
      EXPECT_EQ(g->killed, want.killed);
      EXPECT_EQ(g->foods, want.foods);
      EXPECT_DOUBLE_EQ(g->mean_foods(), static_cast<double>(want.foods) / opt.episodes);
    }
    ends += (want.starved > 0) + (want.killed > 0);
  }
  EXPECT_GE(ends, 2) << "the replay must see starvation or predator deaths";
  // Episode by episode (what the Python module's eval arrays hold), in memory, on predators and on foraging,
  // where the untrained brain eats.
  int eaten = 0;
  for (const auto kind : {envs::env_kind::predators, envs::env_kind::foraging}) {
    auto c = cfg;
    c.env = envs::preset_config(kind, "small");
    const auto direct = evaluate(c, *b, opt);
    for (const bool sample : {false, true}) {
      const auto want = replay(c, *b, opt, sample);
      const auto& got = sample ? *direct.per_agent[0].sampled : *direct.per_agent[0].greedy;
      ASSERT_EQ(want.episode_steps.size(), static_cast<std::size_t>(opt.episodes));
      EXPECT_EQ(got.episode_steps, want.episode_steps);
      EXPECT_EQ(got.episode_foods, want.episode_foods);
      EXPECT_EQ(got.episode_returns, want.episode_returns);
      EXPECT_EQ(got.episode_ends, want.episode_ends);
      eaten += std::accumulate(want.episode_foods.begin(), want.episode_foods.end(), 0);
    }
  }
  EXPECT_GT(eaten, 0) << "some episode must eat for the foods to mean much";
  auto tampered = evaluate(cfg, *b, opt).to_json();
  tampered["greedy"]["killed"] = tampered["greedy"]["killed"].get<int>() + 1;
  EXPECT_THROW((void)eval_result::from_json(tampered), error);
}

// eval.json's sizes each have a range: the reader refuses the value just outside it at either end, naming the
// key and the range (the file comes from other tools and from people's edits).
TEST(eval_json, every_size_outside_its_range_is_refused_naming_key_and_range) {
  const auto cfg = mlp_static_medium();
  auto b = make_brain(cfg.brain, 1);
  eval_options opt;
  opt.episodes = 2;
  const auto good = evaluate(cfg, *b, opt).to_json();
  ASSERT_NO_THROW((void)eval_result::from_json(good));
  const std::tuple<const char*, std::int64_t, std::int64_t> ranges[] = {
      {"n_obs", 1, 1 << 20}, {"n_input", 1, 1 << 20}, {"hidden", 1, 1 << 20}, {"layers", 0, 1000},
      {"steps", 1, 1 << 20}, {"n_actions", 1, 1 << 16}, {"agents", 1, 10000}};
  for (const auto& [key, lo, hi] : ranges) {
    ASSERT_TRUE(good.contains(key)) << key;
    for (const std::int64_t v : {lo - 1, hi + 1}) {
      auto j = good;
      j[key] = v;
      try {
        (void)eval_result::from_json(j);
        ADD_FAILURE() << key << " = " << v << " was accepted";
      } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find(fmt::format("key '{}': must be in [{}, {}], got {}", key, lo, hi, v)), std::string::npos)
            << e.what();
      }
    }
  }
}

// docs/energy.md: greedy takes the first largest logit, so that ties (a dead readout gives equal logits) go
// to the lowest action, always the same one.
TEST(eval, greedy_takes_the_first_largest_logit) {
  EXPECT_EQ(greedy_action(std::vector<double>{1.0, 3.0, 3.0, 2.0}), 1);
  EXPECT_EQ(greedy_action(std::vector<double>{0.0, 0.0, 0.0, 0.0}), 0);
  EXPECT_EQ(greedy_action(std::vector<double>{-1.0, -2.0, -1.0, -3.0}), 0);
  EXPECT_EQ(greedy_action(std::vector<double>{0.5, 0.25, 0.75, 0.75}), 2);
  EXPECT_EQ(greedy_action(std::vector<double>{0.0, 0.0, 0.0, 1e-300}), 3);
}

TEST(eval, an_agent_that_only_works_when_sampling_scores_zero_greedy) {
  // Every weight 0, output bias favouring "stay" by 0.1: the greedy agent never moves, the sampled one walks
  // nearly at random and sometimes finds the food.
  const auto cfg = mlp_static_medium();
  auto b = make_brain(cfg.brain, 1);
  for (auto& p : b->params()) std::fill(p.value.begin(), p.value.end(), 0.0f);
  param(*b, "output.bias").value[static_cast<std::size_t>(envs::action::stay)] = 0.1f;
  eval_options opt;
  opt.episodes = 30;
  opt.policy = eval_policy::both;
  const auto r = evaluate(cfg, *b, opt);
  EXPECT_EQ(r.greedy->successes, 0);
  EXPECT_GT(r.sampled->successes, 0);
  EXPECT_EQ(r.per_agent[0].greedy->successes, 0);
}

TEST(eval, sampled_streams_are_per_agent_and_independent_of_the_thread_count) {
  test::temp_dir dir;
  const auto cfg = mlp_static_medium();
  std::vector<std::string> files;
  for (int k = 0; k < 3; ++k) {
    auto b = make_brain(cfg.brain, k == 2 ? 1 : static_cast<std::uint64_t>(k + 1));  // agent 2 = agent 0's weights
    files.push_back((dir.path() / fmt::format("session_{}.bin", k)).string());
    write_weights(files.back(), b->params());
  }
  eval_options opt;
  opt.episodes = 10;
  opt.policy = eval_policy::both;
  auto one = evaluate_files(cfg, files, opt, 1).to_json();
  auto two = evaluate_files(cfg, files, opt, 2).to_json();
  for (auto* j : {&one, &two}) {
    j->erase("seconds");
    j->erase("seconds_per_decision");
  }
  EXPECT_EQ(one, two);
  // Agent k alone, with its index, gives its row; the same weights as agent 0 act the same greedy, not sampled.
  auto b = make_brain(cfg.brain, 2);
  read_weights(files[1], b->params());
  opt.agent = 1;
  EXPECT_EQ(one["per_agent"][1], evaluate(cfg, *b, opt).to_json()["per_agent"][0]);
  EXPECT_EQ(one["per_agent"][0]["greedy"], one["per_agent"][2]["greedy"]);
  EXPECT_NE(one["per_agent"][0]["sampled"], one["per_agent"][2]["sampled"]);
}

TEST(eval, json_round_trip_and_missing_key) {
  auto cfg = static_medium(8, 10);
  auto b = make_brain(cfg.brain, 2);
  eval_options opt;
  opt.episodes = 2;
  opt.policy = eval_policy::both;
  const auto r = evaluate(cfg, *b, opt);
  const auto j = r.to_json();
  const auto back = eval_result::from_json(j);
  EXPECT_EQ(back.to_json(), j);
  auto broken = j;
  auto tampered = j;
  tampered["neurobench"]["SynapticOperations"]["Dense"] = j["neurobench"]["SynapticOperations"]["Dense"].get<double>() + 1;
  try {  // refused for the tampered figure, not for anything else in the file
    (void)eval_result::from_json(tampered);
    ADD_FAILURE() << "a neurobench figure that disagrees with the counts must be an error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("neurobench"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Dense"), std::string::npos) << e.what();
  }
  broken.erase("clock_macs");
  try {
    (void)eval_result::from_json(broken);
    FAIL() << "a missing key must be an error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("clock_macs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace spikeworm

namespace spikeworm {
namespace {

TEST(eval, the_dense_head_is_computed_off_the_spiking_network_and_counted_as_macs) {
  // The network of counts_match_a_hand_count_on_a_small_network (every layer-2 neuron spikes twice per
  // decision) with readout = dense, 5 head units: head.bias = -1 and head.weight = 1 on unit 0 only, so
  // z = (6 - 1, -1, -1, -1, -1), relu(z) = (5, 0, 0, 0, 0); output.weight[a][0] = a: logits = (0, 5, 10, 15) +
  // b_out (0).
  auto cfg = static_medium(3, 5);
  cfg.brain.readout = readout_kind::dense;
  cfg.brain.head_hidden = 5;
  auto b = make_brain(cfg.brain, 1);
  for (auto& p : b->params()) std::fill(p.value.begin(), p.value.end(), 0.0f);
  std::fill(param(*b, "hidden.0.bias").value.begin(), param(*b, "hidden.0.bias").value.end(), 0.6f);
  std::fill(param(*b, "hidden.1.weight").value.begin(), param(*b, "hidden.1.weight").value.end(), 1.5f);
  auto& wh = param(*b, "head.weight");
  ASSERT_EQ(wh.rows, 5u);
  ASSERT_EQ(wh.cols, 3u);
  std::fill(param(*b, "head.bias").value.begin(), param(*b, "head.bias").value.end(), -1.0f);
  for (std::size_t j = 0; j < 3; ++j) wh.at(0, j) = 1.0f;
  auto& wo = param(*b, "output.weight");
  ASSERT_EQ(wo.cols, 5u);
  for (std::size_t a = 0; a < 4; ++a) wo.at(a, 0) = static_cast<float>(a);
  std::vector<double> logits(4);
  const double obs[2] = {0.3, 0.1};
  b->forward(obs, logits);
  EXPECT_EQ(logits, (std::vector<double>{0, 5, 10, 15}));
  for (auto engine : {eval_engine::event, eval_engine::clock, eval_engine::dense}) {
    eval_options opt;
    opt.engine = engine;
    opt.episodes = 1;
    const auto r = evaluate(cfg, *b, opt);
    ASSERT_GT(r.decisions, 0u);
    EXPECT_EQ(r.layers_counts[1].spikes, 6 * r.decisions) << eval_engine_name(engine);
    EXPECT_EQ(r.layers_counts[1].fan_out, 0u);  // the last layer's spikes are counted, not propagated
    EXPECT_EQ(r.layers_counts[1].sops, 0u);
    EXPECT_EQ(r.head_macs, 3u * 5u + 5u * 4u);  // W_h counts, W_out relu(z)
    EXPECT_EQ(r.synapses, 3u * 3u);
    EXPECT_EQ(r.clock_macs, 5u * 3u * 3u);
    EXPECT_EQ(r.ann_macs, 2u * 3u + 2u * 3u * 3u + 3u * 5u + 5u * 4u);
    const auto nb = r.neurobench();
    EXPECT_DOUBLE_EQ(nb["SynapticOperations"]["Effective_MACs"].get<double>(), 15.0 + 35.0);
    const auto j = r.to_json();
    EXPECT_EQ(eval_result::from_json(j).to_json(), j);
    // Energy: the head's MACs are dense operations at the table's MAC energy, with their weight reads.
    energy_table t;
    t.sop_pj = 0.9;
    t.neuron_update_pj = 5.5;
    t.mac_pj = 4.6;
    t.weight_bits = 32;
    t.state_bits = 32;
    t.sram_bytes = {8192};
    t.sram_read_pj = {10};
    const auto e = energy_of(r, t);
    EXPECT_NEAR(e.brain.dense, (15 + 35) * 4.6, 1e-9);
    auto without = r;
    without.head_macs = 0;
    EXPECT_NEAR(e.brain.total() - energy_of(without, t).brain.total(), 35 * 4.6 + 35 * 0.5 * 10, 1e-9);
  }
}

TEST(energy, reproduces_a_hand_calculation) {
  // A decision with known counts (the small network of counts_match_a_hand_count_on_a_small_network, with
  // 10 + 12 neuron updates performed) on a 45 nm fp32 table whose SRAM has two sizes.
  eval_result r;
  r.brain_type = brain_kind::spiking;
  r.steps = 5;
  r.episodes = 1;
  r.decisions = 2;
  r.layers_counts = {{"L1", 3, 3, 12, 36, 20, 0}, {"L2", 3, 4, 12, 48, 24, 0}};
  r.dense_updates = 60;
  r.input_macs = 15;
  r.clock_macs = 105;
  r.ann_macs = 36;
  r.mlp_macs = 4480;
  r.synapses = 21;
  energy_table t;
  t.sop_pj = 0.9;
  t.neuron_update_pj = 5.5;
  t.mac_pj = 4.6;
  t.weight_bits = 32;
  t.state_bits = 32;
  t.sram_bytes = {8192, 32768};
  t.sram_read_pj = {10, 20};
  const auto e = energy_of(r, t);
  // Per decision: 42 SOPs, 22 updates. Every array here is <= 8 KB (10 pJ per 64-bit read) except the
  // MLP's 4480 fp32 weights (17920 B): 10 * 2^(log(17920/8192)/log(4)) pJ.
  EXPECT_NEAR(e.brain.synaptic, 42 * 0.9, 1e-9);
  EXPECT_NEAR(e.brain.neuron, 22 * 5.5, 1e-9);
  EXPECT_NEAR(e.brain.memory, 42 * 0.5 * 10 + 22 * 2 * 0.5 * 10 + 15 * 0.5 * 10, 1e-9);
  EXPECT_NEAR(e.brain.dense, 15 * 4.6, 1e-9);
  EXPECT_NEAR(e.brain.total(), 37.8 + 121 + 505 + 69, 1e-9);
  EXPECT_NEAR(e.episode_pj, 2 * 732.8, 1e-9);
  const double mlp_read = 10 * std::pow(2.0, std::log(17920.0 / 8192) / std::log(4.0));
  EXPECT_NEAR(e.mlp.total(), 4480 * 4.6 + 4480 * 0.5 * mlp_read, 1e-9);
  EXPECT_NEAR(e.ann.total(), 36 * 4.6 + 36 * 0.5 * 10, 1e-9);
  // Break-even against the ANN: x * 105 * (0.9 + 5) + 30 * (5.5 + 10) + (69 + 75) = ANN.
  EXPECT_NEAR(e.breakeven_ann, -1.0, 1e-12) << "the fixed part (neuron updates, input layer) exceeds the ANN";
  EXPECT_NEAR(e.breakeven_mlp, (e.mlp.total() - (30 * 15.5 + 144)) / (105 * 5.9), 1e-9);
  EXPECT_NEAR(e.breakeven_ann_synaptic, 36 * 4.6 / (105 * 0.9), 1e-12);
  // A chip table: every neuron updated every step, memory inside the per-op figures (input layer aside).
  t.chip = true;
  const auto c = energy_of(r, t);
  EXPECT_NEAR(c.brain.neuron, 30 * 5.5, 1e-9);
  EXPECT_NEAR(c.brain.memory, 15 * 0.5 * 10, 1e-9);
}

}  // namespace
}  // namespace spikeworm

namespace spikeworm {
namespace {

TEST(activity_penalty, lowers_firing_and_stays_out_of_the_way_below_target) {
  // The same sessions with and without the penalty: the penalised brain fires less after training.
  auto rates = [](double l1, double target) {
    experiment_config cfg;
    cfg.env = envs::preset_config(envs::env_kind::static_goal, "medium");
    cfg.brain.hidden = 32;
    cfg.brain.steps = 20;
    cfg.train.episodes = 40;
    cfg.train.activity_l1 = l1;
    cfg.train.activity_target = target;
    double sum = 0;
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      session s(cfg, 0, seed);
      for (int e = 0; e < cfg.train.episodes; ++e) s.run_episode();
      eval_options opt;
      opt.episodes = 5;
      opt.engine = eval_engine::dense;
      const auto r = evaluate(cfg, s.policy(), opt);
      sum += r.firing_rate(0) + r.firing_rate(1);
    }
    return sum / 4;
  };
  const double free = rates(0.0, 0.0), penalised = rates(300.0, 0.0), loose = rates(300.0, 1.0);
  std::cout << "mean firing rate: no penalty " << free << ", penalty " << penalised << ", target 1 " << loose << "\n";
  EXPECT_LT(penalised, 0.5 * free);
  // A target of 1 is never exceeded: the penalty is inactive and training is the unpenalised one.
  EXPECT_DOUBLE_EQ(loose, free);
}

}  // namespace
}  // namespace spikeworm

namespace spikeworm {
namespace {

TEST(eval, spike_train_encoders_run_on_the_event_engine_with_the_dense_pass_counts) {
  // rate and latency agents (trained briefly): the event engine, fed the input spikes through the IN
  // population, counts the same spikes as the dense pass over every decision of the evaluation.
  for (auto kind : {encoder_kind::rate, encoder_kind::latency}) {
    experiment_config cfg;
    cfg.env = envs::preset_config(envs::env_kind::static_goal, "medium");
    cfg.brain.hidden = 32;
    cfg.brain.steps = 30;
    cfg.brain.enc.kind = kind;
    cfg.brain.init = init_kind::default_uniform;
    cfg.train.episodes = 20;
    session s(cfg, 0, 2);
    for (int e = 0; e < cfg.train.episodes; ++e) s.run_episode();
    eval_options opt;
    opt.episodes = 8;
    opt.policy = eval_policy::sampled;
    opt.engine = eval_engine::dense;
    const auto d = evaluate(cfg, s.policy(), opt);
    opt.engine = eval_engine::event;
    const auto e = evaluate(cfg, s.policy(), opt);
    opt.engine = eval_engine::clock;
    const auto c = evaluate(cfg, s.policy(), opt);
    ASSERT_GT(d.decisions, 100u) << encoder_name(kind);
    EXPECT_GT(d.input_spikes, 0u);
    EXPECT_GT(d.layers_counts[0].spikes + d.layers_counts[1].spikes, d.decisions) << "layers must spike";
    EXPECT_EQ(e.decisions, d.decisions) << encoder_name(kind);
    EXPECT_EQ(c.decisions, d.decisions) << encoder_name(kind);
    for (int k = 0; k < 2; ++k) {
      EXPECT_EQ(e.layers_counts[k].spikes, d.layers_counts[k].spikes) << encoder_name(kind) << " layer " << k;
      EXPECT_EQ(c.layers_counts[k].spikes, d.layers_counts[k].spikes) << encoder_name(kind) << " layer " << k;
    }
    EXPECT_EQ(e.successes, d.successes);
  }
}

TEST(engine_inputs, external_spikes_replace_a_spike_source_schedule) {
  // IN (2 spike sources) -> OUT (lif, weight 1.5, delay 2): each input spike makes OUT fire 2 steps later.
  population in;
  in.name = "IN";
  in.size = 2;
  in.model = model_kind::spike_source;
  in.source_steps = {50};
  population out;
  out.name = "OUT";
  out.size = 2;
  out.model = model_kind::lif;
  out.lif = lower(lif_params{}, 1.0);
  projection_desc d;
  d.source = "IN";
  d.target = "OUT";
  d.rule = connection_rule::one_to_one;
  d.weight = value_spec::constant(1.5);
  d.delay = value_spec::constant(2.0);
  network n({in, out}, {d}, 1.0, 1);
  for (const char* kind : {"event", "clock"}) {
    auto eng = make_engine(kind, n, {1, 1, true});
    const std::vector<spike> inputs{{7, 1}, {3, 0}, {9, 0}};
    eng->reset_with_inputs({}, inputs);
    eng->run(20);
    const std::vector<spike> want{{3, 0}, {5, 2}, {7, 1}, {9, 0}, {9, 3}, {11, 2}};
    EXPECT_EQ(eng->spikes(), want) << kind;
    eng->reset();  // back to the population's own steps: step 50, after the run
    eng->run(20);
    EXPECT_TRUE(eng->spikes().empty()) << kind;
    EXPECT_THROW(eng->reset_with_inputs({}, std::vector<spike>{{3, 2}}), error) << "OUT is not a spike source";
    EXPECT_THROW(eng->reset_with_inputs({}, std::vector<spike>{{0, 0}}), error) << "steps start at 1";
  }
}

}  // namespace
}  // namespace spikeworm
