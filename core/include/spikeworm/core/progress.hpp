// A progress bar on a terminal, plain lines (every 10%) otherwise, nothing when disabled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <thread>

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

// Returns work(), while a thread moves `bar` to the count in `done` (which work advances, from any thread)
// every 200 ms; no thread when `quiet`. The thread has stopped when this returns or throws.
template <class Work>
auto watch_progress(progress_bar& bar, const std::atomic<int>& done, bool quiet, Work&& work) {
  std::atomic<bool> stop{false};
  std::thread watcher;
  if (!quiet)
    watcher = std::thread([&] {
      while (!stop.load()) {
        bar.update(static_cast<std::uint64_t>(done.load()));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  struct join_on_exit {
    std::atomic<bool>& stop;
    std::thread& watcher;
    ~join_on_exit() {
      stop = true;
      if (watcher.joinable()) watcher.join();
    }
  } join{stop, watcher};
  return work();
}

}  // namespace spikeworm
