// Reading HDF5 files (NIR graphs, docs/nir.md): a read-only file, its groups' children, and datasets read
// whole as strings or as numbers. The HDF5 headers stay out of this one, as in hdf5.hpp.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "spikeworm/core/hdf5.hpp"

namespace spikeworm::h5 {

// A numeric dataset read whole: its shape (empty for a scalar) and its values as doubles, row-major.
struct array {
  std::vector<std::size_t> shape;
  std::vector<double> values;

  std::size_t size() const noexcept { return values.size(); }
};

// The most memory one dataset may take when read (1 GiB: a 16k x 8k matrix of doubles); a larger one is
// refused with the file, the dataset and its shape.
inline constexpr std::size_t max_dataset_bytes = std::size_t{1} << 30;

// A read-only HDF5 file. Paths are absolute within the file ("/node/nodes/lif1/tau"). Every error is a
// spikeworm::error naming the file, the object and the HDF5 library's message.
class reader {
 public:
  enum class kind { missing, group, dataset, other };

  // Throws when the file is missing, unreadable or not HDF5.
  explicit reader(std::filesystem::path path);

  kind kind_of(const std::string& path) const;
  // The names of a group's members, in the file's (alphabetical) order.
  std::vector<std::string> children(const std::string& group) const;
  // A scalar string dataset (variable- or fixed-length).
  std::string read_string(const std::string& path) const;
  // A string dataset of any shape, row-major; `shape` receives its shape.
  std::vector<std::string> read_strings(const std::string& path, std::vector<std::size_t>& shape) const;
  // An integer or floating-point dataset, converted to double.
  array read_numbers(const std::string& path) const;
  // Whether a dataset holds strings (else numbers, or something neither reads).
  bool is_string(const std::string& path) const;

  const std::filesystem::path& path() const noexcept { return path_; }
  [[noreturn]] void fail(const std::string& what, const std::string& object) const;

 private:
  std::filesystem::path path_;
  handle file_;
};

}  // namespace spikeworm::h5
