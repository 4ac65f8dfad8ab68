// A progress bar on a terminal, plain lines (every 10%) otherwise, nothing when disabled.
#pragma once

#include <algorithm>
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

// Returns work(), while a thread calls report(count) with the count in `done` (which work advances, from any
// thread) every `period`; no thread when `report` is null. The thread has stopped when this returns or throws.
template <class Work, class Report>
auto watch_counter(const std::atomic<int>& done, std::chrono::milliseconds period, const Report* report, Work&& work) {
  std::atomic<bool> stop{false};
  std::thread watcher;
  if (report)
    watcher = std::thread([&] {
      while (!stop.load()) {
        (*report)(static_cast<std::uint64_t>(std::max(0, done.load())));
        std::this_thread::sleep_for(period);
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

// Returns work(), while a thread moves `bar` to the count in `done` every 200 ms; no thread when `quiet`.
template <class Work>
auto watch_progress(progress_bar& bar, const std::atomic<int>& done, bool quiet, Work&& work) {
  const auto update = [&](std::uint64_t d) { bar.update(d); };
  return watch_counter(done, std::chrono::milliseconds(200), quiet ? nullptr : &update, std::forward<Work>(work));
}

}  // namespace spikeworm
