// The navigation environments of docs/environments.md: static goal, foraging and predators behind one small class.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spikeworm/core/random.hpp"

namespace spikeworm {
class table_reader;
}

namespace spikeworm::envs {

// Actions relative to the heading. LEFT/RIGHT turn 90 degrees and move one cell in the same step.
enum class action : std::uint8_t { forward = 0, left = 1, right = 2, stay = 3 };
inline constexpr int num_actions = 4;

// Headings in clockwise order, so that RIGHT is +1 and LEFT is +3 (mod 4).
enum class heading : std::uint8_t { up = 0, right = 1, down = 2, left = 3 };

enum class env_kind : std::uint8_t { static_goal = 0, foraging = 1, predators = 2 };

// A grid cell; +y is up.
struct cell {
  int x = 0;
  int y = 0;
  friend constexpr bool operator==(cell, cell) = default;
};

// What the agent senses: strength in [0, 1], direction relative to its heading in [-1, 1)
// (units of pi; positive = to the left, counter-clockwise).
struct observation {
  double strength;
  double angle;
};
inline constexpr int observation_size = 2;
// The observation as the vector an encoder takes: {strength, angle}.
inline std::array<double, observation_size> to_array(const observation& o) noexcept { return {o.strength, o.angle}; }

struct step_result {
  double reward;
  bool done;
  bool success;
};

// How an episode ended (running while it has not).
enum class outcome : std::uint8_t { running = 0, success = 1, timeout = 2, starved = 3, killed = 4 };

// What the last step did besides moving; shown in trajectories.
enum class step_event : std::uint8_t { none = 0, bump = 1, goal = 2, eat = 3, starved = 4, killed = 5, timeout = 6 };

// Reward terms. Penalties are positive magnitudes that are subtracted; every term is a config key
// of [env.rewards] and its default depends on the kind (docs/environments.md).
struct reward_config {
  double distance = 0.5;          // per cell of Manhattan distance gained towards the goal / nearest food
  double step = 0.005;            // paid every step
  double exploration = 0.0;       // first visit of a cell (foraging: 0.05)
  double anti_dithering = 0.02;   // new cell == the cell two steps back
  double stuck = 0.1;             // x min(c - stuck_threshold, stuck_cap) when c > stuck_threshold
  int stuck_threshold = 5;        // c = consecutive steps without moving (foraging: 3)
  int stuck_cap = 10;
  double goal = 2.0;              // static: x max(goal_floor, 1 - steps/max_steps) on reaching the goal
  double goal_floor = 0.1;
  double eat = 2.0;               // foraging: per food eaten
  double starvation = 2.0;        // foraging: once, when satiety reaches 0
  double predator_death = 10.0;   // predators: once, on sharing a cell with a predator
  double predator_proximity = 0.1;  // predators: per step with a predator within predator_danger_radius
};

// Every size and rule of an environment, with the values of docs/environments.md as defaults (these are static medium;
// foraging and predators start from preset_config()).
struct env_config {
  env_kind kind = env_kind::static_goal;
  std::string preset = "medium";
  int grid = 10;          // N: cells (x, y) with 0 <= x, y < N
  int max_steps = 300;
  // foraging and predators
  int foods = 5;                  // foods on the grid at any time
  int target_foods = 10;          // foods to eat for success
  double food_spacing = 3.0;      // minimum Euclidean distance between foods [cells]
  double exclusion_radius = 5.0;  // a food is placed at Euclidean distance >= this from the agent [cells]
  double gradient_decay = 8.0;    // food gradient exp(-d / decay) [cells]
  double satiety = 200.0;         // initial and maximum satiety [steps]
  double satiety_gain = 0.2;      // a food restores satiety_gain x satiety, capped at satiety
  // predators
  int predators = 2;
  int predator_spawn_distance = 8;  // predators spawn at Manhattan distance > this from the agent
  double predator_decay = 12.0;     // repulsive gradient -exp(-d / decay) [cells]
  int predator_danger_radius = 8;   // proximity penalty within this Manhattan distance
  reward_config rewards;
};

// The defaults of a kind and preset: static "medium"; foraging and predators "small", "medium",
// "large". Throws spikeworm::error for an unknown preset.
env_config preset_config(env_kind kind, std::string_view preset);
std::vector<std::string_view> preset_names(env_kind kind);

// The first problem of a configuration as (key, message), key relative to [env]; empty key if valid.
struct config_problem {
  std::string key;
  std::string message;
};
config_problem check_env_config(const env_config& cfg);

// Reads the [env] table (kind, preset, overrides, [env.rewards]); every error names file:line:col and key.
env_config read_env_config(const table_reader& env_table);

std::string_view kind_name(env_kind k) noexcept;
std::string_view action_name(action a) noexcept;
std::string_view heading_name(heading h) noexcept;
std::string_view outcome_name(outcome o) noexcept;
std::string_view event_name(step_event e) noexcept;

// The seed of episode i of a run with seed s: distinct episodes get independent environment streams.
std::uint64_t episode_seed(std::uint64_t run_seed, std::uint64_t episode) noexcept;

// The running state and tallies of the current episode.
struct episode_info {
  outcome end = outcome::running;
  int steps = 0;
  int foods_eaten = 0;
  int bumps = 0;                  // moves into a wall (position and heading kept)
  double total_reward = 0.0;
  double satiety = 0.0;           // foraging kinds
  cell position;
  heading facing = heading::up;
  // Foraging distance efficiency: per food, the Manhattan distance to the nearest food when the
  // previous food was eaten (or at the start) divided by the steps taken to eat; summed here.
  double distance_efficiency_sum = 0.0;
  int distance_efficiency_count = 0;
  double distance_efficiency() const noexcept {
    return distance_efficiency_count > 0 ? distance_efficiency_sum / distance_efficiency_count : 0.0;
  }
};

// One environment of any kind. No virtual call: step() switches on the kind once per step.
// Pre for observe/step: reset() was called. step() after the episode ended throws internal_error.
class environment {
 public:
  explicit environment(const env_config& cfg);  // throws spikeworm::error for an invalid config

