// Firing rates and NeuroBench's metrics from eval's counts, under NeuroBench's names (docs/energy.md,
// "NeuroBench's metrics").
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "spikeworm/learning/evaluate.hpp"

namespace spikeworm {

double eval_result::firing_rate(std::size_t layer) const noexcept {
  const auto& l = layers_counts.at(layer);
  const double slots = static_cast<double>(l.neurons) * steps * static_cast<double>(decisions);
  return slots > 0 ? static_cast<double>(l.spikes) / slots : 0.0;
}

nlohmann::json eval_result::neurobench() const {
  const bool spiking = brain_type == brain_kind::spiking;
  // In doubles: counts read from a file may be as large as 2^53 each.
  double acs = static_cast<double>(input_spikes) * static_cast<double>(input_fan_out), spikes = 0, updates = 0, slots = 0;
  for (const auto& l : layers_counts) {
    acs += static_cast<double>(l.sops);
    spikes += static_cast<double>(l.spikes);
    updates += static_cast<double>(l.updates);
    slots += static_cast<double>(l.neurons) * steps * static_cast<double>(decisions);
  }
  const double n = decisions ? static_cast<double>(decisions) : 1.0;
  const double macs = spiking ? static_cast<double>(input_macs) + static_cast<double>(head_macs)
                              : static_cast<double>(mlp_macs);
  nlohmann::json j;
  j["SynapticOperations"] = {{"Effective_MACs", macs},
                             {"Effective_ACs", spiking ? acs / n : 0.0},
                             {"Dense", spiking ? macs + static_cast<double>(clock_macs) : macs}};
  // The MLP's zero ReLU outputs are not counted: no activation sparsity is given for it.
  j["ActivationSparsity"] = spiking && slots > 0 ? nlohmann::json(1.0 - spikes / slots) : nlohmann::json(nullptr);
  j["MembraneUpdates"] = spiking ? updates / n : 0.0;
  j["Footprint"] = 4 * parameters + 8 * state_values;  // [bytes]; counts are <= 2^53, no overflow
  j["ConnectionSparsity"] =
      connection_weights ? static_cast<double>(zero_weights) / static_cast<double>(connection_weights) : 0.0;
  return j;
}

std::string neurobench_mismatch(const nlohmann::json& got, const nlohmann::json& want) {
  auto check = [](const nlohmann::json& g, const nlohmann::json& w, const std::string& key) -> std::string {
    if (!g.is_object() || !g.contains(key)) return fmt::format("missing '{}'", key);
    const auto& v = g.at(key);
    const auto& x = w.at(key);
    if (x.is_null()) return v.is_null() ? "" : fmt::format("'{}' must be null, got {}", key, v.dump().substr(0, 80));
    if (!v.is_number()) return fmt::format("'{}' must be a number, got {}", key, v.dump().substr(0, 80));
    const double a = v.get<double>(), b = x.get<double>();
    if (!std::isfinite(a) || std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(b)))
      return fmt::format("'{}' is {}, the counts give {}", key, v.dump().substr(0, 40), b);
    return "";
  };
  if (!got.is_object() || !got.contains("SynapticOperations")) return "missing 'SynapticOperations'";
  for (const char* key : {"Effective_MACs", "Effective_ACs", "Dense"})
    if (auto why = check(got.at("SynapticOperations"), want.at("SynapticOperations"), key); !why.empty())
      return "SynapticOperations: " + why;
  for (const char* key : {"ActivationSparsity", "MembraneUpdates", "Footprint", "ConnectionSparsity"})
    if (auto why = check(got, want, key); !why.empty()) return why;
  return "";
}

}  // namespace spikeworm
