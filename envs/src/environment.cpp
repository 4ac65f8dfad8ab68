// The environment's rules: movement, observation, rewards, food, satiety and predators (docs/environments.md).
#include "spikeworm/envs/environment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::envs {

namespace {

constexpr int step_x[4] = {0, 1, 0, -1};  // up, right, down, left
constexpr int step_y[4] = {1, 0, -1, 0};
constexpr double facing_angle[4] = {std::numbers::pi / 2, 0.0, 3 * std::numbers::pi / 2, std::numbers::pi};
constexpr char agent_glyph[4] = {'^', '>', 'v', '<'};

int manhattan(cell a, cell b) noexcept { return std::abs(a.x - b.x) + std::abs(a.y - b.y); }
double dist2(cell a, cell b) noexcept {
  const double dx = a.x - b.x, dy = a.y - b.y;
  return dx * dx + dy * dy;
}

// ((theta - facing + pi) mod 2pi - pi) / pi, in [-1, 1).
double relative_angle(double theta, heading h) noexcept {
  constexpr double two_pi = 2 * std::numbers::pi;
  double x = theta - facing_angle[static_cast<int>(h)] + std::numbers::pi;
  x -= two_pi * std::floor(x / two_pi);
  if (x >= two_pi) x -= two_pi;  // floor can leave x == 2pi by rounding
  return (x - std::numbers::pi) / std::numbers::pi;
}

}  // namespace

std::string_view action_name(action a) noexcept {
  switch (a) {
    case action::forward: return "forward";
    case action::left: return "left";
    case action::right: return "right";
    case action::stay: return "stay";
  }
  return "?";
}

std::string_view heading_name(heading h) noexcept {
  switch (h) {
    case heading::up: return "up";
    case heading::right: return "right";
    case heading::down: return "down";
    case heading::left: return "left";
  }
  return "?";
}

std::string_view outcome_name(outcome o) noexcept {
  switch (o) {
    case outcome::running: return "running";
    case outcome::success: return "success";
    case outcome::timeout: return "timeout";
    case outcome::starved: return "starved";
    case outcome::killed: return "killed";
  }
  return "?";
}

std::string_view event_name(step_event e) noexcept {
  switch (e) {
    case step_event::none: return "";
    case step_event::bump: return "bump";
    case step_event::goal: return "goal";
    case step_event::eat: return "eat";
    case step_event::starved: return "starved";
    case step_event::killed: return "killed";
    case step_event::timeout: return "timeout";
  }
  return "?";
}

std::uint64_t episode_seed(std::uint64_t run_seed, std::uint64_t episode) noexcept {
  return splitmix64(splitmix64(run_seed ^ 0x656e7669726f6eULL) + episode);
}

environment::environment(const env_config& cfg) : cfg_(cfg) {
  const auto problem = check_env_config(cfg_);
  if (!problem.key.empty()) throw error(fmt::format("env.{}: {}", problem.key, problem.message));
  visited_.assign(static_cast<std::size_t>(cfg_.grid) * cfg_.grid, 0);
  foods_.reserve(static_cast<std::size_t>(cfg_.foods));
}

int environment::optimal_steps() const noexcept {
  return cfg_.kind == env_kind::static_goal ? 2 * (cfg_.grid - 3) : -1;
}

void environment::reset(std::uint64_t seed) {
  rng_ = rng(seed, stream_kind::environment);
  info_ = episode_info{};
  info_.facing = heading::up;
  last_event_ = step_event::none;
  foods_.clear();
  predators_.clear();
  std::fill(visited_.begin(), visited_.end(), std::uint8_t{0});
  const int n = cfg_.grid;
  if (cfg_.kind == env_kind::static_goal) {
    const cell corners[4] = {{1, 1}, {1, n - 2}, {n - 2, 1}, {n - 2, n - 2}};
    const auto c = static_cast<int>(rng_.uniform_int(0, 3));
    start_ = corners[c];
    goal_ = corners[3 - c];  // the diagonally opposite inset corner
  } else {
    start_ = {n / 2, n / 2};
    goal_ = start_;
    info_.satiety = cfg_.satiety;
  }
  info_.position = start_;
  was_reset_ = true;
  if (cfg_.kind != env_kind::static_goal) {
    for (int i = 0; i < cfg_.foods; ++i) spawn_food();
    for (int i = 0; i < (cfg_.kind == env_kind::predators ? cfg_.predators : 0); ++i) spawn_predator();
  }
  restart_history();
}

