// Files written atomically: to a temporary name in the same folder, renamed on commit().
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace spikeworm {

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
  std::ofstream out_;
  bool committed_ = false;
};

void write_file_atomically(const std::filesystem::path& target, std::string_view content);
// Creates the folder (and parents) or throws spikeworm::error naming it.
void ensure_directory(const std::filesystem::path& dir);

}  // namespace spikeworm
