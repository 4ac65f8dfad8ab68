// The data folder: chip profiles (configs/chips), energy tables (configs/energy) and the plot scripts
// (scripts/plot_*.py), found at run time (docs/install.md, "Where spikeworm finds its data").
#pragma once

#include <filesystem>
#include <string>

namespace spikeworm::app {

// The places looked, in order: `env` when it is non-empty (and then only it: a wrong override is an
// error, never silently passed over), ../share/spikeworm beside the executable `exe` (an install, wherever
// it was moved), the source tree `source` (a program run from its build tree). A place counts when it
// holds configs/chips and configs/energy. Throws spikeworm::error naming every place looked.
std::filesystem::path find_data_dir(const std::string& env, const std::filesystem::path& exe,
                                    const std::filesystem::path& source);

// find_data_dir of $SPIKEWORM_DATA_DIR, /proc/self/exe and the source tree this program was built from.
std::filesystem::path data_dir();

}  // namespace spikeworm::app