void environment::restart_history() {
  history_ = 0;
  still_ = 0;
  two_back_ = info_.position;
  visited_[index(info_.position)] = 1;
  segment_steps_ = 0;
  segment_distance_ = foods_.empty() ? 0 : nearest_food_distance(info_.position);
}

int environment::nearest_food_distance(cell from) const noexcept {
  int best = std::numeric_limits<int>::max();
  for (const cell f : foods_) best = std::min(best, manhattan(from, f));
  return best;
}

// Pre: foods_ holds the other foods. Post: a cell at distance >= exclusion_radius from the agent,
// not the agent's cell, and (when keep_spacing) at distance >= food_spacing from every food.
bool environment::food_cell_ok(cell c, bool keep_spacing) const noexcept {
  if (c == info_.position) return false;
  if (dist2(c, info_.position) < cfg_.exclusion_radius * cfg_.exclusion_radius) return false;
  const double spacing2 = keep_spacing ? cfg_.food_spacing * cfg_.food_spacing : 0.5;
  for (const cell f : foods_)
    if (dist2(c, f) < spacing2) return false;
  return true;
}

// A uniformly random valid cell: rejection sampling first (cheap when valid cells are plentiful),
// then a uniform pick among all valid cells, which has the same distribution and never fails. If
// the spacing cannot be kept anywhere, it is relaxed to "not on another food"; the exclusion radius
// never is (check_env_config guarantees such a cell exists).
void environment::spawn_food() {
  const int n = cfg_.grid;
  const std::int64_t cells = static_cast<std::int64_t>(n) * n;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const auto k = rng_.uniform_int(0, cells - 1);
    const cell c{static_cast<int>(k % n), static_cast<int>(k / n)};
    if (food_cell_ok(c, true)) {
      foods_.push_back(c);
      return;
    }
  }
  for (bool keep_spacing : {true, false}) {
    candidates_.clear();
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x)
        if (food_cell_ok({x, y}, keep_spacing)) candidates_.push_back({x, y});
    if (!candidates_.empty()) {
      const auto k = rng_.uniform_int(0, static_cast<std::int64_t>(candidates_.size()) - 1);
      foods_.push_back(candidates_[static_cast<std::size_t>(k)]);
      return;
    }
  }
  throw internal_error("spawn_food: no free cell, although check_env_config counted enough");
}

// Uniform over the cells at Manhattan distance > predator_spawn_distance from the agent.
void environment::spawn_predator() {
  const int n = cfg_.grid;
  const std::int64_t cells = static_cast<std::int64_t>(n) * n;
  auto ok = [&](cell c) { return manhattan(c, info_.position) > cfg_.predator_spawn_distance; };
  for (int attempt = 0; attempt < 64; ++attempt) {
    const auto k = rng_.uniform_int(0, cells - 1);
    const cell c{static_cast<int>(k % n), static_cast<int>(k / n)};
    if (ok(c)) {
      predators_.push_back(c);
      return;
    }
  }
  candidates_.clear();
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      if (ok({x, y})) candidates_.push_back({x, y});
  if (candidates_.empty()) throw internal_error("spawn_predator: no cell far enough, although checked");
  predators_.push_back(candidates_[static_cast<std::size_t>(
      rng_.uniform_int(0, static_cast<std::int64_t>(candidates_.size()) - 1))]);
}

// Each predator steps up/right/down/left with probability 1/4; a step into a wall is lost.
void environment::move_predators() {
  for (cell& p : predators_) {
    const auto d = static_cast<int>(rng_.uniform_int(0, 3));
    const cell next{p.x + step_x[d], p.y + step_y[d]};
    if (inside(next)) p = next;
  }
}

bool environment::predator_on(cell c) const noexcept {
  return std::find(predators_.begin(), predators_.end(), c) != predators_.end();
}

