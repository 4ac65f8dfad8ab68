// spikeworm plot: PNG plots of a training run, and run_python_plot, which starts the plot scripts of every
// command (matplotlib from Debian's python3-matplotlib).
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <sys/wait.h>

#include "commands.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm::cli {

namespace fs = std::filesystem;

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

void add_plot(CLI::App& app, plot_args& a) {
  auto* c = app.add_subcommand("plot", "PNG plots of a training run: learning curves, loss and learning rate, spike rates");
  c->add_option("run", a.run_dir, "a folder written by spikeworm train")->required();
}

int plot(const plot_args& a, std::ostream& out, std::ostream&) {
  if (!fs::exists(fs::path(a.run_dir) / "episodes.csv"))
    throw error(fmt::format("{}: not a training run folder (no episodes.csv)", a.run_dir));
  const fs::path script = source_dir() / "scripts" / "plot_run.py";
  if (!fs::exists(script)) throw error(fmt::format("{}: plotting script not found", script.string()));
  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0)
    throw error("spikeworm plot needs Debian's python3-matplotlib: SPIKEWORM_SETUP_EXTRAS=1 scripts/setup");
  out.flush();
  const std::string cmd = fmt::format("/usr/bin/python3 '{}' '{}'", script.string(), a.run_dir);
  const int rc = std::system(cmd.c_str());
  if (rc != 0) throw error(fmt::format("plotting {} failed (exit {})", a.run_dir, WEXITSTATUS(rc)));
  return 0;
}

}  // namespace spikeworm::cli
