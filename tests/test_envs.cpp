// Environments against hand-computed cases of docs/environments.md, determinism, and the random/greedy baselines.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/envs/policy.hpp"
#include "spikeworm/envs/rollout.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/learning/encoders.hpp"

namespace spikeworm::envs {
namespace {

using ::testing::HasSubstr;
constexpr double eps = 1e-12;
constexpr double pi = std::numbers::pi;

env_config static_medium() { return preset_config(env_kind::static_goal, "medium"); }
env_config foraging_small() { return preset_config(env_kind::foraging, "small"); }
env_config predators_small() { return preset_config(env_kind::predators, "small"); }

// A reset static environment with the agent and goal where the test wants them.
environment static_at(cell agent, heading h, cell goal, env_config cfg = static_medium()) {
  environment env(cfg);
  env.reset(1);
  env.set_goal(goal);
  env.set_agent(agent, h);
  return env;
}

environment foraging_at(cell agent, heading h, std::vector<cell> foods, env_config cfg = foraging_small()) {
  environment env(cfg);
  env.reset(1);
  env.set_predators({});
  env.set_agent(agent, h);
  env.set_foods(foods);
  return env;
}

env_config read(const std::string& text) {
  const auto doc = load_config_string(text, "test.toml");
  const auto env = table_reader::root(doc).subtable("env");
  if (!env) throw error("no [env]");
  return read_env_config(*env);
}

std::string read_error(const std::string& text) {
  try {
    read(text);
  } catch (const config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no config_error for:\n" << text;
  return {};
}

// ---------------------------------------------------------------- static: start, observation, moves

TEST(static_env, starts_at_an_inset_corner_heading_up_with_the_goal_opposite) {
  environment env(static_medium());
  EXPECT_EQ(env.optimal_steps(), 14);
  EXPECT_EQ(env.max_steps(), 300);
  const std::set<std::pair<int, int>> corners = {{1, 1}, {1, 8}, {8, 1}, {8, 8}};
  std::set<std::pair<int, int>> seen;
  for (std::uint64_t s = 0; s < 200; ++s) {
    env.reset(s);
    const cell p = env.position(), g = env.goal();
    EXPECT_TRUE(corners.contains({p.x, p.y}));
    EXPECT_EQ(g.x, 9 - p.x);
    EXPECT_EQ(g.y, 9 - p.y);
    EXPECT_EQ(std::abs(g.x - p.x) + std::abs(g.y - p.y), 14);
    EXPECT_EQ(env.facing(), heading::up);
    EXPECT_EQ(env.steps(), 0);
    EXPECT_FALSE(env.done());
    seen.insert({p.x, p.y});
  }
  EXPECT_EQ(seen.size(), 4u) << "every corner is a possible start";
}

TEST(static_env, optimum_follows_the_grid_size) {
  auto cfg = static_medium();
  cfg.grid = 5;
  EXPECT_EQ(environment(cfg).optimal_steps(), 4);  // (1,1) -> (3,3)
  cfg.grid = 17;
  EXPECT_EQ(environment(cfg).optimal_steps(), 28);
}

TEST(static_env, observation_strength_and_angle_for_every_heading) {
  // Agent (1,1), goal (8,8): d = 14, strength = tanh(1 - 14/20) = tanh(0.3); goal direction pi/4.
  const double strength = 0.2913126124515909;
  const std::pair<heading, double> cases[] = {
      {heading::up, -0.25}, {heading::right, 0.25}, {heading::down, 0.75}, {heading::left, -0.75}};
  for (const auto& [h, angle] : cases) {
    const auto o = static_at({1, 1}, h, {8, 8}).observe();
    EXPECT_NEAR(o.strength, strength, eps) << heading_name(h);
    EXPECT_NEAR(o.angle, angle, eps) << heading_name(h);
  }
}

TEST(static_env, observation_at_the_goal_uses_direction_zero) {
  // d = 0: strength tanh(1); direction 0 (RIGHT), so the angle is -facing wrapped.
  const std::pair<heading, double> cases[] = {
      {heading::up, -0.5}, {heading::right, 0.0}, {heading::down, 0.5}, {heading::left, -1.0}};
  for (const auto& [h, angle] : cases) {
    const auto o = static_at({8, 8}, h, {8, 8}).observe();
    EXPECT_NEAR(o.strength, 0.7615941559557649, eps);
    EXPECT_NEAR(o.angle, angle, eps) << heading_name(h);
  }
}

TEST(static_env, observation_at_a_wall_and_behind) {
  // Agent (0,5) against the left wall facing it, goal (8,8): dx 8, dy 3, d 11.
  auto o = static_at({0, 5}, heading::left, {8, 8}).observe();
  EXPECT_NEAR(o.strength, 0.4218990052500079, eps);  // tanh(1 - 11/20)
  EXPECT_NEAR(o.angle, -0.8857997487800918, eps);    // (atan2(3, 8) - pi) / pi
  // Goal straight behind: -1 (the wrap is [-1, 1)).
  o = static_at({5, 8}, heading::up, {5, 1}).observe();
  EXPECT_NEAR(o.angle, -1.0, eps);
  // Straight ahead and straight to the left.
  EXPECT_NEAR(static_at({5, 1}, heading::up, {5, 8}).observe().angle, 0.0, eps);
  EXPECT_NEAR(static_at({8, 5}, heading::up, {1, 5}).observe().angle, 0.5, eps);
  EXPECT_NEAR(static_at({1, 5}, heading::up, {8, 5}).observe().angle, -0.5, eps);
}

TEST(static_env, forward_moves_one_cell_along_the_heading) {
  const std::pair<heading, cell> cases[] = {
      {heading::up, {5, 6}}, {heading::right, {6, 5}}, {heading::down, {5, 4}}, {heading::left, {4, 5}}};
  for (const auto& [h, to] : cases) {
    auto env = static_at({5, 5}, h, {8, 8});
    env.step(action::forward);
    EXPECT_EQ(env.position(), to) << heading_name(h);
    EXPECT_EQ(env.facing(), h);
  }
}

TEST(static_env, left_and_right_turn_and_move_from_every_heading) {
  struct turn_case {
    heading from;
    action a;
    heading to;
    cell at;
  };
  const turn_case cases[] = {
      {heading::up, action::left, heading::left, {4, 5}},    {heading::up, action::right, heading::right, {6, 5}},
      {heading::right, action::left, heading::up, {5, 6}},   {heading::right, action::right, heading::down, {5, 4}},
      {heading::down, action::left, heading::right, {6, 5}}, {heading::down, action::right, heading::left, {4, 5}},
      {heading::left, action::left, heading::down, {5, 4}},  {heading::left, action::right, heading::up, {5, 6}},
  };
  for (const auto& c : cases) {
    auto env = static_at({5, 5}, c.from, {8, 8});
    env.step(c.a);
    EXPECT_EQ(env.facing(), c.to) << heading_name(c.from) << " " << action_name(c.a);
    EXPECT_EQ(env.position(), c.at) << heading_name(c.from) << " " << action_name(c.a);
    EXPECT_EQ(env.info().bumps, 0);
  }
}

TEST(static_env, stay_keeps_position_and_heading) {
  auto env = static_at({5, 5}, heading::right, {8, 8});
  env.step(action::stay);
  EXPECT_EQ(env.position(), (cell{5, 5}));
  EXPECT_EQ(env.facing(), heading::right);
  EXPECT_EQ(env.info().bumps, 0);
  EXPECT_EQ(env.last_event(), step_event::none);
}

TEST(static_env, wall_bumps_keep_position_and_heading) {
  struct bump_case {
    cell at;
    heading h;
    action a;
  };
  // Every move that would leave the 10x10 grid, for each wall.
  const bump_case cases[] = {
      {{0, 5}, heading::left, action::forward}, {{0, 5}, heading::up, action::left},
      {{0, 5}, heading::down, action::right},   {{9, 5}, heading::right, action::forward},
      {{9, 5}, heading::up, action::right},     {{9, 5}, heading::down, action::left},
      {{5, 0}, heading::down, action::forward}, {{5, 0}, heading::left, action::left},
      {{5, 0}, heading::right, action::right},  {{5, 9}, heading::up, action::forward},
      {{5, 9}, heading::right, action::left},   {{5, 9}, heading::left, action::right},
      {{0, 0}, heading::down, action::forward}, {{9, 9}, heading::right, action::forward},
  };
  for (const auto& c : cases) {
    auto env = static_at(c.at, c.h, {4, 4});
    const auto r = env.step(c.a);
    EXPECT_EQ(env.position(), c.at) << heading_name(c.h) << " " << action_name(c.a);
    EXPECT_EQ(env.facing(), c.h) << heading_name(c.h) << " " << action_name(c.a);
    EXPECT_EQ(env.info().bumps, 1);
    EXPECT_EQ(env.last_event(), step_event::bump);
    EXPECT_NEAR(r.reward, -0.005, eps) << "a bump pays the step penalty only";
  }
  // A turn away from the wall in the corner is a move, not a bump.
  auto env = static_at({0, 0}, heading::down, {4, 4});
  env.step(action::left);
  EXPECT_EQ(env.position(), (cell{1, 0}));
  EXPECT_EQ(env.facing(), heading::right);
}

// ---------------------------------------------------------------- static: rewards

TEST(static_env, distance_and_step_terms) {
  auto env = static_at({1, 1}, heading::up, {8, 8});
  EXPECT_NEAR(env.step(action::forward).reward, 0.5 - 0.005, eps);  // d 14 -> 13
  env = static_at({5, 5}, heading::down, {8, 8});
  EXPECT_NEAR(env.step(action::forward).reward, -0.5 - 0.005, eps);  // d 6 -> 7
  env = static_at({5, 5}, heading::down, {8, 8});
  EXPECT_NEAR(env.step(action::left).reward, 0.5 - 0.005, eps);  // turns right, to (6,5): d 6 -> 5
}

TEST(static_env, anti_dithering_fires_when_the_new_cell_is_the_cell_two_steps_back) {
  auto env = static_at({5, 5}, heading::up, {8, 8});
  EXPECT_NEAR(env.step(action::stay).reward, -0.005, eps);            // no step t-2 yet
  EXPECT_NEAR(env.step(action::stay).reward, -0.005 - 0.02, eps);     // (5,5) == cell two steps back
  EXPECT_NEAR(env.step(action::forward).reward, 0.5 - 0.005, eps);    // (5,6) != (5,5)
  EXPECT_NEAR(env.step(action::stay).reward, -0.005, eps);            // two back: (5,5)
  EXPECT_NEAR(env.step(action::stay).reward, -0.005 - 0.02, eps);     // two back: (5,6)
  // Turn-and-move never returns to the cell it left in one step: a square of four RIGHTs
  // revisits a cell only four steps later, and never pays the term.
  env = static_at({4, 4}, heading::up, {8, 8});
  for (int i = 0; i < 8; ++i) {
    const cell before = env.position();
    const double r = env.step(action::right).reward;
    const cell after = env.position();
    const int gained = (std::abs(8 - before.x) + std::abs(8 - before.y)) - (std::abs(8 - after.x) + std::abs(8 - after.y));
    EXPECT_NEAR(r, 0.5 * gained - 0.005, eps) << "step " << i;
  }
  // A bump against a wall is a step without moving, like STAY.
  env = static_at({0, 5}, heading::left, {8, 8});
  env.step(action::forward);
  EXPECT_NEAR(env.step(action::forward).reward, -0.005 - 0.02, eps);
}

TEST(static_env, stuck_penalty_grows_after_five_still_steps_and_caps_at_ten) {
  auto env = static_at({5, 5}, heading::up, {8, 8});
  for (int c = 1; c <= 20; ++c) {
    const double anti = c >= 2 ? 0.02 : 0.0;
    const double stuck = c > 5 ? 0.1 * std::min(c - 5, 10) : 0.0;
    EXPECT_NEAR(env.step(action::stay).reward, -0.005 - anti - stuck, eps) << "c = " << c;
  }
  // Hand values: c = 6 -> 0.1, c = 15 and beyond -> 1.0.
  env = static_at({5, 5}, heading::up, {8, 8});
  double r = 0;
  for (int c = 1; c <= 6; ++c) r = env.step(action::stay).reward;
  EXPECT_NEAR(r, -0.125, eps);
  for (int c = 7; c <= 16; ++c) r = env.step(action::stay).reward;
  EXPECT_NEAR(r, -1.025, eps);
  // Moving resets the count.
  EXPECT_NEAR(env.step(action::forward).reward, 0.495, eps);
  EXPECT_NEAR(env.step(action::stay).reward, -0.005, eps);
}

TEST(static_env, goal_bonus_decays_with_steps_to_a_floor) {
  struct goal_case {
    int waits;      // STAY steps before the last step
    double bonus;   // 2 max(0.1, 1 - t/300), t = waits + 1
  };
  const goal_case cases[] = {{0, 2.0 * (1 - 1.0 / 300)}, {149, 1.0}, {269, 0.2}, {284, 0.2}, {299, 0.2}};
  for (const auto& c : cases) {
    auto env = static_at({8, 7}, heading::up, {8, 8});
    for (int i = 0; i < c.waits; ++i) ASSERT_FALSE(env.step(action::stay).done);
    const auto r = env.step(action::forward);
    EXPECT_NEAR(r.reward, 0.5 - 0.005 + c.bonus, eps) << "t = " << c.waits + 1;
    EXPECT_TRUE(r.done);
    EXPECT_TRUE(r.success) << "reaching the goal on the last step is a success";
    EXPECT_EQ(env.info().end, outcome::success);
    EXPECT_EQ(env.last_event(), step_event::goal);
  }
}

TEST(static_env, timeout_after_max_steps_and_no_step_after_the_end) {
  auto env = static_at({5, 5}, heading::up, {8, 8});
  step_result r{};
  for (int i = 0; i < 300; ++i) {
    ASSERT_FALSE(r.done) << i;
    r = env.step(action::stay);
  }
  EXPECT_TRUE(r.done);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(env.info().end, outcome::timeout);
  EXPECT_EQ(env.steps(), 300);
  EXPECT_THROW(env.step(action::stay), internal_error);
}

TEST(static_env, total_reward_is_the_sum_of_step_rewards) {
  environment env(static_medium());
  env.reset(3);
  baseline_policy p(policy_kind::random, 3, 0);
  double sum = 0;
  while (!env.done()) sum += env.step(p(env)).reward;
  EXPECT_DOUBLE_EQ(env.info().total_reward, sum);
}

TEST(static_env, exploration_bonus_only_when_configured) {
  auto cfg = static_medium();
  cfg.rewards.exploration = 0.1;
  auto env = static_at({5, 5}, heading::up, {8, 8}, cfg);
  EXPECT_NEAR(env.step(action::forward).reward, 0.5 - 0.005 + 0.1, eps);  // (5,6) is new
  env.step(action::right);                                                  // (6,6)
  env.step(action::right);                                                  // (6,5)
  EXPECT_NEAR(env.step(action::right).reward, -0.5 - 0.005, eps);          // (5,5): the start, visited
}

TEST(static_env, step_before_reset_is_a_bug) {
  environment env(static_medium());
  EXPECT_THROW(env.step(action::forward), internal_error);
}

// ---------------------------------------------------------------- foraging

TEST(foraging_env, reset_places_foods_by_the_rules) {
  for (const char* preset : {"small", "medium", "large"}) {
    const auto cfg = preset_config(env_kind::foraging, preset);
    environment env(cfg);
    for (std::uint64_t s = 0; s < 30; ++s) {
      env.reset(s);
      const cell start{cfg.grid / 2, cfg.grid / 2};
      EXPECT_EQ(env.position(), start);
      EXPECT_EQ(env.facing(), heading::up);
      EXPECT_EQ(env.info().satiety, cfg.satiety);
      EXPECT_TRUE(env.predators().empty());
      ASSERT_EQ(static_cast<int>(env.foods().size()), cfg.foods);
      for (std::size_t i = 0; i < env.foods().size(); ++i) {
        const cell f = env.foods()[i];
        EXPECT_GE(std::hypot(f.x - start.x, f.y - start.y), cfg.exclusion_radius) << preset;
        for (std::size_t j = 0; j < i; ++j) {
          const cell g = env.foods()[j];
          EXPECT_GE(std::hypot(f.x - g.x, f.y - g.y), cfg.food_spacing) << preset;
        }
      }
    }
  }
}

// Spawns choose uniformly among every allowed cell: over many resets of a 5x5 grid, a single food lands on each
// of the 24 cells besides the start about equally often, and predators on each cell far enough from it.
TEST(foraging_env, foods_and_predators_spawn_on_every_allowed_cell_about_equally_often) {
  auto cfg = preset_config(env_kind::predators, "small");
  cfg.grid = 5;
  cfg.foods = 1;
  cfg.target_foods = 1;
  cfg.exclusion_radius = 0.0;
  cfg.predators = 1;
  cfg.predator_spawn_distance = 2;  // Manhattan distance from the start (2, 2) above 2: 12 cells
  environment env(cfg);
  std::map<std::pair<int, int>, int> food, predator;
  const int resets = 4800;
  for (std::uint64_t s = 0; s < resets; ++s) {
    env.reset(s);
    ++food[{env.foods()[0].x, env.foods()[0].y}];
    ++predator[{env.predators()[0].x, env.predators()[0].y}];
  }
  EXPECT_EQ(food.size(), 24u);
  EXPECT_EQ(food.count({2, 2}), 0u);
  for (const auto& [c, n] : food) {  // expected 200 each: 5 standard deviations of a binomial is about 70
    EXPECT_GT(n, 130) << c.first << "," << c.second;
    EXPECT_LT(n, 270) << c.first << "," << c.second;
  }
  EXPECT_EQ(predator.size(), 12u);
  for (const auto& [c, n] : predator) {  // expected 400 each
    EXPECT_GT(std::abs(c.first - 2) + std::abs(c.second - 2), 2);
    EXPECT_GT(n, 300) << c.first << "," << c.second;
    EXPECT_LT(n, 500) << c.first << "," << c.second;
  }
  // Scarce cells: on 21x21 with an exclusion radius of 14.1 only the four corners are allowed, so rejection
  // sampling often fails and the pick among all allowed cells decides; each corner still gets a quarter.
  auto scarce = preset_config(env_kind::foraging, "small");
  scarce.grid = 21;
  scarce.foods = 1;
  scarce.target_foods = 1;
  scarce.exclusion_radius = 14.1;
  environment corners(scarce);
  std::map<std::pair<int, int>, int> at;
  for (std::uint64_t s = 0; s < 2000; ++s) {
    corners.reset(s);
    ++at[{corners.foods()[0].x, corners.foods()[0].y}];
  }
  EXPECT_EQ(at.size(), 4u);
  for (const auto& [c, n] : at) {  // expected 500 each, standard deviation 19
    EXPECT_TRUE((c.first == 0 || c.first == 20) && (c.second == 0 || c.second == 20));
    EXPECT_GT(n, 403) << c.first << "," << c.second;
    EXPECT_LT(n, 597) << c.first << "," << c.second;
  }
}

TEST(foraging_env, observation_is_the_clamped_vector_sum_of_food_gradients) {
  // One food at (13,14) from (10,10): d = 5, exp(-5/8); direction atan2(4, 3).
  auto o = foraging_at({10, 10}, heading::up, {{13, 14}}).observe();
  EXPECT_NEAR(o.strength, 0.5352614285189903, eps);
  EXPECT_NEAR(o.angle, -0.20483276469913345, eps);
  // Two foods at distance 4, right and up: magnitude sqrt(2) exp(-1/2), direction pi/4.
  o = foraging_at({10, 10}, heading::up, {{14, 10}, {10, 14}}).observe();
  EXPECT_NEAR(o.strength, 0.8577638849607069, eps);
  EXPECT_NEAR(o.angle, -0.25, eps);
  // Opposite foods cancel: strength 0, direction 0 (so -1/2 facing up).
  o = foraging_at({10, 10}, heading::up, {{10, 14}, {10, 6}}).observe();
  EXPECT_NEAR(o.strength, 0.0, eps);
  EXPECT_NEAR(o.angle, -0.5, eps);
  // Two adjacent foods sum to sqrt(2) exp(-1/8) = 1.248: clamped to 1.
  o = foraging_at({10, 10}, heading::right, {{11, 10}, {10, 11}}).observe();
  EXPECT_DOUBLE_EQ(o.strength, 1.0);
  EXPECT_NEAR(o.angle, 0.25, eps);
}

TEST(foraging_env, distance_exploration_and_step_terms) {
  auto env = foraging_at({10, 10}, heading::up, {{10, 15}});
  EXPECT_NEAR(env.step(action::forward).reward, 0.5 + 0.05 - 0.005, eps);  // d 5 -> 4, new cell
  EXPECT_NEAR(env.step(action::left).reward, -0.5 + 0.05 - 0.005, eps);    // (9,11): d 4 -> 5
  EXPECT_NEAR(env.step(action::left).reward, -0.5 + 0.05 - 0.005, eps);    // (9,10): d 5 -> 6
  EXPECT_NEAR(env.step(action::left).reward, 0.5 - 0.005, eps);            // (10,10) again: not new
  // The nearest food is what counts: with a second food at (10,7), moving down gains.
  env = foraging_at({10, 10}, heading::down, {{10, 15}, {10, 7}});
  EXPECT_NEAR(env.step(action::forward).reward, 0.5 + 0.05 - 0.005, eps);  // nearest 3 -> 2
}

TEST(foraging_env, foraging_stuck_threshold_is_three) {
  auto env = foraging_at({10, 10}, heading::up, {{10, 15}});
  const double expected[] = {-0.005, -0.025, -0.025, -0.125, -0.225};
  for (double e : expected) EXPECT_NEAR(env.step(action::stay).reward, e, eps);
}

TEST(foraging_env, eating_pays_restores_satiety_and_respawns_at_once) {
  auto env = foraging_at({10, 10}, heading::up, {{10, 11}, {3, 3}});
  env.set_satiety(100);
  const auto r = env.step(action::forward);
  EXPECT_NEAR(r.reward, 0.5 + 0.05 - 0.005 + 2.0, eps);  // last cell gained, new cell, eat
  EXPECT_FALSE(r.done);
  EXPECT_EQ(env.last_event(), step_event::eat);
  EXPECT_EQ(env.info().foods_eaten, 1);
  EXPECT_DOUBLE_EQ(env.info().satiety, 100 + 0.2 * 200 - 1);
  ASSERT_EQ(env.foods().size(), 2u);
  EXPECT_EQ(env.foods()[0], (cell{3, 3}));
  const cell fresh = env.foods()[1];
  EXPECT_GE(std::hypot(fresh.x - 10, fresh.y - 11), 5.0) << "exclusion around the agent";
  EXPECT_GE(std::hypot(fresh.x - 3, fresh.y - 3), 3.0) << "spacing from the other food";
  // Satiety is capped at its initial value.
  env = foraging_at({10, 10}, heading::up, {{10, 11}});
  env.set_satiety(190);
  env.step(action::forward);
  EXPECT_DOUBLE_EQ(env.info().satiety, 199);
}

TEST(foraging_env, respawns_keep_spacing_and_exclusion_over_many_meals) {
  for (const char* preset : {"small", "medium"}) {
    const auto cfg = preset_config(env_kind::foraging, preset);
    environment env(cfg);
    int meals = 0;
    for (std::uint64_t ep = 0; ep < 20; ++ep) {
      env.reset(episode_seed(9, ep));
      baseline_policy p(policy_kind::greedy, 9, ep);
      while (!env.done()) {
        const std::vector<cell> before(env.foods().begin(), env.foods().end());
        env.step(p(env));
        const std::vector<cell> after(env.foods().begin(), env.foods().end());
        ASSERT_EQ(after.size(), before.size());
        if (env.last_event() != step_event::eat) continue;
        ++meals;
        const cell fresh = after.back();
        EXPECT_EQ(std::count(before.begin(), before.end(), env.position()), 1) << "ate the food it stood on";
        EXPECT_GE(std::hypot(fresh.x - env.position().x, fresh.y - env.position().y), cfg.exclusion_radius);
        for (std::size_t i = 0; i + 1 < after.size(); ++i)
          EXPECT_GE(std::hypot(fresh.x - after[i].x, fresh.y - after[i].y), cfg.food_spacing);
      }
    }
    EXPECT_GT(meals, 100) << preset;
  }
}

TEST(foraging_env, spacing_is_relaxed_only_when_no_cell_can_keep_it) {
  auto cfg = foraging_small();
  cfg.grid = 5;
  cfg.foods = 6;
  cfg.food_spacing = 10;  // impossible on 5x5 beyond the first food
  cfg.exclusion_radius = 0;
  environment env(cfg);
  for (std::uint64_t s = 0; s < 20; ++s) {
    env.reset(s);
    std::set<std::pair<int, int>> cells;
    for (const cell f : env.foods()) {
      cells.insert({f.x, f.y});
      EXPECT_NE(f, env.position());
    }
    EXPECT_EQ(cells.size(), 6u) << "foods stay on distinct cells";
  }
}

TEST(foraging_env, satiety_falls_one_per_step_and_starvation_ends_the_episode) {
  auto env = foraging_at({10, 10}, heading::up, {{0, 0}});
  EXPECT_DOUBLE_EQ(env.info().satiety, 200);
  env.step(action::stay);
  EXPECT_DOUBLE_EQ(env.info().satiety, 199);
  env.set_satiety(3);
  env.step(action::stay);
  env.step(action::stay);
  const auto r = env.step(action::stay);  // satiety 0; c = 4 (one above the threshold), two back = same cell
  EXPECT_TRUE(r.done);
  EXPECT_FALSE(r.success);
  EXPECT_NEAR(r.reward, -0.005 - 0.02 - 0.1 - 2.0, eps);
  EXPECT_EQ(env.info().end, outcome::starved);
  EXPECT_EQ(env.last_event(), step_event::starved);
  // Standing still from the start starves at exactly the initial satiety.
  environment e2(foraging_small());
  e2.reset(4);
  while (!e2.done()) e2.step(action::stay);
  EXPECT_EQ(e2.steps(), 200);
  EXPECT_EQ(e2.info().end, outcome::starved);
}

TEST(foraging_env, success_when_the_target_is_eaten) {
  auto cfg = foraging_small();
  cfg.target_foods = 2;
  auto env = foraging_at({10, 10}, heading::up, {{10, 11}, {10, 12}}, cfg);
  // The fresh food after the first meal lies >= 5 away, so (10,12) stays the food ahead.
  EXPECT_FALSE(env.step(action::forward).done);
  const auto r = env.step(action::forward);
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(env.info().foods_eaten, 2);
  EXPECT_EQ(env.info().end, outcome::success);
}

TEST(foraging_env, distance_efficiency_is_nearest_distance_over_steps) {
  auto env = foraging_at({10, 10}, heading::up, {{10, 13}});
  for (int i = 0; i < 3; ++i) env.step(action::forward);
  ASSERT_EQ(env.info().foods_eaten, 1);
  EXPECT_DOUBLE_EQ(env.info().distance_efficiency(), 1.0);
  env = foraging_at({10, 10}, heading::up, {{10, 13}});
  env.step(action::stay);
  for (int i = 0; i < 3; ++i) env.step(action::forward);
  EXPECT_DOUBLE_EQ(env.info().distance_efficiency(), 0.75);
}

// The efficiency is the mean over every food eaten: 3 cells in 3 steps, then 3 cells in 4 (the fresh food
// lands >= 5 away, so the second food stays the nearest).
TEST(foraging_env, distance_efficiency_averages_over_every_food_eaten) {
  auto env = foraging_at({10, 10}, heading::up, {{10, 13}, {10, 16}});
  env.step(action::forward);
  EXPECT_EQ(env.info().distance_efficiency_count, 0);
  EXPECT_EQ(env.info().distance_efficiency(), 0.0) << "no food eaten yet: 0, not 0 / 0";
  for (int i = 0; i < 2; ++i) env.step(action::forward);
  ASSERT_EQ(env.info().foods_eaten, 1);
  env.step(action::stay);
  for (int i = 0; i < 3; ++i) env.step(action::forward);
  ASSERT_EQ(env.info().foods_eaten, 2);
  EXPECT_EQ(env.info().distance_efficiency_count, 2);
  EXPECT_DOUBLE_EQ(env.info().distance_efficiency(), (1.0 + 0.75) / 2);
}

// ---------------------------------------------------------------- predators

TEST(predator_env, predators_spawn_more_than_eight_cells_away) {
  environment env(predators_small());
  for (std::uint64_t s = 0; s < 200; ++s) {
    env.reset(s);
    ASSERT_EQ(env.predators().size(), 2u);
    for (const cell q : env.predators()) EXPECT_GT(std::abs(q.x - 10) + std::abs(q.y - 10), 8);
  }
}

TEST(predator_env, stepping_onto_a_predator_kills) {
  auto env = foraging_at({10, 10}, heading::up, {{0, 0}}, predators_small());
  const std::vector<cell> ps = {{10, 11}};
  env.set_predators(ps);
  const auto r = env.step(action::forward);  // d to food 20 -> 21, new cell, death
  EXPECT_TRUE(r.done);
  EXPECT_FALSE(r.success);
  EXPECT_NEAR(r.reward, -0.5 + 0.05 - 0.005 - 10.0, eps);
  EXPECT_EQ(env.info().end, outcome::killed);
  EXPECT_EQ(env.last_event(), step_event::killed);
}

TEST(predator_env, a_predator_stepping_onto_the_agent_kills) {
  // Predators walk at random: over many steps next to the agent some walk onto it; the episode
  // ends exactly then, and never while the cells differ.
  int kills = 0;
  for (std::uint64_t s = 0; s < 50; ++s) {
    environment env(predators_small());
    env.reset(s);
    env.set_agent({0, 0}, heading::down);
    const std::vector<cell> ps = {{0, 1}, {1, 0}};
    env.set_predators(ps);
    env.set_foods(std::vector<cell>{{19, 19}});
    while (!env.done()) {
      env.step(action::stay);
      const bool shared = std::count(env.predators().begin(), env.predators().end(), env.position()) > 0;
      EXPECT_EQ(shared, env.info().end == outcome::killed);
    }
    kills += env.info().end == outcome::killed;
  }
  EXPECT_GT(kills, 40);
}

TEST(predator_env, proximity_penalty_within_eight_cells) {
  auto env = foraging_at({10, 10}, heading::up, {{0, 0}}, predators_small());
  env.set_predators(std::vector<cell>{{13, 12}});  // Manhattan 5, still <= 8 after one predator step
  EXPECT_NEAR(env.step(action::stay).reward, -0.005 - 0.1, eps);
  env = foraging_at({10, 10}, heading::up, {{0, 0}}, predators_small());
  env.set_predators(std::vector<cell>{{16, 16}});  // Manhattan 12, >= 11 after one step
  EXPECT_NEAR(env.step(action::stay).reward, -0.005, eps);
  // Two predators near: the penalty is per step, not per predator.
  env = foraging_at({10, 10}, heading::up, {{0, 0}}, predators_small());
  env.set_predators(std::vector<cell>{{13, 12}, {7, 8}});
  EXPECT_NEAR(env.step(action::stay).reward, -0.005 - 0.1, eps);
}

// The danger radius is inclusive: a predator that ends the step exactly 8 cells away (Manhattan) costs the
// penalty, one at 9 or 10 does not. The predator starts 9 away and takes one random step, so over seeds it
// ends at 8 or at 10; every case is checked against the distance it ended at.
TEST(predator_env, proximity_penalty_includes_the_radius_itself) {
  int at_radius = 0, beyond = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    environment env(predators_small());
    env.reset(seed);
    env.set_agent({10, 10}, heading::up);
    env.set_foods(std::vector<cell>{{0, 0}});
    env.set_predators(std::vector<cell>{{14, 15}});  // Manhattan 9
    const double reward = env.step(action::stay).reward;
    const cell q = env.predators().front();
    const int d = std::abs(q.x - 10) + std::abs(q.y - 10);
    ASSERT_TRUE(d == 8 || d == 10) << "seed " << seed << ": distance " << d;
    EXPECT_NEAR(reward, d <= 8 ? -0.005 - 0.1 : -0.005, eps) << "seed " << seed << ": distance " << d;
    (d == 8 ? at_radius : beyond) += 1;
  }
  EXPECT_GT(at_radius, 5);
  EXPECT_GT(beyond, 5);
}

TEST(predator_env, observation_adds_the_repulsive_predator_gradient) {
  // Foods at (9,2) and (9,16) cancel from (9,9); the predator at (12,9) pushes with -exp(-3/12) along +x.
  auto env = foraging_at({9, 9}, heading::up, {{9, 2}, {9, 16}}, predators_small());
  env.set_predators(std::vector<cell>{{12, 9}});
  const auto o = env.observe();
  EXPECT_NEAR(o.strength, 0.7788007830714049, eps);
  EXPECT_NEAR(o.angle, 0.5, eps) << "away from the predator: to the left when facing up";
}

// ---------------------------------------------------------------- configuration

TEST(env_config, presets_hold_the_spec_values) {
  const auto s = static_medium();
  EXPECT_EQ(s.grid, 10);
  EXPECT_EQ(s.max_steps, 300);
  EXPECT_EQ(s.rewards.stuck_threshold, 5);
  EXPECT_EQ(s.rewards.exploration, 0.0);
  struct row {
    const char* name;
    int grid, max_steps, foods, target;
    double spacing, exclusion, decay, satiety;
  };
  const row rows[] = {{"small", 20, 500, 5, 10, 3, 5, 8, 200},
                      {"medium", 50, 1000, 20, 30, 5, 10, 10, 500},
                      {"large", 100, 2000, 35, 50, 10, 15, 12, 800}};
  for (const auto& r : rows) {
    for (auto kind : {env_kind::foraging, env_kind::predators}) {
      const auto c = preset_config(kind, r.name);
      EXPECT_EQ(c.grid, r.grid);
      EXPECT_EQ(c.max_steps, r.max_steps);
      EXPECT_EQ(c.foods, r.foods);
      EXPECT_EQ(c.target_foods, r.target);
      EXPECT_EQ(c.food_spacing, r.spacing);
      EXPECT_EQ(c.exclusion_radius, r.exclusion);
      EXPECT_EQ(c.gradient_decay, r.decay);
      EXPECT_EQ(c.satiety, r.satiety);
      EXPECT_EQ(c.satiety_gain, 0.2);
      EXPECT_EQ(c.rewards.stuck_threshold, 3);
      EXPECT_EQ(c.rewards.exploration, 0.05);
      EXPECT_EQ(c.rewards.eat, 2.0);
      EXPECT_EQ(c.rewards.starvation, 2.0);
      EXPECT_EQ(c.predators, kind == env_kind::predators ? 2 : 0);
      EXPECT_EQ(c.predator_spawn_distance, 8);
      EXPECT_EQ(c.predator_decay, 12.0);
      EXPECT_EQ(c.predator_danger_radius, 8);
      EXPECT_EQ(c.rewards.predator_death, 10.0);
      EXPECT_EQ(c.rewards.predator_proximity, 0.1);
    }
  }
}

TEST(env_config, reads_kind_preset_overrides_and_rewards) {
  const auto c = read(R"(
[env]
kind = "foraging"
preset = "medium"
grid = 30
foods = 8
[env.rewards]
eat = 3.5
step = 0.01
)");
  EXPECT_EQ(c.kind, env_kind::foraging);
  EXPECT_EQ(c.preset, "medium");
  EXPECT_EQ(c.grid, 30);
  EXPECT_EQ(c.foods, 8);
  EXPECT_EQ(c.max_steps, 1000);  // from the preset
  EXPECT_EQ(c.rewards.eat, 3.5);
  EXPECT_EQ(c.rewards.step, 0.01);
  EXPECT_EQ(c.rewards.distance, 0.5);
  const auto d = read("[env]\n");
  EXPECT_EQ(d.kind, env_kind::static_goal);
  EXPECT_EQ(d.grid, 10);
  EXPECT_EQ(read("[env]\nkind = \"predators\"\n").preset, "small");
}

// Every key of [env] and [env.rewards] reaches its own field: each is set to a value unlike every preset value
// and every other key's, and read back (the static-only reward keys on a static environment, the others on
// predators).
TEST(env_config, every_key_reaches_its_field) {
  const auto p = read(R"(
[env]
kind = "predators"
preset = "small"
grid = 23
max_steps = 777
foods = 6
target_foods = 4
food_spacing = 2.5
exclusion_radius = 3.25
gradient_decay = 0.375
satiety = 123.0
satiety_gain = 0.625
predators = 3
predator_spawn_distance = 9
predator_decay = 0.875
predator_danger_radius = 5
[env.rewards]
distance = 0.11
step = 0.12
exploration = 0.13
anti_dithering = 0.14
stuck = 0.15
stuck_threshold = 16
stuck_cap = 17
eat = 0.18
starvation = 0.19
predator_death = 0.21
predator_proximity = 0.22
)");
  EXPECT_EQ(p.kind, env_kind::predators);
  EXPECT_EQ(std::vector<int>({p.grid, p.max_steps, p.foods, p.target_foods, p.predators, p.predator_spawn_distance,
                              p.predator_danger_radius, p.rewards.stuck_threshold, p.rewards.stuck_cap}),
            std::vector<int>({23, 777, 6, 4, 3, 9, 5, 16, 17}));
  EXPECT_EQ(std::vector<double>({p.food_spacing, p.exclusion_radius, p.gradient_decay, p.satiety, p.satiety_gain,
                                 p.predator_decay}),
            std::vector<double>({2.5, 3.25, 0.375, 123.0, 0.625, 0.875}));
  const auto& r = p.rewards;
  EXPECT_EQ(std::vector<double>({r.distance, r.step, r.exploration, r.anti_dithering, r.stuck, r.eat, r.starvation,
                                 r.predator_death, r.predator_proximity}),
            std::vector<double>({0.11, 0.12, 0.13, 0.14, 0.15, 0.18, 0.19, 0.21, 0.22}));
  const auto s = read("[env]\nkind = \"static\"\n[env.rewards]\ngoal = 0.31\ngoal_floor = 0.32\n");
  EXPECT_EQ(s.rewards.goal, 0.31);
  EXPECT_EQ(s.rewards.goal_floor, 0.32);
}

TEST(env_config, the_shipped_configs_are_their_presets) {
  const std::pair<const char*, env_config> files[] = {
      {"static_medium", static_medium()},
      {"foraging_small", foraging_small()},
      {"foraging_medium", preset_config(env_kind::foraging, "medium")},
      {"foraging_large", preset_config(env_kind::foraging, "large")},
      {"predators_small", predators_small()}};
  for (const auto& [name, expected] : files) {
    const auto doc = load_config_file((test::source_dir() / "configs" / (std::string(name) + ".toml")).string());
    const auto c = read_env_config(*table_reader::root(doc).subtable("env"));
    EXPECT_EQ(c.kind, expected.kind) << name;
    EXPECT_EQ(c.preset, expected.preset) << name;
    EXPECT_EQ(c.grid, expected.grid) << name;
    EXPECT_EQ(c.max_steps, expected.max_steps) << name;
    EXPECT_EQ(c.foods, expected.foods) << name;
    EXPECT_EQ(c.target_foods, expected.target_foods) << name;
    EXPECT_EQ(c.food_spacing, expected.food_spacing) << name;
    EXPECT_EQ(c.exclusion_radius, expected.exclusion_radius) << name;
    EXPECT_EQ(c.gradient_decay, expected.gradient_decay) << name;
    EXPECT_EQ(c.satiety, expected.satiety) << name;
    EXPECT_EQ(c.predators, expected.predators) << name;
    EXPECT_EQ(c.rewards.exploration, expected.rewards.exploration) << name;
    EXPECT_EQ(c.rewards.stuck_threshold, expected.rewards.stuck_threshold) << name;
  }
}

TEST(env_config, grid_smaller_than_five_names_the_key) {
  EXPECT_THAT(read_error("[env]\nkind = \"static\"\ngrid = 4\n"),
              HasSubstr("test.toml:3:8: env.grid: must be at least 5, got 4"));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\ngrid = 3\n"), HasSubstr("env.grid: must be at least 5"));
}

TEST(env_config, more_foods_than_free_cells_names_the_key) {
  // 5x5 with no exclusion: 24 free cells besides the agent's.
  EXPECT_NO_THROW(read("[env]\nkind = \"foraging\"\ngrid = 5\nexclusion_radius = 0.0\nfoods = 24\n"));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\ngrid = 5\nexclusion_radius = 0.0\nfoods = 25\n"),
              HasSubstr("test.toml:5:9: env.foods: 25 foods do not fit: only 24 free cells"));
  // The exclusion radius of the preset counts: small has 400 - 81 cells at distance >= 5 from (10,10).
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\nfoods = 400\n"), HasSubstr("env.foods: 400 foods do not fit"));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\nfoods = 0\n"), HasSubstr("env.foods: must be at least 1"));
}

