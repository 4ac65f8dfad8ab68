// Cost of one environment step (observe + step) under a random policy; the issue asks for well under 1 us.
// Run: build/bench/env_bench. Results: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/core/random.hpp"

namespace {

void env_step(benchmark::State& state, spikeworm::envs::env_kind kind, const char* preset) {
  using namespace spikeworm::envs;
  environment env(preset_config(kind, preset));
  spikeworm::rng r(7, spikeworm::stream_kind::policy);
  std::uint64_t ep = 0;
  env.reset(ep);
  for (auto _ : state) {
    if (env.done()) env.reset(++ep);
    benchmark::DoNotOptimize(env.observe().strength);
    benchmark::DoNotOptimize(env.step(static_cast<action>(r.uniform_int(0, 3))).reward);
  }
}

}  // namespace

BENCHMARK_CAPTURE(env_step, static_medium, spikeworm::envs::env_kind::static_goal, "medium");
BENCHMARK_CAPTURE(env_step, foraging_small, spikeworm::envs::env_kind::foraging, "small");
BENCHMARK_CAPTURE(env_step, predators_small, spikeworm::envs::env_kind::predators, "small");
BENCHMARK_MAIN();
