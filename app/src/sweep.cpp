// Sweeps: every point of a grid over config keys trained, evaluated and costed; the Pareto front per brain kind.
#include "spikeworm/app/sweep.hpp"

#include <filesystem>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ranks.hpp"
#include "spikeworm/app/data_dir.hpp"
#include "spikeworm/app/eval.hpp"
#include "spikeworm/app/run_dir.hpp"
#include "spikeworm/app/train.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/lock.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/mpi.hpp"
#include "spikeworm/core/parallel.hpp"

namespace spikeworm::app {

namespace fs = std::filesystem;

sweep_axis parse_set(const std::string& s) {
  const auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
    throw error(fmt::format("--set '{}': expected KEY=V1,V2,... (e.g. brain.hidden=32,64)", s));
  sweep_axis a;
  a.key = s.substr(0, eq);
  std::string rest = s.substr(eq + 1);
  std::size_t start = 0;
  while (true) {
    const auto comma = rest.find(',', start);
    std::string v = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (v.empty()) throw error(fmt::format("--set '{}': empty value", s));
    a.values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return a;
}

const sweep_point* sweep_result::cheapest(std::size_t t, bool sampled) const noexcept {
  const sweep_point* best = nullptr;
  for (const auto& p : points)
    if ((sampled ? p.sampled_success : p.eval_success) >= 0.9 && (!best || p.energy_pj[t] < best->energy_pj[t]))
      best = &p;
  return best;
}

void mark_pareto(std::vector<sweep_point>& points, std::size_t tables) {
  for (const bool sampled : {false, true}) {
    const auto success = [&](const sweep_point& p) { return sampled ? p.sampled_success : p.eval_success; };
    for (auto& r : points) {
      auto& front = sampled ? r.pareto_sampled : r.pareto;
      front.assign(tables, false);
      for (std::size_t t = 0; t < tables; ++t) {
        bool dominated = false;
        for (const auto& o : points) {
          if (&o == &r || o.brain != r.brain) continue;
          const double oe = o.energy_pj[t], re = r.energy_pj[t];
          const double os = success(o), rs = success(r);
          if (oe <= re && os >= rs && (oe < re || os > rs)) dominated = true;
        }
        front[t] = !dominated;
      }
    }
  }
}

nlohmann::json sweep_point_json(const sweep_result& s, const sweep_point& p) {
  nlohmann::json row{{"point", p.name}, {"label", p.label}, {"brain", std::string(brain_kind_name(p.brain))},
                     {"last30_success", p.last30_success}, {"last30_steps", p.last30_steps},
                     {"success_rate", p.success_rate}, {"eval_success", p.eval_success}, {"eval_steps", p.eval_steps},
                     {"sampled_success", p.sampled_success}, {"sampled_steps", p.sampled_steps}};
  nlohmann::json values, energy, mlp_energy, front, front_sampled;
  for (std::size_t k = 0; k < s.axes.size(); ++k) values[s.axes[k].key] = p.values[k];
  row["values"] = values;
  row["firing_rate"] = p.firing_rate;
  row["firing_rate_hz"] = p.firing_rate_hz;
  for (std::size_t t = 0; t < s.tables.size(); ++t) {
    energy[s.tables[t].id] = p.energy_pj[t];
    mlp_energy[s.tables[t].id] = p.mlp_energy_pj[t];
    front[s.tables[t].id] = static_cast<bool>(p.pareto[t]);
    front_sampled[s.tables[t].id] = static_cast<bool>(p.pareto_sampled[t]);
  }
  row["energy_pj"] = energy;
  row["mlp_baseline_energy_pj"] = mlp_energy;
  row["pareto"] = front;  // on eval_success (greedy)
  row["pareto_sampled"] = front_sampled;
  return row;
}

namespace {

// Sets the dotted key in the document: numbers, booleans and quoted strings as TOML; anything else as a
// string. Intermediate tables are created.
void set_key(toml::table& root, const std::string& key, const std::string& text) {
  toml::table* t = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw error(fmt::format("--set: bad key '{}'", key));
    if (dot == std::string::npos) {
      try {
        toml::table parsed = toml::parse("v = " + text);
        if (const auto* v = parsed.get("v"); v && !v->is_table()) {
          t->insert_or_assign(part, *v);
          return;
        }
      } catch (const toml::parse_error&) {
      }
      t->insert_or_assign(part, text);
      return;
    }
    if (!t->contains(part)) t->insert(part, toml::table{});
    auto* next = t->get(part)->as_table();
    if (!next) throw error(fmt::format("--set {}: '{}' is not a table", key, part));
    t = next;
    start = dot + 1;
  }
}

// Every combination of the axes' values, the first axis slowest.
std::vector<std::vector<std::string>> grid(const std::vector<sweep_axis>& axes) {
  std::vector<std::vector<std::string>> points{{}};
  for (const auto& ax : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& p : points)
      for (const auto& v : ax.values) {
        auto q = p;
        q.push_back(v);
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  return points;
}

// Every point's config text, validated before anything runs.
std::vector<std::string> point_configs(const sweep_options& opt, const config_document& base,
                                       const std::vector<sweep_axis>& axes,
                                       const std::vector<std::vector<std::string>>& points, int threads) {
  std::vector<std::string> texts;
  for (const auto& p : points) {
    toml::table t = base.root;
    for (std::size_t k = 0; k < axes.size(); ++k) set_key(t, axes[k].key, p[k]);
    std::ostringstream ss;
    ss << "# spikeworm sweep point of " << opt.config << ":";
    for (std::size_t k = 0; k < axes.size(); ++k) ss << " " << axes[k].key << "=" << p[k];
    ss << "\n" << t << "\n";
    std::string text = ss.str();
    try {
      const auto doc = load_config_string(text, opt.config);
      const auto cfg = read_experiment(table_reader::root(doc));
      const int sessions = opt.sessions > 0 ? opt.sessions : cfg.train.sessions;
      check_memory("training", training_memory(cfg, std::min(threads, sessions)), opt.max_memory);
    } catch (const error& e) {
      std::string where;
      for (std::size_t k = 0; k < axes.size(); ++k) where += fmt::format(" {}={}", axes[k].key, p[k]);
      throw error(fmt::format("sweep point{}: {}", where, e.what()));
    }
    texts.push_back(std::move(text));
  }
  return texts;
}

// The mean of a number over summary.json's per-session entries (entries without it, or null, skipped).
double mean_of(const nlohmann::json& per_session, const char* key) {
  double s = 0;
  int n = 0;
  for (const auto& x : per_session) {
    if (!x.contains(key) || !x[key].is_number()) continue;
    s += x[key].get<double>();
    ++n;
  }
  return n ? s / n : 0.0;
}

// Evaluates and costs a trained point; its training figures come from its summary.json. The point's files are
// read from `from` and eval.json is written into `out`: both are its folder `run`, or (over ranks) a stage that
// stands for it, whose paths eval.json names as those of `run`.
void measure(const sweep_options& opt, const std::vector<energy_table>& tables, int threads, const fs::path& from,
             const fs::path& run, const fs::path& out, sweep_point& p) {
  loaded_run lr = load_run(from.string(), "");
  const auto files = lr.weights;
  if (from != run) {
    lr.dir = run;
    for (auto& w : lr.weights) w = (run / "weights" / fs::path(w).filename()).string();
  }
  eval_options eo;
  eo.engine = parse_eval_engine(opt.eval_engine);
  eo.episodes = opt.eval_episodes;
  eo.policy = eval_policy::both;  // the fronts use both (docs/energy.md, "Greedy and sampled")
  const auto ev = evaluate_files(lr.cfg, files, eo, threads);
  write_file_atomically(out / "eval.json", json_text(eval_json(ev, lr, eo)));
  const auto summary = nlohmann::json::parse(slurp(from / "summary.json"));
  const auto& per = summary["per_session"];
  p.brain = lr.cfg.brain.kind;
  p.last30_success = mean_of(per, "last30_success");
  p.last30_steps = mean_of(per, "last30_steps");
  p.success_rate = mean_of(per, "success_rate");
  p.eval_success = ev.greedy->success_rate();
  p.eval_steps = ev.greedy->mean_steps_success;
  p.sampled_success = ev.sampled->success_rate();
  p.sampled_steps = ev.sampled->mean_steps_success;
  for (std::size_t k = 0; k < ev.layers_counts.size(); ++k) {
    p.firing_rate.push_back(ev.firing_rate(k));
    p.firing_rate_hz.push_back(ev.firing_rate_hz(k));
  }
  for (const auto& t : tables) p.energy_pj.push_back(energy_of(ev, t).brain.total());
  for (const auto& t : tables) p.mlp_energy_pj.push_back(energy_of(ev, t).mlp.total());
}

void write_outputs(const sweep_options& opt, const sweep_result& s) {
  const fs::path dir(s.dir);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& p : s.points) rows.push_back(sweep_point_json(s, p));
  nlohmann::json doc{{"config", opt.config}, {"sets", opt.sets}, {"eval_episodes", opt.eval_episodes},
                     {"eval_engine", opt.eval_engine}, {"tables", opt.tables}, {"front_success", "eval_success"},
                     {"points", rows}};
  write_file_atomically(dir / "sweep.json", json_text(doc));
  atomic_file f(dir / "sweep.csv");
  auto& o = f.stream();
  o << "point,brain";
  for (const auto& ax : s.axes) o << "," << ax.key;
  o << ",last30_success,last30_steps,eval_success,sampled_success";
  for (const auto& t : s.tables) o << ",energy_pj_" << t.id << ",pareto_" << t.id << ",pareto_sampled_" << t.id;
  o << ",firing_rates\n";
  for (const auto& p : s.points) {
    o << p.name << "," << brain_kind_name(p.brain);
    for (const auto& v : p.values) o << "," << v;
    o << fmt::format(",{:.4f},{:.2f},{:.4f},{:.4f}", p.last30_success, p.last30_steps, p.eval_success, p.sampled_success);
    for (std::size_t t = 0; t < s.tables.size(); ++t)
      o << fmt::format(",{:.2f},{},{}", p.energy_pj[t], p.pareto[t] ? 1 : 0, p.pareto_sampled[t] ? 1 : 0);
    std::string rates;
    for (double x : p.firing_rate) rates += fmt::format("{}{:.5f}", rates.empty() ? "" : "/", x);
    o << "," << rates << "\n";
  }
  f.commit();
}

// The options a point's results depend on besides its config.
nlohmann::json point_options(const sweep_options& opt) {
  return {{"sessions", opt.sessions}, {"episodes", opt.episodes}, {"eval_episodes", opt.eval_episodes},
          {"eval_engine", opt.eval_engine}, {"tables", opt.tables}};
}

std::string point_label(const std::vector<sweep_axis>& axes, const std::vector<std::string>& values) {
  std::string label;
  for (std::size_t k = 0; k < axes.size(); ++k) label += fmt::format("{}{}={}", k ? " " : "", axes[k].key, values[k]);
  return label;
}

// A finished point is reused only when its config and every option it was made under match (sweep_point.json,
// written once the point is measured; docs/training.md, "The run folder").
bool point_done(const fs::path& run, const std::string& text, const std::string& made_under) {
  return fs::exists(run / "summary.json") && fs::exists(run / "config.toml") && slurp(run / "config.toml") == text &&
         fs::exists(run / "sweep_point.json") && slurp(run / "sweep_point.json") == made_under;
}

struct point_run {
  sweep_point p;
  bool reused = false;                // a finished point: only measured again
  std::vector<std::string> failures;  // its training stopped on these: nothing after it runs
};

// Point i: trained (unless finished before) and measured. Its files go into `out`: its folder in the sweep folder,
// or over ranks a stage folder that stands for it (its config then already written by rank 0).
point_run run_point(const sweep_options& opt, const sweep_result& s, std::size_t i,
                    const std::vector<std::vector<std::string>>& points, const std::vector<std::string>& texts,
                    int threads, const fs::path& out) {
  point_run pr;
  auto& p = pr.p;
  p.label = point_label(s.axes, points[i]);
  p.name = fmt::format("p{:03}", i);
  p.values = points[i];
  const fs::path dir(s.dir), run = dir / p.name, cfg_path = dir / "configs" / (p.name + ".toml");
  const std::string made_under = json_text(point_options(opt));
  pr.reused = point_done(run, texts[i], made_under);
  if (!pr.reused) {
    if (out == run) write_file_atomically(cfg_path, texts[i]);
    train_options to;
    to.config = cfg_path.string();
    to.out_dir = run.string();
    if (out != run) to.stage_dir = out.string();
    to.spread = false;  // the point is this rank's work
    to.sessions = opt.sessions;
    to.episodes = opt.episodes;
    to.threads = threads;
    to.max_memory = opt.max_memory;
    to.final_eval = 0;  // the point is evaluated below, with both policies
    to.force = true;  // the point did not finish under this config: its folder is re-run from scratch
    // The point's config lives in the sweep folder: its init weights resolve against the sweep's config.
    const auto doc = load_config_string(texts[i], opt.config);
    const auto init = read_experiment(table_reader::root(doc)).train.init_weights;
    if (!init.empty()) to.init_weights = resolve_config_path(init, opt.config).string();
    const auto tr = train(to);
    for (std::size_t k = 0; k < tr.per_session.size(); ++k)
      if (tr.per_session[k].failed())
        pr.failures.push_back(fmt::format("{} (the session stopped; {})", tr.per_session[k].error, failure_note(tr, k)));
    if (!pr.failures.empty()) return pr;
    write_file_atomically(out / "train.log", train_report(tr));
  }
  ensure_directory(out);  // a reused point's stage holds only what is measured again
  measure(opt, s.tables, threads, pr.reused ? run : out, run, out, p);
  if (!pr.reused) write_file_atomically(out / "sweep_point.json", made_under);
  return pr;
}

// Rank 0 writes a round's points, sent by their ranks, into the sweep folder in point order, as one process
// would have; true when a point's training failed (the points after it are dropped).
bool commit_round(sweep_result& s, const std::vector<std::string>& sent, std::size_t first, std::size_t n) {
  for (std::size_t r = 0; r < sent.size() && first + r < n; ++r) {
    point_run pr;
    folder_files files;
    byte_reader in(sent[r]);
    in(pr.p, pr.reused, pr.failures, files);
    const fs::path run = fs::path(s.dir) / pr.p.name;
    ensure_directory(run);
    const folder_lock lock(run);  // as train takes it
    if (!pr.reused) clear_run_outputs(run);
    write_folder(files, run);
    if (!pr.failures.empty()) {
      s.train_failures = pr.failures;
      return true;
    }
    s.points.push_back(std::move(pr.p));
  }
  return false;
}

// The points over ranks (docs/scaling.md): in rounds of R points, point i on rank i mod R, each rank writing into
// its scratch folder; after each round rank 0 writes the round's points into the sweep folder. False when a
// point's training failed.
bool sweep_over_ranks(const sweep_options& opt, sweep_result& s, const std::vector<std::vector<std::string>>& points,
                      const std::vector<std::string>& texts, int threads, const sweep_callback& progress) {
  const fs::path dir(s.dir);
  const std::string made_under = json_text(point_options(opt));
  const std::size_t n = points.size(), ranks = static_cast<std::size_t>(mpi::size());
  if (mpi::rank() == 0)
    for (std::size_t i = 0; i < n; ++i) {
      const auto name = fmt::format("p{:03}", i);
      if (!point_done(dir / name, texts[i], made_under)) write_file_atomically(dir / "configs" / (name + ".toml"), texts[i]);
    }
  mpi::barrier();  // the configs are there before any rank trains from them
  const scratch_dir scratch;
  for (std::size_t first = 0; first < n; first += ranks) {
    if (progress && mpi::rank() == 0) progress(first, n, point_label(s.axes, points[first]));
    std::string mine;
    if (const std::size_t i = first + static_cast<std::size_t>(mpi::rank()); i < n) {
      const fs::path stage = scratch.path() / fmt::format("p{:03}", i);
      const point_run pr = run_point(opt, s, i, points, texts, threads, stage);
      byte_writer w;
      w(pr.p, pr.reused, pr.failures, read_folder(stage));
      mine = std::move(w.bytes());
      fs::remove_all(stage);
    }
    const auto sent = mpi::gather(mine);
    if (mpi::broadcast(mpi::rank() == 0 && commit_round(s, sent, first, n) ? 1 : 0) != 0) return false;
  }
  return true;
}

}  // namespace

sweep_result sweep(const sweep_options& opt, const sweep_callback& progress) {
  sweep_result s;
  s.dir = opt.out_dir.empty() ? std::string("runs/sweep") : opt.out_dir;
  const fs::path dir(s.dir);
  for (const auto& set : opt.sets) s.axes.push_back(parse_set(set));
  const auto base = load_config_string(slurp(opt.config), opt.config);
  s.tables = load_energy_tables((data_dir() / "configs" / "energy").string(), opt.tables);
  const auto points = grid(s.axes);
  const int threads = worker_threads(opt.threads);
  const auto texts = point_configs(opt, base, s.axes, points, threads);
  // Over MPI ranks, rank 0 alone writes into the sweep folder (docs/scaling.md).
  const bool writer = mpi::rank() == 0;
  std::optional<folder_lock> lock;
  if (writer) {
    ensure_directory(dir);
    lock.emplace(dir);  // one sweep per folder (docs/training.md, "The run folder")
    ensure_directory(dir / "configs");
    remove_stale_temporaries(dir);  // docs/reliability.md
  }
  if (mpi::spread()) {
    if (!sweep_over_ranks(opt, s, points, texts, threads, progress)) return s;
  } else {
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (progress) progress(i, points.size(), point_label(s.axes, points[i]));
      auto pr = run_point(opt, s, i, points, texts, threads, dir / fmt::format("p{:03}", i));
      if (!pr.failures.empty()) {
        s.train_failures = std::move(pr.failures);
        return s;
      }
      s.points.push_back(std::move(pr.p));
    }
  }
  if (!writer) return s;
  if (progress) progress(points.size(), points.size(), "");
  mark_pareto(s.points, s.tables.size());
  write_outputs(opt, s);
  return s;
}

}  // namespace spikeworm::app
