// A progress bar on a terminal, plain lines (every 10%) otherwise, nothing when disabled.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace spikeworm {

class progress_bar {
 public:
  enum class mode { automatic, bar, lines, off };
  progress_bar(std::ostream& out, std::string label, std::uint64_t total, mode m = mode::automatic);
  ~progress_bar();
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  void update(std::uint64_t done, const std::string& detail = {});
  void finish();

 private:
  std::ostream* out_;
  std::string label_;
  std::uint64_t total_;
  mode mode_;
  int last_decile_ = -1;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace spikeworm
