// Atomic file writing.
#include "spikeworm/core/io.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <unistd.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

atomic_file::atomic_file(std::filesystem::path target) : target_(std::move(target)) {
  static std::atomic<unsigned> counter{0};
  temp_ = target_;
  temp_ += fmt::format(".tmp.{}.{}", ::getpid(), counter++);
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw error(fmt::format("{}: cannot open for writing: {}", temp_.string(), std::strerror(errno)));
}

atomic_file::~atomic_file() {
  if (!committed_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void atomic_file::commit() {
  out_.flush();
  if (!out_) throw error(fmt::format("{}: write failed", temp_.string()));
  out_.close();
  std::error_code ec;
  std::filesystem::rename(temp_, target_, ec);
  if (ec) throw error(fmt::format("{}: cannot rename into place: {}", target_.string(), ec.message()));
  committed_ = true;
}

void write_file_atomically(const std::filesystem::path& target, std::string_view content) {
  atomic_file f(target);
  f.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  f.commit();
}

void ensure_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw error(fmt::format("{}: cannot create output folder: {}", dir.string(), ec ? ec.message() : "not a folder"));
}

}  // namespace spikeworm
