#pragma once
// Internal: at::parallel_for for files built without OpenMP.
//
// ATen's at::parallel_for is a header template that runs in parallel only where _OPENMP is defined
// at the call site; libfastai is built without -fopenmp (the shared precompiled header was), so a
// direct call runs serially. This one is compiled with OpenMP (src/CMakeLists.txt).
#include <cstdint>
#include <functional>

namespace fastai::detail {

// Splits [begin, end) into at most one chunk per ATen thread, none smaller than `grain` (except the
// last), and runs f(chunk_begin, chunk_end) on each, under the caller's thread-local state (grad
// mode, dispatch-key guards); ATen ops inside run single-threaded. The first exception thrown is
// rethrown here.
void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

}  // namespace fastai::detail