TEST(env_config, unknown_preset_kind_and_key_are_named) {
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\npreset = \"huge\"\n"),
              HasSubstr("test.toml:3:10: env.preset: unknown preset 'huge' for kind \"foraging\" (expected one of: "
                        "small, medium, large)"));
  EXPECT_THAT(read_error("[env]\npreset = \"small\"\n"),
              HasSubstr("env.preset: unknown preset 'small' for kind \"static\" (expected one of: medium)"));
  EXPECT_THAT(read_error("[env]\nkind = \"maze\"\n"),
              HasSubstr("env.kind: unknown value 'maze' (expected one of: static, foraging, predators)"));
  EXPECT_THAT(read_error("[env]\ngird = 10\n"), HasSubstr("test.toml:2:1: env.gird: unknown key"));
  EXPECT_THAT(read_error("[env]\n[env.rewards]\ngoal_bonus = 1.0\n"), HasSubstr("env.rewards.goal_bonus: unknown key"));
  EXPECT_THROW(preset_config(env_kind::foraging, "huge"), error);
}

TEST(env_config, keys_of_another_kind_are_rejected) {
  EXPECT_THAT(read_error("[env]\nkind = \"static\"\nfoods = 3\n"),
              HasSubstr("env.foods: applies only to kind = \"foraging\" or \"predators\", not \"static\""));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\npredators = 3\n"),
              HasSubstr("env.predators: applies only to kind = \"predators\""));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\n[env.rewards]\ngoal = 1.0\n"),
              HasSubstr("env.rewards.goal: applies only to kind = \"static\""));
  EXPECT_THAT(read_error("[env]\n[env.rewards]\neat = 1.0\n"), HasSubstr("env.rewards.eat: applies only"));
}

