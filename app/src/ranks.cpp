// Work shared between MPI ranks: results as bytes, folders sent to rank 0 (docs/scaling.md).
#include "ranks.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "spikeworm/core/error.hpp"
#include "spikeworm/core/io.hpp"
#include "spikeworm/core/mpi.hpp"

namespace spikeworm::app {

namespace fs = std::filesystem;

// A field added to one of these structs must be added to its field list in ranks.hpp: these sizes (x86-64,
// libstdc++) change with it and stop the build until both agree.
static_assert(sizeof(policy_figures) == 184);
static_assert(sizeof(layer_counts) == 80);
static_assert(sizeof(eval_result) == 768);
static_assert(sizeof(episode_record) == 144);
static_assert(sizeof(session_metrics) == 96);
static_assert(sizeof(session_result) == 360);
static_assert(sizeof(sweep_point) == 328);

scratch_dir::scratch_dir() {
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec);
  if (ec)
    throw error(fmt::format("no folder for this rank's scratch files: the temporary folder (TMPDIR='{}'): {}",
                            std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "", ec.message()));
  path_ = tmp / fmt::format("spikeworm-{}-rank{}", ::getpid(), mpi::rank());
  fs::remove_all(path_, ec);  // a folder of an earlier process with the same pid
  ensure_directory(path_);
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

folder_files read_folder(const fs::path& dir) {
  folder_files out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename().string().starts_with(".")) continue;
    out.emplace_back(e.path().lexically_relative(dir).generic_string(), slurp(e.path()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void write_folder(const folder_files& files, const fs::path& dir) {
  for (const auto& [rel, bytes] : files) {
    const fs::path p = dir / rel;
    ensure_directory(p.parent_path());
    write_file_atomically(p, bytes);
  }
}

eval_result evaluate_over_ranks(const experiment_config& cfg, const std::vector<std::string>& files,
                                const eval_options& opt, int threads, std::atomic<int>* done) {
  if (!mpi::spread()) return evaluate_files(cfg, files, opt, threads, done);
  if (files.empty()) throw error("eval: no weight files");
  std::vector<std::size_t> mine;
  for (std::size_t k = 0; k < files.size(); ++k)
    if (mpi::owner(k) == mpi::rank()) mine.push_back(k);
  const auto all = mpi::gather(to_bytes(evaluate_agents(cfg, files, mine, opt, threads, done)));
  eval_result r;
  if (mpi::rank() != 0) return r;
  std::vector<std::vector<eval_result>> parts;
  for (const auto& bytes : all) parts.push_back(from_bytes<std::vector<eval_result>>(bytes));
  const auto ranks = static_cast<std::size_t>(mpi::size());
  for (std::size_t k = 0; k < files.size(); ++k) merge(r, parts.at(k % ranks).at(k / ranks));
  return r;
}

void gather_sessions(std::vector<std::vector<episode_record>>& records, std::vector<session_result>& per_session,
                     const std::vector<std::size_t>& mine, const fs::path& written, const fs::path& dir) {
  byte_writer w;
  w(static_cast<std::uint64_t>(mine.size()));
  for (const std::size_t k : mine) w(static_cast<std::uint64_t>(k), per_session[k], records[k]);
  w(mpi::rank() == 0 ? folder_files{} : read_folder(written));
  const auto all = mpi::gather(w.bytes());
  for (std::size_t r = 1; r < all.size(); ++r) {
    byte_reader in(all[r]);
    std::uint64_t n = 0;
    in(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t k = 0;
      in(k);
      if (k >= per_session.size()) throw internal_error(fmt::format("rank {} sent session {}", r, k));
      in(per_session[k], records[k]);
    }
    folder_files files;
    in(files);
    if (!in.done()) throw internal_error(fmt::format("rank {}: a longer message than expected", r));
    write_folder(files, dir);
  }
}

}  // namespace spikeworm::app
