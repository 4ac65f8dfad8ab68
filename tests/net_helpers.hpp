// Building networks from TOML text in tests.
#pragma once

#include <optional>
#include <string>

#include <fmt/format.h>

#include "spikeworm/core/config.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/engine/network.hpp"

namespace spikeworm::test {

inline network_desc desc_from(const std::string& toml) {
  const auto doc = load_config_string(toml, "test.toml");
  return read_network_desc(table_reader::root(doc));
}

inline network net_from(const std::string& toml, std::uint64_t seed = 0) {
  auto d = desc_from(toml);
  if (seed) d.sim.seed = seed;
  return network(d);
}

// The config error for a network text, or nothing.
inline std::optional<config_error> refusal(const std::string& toml) {
  try {
    (void)desc_from(toml);
  } catch (const config_error& e) {
    return e;
  }
  return std::nullopt;
}

// A network of one population "n" of two neurons of `model` with the given params (and extra keys).
inline std::string one_neuron(const std::string& model, const std::string& params, const std::string& extra = "") {
  return fmt::format(R"(
[simulation]
dt = 0.1
units = "ms"
[[population]]
name = "n"
size = 2
model = "{}"
params = {{ {} }}
{}
)",
                     model, params, extra);
}

}  // namespace spikeworm::test
