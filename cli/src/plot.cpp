// spikeworm plot: PNG plots of a training run or of a simulate output folder, and run_python_plot, which starts the plot scripts of every
// command (matplotlib from Debian's python3-matplotlib). Scripts run with posix_spawn and an argument vector,
// never through a shell (docs/reliability.md).
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "commands.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/core/process.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

namespace {

// Debian's interpreter; SPIKEWORM_PYTHON replaces it (the tests use it to make a plot fail).
std::string python() {
  const char* p = std::getenv("SPIKEWORM_PYTHON");
  return p && *p ? p : "/usr/bin/python3";
}

bool have_matplotlib() { return run_program({python(), "-c", "import matplotlib"}, true).ok(); }

fs::path script_path(const std::string& script) {
  const fs::path path = data_dir() / "scripts" / script;
  if (!fs::exists(path)) throw error(fmt::format("{}: plotting script not found", path.string()));
  return path;
}

process_status run_script(const fs::path& path, const std::vector<std::string>& args, std::ostream& out) {
  std::vector<std::string> argv{python(), path.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  out.flush();
  return run_program(argv);
}

}  // namespace

// A failed plot is optional output: one warning line naming the script and how it ended, no "wrote", and
// the command's own work still counts (exit 0).
bool run_python_plot(const std::string& script, const std::vector<std::string>& args, std::ostream& out) {
  const fs::path path = script_path(script);
  if (!have_matplotlib()) {
    out << "(no plot: Debian's python3-matplotlib is missing; scripts/setup or apt-get install python3-matplotlib installs it)\n";
    return false;
  }
  const auto st = run_script(path, args, out);
  if (!st.ok()) {
    out << fmt::format("warning: no plot: {} failed ({})\n", path.string(), st.describe());
    return false;
  }
  return true;
}

void add_plot(CLI::App& app, plot_args& a) {
  auto* c = app.add_subcommand("plot", "PNG plots of a training run or of a simulate output folder, into DIR/plots/");
  c->footer(
      "A training run (spikeworm train; episodes.csv): learning.png (success, and steps per episode with the "
      "env's optimum dashed), loss.png (loss, learning rate), spikes.png (firing rate per layer and session).\n"
      "A simulate output (spikeworm simulate --out; summary.json with spikes.h5 when h5py is installed, else "
      "spikes.csv): raster.png (a subsample of neurons when many, coloured by population), rates.png "
      "(population rates over time [Hz]), isi.png (ISI histogram [ms]), cv.png (CV of ISI per population), "
      "and with traces.h5 traces.png (the recorded state variables against time).\n"
      "Needs Debian's python3-matplotlib; a failing plot script fails the command (exit 2) after its own error. "
      "docs/getting-started.md, \"Plots\".");
  c->add_option("dir", a.run_dir, "a folder written by spikeworm train or spikeworm simulate --out")->required();
}

namespace {

// Which plot script draws a folder: plot_run.py for a training run (episodes.csv), plot_sim.py for a simulate
// output (summary.json with recorded spikes).
std::string script_for(const fs::path& dir) {
  if (fs::exists(dir / "episodes.csv")) return "plot_run.py";
  const bool spikes = fs::exists(dir / "spikes.csv") || fs::exists(dir / "spikes.h5");
  if (fs::exists(dir / "summary.json") && spikes) return "plot_sim.py";
  if (fs::exists(dir / "summary.json"))
    throw error(fmt::format("{}: a simulate output without spikes.csv or spikes.h5: nothing to plot (record_spikes = false?)",
                            dir.string()));
  throw error(fmt::format("{}: neither a training run folder (no episodes.csv) nor a simulate output (no "
                          "summary.json with spikes.csv or spikes.h5)",
                          dir.string()));
}

}  // namespace

// Plotting is this command's work: a failed script is an error (exit 2); its own message is on stderr.
int plot(const plot_args& a, std::ostream& out, std::ostream&) {
  const fs::path script = script_path(script_for(a.run_dir));
  if (!have_matplotlib())
    throw error("spikeworm plot needs Debian's python3-matplotlib: apt-get install python3-matplotlib (or scripts/setup)");
  const auto st = run_script(script, {a.run_dir}, out);
  if (!st.ok()) throw error(fmt::format("plotting {}: {} failed ({})", a.run_dir, script.string(), st.describe()));
  return 0;
}

}  // namespace spikeworm::cli