observation environment::observe() const {
  const cell p = info_.position;
  if (cfg_.kind == env_kind::static_goal) {
    const int dx = goal_.x - p.x, dy = goal_.y - p.y;
    const int d = std::abs(dx) + std::abs(dy);
    const double s = std::tanh(std::max(0.0, 1.0 - d / (2.0 * cfg_.grid)));
    const double theta = (dx == 0 && dy == 0) ? 0.0 : std::atan2(static_cast<double>(dy), static_cast<double>(dx));
    return {std::clamp(s, 0.0, 1.0), relative_angle(theta, info_.facing)};
  }
  // Vector sum of exp(-d / decay) along each unit direction: w = exp(-d / decay) / d times (dx, dy).
  double vx = 0.0, vy = 0.0;
  for (const cell f : foods_) {
    const double dx = f.x - p.x, dy = f.y - p.y;
    const double d = std::sqrt(dx * dx + dy * dy);
    if (d == 0.0) continue;
    const double w = std::exp(-d / cfg_.gradient_decay) / d;
    vx += w * dx;
    vy += w * dy;
  }
  for (const cell q : predators_) {
    const double dx = q.x - p.x, dy = q.y - p.y;
    const double d = std::sqrt(dx * dx + dy * dy);
    if (d == 0.0) continue;
    const double w = -std::exp(-d / cfg_.predator_decay) / d;
    vx += w * dx;
    vy += w * dy;
  }
  const double magnitude = std::hypot(vx, vy);
  const double theta = (vx == 0.0 && vy == 0.0) ? 0.0 : std::atan2(vy, vx);
  return {std::clamp(magnitude, 0.0, 1.0), relative_angle(theta, info_.facing)};
}

bool environment::move_agent(action a) noexcept {
  if (a == action::stay) return false;
  const int h = static_cast<int>(info_.facing);
  const int turned = a == action::forward ? h : a == action::left ? (h + 3) % 4 : (h + 1) % 4;
  const cell next{info_.position.x + step_x[turned], info_.position.y + step_y[turned]};
  if (!inside(next)) {  // a bump keeps position and heading
    ++info_.bumps;
    last_event_ = step_event::bump;
    return false;
  }
  info_.position = next;
  info_.facing = static_cast<heading>(turned);
  return true;
}

step_result environment::step(action a) {
  if (!was_reset_) throw internal_error("environment::step() before reset()");
  if (done()) throw internal_error("environment::step() after the episode ended");
  if (static_cast<unsigned>(a) >= static_cast<unsigned>(num_actions)) throw internal_error("environment::step(): bad action");
  last_event_ = step_event::none;
  ++info_.steps;
  const cell before = info_.position;
  const bool moved = move_agent(a);
  still_ = moved ? 0 : still_ + 1;

  // Terms common to every kind, for the step just taken.
  const auto& r = cfg_.rewards;
  double reward = -r.step;
  if (history_ >= 1 && info_.position == two_back_) reward -= r.anti_dithering;
  if (still_ > r.stuck_threshold) reward -= r.stuck * std::min(still_ - r.stuck_threshold, r.stuck_cap);
  if (auto& v = visited_[index(info_.position)]; !v) {
    v = 1;
    reward += r.exploration;
  }
  two_back_ = before;
  ++history_;

  reward += cfg_.kind == env_kind::static_goal ? step_static(before) : step_foraging(before);
  if (!done() && info_.steps >= cfg_.max_steps) {
    info_.end = outcome::timeout;
    last_event_ = step_event::timeout;
  }
  info_.total_reward += reward;
  return {reward, done(), info_.end == outcome::success};
}

double environment::step_static(cell before) {
  const auto& r = cfg_.rewards;
  double reward = r.distance * (manhattan(before, goal_) - manhattan(info_.position, goal_));
  if (info_.position == goal_) {
    reward += r.goal * std::max(r.goal_floor, 1.0 - static_cast<double>(info_.steps) / cfg_.max_steps);
    info_.end = outcome::success;
    last_event_ = step_event::goal;
  }
  return reward;
}

