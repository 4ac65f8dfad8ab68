// The one place spikeworm runs work in parallel (oneTBB), so the policy and its guarantees live here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <sys/mman.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace spikeworm {

// Runs body(i) for every i in [0, n): on `arena` when given, else inline in ascending order.
// Everything before the call happens-before every body(i), and every body(i) before the return.
template <class Body>
void parallel_for_each(tbb::task_arena* arena, std::size_t n, Body&& body) {
  if (!arena) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  arena->execute([&] { tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { body(i); }); });
}

// Runs body(begin, end) over chunks of [0, n) of about `grain` items, in the calling thread's arena.
// Callers must make each chunk's result independent of the chunking (determinism).
template <class Index, class Body>
void parallel_for_chunks(Index n, Index grain, Body&& body) {
  tbb::parallel_for(tbb::blocked_range<Index>(0, n, grain),
                    [&](const tbb::blocked_range<Index>& r) { body(r.begin(), r.end()); });
}

// Resizes v to n value-initialised elements, asking the kernel for transparent huge pages for its buffer
// before it is first touched (large arrays read at random: one TLB entry per 2 MB instead of per 4 KB).
template <class T>
void resize_huge(std::vector<T>& v, std::size_t n) {
  if (v.capacity() < n && n * sizeof(T) >= (std::size_t{4} << 20)) {
    std::vector<T>().swap(v);
    v.reserve(n);
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto lo = (reinterpret_cast<std::uintptr_t>(v.data()) + huge - 1) & ~(huge - 1);
    const auto hi = (reinterpret_cast<std::uintptr_t>(v.data() + n)) & ~(huge - 1);
    if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
  }
  v.resize(n);
}

}  // namespace spikeworm
