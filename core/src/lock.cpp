// The run folder's flock (docs/training.md, "The run folder").
#include "spikeworm/core/lock.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

namespace {

// The pid the holder wrote into the lock file; empty when unreadable.
std::string holder_pid(int fd) {
  char buf[32] = {};
  const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

folder_lock::folder_lock(const std::filesystem::path& dir, mode m) {
  const auto file = dir / ".spikeworm.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw error(fmt::format("{}: cannot lock the folder: {}", dir.string(), std::strerror(errno)));
  if (::flock(fd_, (m == mode::exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw error(fmt::format("{} is in use by pid {}", dir.string(), pid.empty() ? "(unknown)" : pid));
    throw error(fmt::format("{}: cannot lock the folder: {}", dir.string(), std::strerror(err)));
  }
  // The holder's pid, for the message a second process gets; best effort (a reader may see it half-written).
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // the lock holds without the pid: the message then says "(unknown)"
  }
}

folder_lock::~folder_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace spikeworm
