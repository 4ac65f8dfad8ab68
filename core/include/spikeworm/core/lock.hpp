// A run folder's lock (docs/training.md, "The run folder"): an flock on DIR/.spikeworm.lock, held for the
// life of the object. Writers take it exclusively; a second one gets "DIR is in use by pid N".
#pragma once

#include <filesystem>

namespace spikeworm {

class folder_lock {
 public:
  enum class mode { shared, exclusive };
  // Creates DIR/.spikeworm.lock if needed and locks it without waiting; throws error naming DIR and the pid
  // that holds it, or the OS reason when the lock file cannot be opened.
  folder_lock(const std::filesystem::path& dir, mode m = mode::exclusive);
  ~folder_lock();
  folder_lock(const folder_lock&) = delete;
  folder_lock& operator=(const folder_lock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace spikeworm
