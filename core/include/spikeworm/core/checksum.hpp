// FNV-1a 64-bit checksum of a byte range: the integrity check of the weights and checkpoint files
// (docs/training.md, "File formats"). Not cryptographic: it detects corruption, not tampering.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace spikeworm {

inline constexpr std::uint64_t fnv1a64_offset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t fnv1a64_prime = 0x100000001b3ull;

// Continues a running FNV-1a-64 hash `h` over `bytes`; start with fnv1a64_offset.
constexpr std::uint64_t fnv1a64(std::span<const unsigned char> bytes, std::uint64_t h = fnv1a64_offset) noexcept {
  for (unsigned char b : bytes) {
    h ^= b;
    h *= fnv1a64_prime;
  }
  return h;
}

}  // namespace spikeworm
