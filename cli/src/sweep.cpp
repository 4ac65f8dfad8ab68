// spikeworm sweep: a grid over config keys, each point trained (sessions in parallel), evaluated and
// costed, with an energy-accuracy Pareto report.
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "spikeworm/core/parallel.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/learning/energy.hpp"
#include "spikeworm/core/progress.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

void add_sweep(CLI::App& app, sweep_args& a) {
  auto* c = app.add_subcommand("sweep",
                               "Train, evaluate and cost a grid of configurations (--set key=v1,v2,...), with an "
                               "energy-accuracy Pareto report and plot");
  c->add_option("config", a.config, "base experiment configuration (TOML)")->required();
  c->add_option("--set", a.sets, "KEY=V1,V2,...: a dotted config key (e.g. brain.hidden, train.activity_l1) and its "
                                 "values; repeatable, the grid is every combination")
      ->required();
  c->add_option("--out", a.out_dir, "output folder (default runs/sweep); finished points are reused on a rerun");
  c->add_option("--sessions", a.sessions, "sessions per point (default: [train] sessions)")->check(CLI::Range(1, 10000));
  c->add_option("--episodes", a.episodes, "training episodes per session (default: [train] episodes)")
      ->check(CLI::Range(1, 10000000));
  c->add_option("--threads", a.threads, "worker threads (default: all cores)")->check(CLI::Range(1, 256));
  c->add_option("--eval-episodes", a.eval_episodes, "evaluation episodes per agent (default 20)")->check(CLI::Range(1, 100000));
  c->add_option("--eval-engine", a.eval_engine, "engine counting spikes at evaluation: dense (default; counts are "
                                                "identical to the event engine's, tested) or event")
      ->check(CLI::IsMember({"event", "clock", "dense"}));
  c->add_option("--table", a.tables, "energy tables (default: cmos45_fp32 and loihi)");
  c->add_option("--compare", a.compare, "other sweep folders whose points join the Pareto plot");
  c->add_flag("--no-plot", a.no_plot, "do not draw pareto.png");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

namespace {

struct axis {
  std::string key;
  std::vector<std::string> values;
};

axis parse_set(const std::string& s) {
  const auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
    throw error(fmt::format("--set '{}': expected KEY=V1,V2,... (e.g. brain.hidden=32,64)", s));
  axis a;
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

}  // namespace

int sweep(const sweep_args& a, std::ostream& out, std::ostream& err) {
  const fs::path dir = a.out_dir.empty() ? fs::path("runs/sweep") : fs::path(a.out_dir);
  std::vector<axis> axes;
  for (const auto& s : a.sets) axes.push_back(parse_set(s));
  const std::string base_text = slurp(a.config);
  const auto base = load_config_string(base_text, a.config);
  const auto tables = load_energy_tables((source_dir() / "configs" / "energy").string(), a.tables);
  // Every point's config, validated before anything runs.
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
  std::vector<std::string> texts;
  for (const auto& p : points) {
    toml::table t = base.root;
    for (std::size_t k = 0; k < axes.size(); ++k) set_key(t, axes[k].key, p[k]);
    std::ostringstream ss;
    ss << "# spikeworm sweep point of " << a.config << ":";
    for (std::size_t k = 0; k < axes.size(); ++k) ss << " " << axes[k].key << "=" << p[k];
    ss << "\n" << t << "\n";
    const std::string text = ss.str();
    try {
      const auto doc = load_config_string(text, a.config);
      (void)read_experiment(table_reader::root(doc));
    } catch (const error& e) {
      std::string where;
      for (std::size_t k = 0; k < axes.size(); ++k) where += fmt::format(" {}={}", axes[k].key, p[k]);
      throw error(fmt::format("sweep point{}: {}", where, e.what()));
    }
    texts.push_back(text);
  }
  ensure_directory(dir);
  ensure_directory(dir / "configs");
  const int threads = worker_threads(a.threads);
  nlohmann::json rows = nlohmann::json::array();
  progress_bar bar(err, "sweep", points.size(), a.quiet ? progress_bar::mode::off : progress_bar::mode::automatic);
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::string label;
    for (std::size_t k = 0; k < axes.size(); ++k) label += fmt::format("{}{}={}", k ? " " : "", axes[k].key, points[i][k]);
    bar.update(i, label);
    const std::string name = fmt::format("p{:03}", i);
    const fs::path cfg_path = dir / "configs" / (name + ".toml");
    const fs::path run = dir / name;
    // A finished point with the same config is reused.
    const bool done = fs::exists(run / "summary.json") && fs::exists(run / "config.toml") && slurp(run / "config.toml") == texts[i];
    if (!done) {
      write_file_atomically(cfg_path, texts[i]);
      train_args ta;
      ta.config = cfg_path.string();
      ta.out_dir = run.string();
      ta.sessions = a.sessions;
      ta.episodes = a.episodes;
      ta.threads = threads;
      ta.quiet = true;
      std::ostringstream log;
      if (const int rc = train(ta, log, err); rc != 0) return rc;
      write_file_atomically(run / "train.log", log.str());
    }
    const loaded_run lr = load_run(run.string(), "");
    eval_options eo;
    eo.engine = parse_eval_engine(a.eval_engine);
    eo.episodes = a.eval_episodes;
    const auto ev = evaluate_files(lr.cfg, lr.weights, eo, threads);
    auto evj = ev.to_json();
    evj["run"] = run.string();
    evj["weights"] = lr.weights;
    evj["seed"] = eo.seed;
    evj["sample"] = eo.sample;
    write_file_atomically(run / "eval.json", evj.dump(2) + "\n");
    const auto summary = nlohmann::json::parse(slurp(run / "summary.json"));
    const auto& per = summary["per_session"];
    nlohmann::json row{{"point", name}, {"label", label}, {"brain", lr.cfg.brain.type},
                       {"last30_success", mean_of(per, "last30_success")}, {"last30_steps", mean_of(per, "last30_steps")},
                       {"success_rate", mean_of(per, "success_rate")}, {"eval_success", ev.success_rate()},
                       {"eval_steps", ev.mean_steps_success}};
    nlohmann::json values;
    for (std::size_t k = 0; k < axes.size(); ++k) values[axes[k].key] = points[i][k];
    row["values"] = values;
    std::vector<double> rates;
    for (std::size_t k = 0; k < ev.layers_counts.size(); ++k) rates.push_back(ev.firing_rate(k));
    row["firing_rate"] = rates;
    nlohmann::json energy;
    for (const auto& t : tables) energy[t.id] = energy_of(ev, t).brain.total();
    row["energy_pj"] = energy;
    nlohmann::json mlp_energy;
    for (const auto& t : tables) mlp_energy[t.id] = energy_of(ev, t).mlp.total();
    row["mlp_baseline_energy_pj"] = mlp_energy;
    rows.push_back(row);
  }
  bar.update(points.size());
  bar.finish();
  // Pareto front per brain type and table: no other point has both lower energy and higher last-30 success.
  for (auto& r : rows) {
    nlohmann::json front;
    for (const auto& t : tables) {
      bool dominated = false;
      for (const auto& o : rows) {
        if (&o == &r || o["brain"] != r["brain"]) continue;
        const double oe = o["energy_pj"][t.id], re = r["energy_pj"][t.id];
        const double os = o["last30_success"], rs = r["last30_success"];
        if (oe <= re && os >= rs && (oe < re || os > rs)) dominated = true;
      }
      front[t.id] = !dominated;
    }
    r["pareto"] = front;
  }
  // Report.
  out << fmt::format("sweep of {} over {} point(s); last-30 success and steps are training means over sessions,\n"
                     "energy per decision from {} evaluation episodes per agent ({} counts)\n\n",
                     a.config, points.size(), a.eval_episodes, a.eval_engine);
  out << fmt::format("{:<5} {:<48} {:>7} {:>7} {:>16}", "point", "values", "last30", "steps", "firing rates");
  for (const auto& t : tables) out << fmt::format(" {:>14}", t.id + " nJ");
  out << "\n";
  for (const auto& r : rows) {
    std::string rates;
    for (const auto& x : r["firing_rate"]) rates += fmt::format("{}{:.1f}%", rates.empty() ? "" : "/", 100 * x.get<double>());
    if (rates.empty()) rates = "-";
    out << fmt::format("{:<5} {:<48} {:>7.3f} {:>7.1f} {:>16}", r["point"].get<std::string>(), r["label"].get<std::string>(),
                       r["last30_success"].get<double>(), r["last30_steps"].get<double>(), rates);
    for (const auto& t : tables)
      out << fmt::format(" {:>13.2f}{}", r["energy_pj"][t.id].get<double>() / 1000.0, r["pareto"][t.id].get<bool>() ? "*" : " ");
    out << "\n";
  }
  out << "* on the energy-success Pareto front of its brain type for that table\n";
  // Cheapest configuration reaching last-30 success >= 0.9, per table.
  for (const auto& t : tables) {
    const nlohmann::json* best = nullptr;
    for (const auto& r : rows)
      if (r["last30_success"].get<double>() >= 0.9 &&
          (!best || r["energy_pj"][t.id].get<double>() < (*best)["energy_pj"][t.id].get<double>()))
        best = &r;
    if (best)
      out << fmt::format("cheapest with last-30 success >= 0.9 on {}: {} ({}) {:.2f} nJ per decision\n", t.id,
                         (*best)["point"].get<std::string>(), (*best)["label"].get<std::string>(),
                         (*best)["energy_pj"][t.id].get<double>() / 1000.0);
    else
      out << fmt::format("no point reaches last-30 success >= 0.9 ({})\n", t.id);
  }
  nlohmann::json doc{{"config", a.config}, {"sets", a.sets}, {"eval_episodes", a.eval_episodes},
                     {"eval_engine", a.eval_engine}, {"tables", a.tables}, {"points", rows}};
  write_file_atomically(dir / "sweep.json", doc.dump(2) + "\n");
  {
    atomic_file f(dir / "sweep.csv");
    auto& o = f.stream();
    o << "point,brain";
    for (const auto& ax : axes) o << "," << ax.key;
    o << ",last30_success,last30_steps,eval_success";
    for (const auto& t : tables) o << ",energy_pj_" << t.id << ",pareto_" << t.id;
    o << ",firing_rates\n";
    for (const auto& r : rows) {
      o << r["point"].get<std::string>() << "," << r["brain"].get<std::string>();
      for (const auto& ax : axes) o << "," << r["values"][ax.key].get<std::string>();
      o << fmt::format(",{:.4f},{:.2f},{:.4f}", r["last30_success"].get<double>(), r["last30_steps"].get<double>(),
                       r["eval_success"].get<double>());
      for (const auto& t : tables)
        o << fmt::format(",{:.2f},{}", r["energy_pj"][t.id].get<double>(), r["pareto"][t.id].get<bool>() ? 1 : 0);
      std::string rates;
      for (const auto& x : r["firing_rate"]) rates += fmt::format("{}{:.5f}", rates.empty() ? "" : "/", x.get<double>());
      o << "," << rates << "\n";
    }
    f.commit();
  }
  out << fmt::format("wrote {}/{{sweep.json, sweep.csv, pNNN/}}\n", dir.string());
  if (!a.no_plot) {
    std::vector<std::string> args{(dir / "pareto.png").string(), (dir / "sweep.json").string()};
    for (const auto& c : a.compare) {
      if (!fs::exists(fs::path(c) / "sweep.json")) throw error(fmt::format("--compare {}: no sweep.json there", c));
      args.push_back((fs::path(c) / "sweep.json").string());
    }
    if (run_python_plot("plot_pareto.py", args, out)) out << fmt::format("wrote {}\n", (dir / "pareto.png").string());
  }
  return 0;
}

}  // namespace spikeworm::cli
