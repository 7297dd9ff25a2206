#include "fastai/core/runtime.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "fastai/core/cpu_allocator.h"
#include "fastai/core/threads.h"

namespace fastai {

bool apply_malloc_policy() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if ((tunables && std::strstr(tunables, "malloc")) || std::getenv("MALLOC_MMAP_THRESHOLD_") ||
      std::getenv("MALLOC_TRIM_THRESHOLD_"))
    return false;  // the user's choice wins
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems.
  const bool ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  return mallopt(M_TRIM_THRESHOLD, 128 << 20) == 1 && ok;
}

int init_runtime() {
  static std::once_flag once;
  std::call_once(once, [] {
    apply_malloc_policy();
    use_caching_cpu_allocator();
  });
  return init_threads();
}

}  // namespace fastai
