// The spikeworm executable.
#include <iostream>

#include "spikeworm/cli/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return spikeworm::cli::run(args, std::cout, std::cerr);
}
