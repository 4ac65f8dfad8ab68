// Programs started with posix_spawn and an argument vector: never through a shell (docs/reliability.md).
#include "spikeworm/core/process.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace spikeworm {

std::string process_status::describe() const {
  if (!started) return fmt::format("not started: {}", start_error);
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit {}", exit_code);
}

namespace {

process_status wait_for(pid_t pid) {
  process_status s;
  s.started = true;
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    s.start_error = std::strerror(errno);
    s.started = false;
  } else if (WIFEXITED(status)) {
    s.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  return s;
}

}  // namespace

process_status run_program(const std::vector<std::string>& argv, bool quiet) {
  process_status s;
  if (argv.empty()) {
    s.start_error = "no program given";
    return s;
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    s.start_error = std::strerror(rc);
    return s;
  }
  return wait_for(pid);
}

}  // namespace spikeworm
