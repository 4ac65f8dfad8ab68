// The spikeworm executable.
#include <iostream>

#include <malloc.h>

#include "spikeworm/cli/cli.hpp"

int main(int argc, char** argv) {
#if defined(SPIKEWORM_NEEDS_AVX2)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::cerr << "spikeworm: error: this build needs a processor with AVX2 and FMA (x86-64-v3); rebuild with "
                 "cmake -DSPIKEWORM_NATIVE=OFF\n";
    return 2;
  }
#endif
  // Keep freed mid-size blocks (Eigen's GEMM workspace, per-decision buffers) in the heap instead of
  // returning them to the kernel after every use: that churn (madvise, page faults) cost up to a
  // quarter of the training time.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::vector<std::string> args(argv + 1, argv + argc);
  return spikeworm::cli::run(args, std::cout, std::cerr);
}
