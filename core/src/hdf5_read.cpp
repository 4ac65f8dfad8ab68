// Reading HDF5 files (core/hdf5_read.hpp).
#include "spikeworm/core/hdf5_read.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <hdf5.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm::h5 {

namespace {

std::vector<std::size_t> shape_of(const reader& r, hid_t dataset, const std::string& path) {
  handle space(H5Dget_space(dataset), H5Sclose);
  if (space.get() < 0) r.fail("cannot read the shape", path);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) r.fail("cannot read the shape", path);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) r.fail("cannot read the shape", path);
  return {dims.begin(), dims.end()};
}

// The number of elements of a dataset of `shape`, refused when it would take more than max_dataset_bytes in
// memory at `element_bytes` each (a few bytes of a file can declare a dataset of any size: docs/nir.md).
std::size_t count_of(const reader& r, const std::vector<std::size_t>& shape, std::size_t element_bytes,
                     const std::string& path) {
  std::size_t n = 1;
  bool over = false;
  for (auto d : shape) {
    if (d != 0 && n > max_dataset_bytes / element_bytes / d) over = true;
    n = over ? n : n * d;
  }
  for (auto d : shape) over = over && d != 0;  // an empty dimension: no elements at all
  if (over) {
    std::string dims;
    for (auto d : shape) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
    throw error(fmt::format("{}: dataset {} of shape {} would take more than {} MiB in memory, the most a dataset may",
                            r.path().string(), path, dims, max_dataset_bytes >> 20));
  }
  return n;
}

}  // namespace

reader::reader(std::filesystem::path path) : path_(std::move(path)) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors come back as exceptions, never printed
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) throw error(fmt::format("{}: no such file", path_.string()));
  if (H5Fis_hdf5(path_.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw error(fmt::format("{}: not an HDF5 file", path_.string()));
  }
  file_ = handle(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file_.get() < 0) fail("cannot open", "/");
}

void reader::fail(const std::string& what, const std::string& object) const {
  throw error(fmt::format("{}: {} ({}): {}", path_.string(), what, object, innermost_message()));
}

reader::kind reader::kind_of(const std::string& path) const {
  if (path == "/") return kind::group;
  // Every link on the way must exist: H5Lexists on "/a/b" fails when "/a" is missing.
  for (std::size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
    const std::string prefix = path.substr(0, at);
    const htri_t e = H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT);
    if (e <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return kind::missing;
    }
    if (at == std::string::npos) break;
  }
  handle obj(H5Oopen(file_.get(), path.c_str(), H5P_DEFAULT), H5Oclose);
  if (obj.get() < 0) {
    H5Eclear2(H5E_DEFAULT);
    return kind::other;  // a dangling soft or external link
  }
  switch (H5Iget_type(obj.get())) {
    case H5I_GROUP: return kind::group;
    case H5I_DATASET: return kind::dataset;
    default: return kind::other;
  }
}

std::vector<std::string> reader::children(const std::string& group) const {
  handle g(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT), H5Gclose);
  if (g.get() < 0) fail("cannot open group", group);
  H5G_info_t info;
  if (H5Gget_info(g.get(), &info) < 0) fail("cannot list group", group);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) fail("cannot list group", group);
    std::string name(static_cast<std::size_t>(n), '\0');
    if (H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT) < 0)
      fail("cannot list group", group);
    names.push_back(std::move(name));
  }
  return names;
}

bool reader::is_string(const std::string& path) const {
  handle d(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.get() < 0) fail("cannot open dataset", path);
  handle t(H5Dget_type(d.get()), H5Tclose);
  if (t.get() < 0) fail("cannot read the type", path);
  return H5Tget_class(t.get()) == H5T_STRING;
}

std::vector<std::string> reader::read_strings(const std::string& path, std::vector<std::size_t>& shape) const {
  handle d(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.get() < 0) fail("cannot open dataset", path);
  handle t(H5Dget_type(d.get()), H5Tclose);
  if (t.get() < 0 || H5Tget_class(t.get()) != H5T_STRING) fail("is not a string dataset", path);
  shape = shape_of(*this, d.get(), path);
  // In memory: a std::string and a pointer (variable length) or the fixed width per element.
  const std::size_t per = sizeof(std::string) + std::max(sizeof(char*), H5Tget_size(t.get()));
  const std::size_t n = count_of(*this, shape, per, path);
  std::vector<std::string> out(n);
  if (n == 0) return out;
  handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  if (mem.get() < 0) fail("cannot make a string type", path);
  H5Tset_cset(mem.get(), H5Tget_cset(t.get()));
  if (H5Tis_variable_str(t.get()) > 0) {
    H5Tset_size(mem.get(), H5T_VARIABLE);
    std::vector<char*> raw(n, nullptr);
    if (H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) fail("cannot read", path);
    for (std::size_t i = 0; i < n; ++i) out[i] = raw[i] ? raw[i] : "";
    handle space(H5Dget_space(d.get()), H5Sclose);
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, raw.data());
  } else {
    const std::size_t width = H5Tget_size(t.get());
    H5Tset_size(mem.get(), width);
    std::vector<char> raw(n * width);
    if (H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) fail("cannot read", path);
    for (std::size_t i = 0; i < n; ++i) {
      const char* s = raw.data() + i * width;
      out[i].assign(s, strnlen(s, width));
    }
  }
  return out;
}

std::string reader::read_string(const std::string& path) const {
  std::vector<std::size_t> shape;
  auto v = read_strings(path, shape);
  if (v.size() != 1) fail(fmt::format("expected one string, found {}", v.size()), path);
  return v[0];
}

array reader::read_numbers(const std::string& path) const {
  handle d(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.get() < 0) fail("cannot open dataset", path);
  handle t(H5Dget_type(d.get()), H5Tclose);
  const auto cls = t.get() < 0 ? H5T_NO_CLASS : H5Tget_class(t.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) fail("is not a numeric dataset", path);
  array a;
  a.shape = shape_of(*this, d.get(), path);
  a.values.resize(count_of(*this, a.shape, sizeof(double), path));
  if (!a.values.empty() && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()) < 0)
    fail("cannot read", path);
  return a;
}

}  // namespace spikeworm::h5