TEST(env_config, negative_reward_scales_are_rejected) {
  for (const char* key : {"distance", "step", "anti_dithering", "stuck", "goal", "exploration"})
    EXPECT_THAT(read_error(std::string("[env]\n[env.rewards]\n") + key + " = -0.5\n"),
                HasSubstr(std::string("test.toml:3:") + std::to_string(std::string(key).size() + 4) + ": env.rewards." +
                          key + ": must be >= 0 and finite, got -0.5"));
  EXPECT_THAT(read_error("[env]\nkind = \"predators\"\n[env.rewards]\npredator_death = -10.0\n"),
              HasSubstr("env.rewards.predator_death: must be >= 0"));
  EXPECT_THAT(read_error("[env]\n[env.rewards]\nstuck_threshold = -1\n"),
              HasSubstr("env.rewards.stuck_threshold: must be in [0, 1000000]"));
  EXPECT_THAT(read_error("[env]\n[env.rewards]\ngoal_floor = 1.5\n"), HasSubstr("env.rewards.goal_floor: must be in [0, 1]"));
}

TEST(env_config, other_values_out_of_range_are_named) {
  EXPECT_THAT(read_error("[env]\nmax_steps = 0\n"), HasSubstr("env.max_steps: must be in [1, 100000000]"));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\ngradient_decay = 0.0\n"), HasSubstr("env.gradient_decay: must be positive"));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\nfood_spacing = 0.5\n"), HasSubstr("env.food_spacing: must be >= 1"));
  EXPECT_THAT(read_error("[env]\nkind = \"foraging\"\nsatiety_gain = 2.0\n"), HasSubstr("env.satiety_gain: must be in [0, 1]"));
  EXPECT_THAT(read_error("[env]\nkind = \"predators\"\npredator_spawn_distance = 20\n"),
              HasSubstr("env.predator_spawn_distance: must be in [0, 20)"));
  EXPECT_THAT(read_error("[env]\ngrid = \"ten\"\n"), HasSubstr("env.grid: expected an integer, got a string"));
  EXPECT_THAT(read_error("[env]\ngrid = 10.5\n"), HasSubstr("env.grid: expected an integer, got 10.5"));
}

