// spikeworm energy: energy per decision and per episode of a trained run on every energy table, each
// term separately, next to the MLP baseline and a same-shape ANN, with the break-even firing rate.
#include <cstdlib>

#include <fmt/format.h>
#include <sys/wait.h>

#include "commands.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/learning/energy.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

fs::path source_dir() {
  const char* env = std::getenv("SPIKEWORM_SOURCE_DIR");
  return fs::path(env ? env : SPIKEWORM_SOURCE_DIR);
}

bool run_python_plot(const std::string& script, const std::vector<std::string>& args, std::ostream& out) {
  const fs::path path = source_dir() / "scripts" / script;
  if (!fs::exists(path)) throw error(fmt::format("{}: plotting script not found", path.string()));
  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    out << "(no plot: Debian's python3-matplotlib is missing; SPIKEWORM_SETUP_EXTRAS=1 scripts/setup installs it)\n";
    return false;
  }
  std::string cmd = fmt::format("/usr/bin/python3 '{}'", path.string());
  for (const auto& a : args) cmd += fmt::format(" '{}'", a);
  out.flush();
  const int rc = std::system(cmd.c_str());
  if (rc != 0) throw error(fmt::format("{} failed (exit {})", script, WEXITSTATUS(rc)));
  return true;
}

void add_energy(CLI::App& app, energy_args& a) {
  auto* c = app.add_subcommand("energy",
                               "Energy per decision and episode of a trained run on energy tables (45 nm CMOS fp32 "
                               "and int8, Loihi, SpiNNaker 1 and 2): every term, the MLP baseline, the break-even rate");
  c->add_option("run", a.run, "a training run folder (its eval.json is used, or made with spikeworm eval)")->required();
  c->add_option("--table", a.tables, "energy table by id (a host table's file stem, a chip's [energy_table] id) or "
                                     "a host table's path; repeatable (default: every table)");
  c->add_option("--tables-dir", a.tables_dir, "folder of host energy tables (default: configs/energy of the source "
                                              "tree); the chips' tables come from the chip profiles in the chips folder "
                                              "beside it");
  c->add_flag("--reeval", a.reeval, "run spikeworm eval again even if RUN/eval.json exists");
  c->add_option("--episodes", a.episodes, "episodes per agent when evaluating (default 100)")->check(CLI::Range(1, 1000000));
  c->add_flag("--no-plot", a.no_plot, "do not draw RUN/energy.png");
  c->add_flag("-q,--quiet", a.quiet, "no progress bar");
}

namespace {

std::string nj(double pj) { return fmt::format("{:.2f}", pj / 1000.0); }
std::string rate(double r) { return r < 0 ? "never" : r > 1 ? ">100%" : fmt::format("{:.3g}%", 100 * r); }

}  // namespace

int energy(const energy_args& a, std::ostream& out, std::ostream& err) {
  const fs::path dir(a.run);
  if (!fs::is_directory(dir)) throw error(fmt::format("{}: not a training run folder", a.run));
  const fs::path eval_path = dir / "eval.json";
  const std::string tables_dir = a.tables_dir.empty() ? (source_dir() / "configs" / "energy").string() : a.tables_dir;
  const auto tables = load_energy_tables(tables_dir, a.tables);  // bad table names fail before any work
  if (a.reeval || !fs::exists(eval_path)) {
    eval_args ea;
    ea.run = a.run;
    ea.episodes = a.episodes;
    ea.quiet = a.quiet;
    if (const int rc = eval(ea, out, err); rc != 0) return rc;
    out << "\n";
  }
  const auto j = nlohmann::json::parse(slurp(eval_path), nullptr, false);
  if (j.is_discarded()) throw error(fmt::format("{}: not valid JSON", eval_path.string()));
  eval_result r;
  try {
    r = eval_result::from_json(j);
  } catch (const error& e) {
    throw error(fmt::format("{}: {}", eval_path.string(), e.what()));
  }
  out << fmt::format("energy per decision in nJ ({} brain, {} engine counts from {}; {:.1f} decisions per episode)\n",
                     r.brain_type, r.engine, eval_path.string(),
                     r.episodes ? static_cast<double>(r.decisions) / r.episodes : 0.0);
  out << fmt::format("{:<18}{:>10}{:>10}{:>10}{:>10}{:>11}{:>11}{:>11}{:>13}  {}\n", "table", "synaptic", "neuron",
                     "memory", "dense in", "total", "MLP", "ANN", "per episode", "break-even rate vs MLP / ANN / ANN (syn. only)");
  nlohmann::json reports = nlohmann::json::array();
  for (const auto& t : tables) {
    const auto rep = energy_of(r, t);
    out << fmt::format("{:<18}{:>10}{:>10}{:>10}{:>10}{:>11}{:>11}{:>11}{:>13}  {} / {} / {}\n", t.id,
                       nj(rep.brain.synaptic), nj(rep.brain.neuron), nj(rep.brain.memory), nj(rep.brain.dense),
                       nj(rep.brain.total()), nj(rep.mlp.total()), nj(rep.ann.total()), nj(rep.episode_pj),
                       r.brain_type == "spiking" ? rate(rep.breakeven_mlp) : "-",
                       r.brain_type == "spiking" ? rate(rep.breakeven_ann) : "-",
                       r.brain_type == "spiking" ? rate(rep.breakeven_ann_synaptic) : "-");
    reports.push_back(rep.to_json());
  }
  if (r.brain_type == "spiking") {
    out << "firing rate";
    for (std::size_t k = 0; k < r.layers_counts.size(); ++k)
      out << fmt::format(" {} {:.2f}%", r.layers_counts[k].name, 100 * r.firing_rate(k));
    out << fmt::format("; MLP baseline {}x{}, ANN = ReLU network of the spiking brain's shape\n", r.mlp_layers, r.mlp_hidden);
  }
  nlohmann::json doc{{"run", dir.string()}, {"eval", eval_path.string()}, {"brain", r.brain_type},
                     {"engine", r.engine}, {"success_rate", r.success_rate()}, {"tables", reports}};
  const fs::path json_path = dir / "energy.json";
  write_file_atomically(json_path, doc.dump(2) + "\n");
  out << fmt::format("wrote {}\n", json_path.string());
  if (!a.no_plot && run_python_plot("plot_energy.py", {json_path.string(), (dir / "energy.png").string()}, out))
    out << fmt::format("wrote {}\n", (dir / "energy.png").string());
  return 0;
}

}  // namespace spikeworm::cli