  void reset(std::uint64_t seed);  // same seed => same episode, byte for byte
  observation observe() const;
  step_result step(action a);

  int steps() const noexcept { return info_.steps; }
  int max_steps() const noexcept { return cfg_.max_steps; }
  // Shortest number of steps to success: 2 (N - 3) for static (14 at N = 10); -1 for the foraging
  // kinds, which have no fixed optimum (see episode_info::distance_efficiency).
  int optimal_steps() const noexcept;
  bool done() const noexcept { return info_.end != outcome::running; }
  const episode_info& info() const noexcept { return info_; }
  step_event last_event() const noexcept { return last_event_; }
  const env_config& config() const noexcept { return cfg_; }

  cell position() const noexcept { return info_.position; }
  heading facing() const noexcept { return info_.facing; }
  cell goal() const noexcept { return goal_; }
  std::span<const cell> foods() const noexcept { return foods_; }
  std::span<const cell> predators() const noexcept { return predators_; }

  // Hand-made scenarios for tests and docs; call after reset(). Each one restarts the per-step
  // history (the anti-dithering memory, the stuck counter, the distance-efficiency segment) as if
  // the episode began here, keeping the step count.
  void set_agent(cell pos, heading h);
  void set_goal(cell g);                          // static
  void set_foods(std::span<const cell> foods);    // foraging kinds
  void set_predators(std::span<const cell> ps);   // predators
  void set_satiety(double s);                     // foraging kinds

  // ASCII frame: the grid (+y up) with the agent as ^ > v <, G goal, F food, X predator, and one
  // status line.
  std::string render() const;

 private:
  bool inside(cell c) const noexcept { return c.x >= 0 && c.y >= 0 && c.x < cfg_.grid && c.y < cfg_.grid; }
  std::size_t index(cell c) const noexcept { return static_cast<std::size_t>(c.y) * cfg_.grid + c.x; }
  int nearest_food_distance(cell from) const noexcept;
  bool food_cell_ok(cell c, bool keep_spacing) const noexcept;
  void spawn_food();
  void spawn_predator();
  void move_predators();
  bool predator_on(cell c) const noexcept;
  void restart_history();
  bool move_agent(action a) noexcept;  // true if the agent changed cell
  double step_static(cell before);
  double step_foraging(cell before);

  env_config cfg_;
  rng rng_{0, stream_kind::environment};
  episode_info info_;
  cell goal_;
  cell start_;
  cell two_back_;         // position at the end of step t - 2 (anti-dithering)
  int history_ = 0;       // steps since the history restarted (anti-dithering needs one)
  int still_ = 0;         // consecutive steps without moving
  int segment_steps_ = 0;  // steps since the last food (distance efficiency)
  int segment_distance_ = 0;
  std::vector<cell> foods_;
  std::vector<cell> predators_;
  std::vector<std::uint8_t> visited_;
  std::vector<cell> candidates_;  // scratch for food placement
  step_event last_event_ = step_event::none;
  bool was_reset_ = false;
};

}  // namespace spikeworm::envs
