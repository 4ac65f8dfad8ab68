// Starting external programs without a shell (docs/reliability.md): the program and its arguments are
// passed as a vector to posix_spawn, so no character of a path (quotes, `;`, `$()`, newlines, non-UTF-8
// bytes) is ever interpreted.
#pragma once

#include <string>
#include <vector>

namespace spikeworm {

struct process_status {
  bool started = false;  // false: the program could not be started (start_error says why)
  int exit_code = -1;    // the exit status when the program exited normally, else -1
  int signal = 0;        // the signal that ended it, else 0
  std::string start_error;
  bool ok() const noexcept { return started && exit_code == 0 && signal == 0; }
  // "exit 1", "killed by signal 11 (Segmentation fault)" or "not started: No such file or directory".
  std::string describe() const;
};

// Runs argv[0] (an absolute path, no PATH search) with argv, waits for it and returns how it ended.
// quiet: its stdout and stderr go to /dev/null. Never throws for a failing program.
process_status run_program(const std::vector<std::string>& argv, bool quiet = false);

}  // namespace spikeworm
