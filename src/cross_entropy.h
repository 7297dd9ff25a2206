#pragma once
// Cross-entropy on [N, C] logits in one pass per direction (internal to losses.cpp).
//
// at::cross_entropy_loss on a language model's [bs·seq_len, vocab] logits runs five full-size
// passes (autocast's cast to float, log_softmax, nll's zero-filled gradient, log_softmax's backward,
// the cast back), ~35% of a small AWD-LSTM's training step. This computes the same values — per row
// logsumexp(x) − x[target], in float32 whatever the logits' dtype — and the gradient
// softmax(x) − onehot(target) straight into the logits' dtype, a few rows at a time so every
// intermediate stays in cache.
#include <ATen/core/Tensor.h>

#include <optional>

namespace fastai::detail {

// The loss for logits `x` [N, C] (float32, bfloat16 or float16) and class indices `t` [N]
// (ignore_index rows count as 0 and are left out of the mean), with `reduction` an
// at::Reduction value; std::nullopt when the case is not covered (other dtypes, shapes) and the
// caller should use at::cross_entropy_loss. A target outside [0, C) throws c10::Error naming it.
std::optional<at::Tensor> fused_cross_entropy(const at::Tensor& x, const at::Tensor& t, int64_t ignore_index,
                                              int64_t reduction);

}  // namespace fastai::detail
