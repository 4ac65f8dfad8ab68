// Comparing the event engine with the reference stepper.
#pragma once

#include <cmath>
#include <iostream>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "spikeworm/engine/clock_engine.hpp"
#include "spikeworm/engine/engine.hpp"

namespace spikeworm::test {

struct comparison {
  bool identical = false;
  bool flip_near_threshold = false;  // the first difference is a threshold decision within tol
  std::string detail;
};

// Compares spike trains. The only difference allowed is a threshold decision flipped by rounding
// (closed-form against step-by-step decay): at the first differing spike, the reference stepper's
// membrane must lie within `tol` of threshold. After such a flip the trajectories may part ways,
// so nothing later is compared.
inline comparison compare_spikes(const engine& ev, const clock_engine& ck, double tol = 1e-6) {
  const auto& a = ev.spikes();
  const auto& b = ck.spikes();
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  comparison c;
  if (i == a.size() && i == b.size()) {
    c.identical = true;
    return c;
  }
  spike first;
  if (i == a.size()) first = b[i];
  else if (i == b.size()) first = a[i];
  else first = std::min(a[i], b[i]);
  const auto& net = ck.net();
  const auto& pop = net.populations()[net.population_of(first.neuron)];
  const double th = pop.model == model_kind::lif ? pop.lif.v_th : pop.cuba.v_th;
  const auto& trace = ck.membrane_trace();
  const std::size_t at = static_cast<std::size_t>(first.step - 1) * net.num_neurons() + first.neuron;
  const double v = at < trace.size() ? trace[at] : std::nan("");
  c.flip_near_threshold = std::abs(v - th) <= tol;
  c.detail = fmt::format("first difference at spike #{}: step {} neuron {} ({} in event engine, {} in reference); "
                         "reference membrane there {:.17g}, threshold {}",
                         i, first.step, first.neuron, (i < a.size() && a[i] == first) ? "present" : "absent",
                         (i < b.size() && b[i] == first) ? "present" : "absent", v, th);
  return c;
}

inline ::testing::AssertionResult equivalent(const engine& ev, const clock_engine& ck) {
  const auto c = compare_spikes(ev, ck);
  if (c.identical) return ::testing::AssertionSuccess();
  if (c.flip_near_threshold) {
    std::cerr << "allowed threshold flip: " << c.detail << "\n";  // visible in the test log
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << c.detail;
}

}  // namespace spikeworm::test
