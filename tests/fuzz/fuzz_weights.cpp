// libFuzzer target: the weights ("SWWT") and checkpoint readers (docs/training.md, "File formats") of the
// brain of a small experiment. Both files end in an FNV-1a-64 checksum that a random edit almost never keeps,
// so the target signs every input (after its first byte, which picks the reader) the way the writer does: the
// fuzzer then reaches the parsing behind the checksum, which a corrupted-but-signed file would. Seeds:
// tests/fuzz/corpus/weights (a trained run's weights and checkpoint, each behind its selector byte).
#include <cmath>
#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "spikeworm/core/checksum.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace {

const char* experiment = R"(
[env]
kind = "static"
preset = "medium"
[brain]
type = "spiking"
hidden = 16
layers = 2
steps = 12
[train]
episodes = 5
sessions = 1
seed = 3
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spikeworm;
  if (size < 1) return 0;
  static const experiment_config cfg = [] {
    const auto doc = load_config_string(experiment, "fuzz.toml");
    return read_experiment(table_reader::root(doc));
  }();
  static session s(cfg, 0, cfg.train.seed);
  const bool checkpoint = data[0] & 1;
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (bytes.size() >= 8) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::uint64_t h = fnv1a64(std::span(b, bytes.size() - 8));
    std::memcpy(bytes.data() + bytes.size() - 8, &h, 8);
  }
  const auto path = fuzz::write(checkpoint ? ".ckpt" : ".bin", reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                bytes.size());
  fuzz::refused_or_read([&] {
    if (checkpoint) {
      s.load(path);
    } else {
      read_weights(path, s.policy().params());
    }
    for (const auto& p : s.policy().params())  // what a reader accepts is finite
      for (const float x : p.value)
        if (!std::isfinite(x)) __builtin_trap();
  });
  return 0;
}