// Integers are read within +-1e9 before any rule of their own: the bound itself reaches the key's rule, the
// next value is refused as out of range.
TEST(env_config, integers_are_read_up_to_a_billion_either_way) {
  EXPECT_THAT(read_error("[env]\ngrid = -1000000000\n"), HasSubstr("env.grid: must be at least 5, got -1000000000"));
  EXPECT_THAT(read_error("[env]\ngrid = 1000000000\n"), HasSubstr("env.grid: must be at most 4096, got 1000000000"));
  EXPECT_THAT(read_error("[env]\ngrid = -1000000001\n"), HasSubstr("env.grid: -1000000001 is out of range"));
  EXPECT_THAT(read_error("[env]\ngrid = 1000000001\n"), HasSubstr("env.grid: 1000000001 is out of range"));
}

// Every range check of check_env_config holds at its limit and refuses the next value beyond it, naming its key.
TEST(env_config, every_range_holds_at_its_limits_and_refuses_just_beyond) {
  struct limit {
    std::string key;
    env_kind kind;
    std::function<void(env_config&)> at, beyond;
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  const auto below = [](double x) -> double { return std::nextafter(x, -inf); };
  const auto above = [](double x) -> double { return std::nextafter(x, inf); };
  const auto st = env_kind::static_goal, fo = env_kind::foraging, pr = env_kind::predators;
  std::vector<limit> limits = {
      {"grid", st, [&](auto& c) { c.grid = 5; }, [&](auto& c) { c.grid = 4; }},
      {"grid", st, [&](auto& c) { c.grid = 4096; }, [&](auto& c) { c.grid = 4097; }},
      {"max_steps", st, [&](auto& c) { c.max_steps = 1; }, [&](auto& c) { c.max_steps = 0; }},
      {"max_steps", st, [&](auto& c) { c.max_steps = 100'000'000; }, [&](auto& c) { c.max_steps = 100'000'001; }},
      {"rewards.goal_floor", st, [&](auto& c) { c.rewards.goal_floor = 0.0; }, [&](auto& c) { c.rewards.goal_floor = below(0.0); }},
      {"rewards.goal_floor", st, [&](auto& c) { c.rewards.goal_floor = 1.0; }, [&](auto& c) { c.rewards.goal_floor = above(1.0); }},
      {"rewards.stuck_threshold", st, [&](auto& c) { c.rewards.stuck_threshold = 0; }, [&](auto& c) { c.rewards.stuck_threshold = -1; }},
      {"rewards.stuck_threshold", st, [&](auto& c) { c.rewards.stuck_threshold = 1'000'000; },
       [&](auto& c) { c.rewards.stuck_threshold = 1'000'001; }},
      {"rewards.stuck_cap", st, [&](auto& c) { c.rewards.stuck_cap = 0; }, [&](auto& c) { c.rewards.stuck_cap = -1; }},
      {"rewards.stuck_cap", st, [&](auto& c) { c.rewards.stuck_cap = 1'000'000; }, [&](auto& c) { c.rewards.stuck_cap = 1'000'001; }},
      {"foods", fo, [&](auto& c) { c.foods = 1; }, [&](auto& c) { c.foods = 0; }},
      {"target_foods", fo, [&](auto& c) { c.target_foods = 1; }, [&](auto& c) { c.target_foods = 0; }},
      {"food_spacing", fo, [&](auto& c) { c.food_spacing = 1.0; }, [&](auto& c) { c.food_spacing = below(1.0); }},
      {"food_spacing", fo, [&](auto& c) { c.food_spacing = 1e300; }, [&](auto& c) { c.food_spacing = inf; }},
      {"exclusion_radius", fo, [&](auto& c) { c.exclusion_radius = 0.0; }, [&](auto& c) { c.exclusion_radius = below(0.0); }},
      {"exclusion_radius", fo, [&](auto& c) { c.exclusion_radius = 1.0; }, [&](auto& c) { c.exclusion_radius = inf; }},
      {"gradient_decay", fo, [&](auto& c) { c.gradient_decay = above(0.0); }, [&](auto& c) { c.gradient_decay = 0.0; }},
      {"gradient_decay", fo, [&](auto& c) { c.gradient_decay = 1e300; }, [&](auto& c) { c.gradient_decay = inf; }},
      {"satiety", fo, [&](auto& c) { c.satiety = 1.0; }, [&](auto& c) { c.satiety = below(1.0); }},
      {"satiety", fo, [&](auto& c) { c.satiety = 1e9; }, [&](auto& c) { c.satiety = above(1e9); }},
      {"satiety_gain", fo, [&](auto& c) { c.satiety_gain = 0.0; }, [&](auto& c) { c.satiety_gain = below(0.0); }},
      {"satiety_gain", fo, [&](auto& c) { c.satiety_gain = 1.0; }, [&](auto& c) { c.satiety_gain = above(1.0); }},
      {"predators", pr, [&](auto& c) { c.predators = 1; }, [&](auto& c) { c.predators = 0; }},
      {"predators", pr, [&](auto& c) { c.predators = 1000; }, [&](auto& c) { c.predators = 1001; }},
      {"predator_spawn_distance", pr, [&](auto& c) { c.predator_spawn_distance = 0; },
       [&](auto& c) { c.predator_spawn_distance = -1; }},
      // small: a 20x20 grid, start at (10, 10): the farthest cell lies 2 * 10 = 20 away.
      {"predator_spawn_distance", pr, [&](auto& c) { c.predator_spawn_distance = 19; },
       [&](auto& c) { c.predator_spawn_distance = 20; }},
      {"predator_decay", pr, [&](auto& c) { c.predator_decay = above(0.0); }, [&](auto& c) { c.predator_decay = 0.0; }},
      {"predator_decay", pr, [&](auto& c) { c.predator_decay = 1e300; }, [&](auto& c) { c.predator_decay = inf; }},
      {"predator_danger_radius", pr, [&](auto& c) { c.predator_danger_radius = 0; },
       [&](auto& c) { c.predator_danger_radius = -1; }},
  };
  // Reward magnitudes: 0 and any finite value allowed, anything below 0 or infinite refused.
  const std::pair<const char*, double reward_config::*> magnitudes[] = {
      {"distance", &reward_config::distance}, {"step", &reward_config::step}, {"exploration", &reward_config::exploration},
      {"anti_dithering", &reward_config::anti_dithering}, {"stuck", &reward_config::stuck}, {"goal", &reward_config::goal},
      {"eat", &reward_config::eat}, {"starvation", &reward_config::starvation}, {"predator_death", &reward_config::predator_death},
      {"predator_proximity", &reward_config::predator_proximity}};
  for (const auto& [name, field] : magnitudes) {
    const std::string key = std::string("rewards.") + name;
    limits.push_back({key, st, [f = field](auto& c) { c.rewards.*f = 0.0; },
                      [f = field, &below](auto& c) { c.rewards.*f = below(0.0); }});
    limits.push_back({key, st, [f = field](auto& c) { c.rewards.*f = 1e300; },
                      [f = field, inf](auto& c) { c.rewards.*f = inf; }});
  }
  for (const auto& l : limits) {
    auto c = preset_config(l.kind, l.kind == st ? "medium" : "small");
    l.at(c);
    const auto ok = check_env_config(c);
    EXPECT_EQ(ok.key, "") << l.key << " at its limit: " << ok.message;
    l.beyond(c);
    const auto refused = check_env_config(c);
    EXPECT_EQ(refused.key, l.key) << l.key << " beyond its limit: " << refused.message;
  }
}

TEST(env_config, the_constructor_checks_configs_built_in_code) {
  auto c = static_medium();
  c.grid = 4;
  try {
    environment env(c);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("env.grid: must be at least 5"));
  }
  c = foraging_small();
  c.rewards.eat = -1;
  EXPECT_THROW(environment{c}, error);
}

