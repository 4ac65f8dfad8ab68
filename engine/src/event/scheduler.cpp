// The scheduler of the event engine (docs/architecture.md, the event engine): one step of one block, and
// the queues of its lazy neurons. A neuron with input waiting is on the due list of the input's ring slot;
// a predicted threshold crossing goes to a timing wheel (the next wheel_slots steps, a bucket per step) or,
// farther, to a min-heap; stale entries (the neuron was updated and re-predicted since) are skipped.
#include <algorithm>

#include "state.hpp"

namespace spikeworm {

using namespace event_detail;

// Stages 1-3 of the pipeline (event_engine.cpp) for block b at step t: pull its input, step its neurons (the
// dense tile steps, or the lazy updates due: input first, then the wheel's and the heap's crossings), push.
void event_engine::impl::step_block(block& b, step_t t) {
  if (net_->has_zero_delay()) {  // docs/nir.md: the earlier populations' spikes of step t, over zero delays
    if (!fired_.empty()) deliver(b, t - 1, delays_taken::nonzero);
    if (!fired_now_.empty() && !b.pushed && !b.tiled) deliver_from(b, t, fired_now_, delays_taken::zero);
  } else if (!fired_.empty()) {
    deliver(b, t - 1);
  }
  b.fired.clear();
  const auto& p = net_->populations()[b.pop];
  const std::size_t slot = static_cast<std::size_t>(t % static_cast<step_t>(st_.slots));
  auto& due = b.due[slot];
  b.pending -= due.size();
  if (b.clocked) {
    step_clocked(b, p, t);
    if (!pushed_.empty() && !b.fired.empty()) push(b, t);
    return;
  }
  for (neuron_id n : due) process(b, p, n, t);
  due.clear();
  {
    auto& bucket = b.wheel[static_cast<std::size_t>(t & (wheel_slots - 1))];
    b.wheel_entries -= bucket.size();
    // Pre: process() schedules only steps in (t, t + wheel_slots), never into this bucket.
    for (neuron_id n : bucket)
      if (predicted_[n] == t && st_.last[n] < t) process(b, p, n, t);
    bucket.clear();
  }
  while (!b.crossings.empty() && b.crossings.top().first <= t) {
    const auto [s, n] = b.crossings.top();
    b.crossings.pop();
    if (s == t && predicted_[n] == t && st_.last[n] < t) process(b, p, n, t);
  }
  std::sort(b.fired.begin(), b.fired.end());
  if (!pushed_.empty() && !b.fired.empty()) push(b, t);
}

// Queues the predicted crossing s of neuron n (never: none), made at step `now`: into the wheel when less
// than wheel_slots steps ahead, else into the heap. The entry it replaces, if any, becomes stale.
void event_engine::impl::schedule(block& b, neuron_id n, step_t s, step_t now) {
  if (predicted_[n] == s) return;  // its entry is still queued and still valid
  predicted_[n] = s;
  if (s == never) return;
  if (s - now < wheel_slots) {
    b.wheel[static_cast<std::size_t>(s & (wheel_slots - 1))].push_back(n);
    ++b.wheel_entries;
  } else {
    b.crossings.emplace(s, n);
  }
  ++b.queued;
}

}  // namespace spikeworm
