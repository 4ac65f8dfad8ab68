// TOML loading and checked access for every spikeworm configuration.
#include "spikeworm/core/config.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "spikeworm/core/random.hpp"

namespace spikeworm {

config_error::config_error(std::string file, int line, int column, std::string key, const std::string& message)
    : error(line > 0 ? fmt::format("{}:{}:{}: {}{}{}", file, line, column, key, key.empty() ? "" : ": ", message)
                     : fmt::format("{}: {}{}{}", file, key, key.empty() ? "" : ": ", message)),
      file_(std::move(file)),
      key_(std::move(key)),
      line_(line),
      column_(column) {}

namespace {

// Refuses nesting deeper than max_config_nesting before toml++ parses, since the TOML
// library recurses per level and a very deep header overflows the stack (docs/reliability.md).
// Levels are open brackets/braces plus the dotted-key segments of the key being read;
// strings and comments are skipped.
class nesting_scan {
 public:
  nesting_scan(std::string_view text, const std::string& name) : text_(text), name_(name) {}
  void run() {
    while (i_ < text_.size()) step();
  }

 private:
  void step() {
    const char c = text_[i_];
    if (c == '"' || c == '\'') return skip_string(c);
    if (c == '#') {
      while (i_ < text_.size() && text_[i_] != '\n') ++i_;
      return;
    }
    if (c == '\n') {
      ++line_;
      line_start_ = i_ + 1;
      if (depth_ == 0) start_key();
    } else if (c == '[' || c == '{') {
      const bool header = in_key_ && c == '[';
      ++depth_;
      if (c == '{' || header) start_key();
      else in_key_ = false;
    } else if (c == ']' || c == '}') {
      if (depth_ > 0) --depth_;
      in_key_ = false;
    } else if (c == ',' && depth_ > 0) {
      start_key();
    } else if (c == '=') {
      in_key_ = false;
    } else if (c == '.' && in_key_) {
      ++key_levels_;
    }
    check();
    ++i_;
  }
  void start_key() {
    in_key_ = true;
    key_levels_ = 0;
  }
  void check() const {
    if (depth_ + key_levels_ <= max_config_nesting) return;
    throw config_error(name_, line_, static_cast<int>(i_ - line_start_) + 1, "",
                       fmt::format("nesting deeper than {} levels (tables, arrays or dotted keys)", max_config_nesting));
  }
  void skip_string(char q) {
    const bool triple = text_.substr(i_, 3) == std::string(3, q);
    i_ += triple ? 3 : 1;
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '\\' && q == '"') {
        i_ += 2;
        continue;
      }
      if (c == '\n') {
        ++line_;
        line_start_ = i_ + 1;
        if (!triple) return;  // malformed; toml++ reports it
      }
      if (c == q && (!triple || text_.substr(i_, 3) == std::string(3, q))) {
        i_ += triple ? 3 : 1;
        return;
      }
      ++i_;
    }
  }

  std::string_view text_;
  const std::string& name_;
  std::size_t i_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
  std::size_t depth_ = 0;
  std::size_t key_levels_ = 0;
  bool in_key_ = true;
};

config_document parse(std::string_view text, const std::string& name) {
  if (text.size() > max_config_bytes)
    throw config_error(name, 0, 0, "", fmt::format("larger than the {} MB limit for a config file", max_config_bytes >> 20));
  nesting_scan(text, name).run();
  config_document doc;
  doc.file = std::make_shared<const std::string>(name);
  try {
    doc.root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw config_error(name, static_cast<int>(where.line), static_cast<int>(where.column), "",
                       fmt::format("malformed TOML: {}", e.description()));
  }
  return doc;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

}  // namespace

config_document load_config_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw error(fmt::format("{}: no such file", path));
  if (std::filesystem::is_directory(path, ec)) throw error(fmt::format("{}: is a directory, not a TOML file", path));
  // A device or FIFO (/dev/zero, a pipe) could be read forever: only regular files (docs/reliability.md).
  if (!std::filesystem::is_regular_file(path, ec)) throw error(fmt::format("{}: not a regular file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open for reading", path));
  // Read in blocks up to one byte past the limit (parse() refuses that size): a small file costs a small
  // buffer, not the limit's worth of zeroed memory.
  std::string text;
  char block[65536];
  while (text.size() <= max_config_bytes && in.read(block, sizeof block).gcount() > 0)
    text.append(block, static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_config_bytes + 1) text.resize(max_config_bytes + 1);
  return parse(text, path);
}

config_document load_config_string(std::string_view text, const std::string& name) { return parse(text, name); }

table_reader::table_reader(const toml::table& table, std::string path, std::shared_ptr<const std::string> file)
    : table_(&table), path_(std::move(path)), file_(std::move(file)) {}

std::string table_reader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  if (key.empty()) return path_;
  return fmt::format("{}.{}", path_, key);
}

void table_reader::fail(std::string_view key, const std::string& message) const {
  const toml::node* n = key.empty() ? nullptr : table_->get(key);
  const auto& src = n ? n->source() : table_->source();
  throw config_error(*file_, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column), key_path(key),
                     message);
}

void table_reader::require(bool condition, std::string_view key, const std::string& message) const {
  if (!condition) fail(key, message);
}

