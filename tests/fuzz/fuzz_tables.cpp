// libFuzzer target: the chip profile and energy table readers (docs/deployment.md, docs/energy.md). Seeds:
// tests/fuzz/corpus/tables (configs/chips/*.toml and configs/energy/*.toml).
#include "fuzz_common.hpp"
#include "spikeworm/deploy/chip.hpp"
#include "spikeworm/deploy/energy_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spikeworm;
  const auto path = fuzz::write(".toml", data, size).string();
  fuzz::refused_or_read([&] { (void)read_chip_profile(path); });
  fuzz::refused_or_read([&] { (void)read_energy_table(path); });
  return 0;
}
