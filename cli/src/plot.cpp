// spikeworm plot: PNG plots of a training run (matplotlib from Debian's python3-matplotlib).
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <sys/wait.h>

#include "commands.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm::cli {

void add_plot(CLI::App& app, plot_args& a) {
  auto* c = app.add_subcommand("plot", "PNG plots of a training run: learning curves, loss and learning rate, spike rates");
  c->add_option("run", a.run_dir, "a folder written by spikeworm train")->required();
}

int plot(const plot_args& a, std::ostream& out, std::ostream&) {
  namespace fs = std::filesystem;
  if (!fs::exists(fs::path(a.run_dir) / "episodes.csv"))
    throw error(fmt::format("{}: not a training run folder (no episodes.csv)", a.run_dir));
  const char* env = std::getenv("SPIKEWORM_SOURCE_DIR");
  const fs::path script = fs::path(env ? env : SPIKEWORM_SOURCE_DIR) / "scripts" / "plot_run.py";
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
