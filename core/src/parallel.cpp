// The parallelism policy of core/parallel.hpp on oneTBB.
#include "spikeworm/core/parallel.hpp"

#include <algorithm>
#include <thread>

#include <sys/mman.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <fmt/format.h>

#include "spikeworm/core/error.hpp"

namespace spikeworm {

int worker_threads(int requested) noexcept {
  if (requested > 0) return requested;
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, static_cast<unsigned>(max_worker_threads)));
}

int threads_for_size(int asked, std::uint64_t neurons, std::uint64_t min_per_thread) noexcept {
  if (min_per_thread == 0 || asked <= 1) return std::max(1, asked);
  const std::uint64_t by_size = std::max<std::uint64_t>(1, neurons / min_per_thread);
  return static_cast<int>(std::min<std::uint64_t>(by_size, static_cast<std::uint64_t>(asked)));
}

struct worker_pool::arena {
  explicit arena(int threads) : a(threads) {}
  tbb::task_arena a;
};

worker_pool::worker_pool(int threads) : threads_(std::max(1, threads)) {
  if (threads_ > max_worker_threads)
    throw error(fmt::format("threads: {} requested, at most {}", threads_, max_worker_threads));
  if (threads_ > 1) arena_ = std::make_unique<arena>(threads_);
}
worker_pool::~worker_pool() = default;

void worker_pool::run_for_each(std::size_t n, detail::callable_ref<std::size_t> body) {
  if (!arena_) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  arena_->a.execute([&] { tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { body(i); }); });
}

void parallel_chunks(std::size_t n, std::size_t grain, detail::callable_ref<std::size_t, std::size_t> body) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
}

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const auto lo = (begin + huge - 1) & ~(huge - 1);
  const auto hi = (begin + bytes) & ~(huge - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}

}  // namespace spikeworm