void table_reader::allow_only(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [k, v] : *table_) {
    bool ok = false;
    for (auto a : allowed) ok = ok || (k.str() == a);
    if (ok) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    const auto& src = k.source().begin.line ? k.source() : v.source();
    throw config_error(*file_, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column),
                       key_path(k.str()), fmt::format("unknown key (allowed here: {})", list));
  }
}

bool table_reader::has(std::string_view key) const { return table_->contains(key); }
const toml::node* table_reader::node(std::string_view key) const { return table_->get(key); }

double table_reader::number(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) fail(key, "required key is missing");
  if (auto v = n->value<double>(); v && (n->is_floating_point() || n->is_integer())) {
    // Every spikeworm number must be finite: inf and nan are refused here (docs/config-reference.md).
    if (!std::isfinite(*v)) fail(key, fmt::format("must be a finite number, got {}", *v));
    return *v;
  }
  fail(key, fmt::format("expected a number, got {}", type_name(*n)));
}
double table_reader::number(std::string_view key, double fallback) const { return has(key) ? number(key) : fallback; }

std::int64_t table_reader::integer(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) fail(key, "required key is missing");
  if (n->is_integer()) return *n->value<std::int64_t>();
  if (n->is_floating_point()) {
    const double d = *n->value<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    fail(key, fmt::format("expected an integer, got {}", d));
  }
  fail(key, fmt::format("expected an integer, got {}", type_name(*n)));
}
std::int64_t table_reader::integer(std::string_view key, std::int64_t fallback) const {
  return has(key) ? integer(key) : fallback;
}

std::string table_reader::string(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) fail(key, "required key is missing");
  if (!n->is_string()) fail(key, fmt::format("expected a string, got {}", type_name(*n)));
  return *n->value<std::string>();
}
std::string table_reader::string(std::string_view key, std::string_view fallback) const {
  return has(key) ? string(key) : std::string(fallback);
}

bool table_reader::boolean(std::string_view key, bool fallback) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  if (!n->is_boolean()) fail(key, fmt::format("expected true or false, got {}", type_name(*n)));
  return *n->value<bool>();
}

std::string table_reader::choice(std::string_view key, std::string_view fallback,
                                 std::initializer_list<std::string_view> choices) const {
  std::string v = string(key, fallback);
  for (auto c : choices)
    if (v == c) return v;
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  fail(key, fmt::format("unknown value '{}' (expected one of: {})", v, list));
}

std::optional<table_reader> table_reader::subtable(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (!n->is_table()) fail(key, fmt::format("expected a table, got {}", type_name(*n)));
  return table_reader(*n->as_table(), key_path(key), file_);
}

std::vector<table_reader> table_reader::array_of_tables(std::string_view key) const {
  std::vector<table_reader> out;
  const toml::node* n = node(key);
  if (!n) return out;
  if (!n->is_array_of_tables())
    fail(key, fmt::format("expected an array of tables ([[{}]]), got {}", key, type_name(*n)));
  const auto& arr = *n->as_array();
  for (std::size_t i = 0; i < arr.size(); ++i)
    out.emplace_back(*arr[i].as_table(), fmt::format("{}[{}]", key_path(key), i), file_);
  return out;
}

double table_reader::positive(std::string_view key, double value) const {
  if (!(value > 0.0) || !std::isfinite(value)) fail(key, fmt::format("must be positive and finite, got {}", value));
  return value;
}

double value_spec::sample(rng& r) const {
  switch (type) {
    case kind::constant: return a;
    case kind::uniform: return r.uniform(a, b);
    case kind::normal: return a + b * r.normal();
  }
  return a;
}
double value_spec::min_value() const {
  return type == kind::normal && b > 0 ? -std::numeric_limits<double>::infinity() : a;
}
double value_spec::max_value() const {
  switch (type) {
    case kind::constant: return a;
    case kind::uniform: return b;
    case kind::normal: return b > 0 ? std::numeric_limits<double>::infinity() : a;
  }
  return a;
}
bool value_spec::is_integral() const {
  return type != kind::normal && a == std::floor(a) && (type == kind::constant || b == std::floor(b));
}

value_spec read_value_spec(const table_reader& t, std::string_view key, value_spec fallback) {
  const toml::node* n = t.node(key);
  if (!n) return fallback;
  if (n->is_integer() || n->is_floating_point()) return value_spec::constant(t.number(key));
  if (!n->is_table())
    t.fail(key, "expected a number or a distribution table { dist = \"uniform\"|\"normal\", ... }");
  table_reader d(*n->as_table(), t.key_path(key), t.file_ptr());
  const std::string dist = d.choice("dist", "", {"uniform", "normal"});
  value_spec s;
  if (dist == "uniform") {
    d.allow_only({"dist", "low", "high"});
    s = {value_spec::kind::uniform, d.number("low"), d.number("high")};
    if (!(s.a <= s.b)) d.fail("high", fmt::format("must be >= low ({}), got {}", s.a, s.b));
  } else {
    d.allow_only({"dist", "mean", "std"});
    s = {value_spec::kind::normal, d.number("mean"), d.number("std")};
    if (!(s.b >= 0.0)) d.fail("std", fmt::format("must be >= 0, got {}", s.b));
  }
  if (!std::isfinite(s.a) || !std::isfinite(s.b)) t.fail(key, "distribution parameters must be finite");
  return s;
}

}  // namespace spikeworm
