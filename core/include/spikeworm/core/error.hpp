// Typed errors: user-facing errors carry the offending file, key or value; internal_error is a bug.
#pragma once

#include <stdexcept>
#include <string>

namespace spikeworm {

// A problem with the user's input or environment: the CLI prints what() on one line and exits 2.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration value or structure is wrong. what() reads "FILE:LINE:COL: KEY: message".
class config_error : public error {
 public:
  config_error(std::string file, int line, int column, std::string key, const std::string& message);
  const std::string& file() const noexcept { return file_; }
  const std::string& key() const noexcept { return key_; }
  int line() const noexcept { return line_; }
  int column() const noexcept { return column_; }

 private:
  std::string file_;
  std::string key_;
  int line_;
  int column_;
};

// A broken invariant inside spikeworm: a bug, never the user's fault.
class internal_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace spikeworm
