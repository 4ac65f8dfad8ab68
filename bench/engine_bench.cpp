// Micro-benchmarks of the two executions on the CUBA network (SPEC section 11) and of network construction.
// Run: build/bench/engine_bench [--benchmark_repetitions=5]. Results and method: docs/benchmarks.md.
#include <filesystem>

#include <benchmark/benchmark.h>

#include "spikeworm/config.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace {

spikeworm::network_desc cuba() {
  const auto path = std::filesystem::path(SPIKEWORM_SOURCE_DIR) / "configs" / "cuba.toml";
  const auto doc = spikeworm::load_config_file(path.string());
  return spikeworm::read_network_desc(spikeworm::table_reader::root(doc));
}

template <class Engine>
void simulate_cuba(benchmark::State& state) {
  const auto d = cuba();
  spikeworm::network net(d);
  const int threads = static_cast<int>(state.range(0));
  std::uint64_t sops = 0;
  for (auto _ : state) {
    Engine e(net, {d.sim.seed, threads, false});
    e.run(1000);  // 100 ms of simulated time
    sops += e.counters().sops;
  }
  state.counters["SOPs/s"] = benchmark::Counter(static_cast<double>(sops), benchmark::Counter::kIsRate);
  // Each iteration simulates 0.1 s: as an inverted rate, wall seconds per simulated second.
  state.counters["wall s per sim s"] =
      benchmark::Counter(0.1 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate |
                                                                             benchmark::Counter::kInvert);
}

void build_cuba(benchmark::State& state) {
  const auto d = cuba();
  for (auto _ : state) {
    spikeworm::network net(d);
    benchmark::DoNotOptimize(net.num_synapses());
  }
}

}  // namespace

BENCHMARK(simulate_cuba<spikeworm::event_engine>)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(simulate_cuba<spikeworm::clock_engine>)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(build_cuba)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
