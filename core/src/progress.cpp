// Progress reporting for long work.
#include "spikeworm/core/progress.hpp"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <unistd.h>

namespace spikeworm {

progress_bar::progress_bar(std::ostream& out, std::string label, std::uint64_t total, mode m)
    : out_(&out), label_(std::move(label)), total_(total == 0 ? 1 : total), mode_(m) {
  if (mode_ == mode::automatic) mode_ = (&out == &std::cerr && ::isatty(STDERR_FILENO)) ? mode::bar : mode::lines;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

progress_bar::~progress_bar() { finish(); }

void progress_bar::update(std::uint64_t done, const std::string& detail) {
  if (mode_ == mode::off || finished_) return;
  const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (mode_ == mode::bar) {
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0.0;
    *out_ << fmt::format("\r{} [{}{}] {:3.0f}% {:.1f}s eta {:.1f}s {}\x1b[K", label_, std::string(filled, '#'),
                         std::string(width - filled, ' '), 100 * frac, elapsed, eta, detail)
          << std::flush;
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    *out_ << fmt::format("{}: {:3.0f}% ({:.1f}s) {}\n", label_, 100 * frac, elapsed, detail) << std::flush;
  }
}

void progress_bar::finish() {
  if (finished_ || mode_ == mode::off) return;
  finished_ = true;
  if (mode_ == mode::bar) *out_ << "\r\x1b[K" << std::flush;
}

}  // namespace spikeworm
