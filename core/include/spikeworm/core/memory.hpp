// Memory budgets: the machine's memory, `--max-memory` sizes, and the check that refuses work whose
// estimated peak exceeds the limit before anything is built (docs/reliability.md, "Limits checked before work").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spikeworm {

// An estimated peak of resident memory, with the terms that make it up ("32.0M synapses x 11 B + ...").
struct memory_estimate {
  std::uint64_t bytes = 0;
  std::string detail;
};

// Physical memory, or the cgroup (v2 memory.max, v1 limit_in_bytes) limit when that is lower.
std::uint64_t machine_memory_bytes();

// "1073741824", "512M", "8G", "1.5GiB", "64k", "2T" (binary units; B, iB optional); throws error naming
// `what` and the text when it is not a positive size.
std::uint64_t parse_byte_size(std::string_view text, std::string_view what = "--max-memory");

// "512 B", "3.2 KiB", "1.50 GiB".
std::string format_bytes(std::uint64_t bytes);

// Throws error when `e` exceeds `limit` (0: machine_memory_bytes()), naming `what`, the estimate with its
// terms, the limit and where it comes from.
void check_memory(std::string_view what, const memory_estimate& e, std::uint64_t limit);

}  // namespace spikeworm