// ---------------------------------------------------------------- determinism

std::string trajectory(env_kind kind, const char* preset, policy_kind p, std::uint64_t seed, int episodes) {
  environment env(preset_config(kind, preset));
  std::string csv(trajectory_header);
  for (int i = 0; i < episodes; ++i) run_episode(env, p, seed, static_cast<std::uint64_t>(i), &csv);
  return csv;
}

TEST(env_determinism, same_seed_same_trajectory_byte_for_byte) {
  const std::tuple<env_kind, const char*> envs[] = {{env_kind::static_goal, "medium"},
                                                    {env_kind::foraging, "small"},
                                                    {env_kind::predators, "small"}};
  for (const auto& [kind, preset] : envs)
    for (auto p : {policy_kind::random, policy_kind::greedy}) {
      const auto a = trajectory(kind, preset, p, 42, 5);
      const auto b = trajectory(kind, preset, p, 42, 5);
      EXPECT_EQ(a, b) << kind_name(kind) << " " << policy_name(p);
      EXPECT_NE(a, trajectory(kind, preset, p, 43, 5)) << kind_name(kind) << " " << policy_name(p);
      EXPECT_GT(a.size(), 200u);
    }
}

TEST(env_determinism, reset_does_not_depend_on_earlier_episodes) {
  environment used(foraging_small()), fresh(foraging_small());
  used.reset(5);
  baseline_policy p(policy_kind::random, 1, 1);
  for (int i = 0; i < 50 && !used.done(); ++i) used.step(p(used));
  used.reset(77);
  fresh.reset(77);
  EXPECT_EQ(used.render(), fresh.render());
  EXPECT_TRUE(std::equal(used.foods().begin(), used.foods().end(), fresh.foods().begin(), fresh.foods().end()));
  EXPECT_EQ(used.info().satiety, fresh.info().satiety);
}

