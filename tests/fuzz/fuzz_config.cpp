// libFuzzer target: the TOML config reader and the network and experiment descriptions read from it
// (docs/config-reference.md). Seeds: tests/fuzz/corpus/config (configs/*.toml and the tests' configs).
#include <string>

#include "fuzz_common.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/engine/network.hpp"
#include "spikeworm/learning/trainer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spikeworm;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_or_read([&] {
    const auto doc = load_config_string(text, "fuzz.toml");
    const auto root = table_reader::root(doc);
    fuzz::refused_or_read([&] { (void)read_network_desc(root); });
    fuzz::refused_or_read([&] { (void)read_experiment(root); });
  });
  return 0;
}
