// Environment presets, validation and the [env] table of a configuration file.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "spikeworm/core/names.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/envs/environment.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm::envs {

namespace {

struct foraging_preset {
  std::string_view name;
  int grid, max_steps, foods, target_foods;
  double spacing, exclusion, decay, satiety;
};

// docs/environments.md, foraging: small / medium / large.
constexpr foraging_preset foraging_presets[] = {
    {"small", 20, 500, 5, 10, 3.0, 5.0, 8.0, 200.0},
    {"medium", 50, 1000, 20, 30, 5.0, 10.0, 10.0, 500.0},
    {"large", 100, 2000, 35, 50, 10.0, 15.0, 12.0, 800.0},
};

bool is_foraging(env_kind k) { return k != env_kind::static_goal; }

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ", ") + std::string(x);
  return s;
}

}  // namespace

namespace {
constexpr name_table<env_kind, 3> kind_names{
    {{env_kind::static_goal, "static"}, {env_kind::foraging, "foraging"}, {env_kind::predators, "predators"}}};
}  // namespace

std::string_view kind_name(env_kind k) noexcept { return name_of(kind_names, k); }

std::vector<std::string_view> preset_names(env_kind kind) {
  if (kind == env_kind::static_goal) return {"medium"};
  return {"small", "medium", "large"};
}

env_config preset_config(env_kind kind, std::string_view preset) {
  env_config c;
  c.kind = kind;
  c.preset = std::string(preset);
  if (kind == env_kind::static_goal) {
    if (preset != "medium")
      throw error(fmt::format("unknown preset '{}' for kind \"static\" (expected one of: medium)", preset));
    return c;  // the struct defaults are static medium
  }
  const foraging_preset* p = nullptr;
  for (const auto& f : foraging_presets)
    if (f.name == preset) p = &f;
  if (!p)
    throw error(fmt::format("unknown preset '{}' for kind \"{}\" (expected one of: {})", preset, kind_name(kind),
                            join(preset_names(kind))));
  c.grid = p->grid;
  c.max_steps = p->max_steps;
  c.foods = p->foods;
  c.target_foods = p->target_foods;
  c.food_spacing = p->spacing;
  c.exclusion_radius = p->exclusion;
  c.gradient_decay = p->decay;
  c.satiety = p->satiety;
  c.rewards.exploration = 0.05;
  c.rewards.stuck_threshold = 3;
  c.predators = kind == env_kind::predators ? 2 : 0;
  return c;
}

