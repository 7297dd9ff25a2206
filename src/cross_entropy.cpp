#include "cross_entropy.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/autograd.h>

#include <algorithm>

#include "cross_entropy_rows.h"
#include "no_autocast.h"
#include "parallel.h"

namespace fastai::detail {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows per block: ~64K float32 values (256 KB), so a block's temporaries stay in L2.
int64_t block_rows(int64_t classes) { return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(classes, 1)); }

// Runs f(first_row, n_rows) over [0, n) in blocks, the blocks spread over ATen's threads (ATen ops
// called inside run single-threaded there).
template <class F>
void for_blocks(int64_t n, int64_t rows, const F& f) {
  detail::parallel_for(0, n, rows, [&](int64_t begin, int64_t end) {
    for (int64_t a = begin; a < end; a += rows) f(a, std::min(rows, end - a));
  });
}

struct FusedCrossEntropy : torch::autograd::Function<FusedCrossEntropy> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& target,
                            int64_t ignore_index, int64_t reduction) {
    NoAutocast no_autocast;
    const at::Tensor x = logits.contiguous();
    const int64_t n = x.size(0), classes = x.size(1);
    const at::Tensor valid = target != ignore_index;
    const at::Tensor bad = valid & ((target < 0) | (target >= classes));
    if (bad.any().item<bool>())
      TORCH_CHECK(false, "Target ", target.masked_select(bad)[0].item<int64_t>(), " is out of bounds.");
    const at::Tensor safe_t = at::where(valid, target, at::zeros({}, target.options())).contiguous();
    at::Tensor lse = at::empty({n}, x.options().dtype(at::kFloat));
    const int64_t rows = block_rows(classes);
    const bool rows_kernel = x.scalar_type() != at::kHalf;  // float32 and bf16 (cross_entropy_rows.h)
    for_blocks(n, rows, [&](int64_t a, int64_t m) {
      if (rows_kernel) {
        rows_logsumexp(static_cast<const char*>(x.data_ptr()) + a * classes * x.element_size(),
                       x.scalar_type() == at::kBFloat16, m, classes, lse.data_ptr<float>() + a);
        return;
      }
      const at::Tensor xs = x.narrow(0, a, m).to(at::kFloat);
      const at::Tensor top = std::get<0>(xs.max(1, true));
      at::Tensor l = lse.narrow(0, a, m);
      at::sum_out(l, at::sub(xs, top).exp_(), {1});
      l.log_().add_(top.squeeze(1));
    });
    const at::Tensor validf = valid.to(at::kFloat);
    const at::Tensor picked = x.gather(1, safe_t.unsqueeze(1)).squeeze(1).to(at::kFloat);
    const at::Tensor losses = (lse - picked).mul_(validf);
    const at::Tensor count = validf.sum();
    ctx->save_for_backward({x, safe_t, validf, lse, count});
    ctx->saved_data["reduction"] = reduction;
    if (reduction == at::Reduction::Mean) return losses.sum() / count;
    if (reduction == at::Reduction::Sum) return losses.sum();
    return losses;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    NoAutocast no_autocast;
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &safe_t = saved[1], &validf = saved[2], &lse = saved[3], &count = saved[4];
    const int64_t reduction = ctx->saved_data["reduction"].toInt();
    const at::Tensor go = grads[0].to(at::kFloat);
    // Each row's weight: d loss / d row loss (0 on ignored rows).
    const at::Tensor w = (reduction == at::Reduction::Mean ? validf * (go / count) : validf * go).contiguous();
    if (at::GradMode::is_enabled()) {
      // create_graph (a gradient penalty): out-of-place ops from x itself, so the gradient can be
      // differentiated again; the saved lse and the in-place blocks below are not differentiable.
      const at::Tensor wa = w.unsqueeze(1);
      const at::Tensor g = at::softmax(x.to(at::kFloat), 1).mul(wa).scatter_add(1, safe_t.unsqueeze(1), -wa);
      return {g.to(x.scalar_type()), at::Tensor(), at::Tensor(), at::Tensor()};
    }
    at::Tensor dx = at::empty_like(x);
    const int64_t classes = x.size(1);
    const bool rows_kernel = x.scalar_type() != at::kHalf;
    for_blocks(x.size(0), block_rows(classes), [&](int64_t a, int64_t m) {
      if (rows_kernel) {
        const int64_t off = a * classes * x.element_size();
        rows_softmax_grad(static_cast<const char*>(x.data_ptr()) + off, x.scalar_type() == at::kBFloat16, m, classes,
                          lse.data_ptr<float>() + a, w.data_ptr<float>() + a, safe_t.data_ptr<int64_t>() + a,
                          static_cast<char*>(dx.data_ptr()) + off);
        return;
      }
      const at::Tensor wa = w.narrow(0, a, m).unsqueeze(1);
      at::Tensor g = at::sub(x.narrow(0, a, m).to(at::kFloat), lse.narrow(0, a, m).unsqueeze(1)).exp_().mul_(wa);
      g.scatter_add_(1, safe_t.narrow(0, a, m).unsqueeze(1), -wa);
      dx.narrow(0, a, m).copy_(g);
    });
    return {dx, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

std::optional<at::Tensor> fused_cross_entropy(const at::Tensor& x, const at::Tensor& t, int64_t ignore_index,
                                              int64_t reduction) {
  const auto dt = x.scalar_type();
  if (x.dim() != 2 || t.dim() != 1 || t.scalar_type() != at::kLong || t.size(0) != x.size(0) || x.size(1) == 0 ||
      !x.device().is_cpu() || (dt != at::kFloat && dt != at::kBFloat16 && dt != at::kHalf))
    return std::nullopt;
  return FusedCrossEntropy::apply(x, t, ignore_index, reduction);
}

}  // namespace fastai::detail
