// The spikeworm executable. The processor check runs before this (cpu_check.cpp).
#include <iostream>

#include <malloc.h>

#include "spikeworm/cli/cli.hpp"

int main(int argc, char** argv) {
  // Keep freed mid-size blocks (Eigen's GEMM workspace, per-decision buffers) in the heap instead of
  // returning them to the kernel after every use: that churn (madvise, page faults) cost up to a
  // quarter of the training time.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::vector<std::string> args(argv + 1, argv + argc);
  return spikeworm::cli::run(args, std::cout, std::cerr);
}
