// Values to bytes and back, for results sent between MPI ranks (docs/scaling.md): one field list per struct,
// `template <class A> void fields(A& a, T& x) { a(x.first, x.second, ...); }` found by ADL, serves both
// directions. Numbers are copied bit for bit (NaN and infinity too), so a value read back is the value written.
// Both ends are the same build, so the layout is the machine's; this is no file format.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

class byte_writer {
 public:
  template <class... T>
  void operator()(const T&... xs) {
    (put(xs), ...);
  }
  std::string& bytes() noexcept { return buf_; }

 private:
  template <class T>
  void put(const T& x) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      const auto at = buf_.size();
      buf_.resize(at + sizeof(T));
      std::memcpy(buf_.data() + at, &x, sizeof(T));
    } else if constexpr (std::is_same_v<T, std::string>) {
      put(static_cast<std::uint64_t>(x.size()));
      buf_.append(x);
    } else {
      fields(*this, const_cast<T&>(x));  // fields() only reads x here
    }
  }
  template <class T>
  void put(const std::vector<T>& v) {
    put(static_cast<std::uint64_t>(v.size()));
    if constexpr (std::is_same_v<T, bool>) {
      for (const bool b : v) put(b);
    } else {
      for (const auto& x : v) put(x);
    }
  }
  template <class T>
  void put(const std::optional<T>& o) {
    put(o.has_value());
    if (o) put(*o);
  }
  template <class A, class B>
  void put(const std::pair<A, B>& p) {
    put(p.first);
    put(p.second);
  }
  std::string buf_;
};

// Reads what byte_writer wrote, in the same order; throws internal_error past the end (a bug, never input).
class byte_reader {
 public:
  explicit byte_reader(std::string_view bytes) noexcept : s_(bytes) {}
  template <class... T>
  void operator()(T&... xs) {
    (get(xs), ...);
  }
  bool done() const noexcept { return at_ == s_.size(); }

 private:
  void need(std::size_t n) const {
    if (n > s_.size() - at_) throw internal_error("byte_reader: read past the end of a rank's message");
  }
  template <class T>
  void get(T& x) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      need(sizeof(T));
      std::memcpy(&x, s_.data() + at_, sizeof(T));
      at_ += sizeof(T);
    } else if constexpr (std::is_same_v<T, std::string>) {
      std::uint64_t n = 0;
      get(n);
      need(n);
      x.assign(s_.data() + at_, n);
      at_ += n;
    } else {
      fields(*this, x);
    }
  }
  template <class T>
  void get(std::vector<T>& v) {
    std::uint64_t n = 0;
    get(n);
    need(n);  // every item takes at least one byte
    v.assign(n, T{});
    if constexpr (std::is_same_v<T, bool>) {
      for (std::size_t i = 0; i < n; ++i) {
        bool b = false;
        get(b);
        v[i] = b;
      }
    } else {
      for (auto& x : v) get(x);
    }
  }
  template <class T>
  void get(std::optional<T>& o) {
    bool has = false;
    get(has);
    o.reset();
    if (has) get(o.emplace());
  }
  template <class A, class B>
  void get(std::pair<A, B>& p) {
    get(p.first);
    get(p.second);
  }
  std::string_view s_;
  std::size_t at_ = 0;
};

// x as bytes, and back.
template <class T>
std::string to_bytes(const T& x) {
  byte_writer w;
  w(x);
  return std::move(w.bytes());
}
template <class T>
T from_bytes(std::string_view bytes) {
  T x{};
  byte_reader r(bytes);
  r(x);
  if (!r.done()) throw internal_error("byte_reader: a rank's message is longer than what was read");
  return x;
}

}  // namespace spikeworm
