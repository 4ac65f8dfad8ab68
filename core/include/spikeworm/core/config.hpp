// Reading TOML configuration with errors that name the file, line, column and key.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

class rng;

// A parsed TOML document with the name of the file it came from.
struct config_document {
  std::shared_ptr<const std::string> file;
  toml::table root;
};

// Parses a file; a missing file or a TOML syntax error throws spikeworm::error / config_error.
config_document load_config_file(const std::string& path);
// Limits checked before toml++ parses (docs/reliability.md): bytes of a config file and
// nesting levels (tables, arrays, dotted-key segments).
inline constexpr std::size_t max_config_bytes = std::size_t{64} << 20;
inline constexpr std::size_t max_config_nesting = 256;
// Parses TOML text (tests, embedded defaults); `name` stands in for the file name in messages.
config_document load_config_string(std::string_view text, const std::string& name);

// A view of one TOML table with typed, checked access. Every failure names the full key.
class table_reader {
 public:
  table_reader(const toml::table& table, std::string path, std::shared_ptr<const std::string> file);
  static table_reader root(const config_document& doc) { return {doc.root, "", doc.file}; }

  // Throws for the first key not in `allowed`, listing the allowed keys.
  void allow_only(std::initializer_list<std::string_view> allowed) const;

  bool has(std::string_view key) const;
  const toml::node* node(std::string_view key) const;
  std::string key_path(std::string_view key) const;

  double number(std::string_view key) const;                  // required number
  double number(std::string_view key, double fallback) const;  // optional number
  std::int64_t integer(std::string_view key) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback) const;
  std::string string(std::string_view key) const;
  std::string string(std::string_view key, std::string_view fallback) const;
  bool boolean(std::string_view key, bool fallback) const;
  // One of `choices`, or an error listing them.
  std::string choice(std::string_view key, std::string_view fallback,
                     std::initializer_list<std::string_view> choices) const;

  std::optional<table_reader> subtable(std::string_view key) const;
  std::vector<table_reader> array_of_tables(std::string_view key) const;

  // Validation helpers: throw config_error naming the key and the offending value.
  double positive(std::string_view key, double value) const;
  void require(bool condition, std::string_view key, const std::string& message) const;
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

  const std::string& path() const noexcept { return path_; }
  const std::string& file() const noexcept { return *file_; }
  const std::shared_ptr<const std::string>& file_ptr() const noexcept { return file_; }

 private:
  const toml::table* table_;
  std::string path_;
  std::shared_ptr<const std::string> file_;
};

// A value given either as a number or as a distribution:
//   1.5 | { dist = "uniform", low = a, high = b } | { dist = "normal", mean = m, std = s }
struct value_spec {
  enum class kind : std::uint8_t { constant, uniform, normal };
  kind type = kind::constant;
  double a = 0.0;  // value, low or mean
  double b = 0.0;  // high or standard deviation

  static value_spec constant(double v) { return {kind::constant, v, 0.0}; }
  double sample(rng& r) const;
  double min_value() const;  // lowest value it can produce (-inf for normal)
  double max_value() const;
  bool is_integral() const;
};

value_spec read_value_spec(const table_reader& t, std::string_view key, value_spec fallback);

}  // namespace spikeworm
