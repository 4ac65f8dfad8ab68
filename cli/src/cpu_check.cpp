// The executable's processor check (docs/install.md, "CPU baseline"). It runs as the first constructor of the
// program, before any code compiled for SPIKEWORM_CPU_BASELINE, and is itself compiled for plain x86-64
// (cli/CMakeLists.txt), so a processor without the build's instruction set gets one line naming what it lacks
// and exit code 2, never an illegal-instruction crash.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

#define SPIKEWORM_FEATURE(name) {name, __builtin_cpu_supports(name) != 0}

struct feature {
  const char* name;
  bool present;
};

// The level's own test (GCC's x86-64-vN) decides; the features name what is missing.
bool supported(const char* level, char* missing, std::size_t size) {
  __builtin_cpu_init();
  const feature v2[] = {SPIKEWORM_FEATURE("sse3"), SPIKEWORM_FEATURE("ssse3"), SPIKEWORM_FEATURE("sse4.1"),
                        SPIKEWORM_FEATURE("sse4.2"), SPIKEWORM_FEATURE("popcnt")};
  const feature v3[] = {SPIKEWORM_FEATURE("avx"), SPIKEWORM_FEATURE("avx2"), SPIKEWORM_FEATURE("fma"),
                        SPIKEWORM_FEATURE("bmi"), SPIKEWORM_FEATURE("bmi2"), SPIKEWORM_FEATURE("f16c"),
                        SPIKEWORM_FEATURE("movbe")};
  const feature v4[] = {SPIKEWORM_FEATURE("avx512f"), SPIKEWORM_FEATURE("avx512bw"), SPIKEWORM_FEATURE("avx512cd"),
                        SPIKEWORM_FEATURE("avx512dq"), SPIKEWORM_FEATURE("avx512vl")};
  const int wanted = std::strcmp(level, "x86-64-v4") == 0   ? 4
                     : std::strcmp(level, "x86-64-v3") == 0 ? 3
                     : std::strcmp(level, "x86-64-v2") == 0 ? 2
                                                            : 1;
  const bool ok = wanted == 1 || (wanted == 2 && __builtin_cpu_supports("x86-64-v2")) ||
                  (wanted == 3 && __builtin_cpu_supports("x86-64-v3")) ||
                  (wanted == 4 && __builtin_cpu_supports("x86-64-v4"));
  if (ok) return true;
  auto add = [&](const feature* list, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
      if (!list[k].present) {
        std::strncat(missing, " ", size - std::strlen(missing) - 1);
        std::strncat(missing, list[k].name, size - std::strlen(missing) - 1);
      }
  };
  add(v2, sizeof v2 / sizeof v2[0]);
  if (wanted >= 3) add(v3, sizeof v3 / sizeof v3[0]);
  if (wanted >= 4) add(v4, sizeof v4 / sizeof v4[0]);
  if (missing[0] == '\0') std::strncat(missing, " part of it", size - 1);
  return false;
}

__attribute__((constructor(101))) void check_cpu() {
  char missing[256] = "";
  if (supported(SPIKEWORM_CPU_BASELINE, missing, sizeof missing)) return;
  std::fprintf(stderr,
               "spikeworm: error: this build needs an %s processor; this one lacks%s; build with "
               "-DSPIKEWORM_CPU_BASELINE=x86-64 (docs/install.md)\n",
               SPIKEWORM_CPU_BASELINE, missing);
  std::_Exit(2);
}

}  // namespace
