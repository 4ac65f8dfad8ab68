// A thin RAII layer over the HDF5 C library, for the recordings of docs/recording.md: a file written under a
// temporary name and renamed on commit() (like atomic_file), groups with scalar attributes, and datasets that
// grow along one axis, appended chunk by chunk so that memory stays bounded whatever the length of the run.
// The HDF5 headers stay out of this one: identifiers are HDF5's hid_t (a 64-bit integer) kept as such.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace spikeworm::h5 {

// One HDF5 identifier, closed by the destructor with the function of its kind.
class handle {
 public:
  using closer = int (*)(std::int64_t);
  handle() = default;
  handle(std::int64_t id, closer close) noexcept : id_(id), close_(close) {}
  ~handle() { reset(); }
  handle(handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  handle& operator=(handle&& o) noexcept;
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  std::int64_t get() const noexcept { return id_; }
  int reset() noexcept;  // closes now; the close function's result (negative: failed), 0 when empty

 private:
  std::int64_t id_ = -1;
  closer close_ = nullptr;
};

// The innermost description on HDF5's error stack, which it clears (the library's own report is switched off:
// it would print).
std::string innermost_message();

enum class element : std::uint8_t { int32, float64 };

class file;

// A group: sub-groups and scalar attributes. Errors name the file and the object's path.
class group {
 public:
  group create_group(std::string_view name) const;
  void attribute(std::string_view name, double value) const;
  void attribute(std::string_view name, std::int64_t value) const;
  void attribute(std::string_view name, std::string_view value) const;  // a variable-length UTF-8 string
  // Whole datasets: float64 values of the given shape (row-major; empty shape: a scalar), and variable-length
  // UTF-8 strings, scalar or of the given shape (NIR's layout, docs/nir.md).
  void dataset(std::string_view name, std::span<const double> values, std::span<const std::size_t> shape) const;
  void string_dataset(std::string_view name, std::string_view value) const;
  void string_dataset(std::string_view name, std::span<const std::string> values, std::span<const std::size_t> shape) const;
  const std::string& path() const noexcept { return path_; }
  std::int64_t id() const noexcept { return h_.get(); }
  const file& owner() const noexcept { return *file_; }

 protected:
  group() = default;
  group(const file* f, handle h, std::string path) : file_(f), h_(std::move(h)), path_(std::move(path)) {}
  const file* file_ = nullptr;
  handle h_;
  std::string path_;
};

// A dataset of shape (1, rows) or, with width > 0, (1, rows, width), starting empty and growing by append()
// along its rows (NIR's layout: the first axis is the sample). Chunked (chunk_rows rows per chunk) and, with
// `compress`, byte-shuffled and deflated at level 1.
class growing_dataset {
 public:
  growing_dataset(const group& where, std::string_view name, element type, std::size_t width, std::size_t chunk_rows,
                  bool compress);
  // Appends data.size() / max(1, width) rows.
  void append(std::span<const std::int32_t> data) { append_raw(data.data(), data.size(), element::int32); }
  void append(std::span<const double> data) { append_raw(data.data(), data.size(), element::float64); }
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  void append_raw(const void* data, std::size_t values, element type);
  const file* file_;
  std::string path_;
  handle h_;
  element type_;
  std::size_t width_;
  std::uint64_t rows_ = 0;
};

// An HDF5 file created at a temporary name next to `target` (temporary_name_for, core/io.hpp); commit() closes
// it and renames it onto `target`. Destroyed without commit(), it leaves no file. The root group is *this.
class file : public group {
 public:
  explicit file(std::filesystem::path target);
  ~file();
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  void commit();
  const std::filesystem::path& target() const noexcept { return target_; }
  // Throws spikeworm::error "TARGET: WHAT (OBJECT): the HDF5 library's innermost message".
  [[noreturn]] void fail(std::string_view what, std::string_view object) const;

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

}  // namespace spikeworm::h5
