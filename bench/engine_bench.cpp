// Micro-benchmarks of the engine: CUBA runs (docs/benchmarks.md, CUBA against Brian2), the lazy scheduler,
// delivery, the clock-driven neuron update and network construction.
// Run: build/bench/engine_bench [--benchmark_repetitions=3]. Results and method: docs/benchmarks.md.
#include <filesystem>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace {

using spikeworm::network_desc;

network_desc load(const char* name) {
  const auto path = std::filesystem::path(SPIKEWORM_SOURCE_DIR) / "configs" / name;
  const auto doc = spikeworm::load_config_file(path.string());
  return spikeworm::read_network_desc(spikeworm::table_reader::root(doc));
}

network_desc from_string(const std::string& toml) {
  const auto doc = spikeworm::load_config_string(toml, "bench.toml");
  return spikeworm::read_network_desc(spikeworm::table_reader::root(doc));
}

network_desc cuba(spikeworm::update_mode u = spikeworm::update_mode::automatic) {
  auto d = load("cuba.toml");
  for (auto& p : d.populations) p.update = u;
  return d;
}

template <class Engine>
void run_cuba(benchmark::State& state, const network_desc& d) {
  spikeworm::network net(d);
  const int threads = static_cast<int>(state.range(0));
  std::uint64_t sops = 0, queued = 0;
  for (auto _ : state) {
    Engine e(net, {d.sim.seed, threads, false});
    e.run(1000);  // 100 ms of simulated time
    sops += e.counters().sops;
    queued += e.counters().events_queued;
  }
  state.counters["SOPs/s"] = benchmark::Counter(static_cast<double>(sops), benchmark::Counter::kIsRate);
  // Each iteration simulates 0.1 s: as an inverted rate, wall seconds per simulated second.
  state.counters["wall s per sim s"] =
      benchmark::Counter(0.1 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate |
                                                                             benchmark::Counter::kInvert);
  if (queued)
    state.counters["ns per scheduler entry"] = benchmark::Counter(
        static_cast<double>(queued) * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The default: both CUBA populations clock-driven inside the event engine.
void simulate_cuba(benchmark::State& state) { run_cuba<spikeworm::event_engine>(state, cuba()); }
// The lazy path (update = "event"): every input and every predicted crossing is a scheduler entry (a due-list
// push and pop, or a timing-wheel/heap push and pop) followed by a closed-form update and a new prediction.
void simulate_cuba_lazy(benchmark::State& state) {
  run_cuba<spikeworm::event_engine>(state, cuba(spikeworm::update_mode::event));
}
void simulate_cuba_reference(benchmark::State& state) { run_cuba<spikeworm::clock_engine>(state, cuba()); }

// Delivery: 2000 Poisson sources (about 1000 spikes per step), 500 synapses each, into 100k clock-driven neurons
// that never fire (5 x 10^5 synaptic events per step against 10^5 neuron updates). Per synaptic event, update included.
void deliver(benchmark::State& state) {
  const auto d = from_string(R"(
[simulation]
dt = 0.1
[[population]]
name = "src"
size = 2000
model = "poisson"
params = { rate = 5000.0 }  # half the sources spike every step
[[population]]
name = "tgt"
size = 100000
model = "cuba_lif"
update = "clock"
params = { e_l = -70.0, v_reset = -80.0, v_th = 1000.0 }
[[projection]]
source = "src"
target = "tgt"
rule = "fixed_probability"
p = 0.005
weight = 0.001
)");
  spikeworm::network net(d);
  spikeworm::event_engine e(net, {1, 1, false});
  std::uint64_t sops = 0;
  for (auto _ : state) {
    const auto before = e.counters().sops;
    e.run(10);
    sops += e.counters().sops - before;
  }
  state.counters["ns per SOP"] =
      benchmark::Counter(static_cast<double>(sops) * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The clock-driven neuron update: N cuba_lif neurons without input, stepped by the vectorised loop.
void neuron_update(benchmark::State& state) {
  const auto n = state.range(0);
  const auto d = from_string(fmt::format(R"(
[simulation]
dt = 0.1
[[population]]
name = "p"
size = {}
model = "cuba_lif"
update = "clock"
params = {{ e_l = -60.0 }}
init = {{ v = {{ dist = "uniform", low = -60.0, high = -50.0 }} }}
)",
                                         n));
  spikeworm::network net(d);
  spikeworm::event_engine e(net, {1, 1, false});
  for (auto _ : state) e.run(10);
  state.counters["ns per neuron update"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 10.0 * static_cast<double>(n) * 1e-9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void build(benchmark::State& state, const network_desc& d) {
  std::size_t synapses = 0;
  for (auto _ : state) {
    spikeworm::network net(d);
    synapses = net.num_synapses();
    benchmark::DoNotOptimize(synapses);
  }
  state.counters["synapses"] = static_cast<double>(synapses);
}
void build_cuba(benchmark::State& state) { build(state, cuba()); }
void build_cuba_400k(benchmark::State& state) { build(state, load("cuba_400k.toml")); }
// The same network drawn with fixed_indegree: 64 excitatory and 16 inhibitory sources per neuron.
void build_cuba_400k_indegree(benchmark::State& state) {
  auto d = load("cuba_400k.toml");
  for (auto& pr : d.projections) {
    pr.rule = spikeworm::connection_rule::fixed_indegree;
    pr.k = pr.source == "exc" ? 64 : 16;
  }
  build(state, d);
}

}  // namespace

BENCHMARK(simulate_cuba)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(simulate_cuba_lazy)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(simulate_cuba_reference)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(deliver)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(neuron_update)->Arg(4000)->Arg(400000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(build_cuba)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(build_cuba_400k)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK(build_cuba_400k_indegree)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK_MAIN();
