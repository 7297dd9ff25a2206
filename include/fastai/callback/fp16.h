#pragma once
/// fastai.callback.fp16: mixed-precision training. On the CPU, bf16 autocast (no loss scaling
/// needed: bf16 has fp32's range); on CUDA, fp16 autocast with dynamic loss scaling. libtorch's
/// C++ frontend has no GradScaler, so GradScaler here implements PyTorch's algorithm.
///
/// Thread-safety: MixedPrecision and GradScaler are callbacks: they run inside their learner's passes, one
/// at a time (learner.h). Autocast state is per thread in libtorch.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "fastai/callback/core.h"

namespace fastai {

/// Dynamic loss scaling (torch.cuda.amp.GradScaler's algorithm and defaults): the loss is
/// multiplied by `scale` before backward; before the step the gradients are divided by it, and
/// if any is inf/nan the step is skipped and the scale multiplied by backoff_factor; after
/// growth_interval good steps in a row it grows by growth_factor.
///
/// Example:
///   GradScaler s;  auto scaled = s.scale(loss); scaled.backward();
///   if (s.unscale_and_check(params)) opt.step();  s.update();
class GradScaler {
 public:
  struct Options {
    double init_scale = 65536.0;
    double growth_factor = 2.0;
    double backoff_factor = 0.5;
    int64_t growth_interval = 2000;
  };
  GradScaler() : GradScaler(Options{}) {}
  explicit GradScaler(Options o) : o_(o), scale_(o.init_scale) {}
  /// loss · scale
  at::Tensor scale(const at::Tensor& loss) const;
  /// Divides every gradient by the scale; returns false (and remembers it) when one is not finite.
  bool unscale_and_check(const std::vector<at::Tensor>& params);
  /// Adjusts the scale after a step attempt.
  /// Example: `scaler.update();`
  void update();
  double get_scale() const noexcept { return scale_; }

 private:
  Options o_;
  double scale_;
  int64_t growth_tracker_ = 0;
  bool found_inf_ = false;
};

/// The reduced precision MixedPrecision computes in.
/// Example: `MixedPrecision(AmpMode::bf16)`
enum class AmpMode { bf16, fp16 };

/// Runs the forward pass and loss under autocast (order 10); the model's output is cast back to
/// float32 for the loss. fp16 uses a GradScaler and skips steps whose gradients overflowed (the
/// scales are kept in `scales`). fp16 needs CUDA; bf16 works on the CPU (oneDNN's AMX/AVX-512
/// bf16 kernels where the CPU has them).
/// Example: `learn.add_cb(MixedPrecision(AmpMode::bf16));`
class MixedPrecision : public Callback {
 public:
  explicit MixedPrecision(AmpMode mode = AmpMode::bf16, GradScaler::Options scaler = {});
  std::string name() const override { return "MixedPrecision"; }
  void before_fit() override;
  void before_batch() override { enter(); }
  void after_pred() override;
  void after_loss() override { exit(); }
  void after_cancel_batch() override { exit(); }
  void before_backward() override;
  void before_step() override;
  void after_step() override;
  void after_fit() override { exit(); }

  std::vector<double> scales;

 private:
  void enter();
  void exit();
  AmpMode mode_;
  GradScaler scaler_;
  bool use_scaler_ = false;
  bool cuda_ = false;
  bool active_ = false;
  bool prev_enabled_ = false;
};

/// Puts the model's 4-d weights and the 4-d inputs in channels-last memory format, which oneDNN
/// and cuDNN convolutions prefer (fastai's ChannelsLast; order -1).
/// Example: `learn.add_cb(ChannelsLast());`
class ChannelsLast : public Callback {
 public:
  ChannelsLast() { order = -1; }
  std::string name() const override { return "ChannelsLast"; }
  void before_fit() override;
  void before_batch() override;
};

}  // namespace fastai
