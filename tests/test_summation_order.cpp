// The order in which a target's inputs of a step are summed (docs/architecture.md, "How determinism is kept":
// ascending source, then the synapses' order). Weights of 2^30, -2^30 and 2^-24 onto one target, from sources
// 0, 1 and 2 firing in the same step: in ascending order the sum is (2^30 - 2^30) + 2^-24 = 2^-24; in any other
// order 2^-24 is lost against 2^30 (it is below half an ulp of 2^30 in double) and the sum is 0 or -2^-24 off.
// So the recorded conductance tells the order apart on every delivery path: the ring (delays of two steps),
// one-tile and pushed tiles (every delay one step; a 5000-neuron population has two tiles), and lazy blocks.
#include <bit>
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "net_helpers.hpp"
#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/event_engine.hpp"

namespace spikeworm {
namespace {

std::string network_text(int size, const char* update, double delay_ms) {
  return fmt::format(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "src"
size = 3
model = "spike_source"
params = {{ times = [0.5] }}
[[population]]
name = "n"
size = {}
model = "cuba_lif"
update = "{}"
record = {{ variables = ["ge"], neurons = [3, {}] }}
[[projection]]
source = "src"
target = "n"
rule = "from_list"
sources = [0, 1, 2, 2, 1, 0]
targets = [3, 3, 3, {}, {}, {}]
weights = [1073741824.0, -1073741824.0, 5.9604644775390625e-08, 5.9604644775390625e-08, -1073741824.0, 1073741824.0]
delays = [{}, {}, {}, {}, {}, {}]
)",
                     size, update, size - 1, size - 1, size - 1, size - 1, delay_ms, delay_ms, delay_ms, delay_ms,
                     delay_ms, delay_ms);
}

TEST(summation_order, every_delivery_path_adds_a_targets_inputs_in_ascending_source_order) {
  const double tiny = std::ldexp(1.0, -24);
  ASSERT_EQ((std::ldexp(1.0, 30) + tiny) - std::ldexp(1.0, 30), 0.0) << "the weights must tell orders apart";
  for (int size : {100, 5000})
    for (const char* update : {"clock", "event"})
      for (double delay : {0.1, 0.2}) {
        SCOPED_TRACE(fmt::format("{} neurons, update {}, delay {} ms", size, update, delay));
        const network net(test::desc_from(network_text(size, update, delay)));
        const double be = net.populations()[1].cuba.be;
        const step_t arrival = 5 + static_cast<step_t>(std::lround(delay / 0.1));  // spikes at step 5
        clock_engine ck(net, {1, 1, true});
        ck.record_traces();
        ck.run(arrival + 2);
        for (int threads : {1, 2}) {
          event_engine ev(net, {1, threads, true});
          ev.record_traces();
          ev.run(arrival + 2);
          for (const engine* e : {static_cast<const engine*>(&ck), static_cast<const engine*>(&ev)}) {
            const auto& tr = e->traces().at(0);
            ASSERT_EQ(tr.neurons.size(), 2u);
            for (std::size_t c = 0; c < 2; ++c) {
              const double got = tr.values.at(static_cast<std::size_t>(arrival - 1) * 2 + c);
              EXPECT_EQ(std::bit_cast<std::uint64_t>(got), std::bit_cast<std::uint64_t>(tiny * be))
                  << "ge of target " << tr.neurons[c] << " after the arrival step: " << got
                  << (e == &ck ? " (reference stepper)" : " (event engine)") << ", " << threads << " threads";
            }
          }
        }
      }
}

}  // namespace
}  // namespace spikeworm
