// Shared by the libFuzzer targets (docs/testing.md, "Fuzzing"): the readers under test take file paths, so each
// input is written to one scratch file per process; a reader may refuse an input only with spikeworm::error
// (what every command turns into one clear message). Any other exception, a crash, a leak or undefined
// behaviour is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::fuzz {

// A scratch file of this process, named with `suffix` (some readers go by the extension).
inline std::filesystem::path scratch(const std::string& suffix) {
  const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return dir / ("spikeworm-fuzz-" + std::to_string(::getpid()) + suffix);
}

inline std::filesystem::path write(const std::string& suffix, const std::uint8_t* data, std::size_t size) {
  const auto p = scratch(suffix);
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                               static_cast<std::streamsize>(size));
  return p;
}

// Runs f; a spikeworm::error (a refusal) is an expected outcome, anything else propagates to libFuzzer.
template <class F>
void refused_or_read(F&& f) {
  try {
    f();
  } catch (const spikeworm::error&) {
  }
}

}  // namespace spikeworm::fuzz
