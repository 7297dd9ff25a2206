#include "fastai/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fastai {
namespace fs = std::filesystem;

namespace {

// fsync so that the rename below never exposes a file whose data is not yet on disk.
void sync_path(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags);
  if (fd < 0) return;  // best effort: a file system without fsync still gets the rename
  ::fsync(fd);
  ::close(fd);
}

fs::path temporary_beside(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() /
         (target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
}

}  // namespace

void write_atomically(const fs::path& target, const std::function<void(const fs::path& tmp)>& write) {
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const fs::path tmp = temporary_beside(target);
  try {
    write(tmp);
    if (!fs::exists(tmp))
      throw std::runtime_error("write_atomically: the writer produced no file for " + target.string());
    sync_path(tmp, O_RDONLY);
    fs::rename(tmp, target);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  sync_path(target.has_parent_path() ? target.parent_path() : fs::path("."), O_RDONLY | O_DIRECTORY);
}

}  // namespace fastai
