// The names of an enum's values in one table, read both ways: printing a value and parsing a name (with
// an error that lists every name).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

// The name of e, or "?" for a value not in the table.
template <class E, std::size_t N>
constexpr std::string_view name_of(const name_table<E, N>& table, E e) noexcept {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

// "a, b or c": the names in table order.
template <class E, std::size_t N>
std::string names_list(const name_table<E, N>& table) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) {
    if (i) s += i + 1 == N ? " or " : ", ";
    s += table[i].second;
  }
  return s;
}

// The value named `name`; else throws error "unknown WHAT 'NAME' (expected a, b or c)".
template <class E, std::size_t N>
E parse_name(const name_table<E, N>& table, std::string_view name, std::string_view what) {
  for (const auto& [value, n] : table)
    if (n == name) return value;
  throw error("unknown " + std::string(what) + " '" + std::string(name) + "' (expected " + names_list(table) + ")");
}

}  // namespace spikeworm
