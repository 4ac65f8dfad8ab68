// The MPI layer over Open MPI's C interface, or a single rank without it (docs/scaling.md).
#include "spikeworm/core/mpi.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

#ifdef SPIKEWORM_HAVE_MPI
#include <mpi.h>
#endif

#include "spikeworm/core/error.hpp"

namespace spikeworm::mpi {

namespace {
bool g_active = false;  // MPI initialised by the guard
int g_rank = 0, g_size = 1;

#ifdef SPIKEWORM_HAVE_MPI
bool launched_by_mpirun() noexcept {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (const char* s = std::getenv(v); s && *s) return true;
  return false;
}

// Open MPI's handles are macros with C casts (MPI_COMM_WORLD, MPI_BYTE): named once here, under the one
// suppression they need.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
MPI_Comm world() noexcept { return MPI_COMM_WORLD; }
MPI_Datatype bytes_type() noexcept { return MPI_BYTE; }
MPI_Datatype u64_type() noexcept { return MPI_UINT64_T; }
MPI_Datatype int_type() noexcept { return MPI_INT; }
MPI_Op max_op() noexcept { return MPI_MAX; }
MPI_Op sum_op() noexcept { return MPI_SUM; }
MPI_Datatype u32_type() noexcept { return MPI_UINT32_T; }
#pragma GCC diagnostic pop

constexpr std::size_t chunk = std::size_t{1} << 30;  // MPI counts are int: buffers go in chunks of 1 GiB

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw error(std::string("MPI: ") + what + " failed");
}

// Completes a non-blocking operation without spinning: Open MPI's blocking calls poll at full speed, so a rank
// that waits for the others (one whose sessions are done) would take a core from them. Testing every
// millisecond costs a negligible delay on operations that end minutes of work.
void finish(MPI_Request& request, const char* what) {
  using namespace std::chrono_literals;
  for (int done = 0;;) {
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
    if (done) return;
    std::this_thread::sleep_for(1ms);
  }
}
#endif
}  // namespace

guard::guard(int& argc, char**& argv) {
#ifdef SPIKEWORM_HAVE_MPI
  if (g_active || !launched_by_mpirun()) return;
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  MPI_Comm_rank(world(), &g_rank);
  MPI_Comm_size(world(), &g_size);
  g_active = active_ = true;
#else
  (void)argc;
  (void)argv;
#endif
}

guard::~guard() {
#ifdef SPIKEWORM_HAVE_MPI
  if (!active_) return;
  MPI_Finalize();
  g_active = false;
  g_rank = 0;
  g_size = 1;
#endif
}

bool adopt() noexcept {
#ifdef SPIKEWORM_HAVE_MPI
  if (g_active) return true;
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (!initialised || finalised) return false;
  MPI_Comm_rank(world(), &g_rank);
  MPI_Comm_size(world(), &g_size);
  g_active = true;
  return true;
#else
  return false;
#endif
}

bool built_with_mpi() noexcept {
#ifdef SPIKEWORM_HAVE_MPI
  return true;
#else
  return false;
#endif
}

int rank() noexcept { return g_rank; }
int size() noexcept { return g_size; }

void barrier() {
#ifdef SPIKEWORM_HAVE_MPI
  if (!g_active) return;
  MPI_Request q;
  check(MPI_Ibarrier(world(), &q), "MPI_Ibarrier");
  finish(q, "MPI_Ibarrier");
#endif
}

std::vector<std::string> gather(std::string_view mine) {
  if (!g_active || g_size == 1) return {std::string(mine)};
#ifdef SPIKEWORM_HAVE_MPI
  // The sizes first, then each rank's bytes to rank 0 in chunks, rank by rank.
  std::uint64_t n = mine.size();
  std::vector<std::uint64_t> sizes(static_cast<std::size_t>(g_size));
  MPI_Request q;
  check(MPI_Igather(&n, 1, u64_type(), sizes.data(), 1, u64_type(), 0, world(), &q), "MPI_Igather");
  finish(q, "MPI_Igather");
  std::vector<std::string> all;
  if (g_rank == 0) {
    all.resize(sizes.size());
    all[0] = std::string(mine);
    for (int r = 1; r < g_size; ++r) {
      auto& b = all[static_cast<std::size_t>(r)];
      b.resize(sizes[static_cast<std::size_t>(r)]);
      for (std::size_t at = 0; at < b.size(); at += chunk) {
        check(MPI_Irecv(b.data() + at, static_cast<int>(std::min(chunk, b.size() - at)), bytes_type(), r, 0, world(),
                        &q),
              "MPI_Irecv");
        finish(q, "MPI_Irecv");
      }
    }
  } else {
    for (std::size_t at = 0; at < mine.size(); at += chunk) {
      check(MPI_Isend(mine.data() + at, static_cast<int>(std::min(chunk, mine.size() - at)), bytes_type(), 0, 0,
                      world(), &q),
            "MPI_Isend");
      finish(q, "MPI_Isend");
    }
  }
  return all;
#else
  return {std::string(mine)};
#endif
}

