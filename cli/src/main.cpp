// The spikeworm executable. The processor check runs before this (cpu_check.cpp).
#include <iostream>

#include <malloc.h>

#include "spikeworm/cli/cli.hpp"
#include "spikeworm/core/mpi.hpp"

int main(int argc, char** argv) {
  // Keep freed mid-size blocks (Eigen's GEMM workspace, per-decision buffers) in the heap instead of
  // returning them to the kernel after every use: that churn (madvise, page faults) cost up to a
  // quarter of the training time.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // Under mpirun, MPI for the life of main; every rank ends with rank 0's exit code (docs/scaling.md).
  const spikeworm::mpi::guard mpi(argc, argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  return spikeworm::mpi::broadcast(spikeworm::cli::run(args, std::cout, std::cerr));
}
