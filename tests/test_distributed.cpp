// A network split over processes (docs/scaling.md): each part holds the synapses into its own neurons, its
// event engine steps those neurons only and learns the others' spikes through a spike exchange. Here the
// processes are threads of one test with an in-process exchange, so the engine's side is tested without MPI
// (tests/test_mpi.py runs the real thing): spikes, state and counters must be bit-identical to one engine.
#include <barrier>
#include <bit>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "net_helpers.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/event_engine.hpp"
#include "spikeworm/engine/neuron_state.hpp"

namespace spikeworm {
namespace {


// Allgather of every part's spikes of a step, parts in rank order (their neuron ranges ascend).
class thread_exchange {
 public:
  explicit thread_exchange(int ranks) : parts_(static_cast<std::size_t>(ranks)), sync_(ranks) {}
  class endpoint final : public spike_exchange {
   public:
    endpoint(thread_exchange& hub, int rank) : hub_(&hub), rank_(static_cast<std::size_t>(rank)) {}
    void exchange(std::vector<neuron_id>& fired) override {
      hub_->parts_[rank_] = fired;
      hub_->sync_.arrive_and_wait();
      fired.clear();
      for (const auto& p : hub_->parts_) fired.insert(fired.end(), p.begin(), p.end());
      hub_->sync_.arrive_and_wait();  // nobody writes its part for the next step before all have read
    }

   private:
    thread_exchange* hub_;
    std::size_t rank_;
  };

 private:
  std::vector<std::vector<neuron_id>> parts_;
  std::barrier<> sync_;
};

struct part_result {
  std::vector<spike> spikes;
  std::vector<state_t> v, ge, gi;  // the owned neurons'
  std::vector<step_t> last;
  std::uint64_t synapses = 0, updates = 0;
};

// Runs `steps` steps of `d` split into `ranks` contiguous parts, each with `threads` threads.
std::vector<part_result> run_split(const network_desc& d, int ranks, int threads, step_t steps) {
  const network whole(d);
  const auto n = static_cast<neuron_id>(whole.num_neurons());
  thread_exchange hub(ranks);
  std::vector<part_result> out(static_cast<std::size_t>(ranks));
  std::vector<std::string> errors(out.size());
  std::vector<std::thread> pool;
  for (int r = 0; r < ranks; ++r)
    pool.emplace_back([&, r] {
      try {
        const auto lo = static_cast<neuron_id>(std::uint64_t{n} * r / ranks);
        const auto hi = static_cast<neuron_id>(std::uint64_t{n} * (r + 1) / ranks);
        const network part(d, lo, hi);
        thread_exchange::endpoint ex(hub, r);
        engine_options o{d.sim.seed, threads, true};
        o.owned_begin = lo;
        o.owned_end = hi;
        o.exchange = &ex;
        event_engine eng(part, o);
        eng.run(steps);
        auto& res = out[static_cast<std::size_t>(r)];
        res.spikes = eng.spikes();
        const auto& st = eng.state();
        res.v.assign(st.v.begin() + lo, st.v.begin() + hi);
        res.ge.assign(st.ge.begin() + lo, st.ge.begin() + hi);
        res.gi.assign(st.gi.begin() + lo, st.gi.begin() + hi);
        res.last.assign(st.last.begin() + lo, st.last.begin() + hi);
        res.synapses = part.num_synapses();
        res.updates = eng.counters().neuron_updates;
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  for (auto& t : pool) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  return out;
}

std::uint64_t bits(state_t x) { return std::bit_cast<std::uint64_t>(x); }

void expect_identical_to_one_engine(const network_desc& d, step_t steps, std::size_t min_spikes) {
  const network whole(d);
  event_engine one(whole, {d.sim.seed, 1, true});
  one.run(steps);
  const auto& st = one.state();
  ASSERT_GE(one.spikes().size(), min_spikes) << "the network must be active";
  for (int ranks : {1, 2, 3, 4})
    for (int threads : {1, 2}) {
      SCOPED_TRACE(fmt::format("{} parts x {} threads", ranks, threads));
      const auto parts = run_split(d, ranks, threads, steps);
      std::size_t at = 0;
      std::uint64_t synapses = 0, updates = 0;
      for (const auto& p : parts) {
        ASSERT_EQ(p.spikes, one.spikes()) << "every part sees every spike, in order";
        for (std::size_t i = 0; i < p.v.size(); ++i, ++at) {
          ASSERT_EQ(bits(p.v[i]), bits(st.v[at])) << "v of neuron " << at;
          ASSERT_EQ(bits(p.ge[i]), bits(st.ge[at])) << "ge of neuron " << at;
          ASSERT_EQ(bits(p.gi[i]), bits(st.gi[at])) << "gi of neuron " << at;
          ASSERT_EQ(p.last[i], st.last[at]) << "last update of neuron " << at;
        }
        synapses += p.synapses;
        updates += p.updates;
      }
      EXPECT_EQ(at, whole.num_neurons());
      EXPECT_EQ(synapses, whole.num_synapses()) << "each synapse is held by exactly one part";
      EXPECT_EQ(updates, one.counters().neuron_updates);
    }
}

network_desc read_desc(const std::filesystem::path& path) {
  const auto doc = load_config_file(path.string());
  return read_network_desc(table_reader::root(doc));
}
network_desc config(const char* name) { return read_desc(test::source_dir() / "configs" / name); }
network_desc load_network(const char* fixture) { return read_desc(test::source_dir() / "tests" / "fixtures" / fixture); }

TEST(distributed, cuba_benchmark_parts_are_bit_identical_to_one_engine) {
  expect_identical_to_one_engine(config("cuba.toml"), 10000, 10000);  // 1 s
}

// tests/fixtures/recurrent_delays.toml: delays of 1-5 steps, lazy and clock-driven populations, Poisson input,
// fixed in-degree and fixed probability, excitatory and inhibitory (its records are not read here).
TEST(distributed, random_recurrent_network_with_delays_is_bit_identical_to_one_engine) {
  for (std::uint64_t seed : {3u, 17u}) {
    auto d = load_network("recurrent_delays.toml");
    d.sim.seed = seed;
    expect_identical_to_one_engine(d, 3000, 500);
  }
}

TEST(distributed, cuba_40k_parts_are_bit_identical_to_one_engine) {
  expect_identical_to_one_engine(config("cuba_40k.toml"), 1000, 10000);  // 100 ms
}

// A part whose synapses do not match the neurons it steps, or no exchange, or zero-delay synapses: refused.
TEST(distributed, inconsistent_parts_are_refused) {
  const auto d = config("cuba.toml");
  const network part(d, 0, 2000);
  thread_exchange hub(1);
  thread_exchange::endpoint ex(hub, 0);
  engine_options o;
  o.owned_begin = 0;
  o.owned_end = 1000;
  o.exchange = &ex;
  EXPECT_THROW(event_engine(part, o), error);
  o.owned_end = 2000;
  o.exchange = nullptr;
  EXPECT_THROW(event_engine(part, o), error);
  EXPECT_THROW(network(d, 3000, 2000), error);
  EXPECT_THROW(network(d, 0, 4001), error);
}

}  // namespace
}  // namespace spikeworm