config_problem check_env_config(const env_config& c) {
  auto bad = [](std::string key, std::string msg) { return config_problem{std::move(key), std::move(msg)}; };
  if (c.grid < 5) return bad("grid", fmt::format("must be at least 5, got {}", c.grid));
  if (c.grid > 4096) return bad("grid", fmt::format("must be at most 4096, got {}", c.grid));
  if (c.max_steps < 1 || c.max_steps > 100'000'000)
    return bad("max_steps", fmt::format("must be in [1, 100000000], got {}", c.max_steps));

  const auto& r = c.rewards;
  const std::pair<std::string_view, double> magnitudes[] = {
      {"distance", r.distance}, {"step", r.step},   {"exploration", r.exploration}, {"anti_dithering", r.anti_dithering},
      {"stuck", r.stuck},       {"goal", r.goal},   {"eat", r.eat},                 {"starvation", r.starvation},
      {"predator_death", r.predator_death},         {"predator_proximity", r.predator_proximity}};
  for (const auto& [key, v] : magnitudes)
    if (!(v >= 0.0) || !std::isfinite(v))
      return bad(fmt::format("rewards.{}", key),
                 fmt::format("must be >= 0 and finite, got {} (penalties are magnitudes: the sign is fixed by the "
                             "term, see docs/environments.md)",
                             v));
  if (!(r.goal_floor >= 0.0 && r.goal_floor <= 1.0))
    return bad("rewards.goal_floor", fmt::format("must be in [0, 1], got {}", r.goal_floor));
  if (r.stuck_threshold < 0 || r.stuck_threshold > 1'000'000)
    return bad("rewards.stuck_threshold", fmt::format("must be in [0, 1000000], got {}", r.stuck_threshold));
  if (r.stuck_cap < 0 || r.stuck_cap > 1'000'000)
    return bad("rewards.stuck_cap", fmt::format("must be in [0, 1000000], got {}", r.stuck_cap));

  if (!is_foraging(c.kind)) return {};

  if (c.foods < 1) return bad("foods", fmt::format("must be at least 1, got {}", c.foods));
  if (c.target_foods < 1) return bad("target_foods", fmt::format("must be at least 1, got {}", c.target_foods));
  if (!(c.food_spacing >= 1.0) || !std::isfinite(c.food_spacing))
    return bad("food_spacing", fmt::format("must be >= 1 (foods on distinct cells) and finite, got {}", c.food_spacing));
  if (!(c.exclusion_radius >= 0.0) || !std::isfinite(c.exclusion_radius))
    return bad("exclusion_radius", fmt::format("must be >= 0 and finite, got {}", c.exclusion_radius));
  if (!(c.gradient_decay > 0.0) || !std::isfinite(c.gradient_decay))
    return bad("gradient_decay", fmt::format("must be positive and finite, got {}", c.gradient_decay));
  if (!(c.satiety >= 1.0) || !(c.satiety <= 1e9))
    return bad("satiety", fmt::format("must be in [1, 1e9] steps, got {}", c.satiety));
  if (!(c.satiety_gain >= 0.0 && c.satiety_gain <= 1.0))
    return bad("satiety_gain", fmt::format("must be in [0, 1] (a fraction of satiety), got {}", c.satiety_gain));

  // The agent starts at the centre, where the exclusion disc covers the most cells: a food always
  // fits elsewhere if the foods fit here (spacing is relaxed when it cannot be kept, see spawn_food).
  const int mid = c.grid / 2;
  long free_cells = 0;
  for (int y = 0; y < c.grid; ++y)
    for (int x = 0; x < c.grid; ++x) {
      const double dx = x - mid, dy = y - mid;
      if ((x != mid || y != mid) && dx * dx + dy * dy >= c.exclusion_radius * c.exclusion_radius) ++free_cells;
    }
  if (c.foods > free_cells)
    return bad("foods", fmt::format("{} foods do not fit: only {} free cells of the {}x{} grid lie at distance >= "
                                    "exclusion_radius ({}) from the start",
                                    c.foods, free_cells, c.grid, c.grid, c.exclusion_radius));

  if (c.kind != env_kind::predators) return {};
  if (c.predators < 1 || c.predators > 1000)
    return bad("predators", fmt::format("must be in [1, 1000], got {}", c.predators));
  const int farthest = 2 * std::max(mid, c.grid - 1 - mid);
  if (c.predator_spawn_distance < 0 || c.predator_spawn_distance >= farthest)
    return bad("predator_spawn_distance",
               fmt::format("must be in [0, {}) so that a cell farther than it from the start exists, got {}", farthest,
                           c.predator_spawn_distance));
  if (!(c.predator_decay > 0.0) || !std::isfinite(c.predator_decay))
    return bad("predator_decay", fmt::format("must be positive and finite, got {}", c.predator_decay));
  if (c.predator_danger_radius < 0)
    return bad("predator_danger_radius", fmt::format("must be >= 0, got {}", c.predator_danger_radius));
  return {};
}

namespace {

int read_int(const table_reader& t, std::string_view key, int current) {
  if (!t.has(key)) return current;
  const std::int64_t v = t.integer(key);
  if (v < -1'000'000'000 || v > 1'000'000'000) t.fail(key, fmt::format("{} is out of range", v));
  return static_cast<int>(v);
}

double read_real(const table_reader& t, std::string_view key, double current) {
  const double v = t.number(key, current);
  if (!std::isfinite(v)) t.fail(key, fmt::format("must be finite, got {}", v));
  return v;
}

// Keys that only make sense for some kinds are rejected elsewhere, naming the kinds they need.
void only_for(const table_reader& t, std::string_view key, env_kind kind, bool allowed, std::string_view kinds) {
  if (t.has(key) && !allowed)
    t.fail(key, fmt::format("applies only to kind = {}, not \"{}\"", kinds, kind_name(kind)));
}

}  // namespace