TEST(env_determinism, trajectory_rows_hold_every_step) {
  environment env(static_medium());
  std::string csv;
  const auto rec = run_episode(env, policy_kind::greedy, 1, 0, &csv);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), rec.steps + 1);
  EXPECT_THAT(csv, ::testing::StartsWith("0,0,"));
  EXPECT_THAT(csv, HasSubstr(",up,,0,start\n"));
  EXPECT_THAT(csv, ::testing::EndsWith(",goal\n"));
}

TEST(env_determinism, observations_feed_the_encoders) {
  const auto o = static_at({1, 1}, heading::up, {8, 8}).observe();
  const auto v = to_array(o);
  encoder e;
  e.kind = encoder_kind::population;
  std::vector<double> out(e.output_size(observation_size, 100));
  rng r(1, stream_kind::encoder);
  e.encode(v, 100, r, out);
  // The angle -0.25 lies between the centres -3/7 and -1/7: those two Gaussians are the largest.
  const auto angle_row = std::span<const double>(out).subspan(8, 8);
  const auto top = std::max_element(angle_row.begin(), angle_row.end()) - angle_row.begin();
  EXPECT_TRUE(top == 2 || top == 3) << top;
  EXPECT_NEAR(angle_row[2], std::exp(-8.0 * (-0.25 + 3.0 / 7) * (-0.25 + 3.0 / 7)), 1e-15);
}

