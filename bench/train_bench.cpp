// The floating-point work of one training decision (docs/benchmarks.md, "Training against the machine's
// peak"): the forward pass with its tape and the BPTT backward pass of the reference brain (2 x 128 LIF,
// T = 100, current encoder), each timed alone, with its operation count and its rate as a fraction of this
// core's measured float FMA peak (fma_peak, in the same run).
// Run: bench/train_peak (which prints the fractions), or build/bench/train_bench.
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#ifdef __FMA__
#include <immintrin.h>
#endif

#include "spikeworm/envs/environment.hpp"
#include "spikeworm/learning/brain.hpp"
#include "spikeworm/learning/spiking_brain.hpp"

namespace {

using spikeworm::brain_config;

// This core's float FMA peak: 12 independent chains of 8-wide fused multiply-adds (enough to cover the FMA
// latency on both ports), 2 operations per lane and FMA.
void fma_peak(benchmark::State& state) {
#ifdef __FMA__
  constexpr int chains = 12, inner = 4096;
  __m256 acc[chains];
  for (int c = 0; c < chains; ++c) acc[c] = _mm256_set1_ps(0.001f * static_cast<float>(c));
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (auto _ : state) {
    for (int i = 0; i < inner; ++i)
      for (auto& x : acc) x = _mm256_fmadd_ps(x, m, a);
    for (auto& x : acc) benchmark::DoNotOptimize(x);
  }
  const double ops = 2.0 * 8 * chains * inner * static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(ops * 1e-9, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
#else
  state.SkipWithError("built without FMA (x86-64 baseline build): no FMA peak to measure");
#endif
}

// Operation counts of one decision of the reference brain, from the loops of learning/src/spiking_brain.cpp
// (an addition, multiplication, division or exp each count one; an FMA two). I observations, A actions,
// H neurons per layer, T steps, S1 layer-1 spikes of the decision (their rows feed layer 2 forward and the
// synapse gradient backward; the last step's are counted too, an overcount below 1%).
struct op_counts {
  double forward, backward;
};
op_counts ops_of_decision(double I, double A, double H, double T, double S1) {
  op_counts o{};
  // c = W_in obs + b_in; I1 = W_1 c + b_1; per step: both layers' updates (3H each), layer 2's input (bias H,
  // S1 rows in all), the spike counts (H); the readout W_out counts + b_out.
  o.forward = 2 * H * I + 2 * H * H + T * (3 * H + H + 3 * H + H) + S1 * H + 2 * A * H;
  // The readout's gradients (4AH); per layer, the sigmoid surrogate (8 per element) and the recursion (8);
  // layer 2: its bias (TH), its synapse gradient (S1 rows, then H^2 into the double gradient), dL/ds of
  // layer 1 as the GEMM GU W^T (2TH^2); layer 1: the current's gradient summed over steps (TH), W_1 and
  // dL/dc (4H^2), biases (2H), W_in (2HI).
  o.backward = 4 * A * H + 2 * (8 * T * H + 8 * T * H) + T * H + S1 * H + H * H + 2 * T * H * H + T * H + 4 * H * H +
               2 * H + 2 * H * I;
  return o;
}

struct reference_decision {
  std::unique_ptr<spikeworm::brain> b;
  std::vector<double> obs, logits, g;
  double S1 = 0;
  op_counts ops{};
};

reference_decision make_decision() {
  brain_config cfg;  // the trainer's defaults are the reference configuration (configs/spiking_static_medium_log.toml)
  reference_decision d;
  d.b = spikeworm::make_brain(cfg, 1);
  d.obs = {0.6, 0.3};  // a mid-strength gradient ahead and to the right
  d.logits.assign(static_cast<std::size_t>(d.b->num_actions()), 0.0);
  d.g.assign(d.logits.size(), 0.0);
  std::mt19937_64 gen(3);
  for (auto& x : d.g) x = std::uniform_real_distribution<double>(-1, 1)(gen);
  d.b->forward_train(d.obs, d.logits, 0);
  d.S1 = static_cast<double>(d.b->last_activity().spikes_per_layer.at(0));
  d.ops = ops_of_decision(static_cast<double>(d.obs.size()), static_cast<double>(d.logits.size()), cfg.hidden,
                          cfg.steps, d.S1);
  return d;
}

void report(benchmark::State& state, double ops_per_call, const reference_decision& d) {
  const double total = ops_per_call * static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(total * 1e-9, benchmark::Counter::kIsRate);
  state.counters["MFLOP"] = ops_per_call * 1e-6;
  state.counters["S1"] = d.S1;
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}

void bptt_forward(benchmark::State& state) {
  auto d = make_decision();
  for (auto _ : state) {
    d.b->forward_train(d.obs, d.logits, 0);
    benchmark::DoNotOptimize(d.logits.data());
  }
  report(state, d.ops.forward, d);
}

void bptt_backward(benchmark::State& state) {
  auto d = make_decision();
  for (auto _ : state) {
    d.b->backward_train(0, d.g);
    benchmark::DoNotOptimize(d.b->params().front().grad.data());
  }
  report(state, d.ops.backward, d);
}

}  // namespace

BENCHMARK(fma_peak)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(bptt_forward)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(bptt_backward)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_MAIN();
