#pragma once
/// One LSTM layer over a whole sequence with its own backward pass: what AWD_LSTM's layers run
/// instead of at::lstm when training.
///
/// Why not at::lstm: on the CPU its backward is autograd over every time step's small ops, and
/// each step's weight gradient is its own [4H, bs] × [bs, H] product (72 thin GEMMs per layer per
/// batch). Here the forward keeps the gates of every step, the backward walks the steps only for
/// what is truly sequential (the gate gradients and the h → h product) and then forms the weight,
/// bias and input gradients as one large GEMM each over all bs × seq_len rows.
///
/// Each time step is one product with w_hh packed once for oneDNN (not at::mm, which re-packs the
/// weight at every call) and one vectorised pass for the gates and the cell; the batch's rows are
/// split across ATen's threads, each block running every step on its own (docs/text.md has the
/// measurements).
///
/// Precision: the products run in `gemm_dtype` (bf16 under the CPU autocast of MixedPrecision,
/// float32 otherwise) with float32 inputs and outputs; the gates, the cell state and the
/// elementwise maths are always float32 (sigmoid and tanh within 3e-7 of the exact values). In
/// float32 it equals at::lstm to rounding.
///
/// Example:
///   auto [y, h, c] = fastai::fused_lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh);   // x [bs, sl, n_in]
///   y.sum().backward();
#include <ATen/core/Tensor.h>

#include <optional>
#include <tuple>

namespace fastai {

/// The GEMM precision fused_lstm uses when none is given: bf16 when CPU autocast to bf16 is on
/// (MixedPrecision(AmpMode::bf16)), float32 otherwise.
/// Example: `at::ScalarType t = fused_lstm_default_dtype();`
at::ScalarType fused_lstm_default_dtype();

/// One direction of a single-layer, batch-first LSTM with PyTorch's gate order (i, f, g, o) and
/// nn.LSTM's weight shapes: x [bs, sl, n_in], h0 and c0 [bs, n_hid] (or [1, bs, n_hid]), w_ih
/// [4·n_hid, n_in], w_hh [4·n_hid, n_hid], b_ih and b_hh [4·n_hid]. Returns (y [bs, sl, n_hid],
/// h_n [1, bs, n_hid], c_n [1, bs, n_hid]), all float32; differentiable in every input.
/// `reverse` runs the sequence from its end (the backward direction of a bidirectional LSTM; y
/// stays in input order).
/// Example: `auto [y, h, c] = fused_lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh);`
std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_lstm(const at::Tensor& x, const at::Tensor& h0,
                                                           const at::Tensor& c0, const at::Tensor& w_ih,
                                                           const at::Tensor& w_hh, const at::Tensor& b_ih,
                                                           const at::Tensor& b_hh, bool reverse = false,
                                                           std::optional<at::ScalarType> gemm_dtype = std::nullopt);

}  // namespace fastai
