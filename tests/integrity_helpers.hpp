// Integrity tests: a small trained run, files as bytes, and re-signing a mutated binary file.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include <unistd.h>

#include "cli_helpers.hpp"
#include "helpers.hpp"
#include "spikeworm/core/checksum.hpp"
#include "spikeworm/core/config.hpp"
#include "spikeworm/learning/trainer.hpp"

namespace spikeworm::test {

inline std::string read_bytes(const std::filesystem::path& p) {
  std::string s(static_cast<std::size_t>(std::filesystem::file_size(p)), '\0');
  std::ifstream(p, std::ios::binary).read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

inline void write_bytes(const std::filesystem::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(s.data(), static_cast<std::streamsize>(s.size()));
}

// Recomputes the trailing FNV-1a-64 checksum (docs/training.md, "File formats") after an edit.
inline void resign(std::string& s) {
  if (s.size() < 8) return;
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const std::uint64_t h = fnv1a64(std::span(b, s.size() - 8));
  std::memcpy(s.data() + s.size() - 8, &h, 8);
}

inline experiment_config small_config() {
  const auto doc = load_config_string(small_experiment, "small.toml");
  return read_experiment(table_reader::root(doc));
}

// A trained run folder (1 session x 3 episodes, checkpoint at the end) made once per test binary.
inline const std::filesystem::path& trained_run() {
  struct remover {  // removes the run's folder when the test binary exits
    std::filesystem::path dir;
    ~remover() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  };
  static remover folder;
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("spikeworm-integrity-" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    folder.dir = d;
    write_bytes(d / "small.toml", small_experiment);
    const auto r = run_cli({"train", (d / "small.toml").string(), "--sessions", "1", "--episodes", "3", "--out",
                            (d / "run").string(), "-q"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto e = run_cli({"eval", (d / "run").string(), "-q"});
    EXPECT_EQ(e.code, 0) << e.err;
    return d / "run";
  }();
  return dir;
}

}  // namespace spikeworm::test
