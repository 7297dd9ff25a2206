#pragma once
/// fastai.vision.models.unet: DynamicUnet (a U-Net grown on any encoder that halves its feature
/// maps in steps: hooks on the encoder's layers where the size changes feed a UnetBlock each on
/// the way up), UnetBlock and ResizeToOrig, with fastai's layer layout and state names
/// ("layers.0.…" the encoder, "layers.3" the middle conv, "layers.4…" the UnetBlocks, …) so a
/// fastai DynamicUnet's state_dict loads by name.
///
/// The skip connections: fastai's UnetBlock reads `hook.stored`, the last output of its encoder
/// layer, which two threads running the model at once would overwrite. Here the encoder's hooks
/// store into the running DynamicUnet forward's own slots (one set per thread, alive for that
/// call only), so concurrent eval forwards stay independent and nothing is kept between calls.
///
/// Thread-safety: forward in eval mode without grad may run on many threads at once; building and
/// training are one thread's.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "fastai/core/module_hooks.h"
#include "fastai/layers.h"
#include "fastai/sequential_ex.h"

namespace fastai {

/// The encoder outputs a DynamicUnet's hooks collect during one forward, per thread (internal;
/// shared by the DynamicUnet and its UnetBlocks).
class UnetFeatures;

/// fastai's ResizeToOrig: resizes its input to the SequentialEx input's height and width
/// (interpolation `mode`, fastai's "nearest") when they differ.
/// Example: `unet->append(ResizeToOrig());`
class ResizeToOrigImpl : public torch::nn::Module, public UsesOrig {
 public:
  /// `mode`: "nearest" or "bilinear".
  explicit ResizeToOrigImpl(std::string mode = "nearest");
  at::Tensor forward_orig(const at::Tensor& x, const at::Tensor& orig) override;
  /// Outside a SequentialEx there is no orig: throws, saying so.
  at::Tensor forward(const at::Tensor& x);

 private:
  std::string mode_;
};
TORCH_MODULE(ResizeToOrig);

/// Keyword arguments of UnetBlock (fastai's names and defaults).
/// Example: `UnetBlockOptions{.final_div = false, .blur = true}`
struct UnetBlockOptions {
  bool final_div = true;  ///< conv1/conv2 keep all ni channels (false: ni/2)
  bool blur = false;      ///< blur after the pixel shuffle
  Act act = Act::ReLU;
  bool self_attention = false;  ///< a SelfAttention after conv2
  InitFunc init;                ///< conv1/conv2 init (default kaiming_normal_)
  NormType norm_type = NormType::None;
};

/// fastai's UnetBlock: upsamples its input with PixelShuffle_ICNR(up_in_c → up_in_c/2), resizes
/// it (nearest) to the hooked encoder output s when they differ, then
/// conv2(conv1(act(cat[up, bn(s)]))). Children: shuf, bn, conv1, conv2, relu (fastai's names).
/// Built by DynamicUnet, whose forward provides s.
/// Example: see DynamicUnet.
class UnetBlockImpl : public torch::nn::Module, public HookAware {
 public:
  UnetBlockImpl(int64_t up_in_c, int64_t x_in_c, std::shared_ptr<UnetFeatures> features, size_t hook_index,
                UnetBlockOptions options = {});
  at::Tensor forward(const at::Tensor& up_in);

  SequentialBlock shuf{nullptr}, conv1{nullptr}, conv2{nullptr};
  std::shared_ptr<torch::nn::Module> bn, relu;

 private:
  torch::nn::AnyModule bn_any_, relu_any_;
  Act act_;
  std::shared_ptr<UnetFeatures> features_;
  size_t hook_index_;
};
TORCH_MODULE(UnetBlock);

/// Keyword arguments of DynamicUnet (fastai's names and defaults).
/// Example: `DynamicUnet(encoder, 11, {64, 64}, {.blur = true, .self_attention = true})`
struct DynamicUnetOptions {
  bool blur = false;        ///< blur in every UnetBlock's upsampling …
  bool blur_final = true;   ///< … including the last one
  bool self_attention = false;  ///< a SelfAttention in the third-last UnetBlock
  std::optional<std::pair<double, double>> y_range;  ///< SigmoidRange at the end
  bool last_cross = true;   ///< concatenate the input and run a ResBlock before the last conv
  bool bottle = false;      ///< that ResBlock halves the channels
  Act act = Act::ReLU;
  InitFunc init;            ///< the new layers' init (default kaiming_normal_)
  NormType norm_type = NormType::None;  ///< of the decoder's convs (the UnetBlocks' bn is always BatchNorm)
};

/// fastai's DynamicUnet: a SequentialEx of [encoder, BatchNorm, ReLU, middle conv (ni → 2ni → ni),
/// one UnetBlock per size change of the encoder (deepest first), PixelShuffle_ICNR (when the
/// encoder's first layer already downsamples), ResizeToOrig, (MergeLayer(dense) + ResBlock:
/// last_cross), ConvLayer(→ n_out, ks 1), (SigmoidRange), ToTensorBase]. `encoder` is a
/// Sequential (create_body's result) whose children are where the feature maps shrink; img_size
/// is (height, width) the model is sized for (other sizes run too, resized at the end).
/// Example:
///   auto unet = DynamicUnet(create_body(xresnet18({.c_in = 1}), -4), 11, {64, 64});
///   auto y = unet(x);  // [N, 1, 64, 64] → [N, 11, 64, 64]
class DynamicUnetImpl : public SequentialExImpl {
 public:
  DynamicUnetImpl(SequentialBlock encoder, int64_t n_out, std::pair<int64_t, int64_t> img_size,
                  DynamicUnetOptions options = {});
  ~DynamicUnetImpl() override;
  at::Tensor forward(const at::Tensor& x);
  /// The encoder (layers[0]). Example: `unet->encoder()->children().size()`
  SequentialBlock encoder() const { return encoder_; }
  /// The indices of the encoder's children whose outputs feed the UnetBlocks, deepest first
  /// (fastai's reversed _get_sz_change_idxs). Example: `unet->hooked_indices()  // {6, 5, 4, 2} for xresnet18`
  const std::vector<int64_t>& hooked_indices() const noexcept { return idxs_; }

 private:
  SequentialBlock encoder_;
  std::vector<int64_t> idxs_;
  std::shared_ptr<UnetFeatures> features_;
  std::vector<ModuleHookHandle> sfs_;  ///< fastai's `sfs`: hooks on the encoder's size changes
};
/// The module holder of DynamicUnetImpl (TORCH_MODULE's, plus a constructor taking braced
/// sizes and options). Example: `DynamicUnet unet(body, 11, {64, 64}, {.blur = true});`
class DynamicUnet : public torch::nn::ModuleHolder<DynamicUnetImpl> {
 public:
  using torch::nn::ModuleHolder<DynamicUnetImpl>::ModuleHolder;
  using Impl = DynamicUnetImpl;
  DynamicUnet(SequentialBlock encoder, int64_t n_out, std::pair<int64_t, int64_t> img_size,
              DynamicUnetOptions options = {})
      : ModuleHolder(std::make_shared<DynamicUnetImpl>(std::move(encoder), n_out, img_size, std::move(options))) {}
};

}  // namespace fastai
