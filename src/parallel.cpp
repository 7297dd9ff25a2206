#include "parallel.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#ifndef _OPENMP
#error "src/parallel.cpp must be compiled with -fopenmp (see src/CMakeLists.txt)"
#endif

namespace fastai::detail {

void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  // The caller's thread-local state (grad mode, excluded dispatch keys such as autocast's) holds on
  // every thread: ATen 1.13's OpenMP parallel_for does not carry it over.
  const at::ThreadLocalState state;
  at::parallel_for(begin, end, grain, [&](int64_t b, int64_t e) {
    at::ThreadLocalStateGuard guard(state);
    f(b, e);
  });
}

}  // namespace fastai::detail
