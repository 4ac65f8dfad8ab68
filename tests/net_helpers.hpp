// Building networks from TOML text in tests.
#pragma once

#include <string>

#include "spikeworm/core/config.hpp"
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

}  // namespace spikeworm::test
