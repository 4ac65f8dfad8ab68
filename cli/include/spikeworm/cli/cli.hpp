// The spikeworm command line, callable from tests.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace spikeworm::cli {

// Runs `spikeworm ARGS...`: returns the exit code (0 success, 2 bad input, 3 internal error,
// CLI11's code for a malformed command line).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace spikeworm::cli