// ---------------------------------------------------------------- render

TEST(env_render, static_frame_shows_agent_heading_and_goal) {
  auto env = static_at({1, 1}, heading::right, {8, 8});
  const std::string frame = env.render();
  const std::string expected =
      "+----------+\n"
      "|..........|\n"
      "|........G.|\n"
      "|..........|\n"
      "|..........|\n"
      "|..........|\n"
      "|..........|\n"
      "|..........|\n"
      "|..........|\n"
      "|.>........|\n"
      "|..........|\n"
      "+----------+\n"
      "static medium 10x10  step 0/300  agent (1,1) facing right  goal (8,8)\n";
  EXPECT_EQ(frame, expected);
}

TEST(env_render, foraging_frame_shows_foods_and_predators) {
  auto env = foraging_at({10, 10}, heading::down, {{0, 0}, {19, 19}}, predators_small());
  env.set_predators(std::vector<cell>{{0, 19}});
  const std::string frame = env.render();
  EXPECT_THAT(frame, ::testing::StartsWith("+--------------------+\n|X..................F|\n"));
  EXPECT_THAT(frame, HasSubstr("|..........v.........|\n"));
  EXPECT_THAT(frame, HasSubstr("|F...................|\n+"));
  EXPECT_THAT(frame, HasSubstr("foods 0/10  satiety 200/200"));
}

