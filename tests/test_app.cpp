// The typed operations of app/ and the one episode loop of learning/: what they return matches what they
// write, progress arrives through the callback, and the sweep's Pareto front follows its definition.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/app/sweep.hpp"
#include "spikeworm/app/train.hpp"
#include "spikeworm/core/random.hpp"
#include "spikeworm/learning/episode.hpp"
#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {
namespace {

// Always forward; counts what play_episode asks of it.
class counting_player final : public episode_player {
 public:
  explicit counting_player(std::size_t width) : in_(width) {}
  std::span<double> input(std::size_t n) override {
    EXPECT_EQ(n, acted);
    return in_;
  }
  int act(std::size_t n, std::span<const double> in) override {
    EXPECT_EQ(n, acted);
    EXPECT_EQ(in.size(), in_.size());
    ++acted;
    return static_cast<int>(envs::action::forward);
  }
  void stepped(std::size_t n, const envs::step_result& r) override {
    EXPECT_EQ(n + 1, acted);
    reward += r.reward;
    ++steps;
  }
  std::size_t acted = 0, steps = 0;
  double reward = 0;

 private:
  std::vector<double> in_;
};

TEST(play_episode, asks_the_player_once_per_step_until_the_episode_ends) {
  brain_config b;
  b.enc.kind = encoder_kind::population;
  envs::environment env(envs::preset_config(envs::env_kind::static_goal, "medium"));
  counting_player p(encoded_size(b));
  rng enc(1, stream_kind::encoder, 0);
  const std::size_t n = play_episode(env, envs::episode_seed(1, 0), b.enc, encoder_steps(b), enc, p);
  EXPECT_TRUE(env.done());
  EXPECT_EQ(n, p.acted);
  EXPECT_EQ(n, p.steps);
  EXPECT_EQ(static_cast<int>(n), env.info().steps);
  EXPECT_DOUBLE_EQ(p.reward, env.info().total_reward);
  EXPECT_EQ(encoded_size(b), static_cast<std::size_t>(b.enc.population_size * envs::observation_size));
}

TEST(app_train, returns_what_it_writes_and_reports_every_episode) {
  test::temp_dir dir;
  app::train_options o;
  o.config = dir.write("s.toml", test::small_experiment).string();
  o.out_dir = (dir.path() / "run").string();
  std::vector<std::uint64_t> seen;
  std::size_t records = 0;
  const auto r = app::train(o, [&](const app::train_progress& p) {
    seen.push_back(p.done);
    records += p.record != nullptr;
    EXPECT_EQ(p.total, 10u);
  });
  ASSERT_EQ(seen.size(), 11u);  // once before training, then after each of 2 x 5 episodes
  EXPECT_EQ(seen.front(), 0u);
  EXPECT_EQ(seen.back(), 10u);
  EXPECT_EQ(records, 10u);
  EXPECT_EQ(r.failed(), 0);
  EXPECT_EQ(r.cfg.brain.kind, brain_kind::spiking);
  const auto summary = test::read_json(dir.path() / "run" / "summary.json");
  EXPECT_EQ(summary["brain"], "spiking");
  ASSERT_EQ(r.per_session.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(summary["per_session"][k]["success_rate"].get<double>(), r.per_session[k].metrics.success_rate);
    EXPECT_EQ(summary["per_session"][k]["seed"].get<std::uint64_t>(), r.per_session[k].seed);
  }
  EXPECT_NE(app::train_report(r).find("summary: mean [min, max]"), std::string::npos);
}

TEST(app_sweep, pareto_front_is_the_set_of_undominated_points_per_brain_kind) {
  test::temp_dir dir;
  app::sweep_options o;
  o.config = dir.write("s.toml", test::small_experiment).string();
  o.sets = {"brain.hidden=8,16", "train.learning_rate=0.001,0.01"};
  o.out_dir = (dir.path() / "sweep").string();
  o.sessions = 1;
  o.episodes = 3;
  o.eval_episodes = 2;
  std::size_t calls = 0;
  const auto s = app::sweep(o, [&](std::size_t, std::size_t total, const std::string&) {
    ++calls;
    EXPECT_EQ(total, 4u);
  });
  ASSERT_EQ(s.points.size(), 4u);
  EXPECT_EQ(calls, 5u);
  EXPECT_EQ(s.points[1].values, (std::vector<std::string>{"8", "0.01"}));
  for (std::size_t t = 0; t < s.tables.size(); ++t) {
    for (const auto& p : s.points) {
      bool dominated = false;
      for (const auto& q : s.points)
        dominated = dominated || (q.brain == p.brain && q.energy_pj[t] <= p.energy_pj[t] &&
                                  q.eval_success >= p.eval_success &&
                                  (q.energy_pj[t] < p.energy_pj[t] || q.eval_success > p.eval_success));
      EXPECT_EQ(p.pareto[t], !dominated) << p.name;
    }
    const auto* best = s.cheapest(t);
    for (const auto& p : s.points)
      if (p.eval_success >= 0.9) {
        ASSERT_NE(best, nullptr);
        EXPECT_LE(best->energy_pj[t], p.energy_pj[t]);
      }
  }
  const auto doc = test::read_json(dir.path() / "sweep" / "sweep.json");
  ASSERT_EQ(doc["points"].size(), 4u);
  EXPECT_EQ(doc["points"][0]["brain"], "spiking");
  EXPECT_EQ(doc["points"][0]["pareto"][s.tables[0].id].get<bool>(), static_cast<bool>(s.points[0].pareto[0]));
  EXPECT_EQ(doc["points"][0]["pareto_sampled"][s.tables[0].id].get<bool>(),
            static_cast<bool>(s.points[0].pareto_sampled[0]));
  // The points' eval figures are those of their eval.json (greedy and sampled on the same episodes).
  const auto ev = test::read_json(dir.path() / "sweep" / "p000" / "eval.json");
  EXPECT_EQ(doc["points"][0]["eval_success"], ev["greedy"]["success_rate"]);
  EXPECT_EQ(doc["points"][0]["sampled_success"], ev["sampled"]["success_rate"]);
}

TEST(app_sweep, fronts_and_cheapest_use_eval_success_not_training_success) {
  // a trains well (last-30 1.0) but fails greedy (0.2) at 2 nJ; b trains worse (0.5) but succeeds greedy (0.95)
  // at 1 nJ. On training success both would be on the front and a the cheapest >= 0.9; on greedy eval
  // success b dominates a and is the cheapest. Sampled success orders them as training does.
  std::vector<app::sweep_point> pts(2);
  pts[0].name = "a";
  pts[0].last30_success = 1.0;
  pts[0].eval_success = 0.2;
  pts[0].sampled_success = 1.0;
  pts[0].energy_pj = {2000};
  pts[1].name = "b";
  pts[1].last30_success = 0.5;
  pts[1].eval_success = 0.95;
  pts[1].sampled_success = 0.5;
  pts[1].energy_pj = {1000};
  app::mark_pareto(pts, 1);
  EXPECT_FALSE(pts[0].pareto[0]);
  EXPECT_TRUE(pts[1].pareto[0]);
  EXPECT_TRUE(pts[0].pareto_sampled[0]);
  EXPECT_TRUE(pts[1].pareto_sampled[0]);
  app::sweep_result s;
  s.points = pts;
  ASSERT_NE(s.cheapest(0), nullptr);
  EXPECT_EQ(s.cheapest(0)->name, "b");
  ASSERT_NE(s.cheapest(0, true), nullptr);
  EXPECT_EQ(s.cheapest(0, true)->name, "a");
}

TEST(app_train, final_greedy_eval_of_each_agent_is_reported_and_can_be_turned_off) {
  test::temp_dir dir;
  app::train_options o;
  o.config = dir.write("s.toml", test::small_experiment).string();
  o.out_dir = (dir.path() / "run").string();
  o.final_eval = 4;
  const auto r = app::train(o);
  const auto summary = test::read_json(dir.path() / "run" / "summary.json");
  EXPECT_EQ(summary["final_eval_episodes"], 4);
  // The same figures as a greedy eval of the exported weights on eval's default seed (event engine).
  const auto run = app::load_run((dir.path() / "run").string(), "");
  eval_options eo;
  eo.episodes = 4;
  const auto ev = evaluate_files(run.cfg, run.weights, eo, 1);
  int successes = 0;
  for (std::size_t k = 0; k < 2; ++k) {
    ASSERT_TRUE(r.per_session[k].final_eval.has_value());
    EXPECT_EQ(r.per_session[k].final_eval->successes, ev.per_agent[k].greedy->successes);
    EXPECT_EQ(r.per_session[k].final_eval->decisions, ev.per_agent[k].greedy->decisions);
    EXPECT_EQ(summary["per_session"][k]["greedy_eval_success"].get<double>(), r.per_session[k].final_eval->success_rate());
    successes += r.per_session[k].final_eval->successes;
  }
  EXPECT_EQ(summary["greedy_eval"]["successes"], successes);
  const auto report = app::train_report(r);
  EXPECT_NE(report.find("greedy eval success"), std::string::npos) << report;
  EXPECT_NE(report.find("greedy  steps"), std::string::npos) << report;
  o.final_eval = 0;
  o.force = true;
  const auto off = app::train(o);
  EXPECT_FALSE(off.per_session[0].final_eval.has_value());
  EXPECT_EQ(app::train_report(off).find("greedy eval"), std::string::npos);
  EXPECT_EQ(app::train_report(off).find("greedy  steps"), std::string::npos);
  EXPECT_FALSE(test::read_json(dir.path() / "run" / "summary.json")["per_session"][0].contains("greedy_eval_success"));
}

}  // namespace
}  // namespace spikeworm
