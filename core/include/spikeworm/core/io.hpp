// Files written atomically: to a temporary name in the same folder, renamed on commit().
// Temporaries are named `.NAME.tmp-PID-N`, so that remove_stale_temporaries can recognise those of a killed
// process; errors name the target, never the temporary, with the OS reason (docs/reliability.md).
#pragma once

#include <filesystem>
#include <fstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace spikeworm {

namespace detail {
// A buffered output to a file descriptor that remembers the first OS error (errno) of a failed write, so that
// "write failed" can say why ("No space left on device").
class fd_buf : public std::streambuf {
 public:
  fd_buf() : buffer_(1 << 16) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  ~fd_buf() override;
  fd_buf(const fd_buf&) = delete;
  fd_buf& operator=(const fd_buf&) = delete;
  bool open(const std::filesystem::path& p);  // false: errno says why
  int close();                                // flushes and closes; 0, or the first errno
  int error() const noexcept { return error_; }

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  bool drain();
  std::vector<char> buffer_;
  int fd_ = -1;
  int error_ = 0;
};
}  // namespace detail

// RAII: the temporary file is removed unless commit() renamed it onto the target.
class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path target);
  ~atomic_file();
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;

  std::ofstream& stream() noexcept { return out_; }
  void commit();  // flushes, checks for write errors, renames; throws spikeworm::error on failure

 private:
  std::filesystem::path target_, temp_;
  detail::fd_buf buf_;
  std::ofstream out_;  // writes through buf_
  bool committed_ = false;
};

void write_file_atomically(const std::filesystem::path& target, std::string_view content);
// Creates the folder (and parents) or throws spikeworm::error naming it.
void ensure_directory(const std::filesystem::path& dir);

// The temporary name atomic_file uses for `target` in this process: DIR/.NAME.tmp-PID-N.
std::filesystem::path temporary_name_for(const std::filesystem::path& target);
// Deletes the temporaries of atomic_file in `dir` whose writing process is no longer alive (a killed earlier
// write); returns how many were removed. A missing folder is not an error.
int remove_stale_temporaries(const std::filesystem::path& dir);
// Throws spikeworm::error naming `file` and the OS reason unless a file can be created at that place (its
// folder exists and is writable, or can be created). Call before long work that ends by writing `file`.
void check_output_writable(const std::filesystem::path& file);

// JSON text of a nlohmann::json document, indented by 2, with a final newline. Invalid UTF-8 in strings
// (non-UTF-8 paths) is replaced by U+FFFD instead of throwing; valid documents print as j.dump(2).
template <class Json>
std::string json_text(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace spikeworm
