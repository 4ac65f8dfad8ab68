// Running the spikeworm command line in-process from tests.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "spikeworm/cli/cli.hpp"

namespace spikeworm::test {

struct cli_result {
  int code;
  std::string out, err;
};

inline cli_result run_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace spikeworm::test