// ---------------------------------------------------------------- baselines (docs/environments.md)

// The summary of hand-made records, field by field; no episodes, or none that ate, give zeros and never NaN.
TEST(env_baseline, summary_of_hand_made_records_field_by_field) {
  EXPECT_EQ(summarize({}).episodes, 0);
  const auto empty = summarize({});
  for (double x : {empty.success_rate, empty.mean_steps_success, empty.median_steps_success, empty.mean_foods,
                   empty.mean_reward, empty.distance_efficiency})
    EXPECT_EQ(x, 0.0);
  std::vector<episode_record> r = {
      {outcome::success, 30, 0, 1, 2.5, 0.0, 0},  {outcome::timeout, 100, 0, 0, -1.0, 0.0, 0},
      {outcome::success, 10, 0, 0, 4.0, 0.0, 0},  {outcome::starved, 50, 0, 3, -2.0, 0.0, 0},
      {outcome::killed, 7, 0, 0, -5.0, 0.0, 0},   {outcome::success, 20, 0, 2, 1.5, 0.0, 0}};
  auto s = summarize(r);
  EXPECT_EQ(s.episodes, 6);
  EXPECT_EQ(s.successes, 3);
  EXPECT_EQ(s.timeouts, 1);
  EXPECT_EQ(s.starved, 1);
  EXPECT_EQ(s.killed, 1);
  EXPECT_EQ(s.success_rate, 0.5);
  EXPECT_EQ(s.mean_steps_success, 20.0);
  EXPECT_EQ(s.median_steps_success, 20.0);  // odd count: the middle one
  EXPECT_EQ(s.max_steps_success, 30);
  EXPECT_EQ(s.steps, 217);
  EXPECT_EQ(s.mean_reward, 0.0);
  EXPECT_EQ(s.foods_eaten, 0);
  EXPECT_EQ(s.distance_efficiency, 0.0);  // nothing eaten: 0, not 0/0
  r.push_back({outcome::success, 41, 3, 0, 6.0, 1.5, 2});
  r.push_back({outcome::timeout, 100, 1, 0, 0.0, 0.25, 1});
  s = summarize(r);
  EXPECT_EQ(s.median_steps_success, 25.0);  // even count: the mean of the two middle ones, (20 + 30) / 2
  EXPECT_EQ(s.max_steps_success, 41);
  EXPECT_EQ(s.mean_steps_success, 101.0 / 4);
  EXPECT_EQ(s.foods_eaten, 4);
  EXPECT_EQ(s.mean_foods, 0.5);
  EXPECT_EQ(s.distance_efficiency, 1.75 / 3);  // over every food eaten, not every episode
  EXPECT_EQ(s.mean_reward, 6.0 / 8);
  // A single food eaten: its efficiency, not 0.
  const std::vector<episode_record> one = {{outcome::timeout, 100, 1, 0, 0.0, 0.625, 1}};
  EXPECT_EQ(summarize(one).distance_efficiency, 0.625);
}

TEST(env_baseline, random_policy_on_static_medium_matches_spec) {
  environment env(static_medium());
  std::vector<episode_record> records;
  records.reserve(20000);
  for (std::uint64_t i = 0; i < 20000; ++i) records.push_back(run_episode(env, policy_kind::random, 1, i));
  const auto s = summarize(records);
  RecordProperty("success_rate", std::to_string(s.success_rate));
  RecordProperty("mean_steps", std::to_string(s.mean_steps_success));
  std::printf("random, static medium, 20000 episodes: success %.4f, mean steps %.2f, median %.1f\n", s.success_rate,
              s.mean_steps_success, s.median_steps_success);
  EXPECT_GE(s.success_rate, 0.635);
  EXPECT_LE(s.success_rate, 0.675);
  EXPECT_GE(s.mean_steps_success, 142.0);
  EXPECT_LE(s.mean_steps_success, 153.0);
}

TEST(env_baseline, greedy_policy_reaches_the_static_goal_within_20_steps) {
  environment env(static_medium());
  for (std::uint64_t i = 0; i < 20000; ++i) {
    const auto r = run_episode(env, policy_kind::greedy, 1, i);
    ASSERT_EQ(r.end, outcome::success) << "episode " << i;
    ASSERT_LE(r.steps, 20) << "episode " << i;
    EXPECT_EQ(r.steps, 14) << "episode " << i;
  }
}

TEST(env_baseline, greedy_policy_takes_the_optimum_on_every_grid_size) {
  for (int n : {5, 6, 7, 17, 30, 101}) {
    auto cfg = static_medium();
    cfg.grid = n;
    cfg.max_steps = 10 * n;
    environment env(cfg);
    for (std::uint64_t i = 0; i < 100; ++i) {
      const auto r = run_episode(env, policy_kind::greedy, 2, i);
      ASSERT_EQ(r.end, outcome::success) << "grid " << n << " episode " << i;
      EXPECT_EQ(r.steps, env.optimal_steps()) << "grid " << n << " episode " << i;
    }
  }
}

TEST(env_baseline, greedy_action_follows_the_angle) {
  EXPECT_EQ(greedy_action({0.5, 0.0}), action::forward);
  EXPECT_EQ(greedy_action({0.5, 0.25}), action::forward);  // tie: forward
  EXPECT_EQ(greedy_action({0.5, 0.26}), action::left);
  EXPECT_EQ(greedy_action({0.5, -0.26}), action::right);
  EXPECT_EQ(greedy_action({0.5, -1.0}), action::left);     // behind: tie, left
  EXPECT_EQ(greedy_action({0.5, 0.9}), action::left);
  EXPECT_EQ(greedy_action({0.5, -0.9}), action::right);
  EXPECT_EQ(greedy_action({0.0, 0.9}), action::forward);   // no gradient
  EXPECT_EQ(parse_policy("greedy"), policy_kind::greedy);
  EXPECT_THROW(parse_policy("smart"), error);
}

TEST(env_baseline, summary_statistics) {
  std::vector<episode_record> r(5);
  r[0] = {outcome::success, 10, 0, 0, 1.0, 0, 0};
  r[1] = {outcome::success, 30, 0, 0, 1.0, 0, 0};
  r[2] = {outcome::timeout, 300, 0, 0, -1.0, 0, 0};
  r[3] = {outcome::starved, 200, 3, 0, 2.0, 1.5, 3};
  r[4] = {outcome::killed, 50, 1, 0, -3.0, 0.5, 1};
  const auto s = summarize(r);
  EXPECT_EQ(s.successes, 2);
  EXPECT_DOUBLE_EQ(s.success_rate, 0.4);
  EXPECT_DOUBLE_EQ(s.mean_steps_success, 20.0);
  EXPECT_DOUBLE_EQ(s.median_steps_success, 20.0);
  EXPECT_EQ(s.timeouts, 1);
  EXPECT_EQ(s.starved, 1);
  EXPECT_EQ(s.killed, 1);
  EXPECT_EQ(s.foods_eaten, 4);
  EXPECT_DOUBLE_EQ(s.distance_efficiency, 0.5);
  EXPECT_DOUBLE_EQ(s.mean_reward, 0.0);
}

}  // namespace
}  // namespace spikeworm::envs
