// The one place spikeworm decides how work runs in parallel (oneTBB behind it, not in this header): the
// default thread count, the worker pools, chunked loops, and huge pages for large arrays read at random.
// Determinism: callers make each task's result independent of which thread runs it and of the chunking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace spikeworm {

// The worker threads for a request: `requested` when > 0, else every core of the machine (at least 1, at most
// max_worker_threads).
int worker_threads(int requested) noexcept;
// The threads a simulation of `neurons` neurons runs on when `asked` are asked: one per `min_per_thread`
// neurons, at least 1 and at most `asked` (min_per_thread 0: `asked`). Below about 50k neurons a second
// thread costs more than it gains (docs/benchmarks.md, "Threads by size"); results never depend on it.
int threads_for_size(int asked, std::uint64_t neurons, std::uint64_t min_per_thread) noexcept;
// The most threads a pool takes: the limit of [simulation] threads and of the command line's --threads.
inline constexpr int max_worker_threads = 1024;

namespace detail {
// A non-owning reference to a callable, so the pool's entry points are not templates over TBB.
template <class... Args>
class callable_ref {
 public:
  template <class F>
  callable_ref(F& f) noexcept  // NOLINT(google-explicit-constructor)
      : obj_(static_cast<void*>(&f)), call_([](void* o, Args... a) { (*static_cast<F*>(o))(a...); }) {}
  void operator()(Args... a) const { call_(obj_, a...); }

 private:
  void* obj_;
  void (*call_)(void*, Args...);
};
}  // namespace detail

// A fixed team of worker threads (a oneTBB task arena), or none: with threads <= 1 every loop runs inline
// in ascending order on the calling thread. More than max_worker_threads is refused with an error naming the
// count (oneTBB's arena crashes on about a million).
class worker_pool {
 public:
  explicit worker_pool(int threads);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  int threads() const noexcept { return threads_; }
  // Runs body(i) for every i in [0, n). Everything before the call happens-before every body(i), and every
  // body(i) before the return; the first exception a body throws is rethrown here.
  template <class Body>
  void for_each(std::size_t n, Body&& body) {
    auto f = [&](std::size_t i) { body(i); };
    run_for_each(n, detail::callable_ref<std::size_t>(f));
  }

 private:
  void run_for_each(std::size_t n, detail::callable_ref<std::size_t> body);
  struct arena;
  int threads_;
  std::unique_ptr<arena> arena_;
};

// Runs body(begin, end) over chunks of [0, n) of about `grain` items, on the workers of the calling thread's
// pool (the arena it runs in). Each chunk's result must not depend on the chunking.
void parallel_chunks(std::size_t n, std::size_t grain, detail::callable_ref<std::size_t, std::size_t> body);
template <class Index, class Body>
void parallel_for_chunks(Index n, Index grain, Body&& body) {
  auto f = [&](std::size_t lo, std::size_t hi) { body(static_cast<Index>(lo), static_cast<Index>(hi)); };
  parallel_chunks(static_cast<std::size_t>(n), static_cast<std::size_t>(grain),
                  detail::callable_ref<std::size_t, std::size_t>(f));
}

// Asks the kernel for transparent huge pages over [p, p + bytes) (whole 2 MB pages inside it only).
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

// Resizes v to n value-initialised elements, asking for transparent huge pages for its buffer before it is
// first touched (large arrays read at random: one TLB entry per 2 MB instead of per 4 KB).
template <class T>
void resize_huge(std::vector<T>& v, std::size_t n) {
  if (v.capacity() < n && n * sizeof(T) >= (std::size_t{4} << 20)) {
    std::vector<T>().swap(v);
    v.reserve(n);
    advise_huge_pages(v.data(), n * sizeof(T));
  }
  v.resize(n);
}

}  // namespace spikeworm
