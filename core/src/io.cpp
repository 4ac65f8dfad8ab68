// Atomic file writing, stale temporaries, output checks (docs/reliability.md).
#include "spikeworm/core/io.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <regex>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

namespace fs = std::filesystem;

namespace {

std::string os_reason(int e, const char* fallback) { return e != 0 ? std::strerror(e) : fallback; }

bool process_alive(long pid) {
  if (pid <= 0 || pid != static_cast<pid_t>(pid)) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

namespace detail {

fd_buf::~fd_buf() {
  if (fd_ >= 0) ::close(fd_);
}

bool fd_buf::open(const fs::path& p) {
  fd_ = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  return fd_ >= 0;
}

bool fd_buf::drain() {
  const char* p = pbase();
  while (p < pptr() && error_ == 0) {
    const ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) error_ = n < 0 ? errno : EIO;
    else p += n;
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return error_ == 0;
}

fd_buf::int_type fd_buf::overflow(int_type c) {
  if (fd_ < 0 || !drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int fd_buf::sync() { return fd_ >= 0 && drain() ? 0 : -1; }

int fd_buf::close() {
  if (fd_ < 0) return error_;
  drain();
  if (::close(fd_) != 0 && error_ == 0) error_ = errno;
  fd_ = -1;
  return error_;
}

}  // namespace detail

fs::path temporary_name_for(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), counter++);
}

atomic_file::atomic_file(fs::path target) : target_(std::move(target)), temp_(temporary_name_for(target_)) {
  if (!buf_.open(temp_)) throw error(fmt::format("{}: cannot open for writing: {}", target_.string(), std::strerror(errno)));
  static_cast<std::ios&>(out_).rdbuf(&buf_);
}

atomic_file::~atomic_file() {
  if (!committed_) {
    buf_.close();
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void atomic_file::commit() {
  out_.flush();
  const int e = buf_.close();
  if (e != 0 || !out_) throw error(fmt::format("{}: write failed: {}", target_.string(), os_reason(e, "output error")));
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw error(fmt::format("{}: cannot rename into place: {}", target_.string(), ec.message()));
  committed_ = true;
}

void write_file_atomically(const fs::path& target, std::string_view content) {
  atomic_file f(target);
  f.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  f.commit();
}

void ensure_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw error(fmt::format("{}: cannot create output folder: {}", dir.string(), ec ? ec.message() : "not a folder"));
}

int remove_stale_temporaries(const fs::path& dir) {
  // .NAME.tmp-PID-N, and NAME.tmp.PID.N of earlier versions.
  static const std::regex pattern(R"(^(?:\..+\.tmp-(\d+)-\d+|.+\.tmp\.(\d+)\.\d+)$)");
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch m;
    const std::string name = it->path().filename().string();
    if (!std::regex_match(name, m, pattern) || !it->is_regular_file(ec)) continue;
    const std::string pid = m[1].matched ? m[1].str() : m[2].str();
    if (pid.size() > 9 || process_alive(std::stol(pid))) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

void check_output_writable(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw error(fmt::format("{}: cannot write the output: it is a folder", file.string()));
  const fs::path folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  fs::path dir = folder;  // the nearest existing folder: the output's, or the ancestor its folder is created in
  while (!fs::exists(dir, ec) && dir != "." && dir != dir.parent_path())
    dir = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  if (!fs::is_directory(dir, ec))
    throw error(fmt::format("{}: cannot write the output: {}: {}", file.string(), dir.string(), std::strerror(ENOTDIR)));
  if (dir != folder) {
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw error(fmt::format("{}: cannot write the output: {}: {}", file.string(), dir.string(), std::strerror(errno)));
    return;
  }
  // The folder exists: create and delete a probe temporary, which finds read-only file systems and permissions.
  const fs::path probe = temporary_name_for(file);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw error(fmt::format("{}: cannot write the output: {}", file.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace spikeworm
