// spikeworm plot: PNG plots of a training run, and run_python_plot, which starts the plot scripts of every
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
    out << "(no plot: Debian's python3-matplotlib is missing; SPIKEWORM_SETUP_EXTRAS=1 scripts/setup installs it)\n";
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
  auto* c = app.add_subcommand("plot", "PNG plots of a training run: learning curves, loss and learning rate, spike rates");
  c->add_option("run", a.run_dir, "a folder written by spikeworm train")->required();
}

// Plotting is this command's work: a failed script is an error (exit 2).
int plot(const plot_args& a, std::ostream& out, std::ostream&) {
  if (!fs::exists(fs::path(a.run_dir) / "episodes.csv"))
    throw error(fmt::format("{}: not a training run folder (no episodes.csv)", a.run_dir));
  const fs::path script = script_path("plot_run.py");
  if (!have_matplotlib())
    throw error("spikeworm plot needs Debian's python3-matplotlib: SPIKEWORM_SETUP_EXTRAS=1 scripts/setup");
  const auto st = run_script(script, {a.run_dir}, out);
  if (!st.ok()) throw error(fmt::format("plotting {}: {} failed ({})", a.run_dir, script.string(), st.describe()));
  return 0;
}

}  // namespace spikeworm::cli