void broadcast(std::string& bytes) {
#ifdef SPIKEWORM_HAVE_MPI
  if (!g_active || g_size == 1) return;
  std::uint64_t n = bytes.size();
  MPI_Request q;
  check(MPI_Ibcast(&n, 1, u64_type(), 0, world(), &q), "MPI_Ibcast");
  finish(q, "MPI_Ibcast");
  bytes.resize(n);
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    check(MPI_Ibcast(bytes.data() + at, static_cast<int>(std::min(chunk, bytes.size() - at)), bytes_type(), 0, world(),
                     &q),
          "MPI_Ibcast");
    finish(q, "MPI_Ibcast");
  }
#else
  (void)bytes;
#endif
}

int broadcast(int value) {
#ifdef SPIKEWORM_HAVE_MPI
  if (g_active && g_size > 1) {
    MPI_Request q;
    check(MPI_Ibcast(&value, 1, int_type(), 0, world(), &q), "MPI_Ibcast");
    finish(q, "MPI_Ibcast");
  }
#endif
  return value;
}

int max_over_ranks(int value) {
#ifdef SPIKEWORM_HAVE_MPI
  int out = value;
  if (g_active && g_size > 1) {
    MPI_Request q;
    check(MPI_Iallreduce(&value, &out, 1, int_type(), max_op(), world(), &q), "MPI_Iallreduce");
    finish(q, "MPI_Iallreduce");
  }
  return out;
#else
  return value;
#endif
}

std::vector<std::uint64_t> sum_over_ranks(std::vector<std::uint64_t> values) {
#ifdef SPIKEWORM_HAVE_MPI
  if (g_active && g_size > 1 && !values.empty()) {
    std::vector<std::uint64_t> out(values.size());
    check(MPI_Allreduce(values.data(), out.data(), static_cast<int>(values.size()), u64_type(), sum_op(), world()),
          "MPI_Allreduce");
    return out;
  }
#endif
  return values;
}

std::uint64_t max_u64_over_ranks(std::uint64_t value) {
#ifdef SPIKEWORM_HAVE_MPI
  if (g_active && g_size > 1) {
    std::uint64_t out = 0;
    check(MPI_Allreduce(&value, &out, 1, u64_type(), max_op(), world()), "MPI_Allreduce");
    return out;
  }
#endif
  return value;
}

void allgatherer::operator()([[maybe_unused]] std::vector<std::uint32_t>& values) {
  ++calls;
  if (!g_active || g_size == 1) return;
#ifdef SPIKEWORM_HAVE_MPI
  const auto t0 = std::chrono::steady_clock::now();
  const auto ranks = static_cast<std::size_t>(g_size);
  counts_.resize(ranks);
  displs_.resize(ranks);
  const int mine = static_cast<int>(values.size());
  check(MPI_Allgather(&mine, 1, int_type(), counts_.data(), 1, int_type(), world()), "MPI_Allgather");
  std::size_t total = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    displs_[r] = static_cast<int>(total);
    total += static_cast<std::size_t>(counts_[r]);
  }
  all_.resize(total);
  check(MPI_Allgatherv(values.data(), mine, u32_type(), all_.data(), counts_.data(), displs_.data(), u32_type(),
                       world()),
        "MPI_Allgatherv");
  values.swap(all_);
  bytes_sent += sizeof(int) + static_cast<std::uint64_t>(mine) * sizeof(std::uint32_t);
  bytes_received += ranks * sizeof(int) + total * sizeof(std::uint32_t);
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
#endif
}

void abort(int code) noexcept {
#ifdef SPIKEWORM_HAVE_MPI
  if (g_active) MPI_Abort(world(), code);
#endif
  std::_Exit(code);
}

}  // namespace spikeworm::mpi
