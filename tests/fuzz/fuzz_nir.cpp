// libFuzzer target: the NIR reader (docs/nir.md) and what follows it, the plan and the translation into a
// spikeworm network, plus the .npy reader of `nir run --input`. The first byte picks the reader. The NIR file is
// HDF5: read in this process here (the command reads it in a child, so that a crash inside libhdf5 cannot take
// the command down), a finding inside libhdf5 is reported as libhdf5's. Seeds: tests/fuzz/corpus/nir (the
// fixtures' .nir files and .npy trains, each behind its selector byte).
#include "fuzz_common.hpp"
#include "spikeworm/app/nir.hpp"
#include "spikeworm/engine/nir_graph.hpp"
#include "spikeworm/engine/nir_network.hpp"
#include "spikeworm/engine/nir_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spikeworm;
  if (size < 1) return 0;
  if (data[0] & 1) {
    const auto path = fuzz::write(".npy", data + 1, size - 1);
    fuzz::refused_or_read([&] { (void)app::read_train(path); });
    return 0;
  }
  const auto path = fuzz::write(".nir", data + 1, size - 1);
  fuzz::refused_or_read([&] {
    const auto doc = nir::read(path);
    const auto plan = nir::make_plan(doc);
    (void)nir::translate(doc, plan, {});
  });
  return 0;
}
