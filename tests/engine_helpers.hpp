// Comparing the event engine with the reference stepper.
#pragma once

#include <cmath>
#include <iostream>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm::test {

struct comparison {
  bool identical = false;
  std::size_t differences = 0;  // spikes present in one engine only
  std::size_t flips = 0;        // differences that start a divergence at a membrane within tol of threshold
  std::size_t unexplained = 0;  // differences that start a divergence anywhere else
  std::string detail;           // the first unexplained difference, or else the first flip
};

// The threshold of neuron n's population (NaN for a model it does not know: never near).
inline double threshold_of(const network& net, neuron_id n) {
  const auto& p = net.populations()[net.population_of(n)];
  switch (p.model) {
    case model_kind::lif: return p.lif.v_th;
    case model_kind::cuba_lif: return p.cuba.v_th;
    case model_kind::coba_lif: return p.coba.v_th;
    case model_kind::cuba_alpha_lif: return p.cuba_alpha.v_th;
    case model_kind::coba_alpha_lif: return p.coba_alpha.membrane.v_th;
    default: return std::nan("");
  }
}

// Compares spike trains, every spike of them. The only difference allowed is a threshold decision flipped by
// rounding (closed-form against step-by-step decay): where a difference is not a consequence of an earlier
// one, the reference stepper's membrane must lie within `tol` of threshold. A difference at neuron n, step t
// makes n's spikes from t on, and every neuron m reachable from n along synapses from t + (the shortest path's
// delays) on, consequences that may differ (trajectories part ways there); every other spike is still
// compared, so a second, independent difference after a flip is found and judged on its own. Every
// difference is counted.
inline comparison compare_spikes(const std::vector<spike>& a, const clock_engine& ck, double tol = 1e-6) {
  const auto& b = ck.spikes();
  const auto& net = ck.net();
  const auto& trace = ck.membrane_trace();
  comparison c;
  constexpr step_t never = std::numeric_limits<step_t>::max();
  std::vector<step_t> from(net.num_neurons(), never);  // neuron n may differ from step from[n] on
  const auto rows = net.row_start();
  const auto targets = net.targets();
  const auto delays = net.delays();
  auto spread = [&](neuron_id n, step_t t) {  // Dijkstra over synaptic delays
    using item = std::pair<step_t, neuron_id>;
    std::priority_queue<item, std::vector<item>, std::greater<>> q;
    from[n] = t;
    q.push({t, n});
    while (!q.empty()) {
      const auto [at, x] = q.top();
      q.pop();
      if (at != from[x]) continue;
      for (edge_id e = rows[x]; e < rows[x + 1]; ++e)
        if (at + delays[e] < from[targets[e]]) {
          from[targets[e]] = at + delays[e];
          q.push({at + delays[e], targets[e]});
        }
    }
  };
  auto judge = [&](const spike& d, bool in_event_engine) {
    ++c.differences;
    if (from[d.neuron] <= d.step) return;  // a consequence of an earlier difference
    const double th = threshold_of(net, d.neuron);
    const std::size_t at = static_cast<std::size_t>(d.step - 1) * net.num_neurons() + d.neuron;
    const double v = at < trace.size() ? trace[at] : std::nan("");
    const bool near = std::abs(v - th) <= tol;
    (near ? c.flips : c.unexplained) += 1;
    if (c.detail.empty() || (!near && c.unexplained == 1))
      c.detail = fmt::format("{} at step {} neuron {} (present in the {}); reference membrane there {:.17g}, "
                             "threshold {}",
                             near ? "threshold flip" : "difference away from threshold", d.step, d.neuron,
                             in_event_engine ? "event engine only" : "reference only", v, th);
    spread(d.neuron, d.step);
  };
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {  // both ascending: a merge finds every spike in one of them only
    if (j == b.size() || (i < a.size() && a[i] < b[j])) judge(a[i++], true);
    else if (i == a.size() || b[j] < a[i]) judge(b[j++], false);
    else ++i, ++j;
  }
  c.identical = c.differences == 0;
  return c;
}

inline comparison compare_spikes(const engine& ev, const clock_engine& ck, double tol = 1e-6) {
  return compare_spikes(ev.spikes(), ck, tol);
}

inline ::testing::AssertionResult equivalent(const engine& ev, const clock_engine& ck) {
  const auto c = compare_spikes(ev, ck);
  if (c.identical) return ::testing::AssertionSuccess();
  if (c.unexplained == 0) {
    std::cerr << c.flips << " allowed threshold flip(s), " << c.differences << " differing spikes in all: " << c.detail
              << "\n";  // visible in the test log
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << c.unexplained << " difference(s) away from threshold, " << c.flips
                                       << " threshold flip(s), " << c.differences << " differing spikes: " << c.detail;
}

}  // namespace spikeworm::test
