// Counter-keyed random streams: a stream is a pure function of (seed, keys), never of thread or schedule.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <numbers>

namespace spikeworm {

constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Stream purposes, so that streams for different uses never collide.
enum class stream_kind : std::uint64_t {
  connectivity = 1, weight = 2, delay = 3, initial_state = 4, poisson = 5, environment = 6,
  policy = 7, init_weights = 8, encoder = 9, cma_sample = 10
};

// xoshiro256** seeded from splitmix64 of the key chain. Satisfies UniformRandomBitGenerator.
class rng {
 public:
  using result_type = std::uint64_t;

  rng(std::uint64_t seed, std::initializer_list<std::uint64_t> keys) noexcept {
    std::uint64_t h = splitmix64(seed ^ 0x5eed5eed5eed5eedULL);
    for (auto k : keys) h = splitmix64(h ^ splitmix64(k + 0x1234567ULL));
    for (auto& s : s_) {
      h = splitmix64(h);
      s = h;
    }
  }
  rng(std::uint64_t seed, stream_kind kind, std::uint64_t a = 0, std::uint64_t b = 0) noexcept
      : rng(seed, {static_cast<std::uint64_t>(kind), a, b}) {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~result_type{0}; }

  result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe under log().
  double uniform_open0() noexcept { return 1.0 - uniform(); }
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive), unbiased by rejection.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) noexcept {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<std::int64_t>((*this)());
    const std::uint64_t limit = max() - max() % span;
    std::uint64_t x;
    do x = (*this)(); while (x >= limit);
    return lo + static_cast<std::int64_t>(x % span);
  }
  // Standard normal by Box-Muller (both values are not cached: a stream stays a pure sequence).
  double normal() noexcept {
    const double u1 = uniform_open0();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  // Number of failures before the first success of a Bernoulli(p) sequence, 0 < p <= 1.
  std::int64_t geometric(double log1m_p) noexcept {
    if (std::isinf(log1m_p)) return 0;
    const double g = std::floor(std::log(uniform_open0()) / log1m_p);
    return g > 9.0e18 ? INT64_MAX / 4 : static_cast<std::int64_t>(g);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace spikeworm