// Order within a step: move; distance term against the foods present before the step; eat (and
// respawn, and success); predators: same cell? move; same cell? proximity; satiety -1; starvation.
double environment::step_foraging(cell before) {
  const auto& r = cfg_.rewards;
  const cell p = info_.position;
  double reward = r.distance * (nearest_food_distance(before) - nearest_food_distance(p));
  ++segment_steps_;

  if (const auto it = std::find(foods_.begin(), foods_.end(), p); it != foods_.end()) {
    foods_.erase(it);
    ++info_.foods_eaten;
    reward += r.eat;
    info_.satiety = std::min(cfg_.satiety, info_.satiety + cfg_.satiety_gain * cfg_.satiety);
    if (segment_distance_ > 0) {
      info_.distance_efficiency_sum += static_cast<double>(segment_distance_) / segment_steps_;
      ++info_.distance_efficiency_count;
    }
    last_event_ = step_event::eat;
    spawn_food();
    segment_steps_ = 0;
    segment_distance_ = nearest_food_distance(p);
    if (info_.foods_eaten >= cfg_.target_foods) {
      info_.end = outcome::success;
      return reward;
    }
  }

  if (!predators_.empty()) {
    bool caught = predator_on(p);
    if (!caught) {
      move_predators();
      caught = predator_on(p);
    }
    if (caught) {
      info_.end = outcome::killed;
      last_event_ = step_event::killed;
      return reward - r.predator_death;
    }
    for (const cell q : predators_)
      if (manhattan(q, p) <= cfg_.predator_danger_radius) {
        reward -= r.predator_proximity;
        break;
      }
  }

  info_.satiety -= 1.0;
  if (info_.satiety <= 0.0) {
    info_.end = outcome::starved;
    last_event_ = step_event::starved;
    reward -= r.starvation;
  }
  return reward;
}

void environment::set_agent(cell pos, heading h) {
  if (!inside(pos)) throw error(fmt::format("set_agent: ({}, {}) is outside the grid", pos.x, pos.y));
  info_.position = pos;
  info_.facing = h;
  restart_history();
}

void environment::set_goal(cell g) {
  if (!inside(g)) throw error(fmt::format("set_goal: ({}, {}) is outside the grid", g.x, g.y));
  goal_ = g;
}

void environment::set_foods(std::span<const cell> foods) {
  for (const cell f : foods)
    if (!inside(f)) throw error(fmt::format("set_foods: ({}, {}) is outside the grid", f.x, f.y));
  foods_.assign(foods.begin(), foods.end());
  restart_history();
}

void environment::set_predators(std::span<const cell> ps) {
  for (const cell q : ps)
    if (!inside(q)) throw error(fmt::format("set_predators: ({}, {}) is outside the grid", q.x, q.y));
  predators_.assign(ps.begin(), ps.end());
}

void environment::set_satiety(double s) { info_.satiety = s; }

std::string environment::render() const {
  const int n = cfg_.grid;
  std::string grid(static_cast<std::size_t>(n) * n, '.');
  auto at = [&](cell c) -> char& { return grid[static_cast<std::size_t>(n - 1 - c.y) * n + c.x]; };
  if (cfg_.kind == env_kind::static_goal) at(goal_) = 'G';
  for (const cell f : foods_) at(f) = 'F';
  for (const cell q : predators_) at(q) = 'X';
  at(info_.position) = agent_glyph[static_cast<int>(info_.facing)];

  std::string out;
  std::string border(static_cast<std::size_t>(n) + 3, '-');  // built in place: GCC 12 -Wrestrict misfires on "+" + s
  border.front() = '+';
  border[border.size() - 2] = '+';
  border.back() = '\n';
  out += border;
  for (int row = 0; row < n; ++row) {
    out += '|';
    out.append(grid, static_cast<std::size_t>(row) * n, static_cast<std::size_t>(n));
    out += "|\n";
  }
  out += border;
  out += fmt::format("{} {} {}x{}  step {}/{}  agent ({},{}) facing {}", kind_name(cfg_.kind), cfg_.preset, n, n,
                     info_.steps, cfg_.max_steps, info_.position.x, info_.position.y, heading_name(info_.facing));
  if (cfg_.kind == env_kind::static_goal)
    out += fmt::format("  goal ({},{})", goal_.x, goal_.y);
  else
    out += fmt::format("  foods {}/{}  satiety {:g}/{:g}", info_.foods_eaten, cfg_.target_foods, info_.satiety,
                       cfg_.satiety);
  if (done()) out += fmt::format("  [{}]", outcome_name(info_.end));
  out += '\n';
  return out;
}

}  // namespace spikeworm::envs
