// The RAII layer over the HDF5 C library (core/hdf5.hpp).
#include "spikeworm/core/hdf5.hpp"

#include <algorithm>
#include <array>
#include <system_error>
#include <type_traits>

#include <fmt/format.h>
#include <hdf5.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"

namespace spikeworm::h5 {

static_assert(std::is_same_v<hid_t, std::int64_t> && std::is_same_v<herr_t, int>,
              "core/hdf5.hpp keeps HDF5 identifiers as std::int64_t (HDF5 1.10 and later)");

namespace fs = std::filesystem;

handle& handle::operator=(handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

int handle::reset() noexcept {
  int r = 0;
  if (id_ >= 0 && close_) r = close_(id_);
  id_ = -1;
  return r;
}

// The innermost description on HDF5's error stack (the library's own report is switched off: it would print).
std::string innermost_message() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? "HDF5 error" : msg;
}

namespace {

hid_t native(element e) { return e == element::int32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE; }
hid_t stored(element e) { return e == element::int32 ? H5T_STD_I32LE : H5T_IEEE_F64LE; }

handle checked(const file& f, hid_t id, handle::closer close, std::string_view what, std::string_view object) {
  if (id < 0) f.fail(what, object);
  return handle(id, close);
}

std::string child(const std::string& path, std::string_view name) {
  return path == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", path, name);
}

// A scalar attribute `name` of type `type` on object `obj`, holding *value.
void write_attribute(const group& g, std::string_view name, hid_t type, const void* value) {
  const std::string n(name);
  const file& f = g.owner();
  handle space = checked(f, H5Screate(H5S_SCALAR), H5Sclose, "cannot create an attribute", g.path());
  handle a = checked(f, H5Acreate2(g.id(), n.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                     fmt::format("cannot create attribute {}", n), g.path());
  if (H5Awrite(a.get(), type, value) < 0) f.fail(fmt::format("cannot write attribute {}", n), g.path());
}

}  // namespace

group group::create_group(std::string_view name) const {
  const std::string n(name), path = child(path_, name);
  return group(file_,
               checked(*file_, H5Gcreate2(id(), n.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                       "cannot create group", path),
               path);
}

void group::attribute(std::string_view name, double value) const { write_attribute(*this, name, H5T_NATIVE_DOUBLE, &value); }

void group::attribute(std::string_view name, std::int64_t value) const {
  write_attribute(*this, name, H5T_NATIVE_INT64, &value);
}

void group::attribute(std::string_view name, std::string_view value) const {
  handle type = checked(*file_, H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type", path_);
  if (H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
    file_->fail("cannot create a string type", path_);
  const std::string v(value);
  const char* p = v.c_str();
  write_attribute(*this, name, type.get(), &p);
}

namespace {

handle vlen_string_type(const file& f, const std::string& path) {
  handle type = checked(f, H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type", path);
  if (H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
    f.fail("cannot create a string type", path);
  return type;
}

handle dataspace(const file& f, std::span<const std::size_t> shape, const std::string& path) {
  if (shape.empty()) return checked(f, H5Screate(H5S_SCALAR), H5Sclose, "cannot create a dataspace", path);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return checked(f, H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                 "cannot create a dataspace", path);
}

void write_whole(const group& g, std::string_view name, hid_t type, std::span<const std::size_t> shape, const void* data) {
  const file& f = g.owner();
  const std::string n(name), path = child(g.path(), name);
  handle space = dataspace(f, shape, path);
  handle d = checked(f, H5Dcreate2(g.id(), n.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose, "cannot create dataset", path);
  if (H5Dwrite(d.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) f.fail("cannot write dataset", path);
}

}  // namespace

void group::dataset(std::string_view name, std::span<const double> values, std::span<const std::size_t> shape) const {
  std::size_t n = 1;
  for (std::size_t s : shape) n *= s;
  if (n != values.size())
    throw internal_error(fmt::format("hdf5 dataset {}: {} values for {} elements", child(path_, name), values.size(), n));
  write_whole(*this, name, H5T_NATIVE_DOUBLE, shape, values.data());
}

void group::string_dataset(std::string_view name, std::string_view value) const {
  handle type = vlen_string_type(*file_, child(path_, name));
  const std::string v(value);
  const char* p = v.c_str();
  write_whole(*this, name, type.get(), {}, &p);
}

void group::string_dataset(std::string_view name, std::span<const std::string> values,
                           std::span<const std::size_t> shape) const {
  std::size_t n = 1;
  for (std::size_t s : shape) n *= s;
  if (n != values.size())
    throw internal_error(fmt::format("hdf5 dataset {}: {} strings for {} elements", child(path_, name), values.size(), n));
  handle type = vlen_string_type(*file_, child(path_, name));
  std::vector<const char*> p;
  for (const auto& s : values) p.push_back(s.c_str());
  write_whole(*this, name, type.get(), shape, p.data());
}

growing_dataset::growing_dataset(const group& where, std::string_view name, element type, std::size_t width,
                                 std::size_t chunk_rows, bool compress)
    : file_(&where.owner()), path_(child(where.path(), name)), type_(type), width_(width) {
  const int rank = width > 0 ? 3 : 2;
  const std::array<hsize_t, 3> dims{1, 0, width}, max{1, H5S_UNLIMITED, width},
      chunk{1, std::max<hsize_t>(1, chunk_rows), std::max<hsize_t>(1, width)};
  handle space = checked(*file_, H5Screate_simple(rank, dims.data(), max.data()), H5Sclose, "cannot create a dataspace", path_);
  handle props = checked(*file_, H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "cannot create dataset properties", path_);
  if (H5Pset_chunk(props.get(), rank, chunk.data()) < 0) file_->fail("cannot set the chunk size", path_);
  if (compress && (H5Pset_shuffle(props.get()) < 0 || H5Pset_deflate(props.get(), 1) < 0))
    file_->fail("cannot set compression", path_);
  const std::string n(name);
  h_ = checked(*file_, H5Dcreate2(where.id(), n.c_str(), stored(type), space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
               H5Dclose, "cannot create dataset", path_);
}

void growing_dataset::append_raw(const void* data, std::size_t values, element type) {
  if (type != type_) throw internal_error(fmt::format("{}: appended values of another element type", path_));
  const std::size_t per_row = std::max<std::size_t>(1, width_);
  if (values % per_row != 0) throw internal_error(fmt::format("{}: {} values are not whole rows of {}", path_, values, per_row));
  const hsize_t rows = values / per_row;
  if (rows == 0) return;
  const int rank = width_ > 0 ? 3 : 2;
  const std::array<hsize_t, 3> size{1, rows_ + rows, width_}, start{0, rows_, 0}, count{1, rows, width_};
  if (H5Dset_extent(h_.get(), size.data()) < 0) file_->fail("cannot extend dataset", path_);
  handle fspace = checked(*file_, H5Dget_space(h_.get()), H5Sclose, "cannot get the dataspace", path_);
  if (H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
    file_->fail("cannot select rows", path_);
  handle mspace = checked(*file_, H5Screate_simple(rank, count.data(), nullptr), H5Sclose, "cannot create a dataspace", path_);
  if (H5Dwrite(h_.get(), native(type), mspace.get(), fspace.get(), H5P_DEFAULT, data) < 0) file_->fail("write failed", path_);
  rows_ += rows;
}

file::file(fs::path target) : target_(std::move(target)), temp_(temporary_name_for(target_)) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by exceptions, never printed
  file_ = this;
  path_.assign(1, '/');
  // Strong close: closing the file closes its groups and datasets too, so commit() needs no other handle
  // closed first (their later close fails quietly).
  handle access = checked(*this, H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create file properties", "/");
  if (H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG) < 0) fail("cannot set the close degree", "/");
  h_ = checked(*this, H5Fcreate(temp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose,
               "cannot create", "/");
}

file::~file() {
  if (!committed_) {
    h_.reset();
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void file::commit() {
  if (H5Fflush(h_.get(), H5F_SCOPE_GLOBAL) < 0) fail("write failed", "/");
  if (h_.reset() < 0) fail("write failed on close", "/");
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw error(fmt::format("{}: cannot rename into place: {}", target_.string(), ec.message()));
  committed_ = true;
}

void file::fail(std::string_view what, std::string_view object) const {
  throw error(fmt::format("{}: {} ({}): {}", target_.string(), what, object, innermost_message()));
}

}  // namespace spikeworm::h5
