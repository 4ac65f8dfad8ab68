// Test helpers: networks from TOML text, temporary folders, spike-train comparison.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "spikeworm/core/config.hpp"

namespace spikeworm::test {

inline std::filesystem::path source_dir() {
  const char* s = std::getenv("SPIKEWORM_SOURCE_DIR");
  return s ? std::filesystem::path(s) : std::filesystem::path(SPIKEWORM_SOURCE_DIR_FALLBACK);
}

// A fresh folder under the system temp dir, removed at scope exit.
class temp_dir {
 public:
  temp_dir() {
    path_ = std::filesystem::temp_directory_path() /
            ("spikeworm-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             std::to_string(counter()++) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

}  // namespace spikeworm::test
