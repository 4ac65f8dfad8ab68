// The data folder, found relative to the executable so an install can live anywhere (docs/install.md).
#include "spikeworm/app/data_dir.hpp"

#include <cstdlib>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::app {

namespace fs = std::filesystem;

namespace {

bool holds_data(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "configs" / "chips", ec) && fs::is_directory(dir / "configs" / "energy", ec);
}

}  // namespace

fs::path find_data_dir(const std::string& env, const fs::path& exe, const fs::path& source) {
  if (!env.empty()) {
    if (holds_data(env)) return fs::path(env);
    throw error(fmt::format("SPIKEWORM_DATA_DIR={}: no spikeworm data there (configs/chips and configs/energy); "
                            "point it at an install's share/spikeworm or at the source tree",
                            env));
  }
  std::vector<std::string> looked;
  if (!exe.empty()) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "spikeworm";
    if (holds_data(installed)) return installed;
    looked.push_back(fmt::format("{} (beside the executable)", installed.string()));
  }
  if (!source.empty()) {
    if (holds_data(source)) return source;
    looked.push_back(fmt::format("{} (the source tree it was built from)", source.string()));
  }
  throw error(fmt::format("no spikeworm data folder (configs/chips and configs/energy) in {}; set SPIKEWORM_DATA_DIR "
                          "to an install's share/spikeworm",
                          fmt::join(looked, ", ")));
}

fs::path data_dir() {
  const char* env = std::getenv("SPIKEWORM_DATA_DIR");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);  // empty when /proc is not mounted
  return find_data_dir(env ? env : "", ec ? fs::path() : exe, SPIKEWORM_SOURCE_DIR);
}

}  // namespace spikeworm::app
