// The MPI layer (docs/scaling.md): one guard that initialises and finalises MPI, the rank and the number of
// ranks, and the few collectives the commands use, over byte buffers. Without MPI in the build, or when the
// program was not started by mpirun, the same calls are those of a single rank, so callers need no #ifdef.
// MPI's own header stays in core/src/mpi.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spikeworm::mpi {

// Initialises MPI for the life of the object when the process was started by an MPI launcher (mpirun sets
// OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK), and finalises it at the end; otherwise does nothing. MPI is
// called from the thread that made the guard only (MPI_THREAD_FUNNELED). One guard per process.
class guard {
 public:
  guard(int& argc, char**& argv);
  ~guard();
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;

 private:
  bool active_ = false;
};

// A library user (the Python module under mpi4py) that initialised MPI itself: from now on rank(), size() and
// the collectives are those of MPI_COMM_WORLD; MPI is finalised by whoever initialised it. Returns whether MPI is
// in use (false without MPI, or when it is not initialised).
bool adopt() noexcept;

bool built_with_mpi() noexcept;  // whether this build has MPI at all
int rank() noexcept;             // 0 without MPI
int size() noexcept;             // 1 without MPI
inline bool spread() noexcept { return size() > 1; }  // work is shared between ranks
// The rank that does item k of a list shared between ranks: k mod size(), so every rank gets every R-th item
// (docs/scaling.md, "Training, sweeps and evaluation over ranks").
inline int owner(std::size_t k) noexcept { return static_cast<int>(k % static_cast<std::size_t>(size())); }

void barrier();
// Every rank's buffer on rank 0, in rank order (other ranks get an empty list). Buffers of any size.
std::vector<std::string> gather(std::string_view mine);
// Rank 0's `bytes` on every rank.
void broadcast(std::string& bytes);
// Rank 0's value on every rank.
int broadcast(int value);
// The largest of every rank's value, on every rank.
int max_over_ranks(int value);
// Sums of every rank's values, element by element, on every rank (blocking).
std::vector<std::uint64_t> sum_over_ranks(std::vector<std::uint64_t> values);
std::uint64_t max_u64_over_ranks(std::uint64_t value);

// The spike exchange of a distributed simulation (docs/scaling.md): every rank's values of one step,
// concatenated in rank order, on every rank. Blocking calls (MPI_Allgather of the counts, then
// MPI_Allgatherv): the ranks of a simulation work in step, so none waits long, and a polling wait would cost
// a millisecond per step. Counts what it moves and the time it waits.
class allgatherer {
 public:
  // In: this rank's values; out: every rank's, in rank order.
  void operator()(std::vector<std::uint32_t>& values);
  std::uint64_t calls = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;  // by this rank
  double seconds = 0;                                // in the collectives

 private:
  std::vector<int> counts_, displs_;
  std::vector<std::uint32_t> all_;
};

// Ends every rank of the job with `code` (MPI_Abort); without MPI, this process alone (std::_Exit).
[[noreturn]] void abort(int code) noexcept;

}  // namespace spikeworm::mpi