env_config read_env_config(const table_reader& t) {
  t.allow_only({"kind", "preset", "grid", "max_steps", "foods", "target_foods", "food_spacing", "exclusion_radius",
                "gradient_decay", "satiety", "satiety_gain", "predators", "predator_spawn_distance", "predator_decay",
                "predator_danger_radius", "rewards"});
  const std::string kind_s = t.choice("kind", "static", {"static", "foraging", "predators"});
  const env_kind kind = kind_s == "static" ? env_kind::static_goal
                        : kind_s == "foraging" ? env_kind::foraging
                                               : env_kind::predators;
  const std::string preset = t.string("preset", kind == env_kind::static_goal ? "medium" : "small");
  const auto names = preset_names(kind);
  if (std::find(names.begin(), names.end(), preset) == names.end())
    t.fail("preset", fmt::format("unknown preset '{}' for kind \"{}\" (expected one of: {})", preset, kind_s,
                                 join(names)));
  env_config c = preset_config(kind, preset);

  const bool forage = is_foraging(kind), pred = kind == env_kind::predators;
  for (auto key : {"foods", "target_foods", "food_spacing", "exclusion_radius", "gradient_decay", "satiety",
                   "satiety_gain"})
    only_for(t, key, kind, forage, "\"foraging\" or \"predators\"");
  for (auto key : {"predators", "predator_spawn_distance", "predator_decay", "predator_danger_radius"})
    only_for(t, key, kind, pred, "\"predators\"");

  c.grid = read_int(t, "grid", c.grid);
  c.max_steps = read_int(t, "max_steps", c.max_steps);
  c.foods = read_int(t, "foods", c.foods);
  c.target_foods = read_int(t, "target_foods", c.target_foods);
  c.food_spacing = read_real(t, "food_spacing", c.food_spacing);
  c.exclusion_radius = read_real(t, "exclusion_radius", c.exclusion_radius);
  c.gradient_decay = read_real(t, "gradient_decay", c.gradient_decay);
  c.satiety = read_real(t, "satiety", c.satiety);
  c.satiety_gain = read_real(t, "satiety_gain", c.satiety_gain);
  c.predators = read_int(t, "predators", c.predators);
  c.predator_spawn_distance = read_int(t, "predator_spawn_distance", c.predator_spawn_distance);
  c.predator_decay = read_real(t, "predator_decay", c.predator_decay);
  c.predator_danger_radius = read_int(t, "predator_danger_radius", c.predator_danger_radius);

  const auto rewards = t.subtable("rewards");
  if (rewards) {
    const auto& rt = *rewards;
    rt.allow_only({"distance", "step", "exploration", "anti_dithering", "stuck", "stuck_threshold", "stuck_cap",
                   "goal", "goal_floor", "eat", "starvation", "predator_death", "predator_proximity"});
    for (auto key : {"goal", "goal_floor"}) only_for(rt, key, kind, !forage, "\"static\"");
    for (auto key : {"eat", "starvation"}) only_for(rt, key, kind, forage, "\"foraging\" or \"predators\"");
    for (auto key : {"predator_death", "predator_proximity"}) only_for(rt, key, kind, pred, "\"predators\"");
    auto& r = c.rewards;
    r.distance = read_real(rt, "distance", r.distance);
    r.step = read_real(rt, "step", r.step);
    r.exploration = read_real(rt, "exploration", r.exploration);
    r.anti_dithering = read_real(rt, "anti_dithering", r.anti_dithering);
    r.stuck = read_real(rt, "stuck", r.stuck);
    r.stuck_threshold = read_int(rt, "stuck_threshold", r.stuck_threshold);
    r.stuck_cap = read_int(rt, "stuck_cap", r.stuck_cap);
    r.goal = read_real(rt, "goal", r.goal);
    r.goal_floor = read_real(rt, "goal_floor", r.goal_floor);
    r.eat = read_real(rt, "eat", r.eat);
    r.starvation = read_real(rt, "starvation", r.starvation);
    r.predator_death = read_real(rt, "predator_death", r.predator_death);
    r.predator_proximity = read_real(rt, "predator_proximity", r.predator_proximity);
  }

  const auto problem = check_env_config(c);
  if (!problem.key.empty()) {
    constexpr std::string_view prefix = "rewards.";
    if (problem.key.starts_with(prefix)) {
      const std::string sub = problem.key.substr(prefix.size());
      if (rewards) rewards->fail(sub, problem.message);
      t.fail(problem.key, problem.message);
    }
    t.fail(problem.key, problem.message);
  }
  return c;
}

}  // namespace spikeworm::envs
