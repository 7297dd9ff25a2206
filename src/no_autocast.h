#pragma once
// Internal: a scope in which CPU autocast does not recast ATen calls. Hand-written kernels
// (fused_lstm.cpp, cross_entropy.cpp) choose every dtype themselves: autocast would also recast
// what is already in the right dtype, and return bf16 where float32 is wanted.
#include <c10/core/impl/LocalDispatchKeySet.h>

namespace fastai::detail {

struct NoAutocast {
  c10::impl::ExcludeDispatchKeyGuard guard{c10::DispatchKeySet(c10::DispatchKey::AutocastCPU)};
};

}  // namespace fastai::detail
