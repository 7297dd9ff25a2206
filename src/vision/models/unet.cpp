#include "fastai/vision/models/unet.h"

#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "fastai/callback/hook.h"
#include "fastai/pixel_shuffle.h"
#include "fastai/self_attention.h"
#include "fastai/vision/models/xresnet.h"

namespace fastai {

class UnetFeatures {
 public:
  explicit UnetFeatures(size_t n) : n_(n) {}

  /// The calling thread's slots for the duration of one forward (nested forwards on the same
  /// thread share the outer one's).
  class Scope {
   public:
    explicit Scope(UnetFeatures& f) : f_(f) {
      std::lock_guard l(f_.m_);
      owns_ = f_.slots_.try_emplace(std::this_thread::get_id(), f_.n_).second;
    }
    ~Scope() {
      if (!owns_) return;
      std::lock_guard l(f_.m_);
      f_.slots_.erase(std::this_thread::get_id());
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    UnetFeatures& f_;
    bool owns_ = false;
  };

  /// Keeps `t` (with its graph: the skip connections are trained through) when the calling thread
  /// is inside a DynamicUnet forward; the encoder running on its own stores nothing.
  void store(size_t i, const at::Tensor& t) {
    std::lock_guard l(m_);
    if (auto it = slots_.find(std::this_thread::get_id()); it != slots_.end()) it->second.at(i) = t;
  }

  at::Tensor get(size_t i) const {
    std::lock_guard l(m_);
    auto it = slots_.find(std::this_thread::get_id());
    if (it == slots_.end() || !it->second.at(i).defined())
      throw std::logic_error(
          "UnetBlock: no encoder output to merge; a UnetBlock runs inside its DynamicUnet's forward, after the encoder");
    return it->second[i];
  }

 private:
  size_t n_;
  mutable std::mutex m_;
  std::unordered_map<std::thread::id, std::vector<at::Tensor>> slots_;
};

namespace {

torch::nn::AnyModule act_module(Act a) {
  switch (a) {
    case Act::ReLU:
      return torch::nn::AnyModule(torch::nn::ReLU());
    case Act::Sigmoid:
      return torch::nn::AnyModule(torch::nn::Sigmoid());
    default:
      return torch::nn::AnyModule(torch::nn::Identity());
  }
}

at::Tensor call_any(torch::nn::AnyModule& m, const at::Tensor& x) {
  at::Tensor y = m.forward(x);
  if (detail::live_hook_count().load(std::memory_order_relaxed) != 0) detail::run_module_hooks(*m.ptr(), x, y);
  return y;
}

at::Tensor resize_to(const at::Tensor& x, at::IntArrayRef hw, const std::string& mode) {
  namespace F = torch::nn::functional;
  auto o = F::InterpolateFuncOptions().size(std::vector<int64_t>(hw.begin(), hw.end()));
  if (mode == "nearest")
    o.mode(torch::kNearest);
  else if (mode == "bilinear")
    o.mode(torch::kBilinear).align_corners(false);
  else
    throw std::invalid_argument("ResizeToOrig: mode has to be \"nearest\" or \"bilinear\", got \"" + mode + "\"");
  return F::interpolate(x, o);
}

}  // namespace

// ---------------------------------------------------------------- ResizeToOrig

ResizeToOrigImpl::ResizeToOrigImpl(std::string mode) : mode_(std::move(mode)) {
  if (mode_ != "nearest" && mode_ != "bilinear")
    throw std::invalid_argument("ResizeToOrig: mode has to be \"nearest\" or \"bilinear\", got \"" + mode_ + "\"");
}

at::Tensor ResizeToOrigImpl::forward_orig(const at::Tensor& x, const at::Tensor& orig) {
  const auto hw = orig.sizes().slice(orig.dim() - 2);
  if (x.sizes().slice(x.dim() - 2) == hw) return x;
  return resize_to(x, hw, mode_);
}

at::Tensor ResizeToOrigImpl::forward(const at::Tensor&) {
  throw std::logic_error("ResizeToOrig: needs the input of the SequentialEx it is in; put it in a SequentialEx");
}

// ---------------------------------------------------------------- UnetBlock

UnetBlockImpl::UnetBlockImpl(int64_t up_in_c, int64_t x_in_c, std::shared_ptr<UnetFeatures> features,
                             size_t hook_index, UnetBlockOptions o)
    : act_(o.act), features_(std::move(features)), hook_index_(hook_index) {
  if (!features_) throw std::invalid_argument("UnetBlock: needs its DynamicUnet's features");
  shuf = register_module(
      "shuf", PixelShuffle_ICNR(up_in_c, {.nf = up_in_c / 2, .blur = o.blur, .norm_type = o.norm_type, .act = o.act}));
  bn_any_ = BatchNorm(x_in_c);
  bn = register_module("bn", bn_any_.ptr());
  const int64_t ni = up_in_c / 2 + x_in_c, nf = o.final_div ? ni : ni / 2;
  conv1 = register_module("conv1", ConvLayer(ni, nf, {.norm_type = o.norm_type, .act = o.act}));
  auto c2 = ConvLayer(nf, nf, {.norm_type = o.norm_type, .act = o.act});
  if (o.self_attention) c2->push_back(SelfAttention(nf));  // fastai's xtra
  conv2 = register_module("conv2", c2);
  relu_any_ = act_module(o.act);
  relu = register_module("relu", relu_any_.ptr());
  // fastai: apply_init(nn.Sequential(self.conv1, self.conv2), init)
  apply_init(*conv1, o.init);
  apply_init(*conv2, o.init);
}

at::Tensor UnetBlockImpl::forward(const at::Tensor& up_in) {
  const at::Tensor s = features_->get(hook_index_);
  at::Tensor up = hooked(shuf, up_in);
  const auto hw = s.sizes().slice(s.dim() - 2);
  if (up.sizes().slice(up.dim() - 2) != hw) up = resize_to(up, hw, "nearest");
  const at::Tensor cat_x = call_any(relu_any_, torch::cat({up, call_any(bn_any_, s)}, 1));
  return hooked(conv2, hooked(conv1, cat_x));
}

// ---------------------------------------------------------------- DynamicUnet

DynamicUnetImpl::DynamicUnetImpl(SequentialBlock encoder, int64_t n_out, std::pair<int64_t, int64_t> img_size,
                                 DynamicUnetOptions o)
    : encoder_(std::move(encoder)) {
  if (!encoder_) throw std::invalid_argument("DynamicUnet: no encoder");
  const auto sizes = model_sizes(encoder_, img_size);
  // fastai's _get_sz_change_idxs: the children after which the feature map's width changes.
  for (size_t i = 0; i + 1 < sizes.size(); ++i)
    if (sizes[i].back() != sizes[i + 1].back()) idxs_.push_back(static_cast<int64_t>(i));
  std::reverse(idxs_.begin(), idxs_.end());
  if (idxs_.empty())
    throw std::invalid_argument("DynamicUnet: the encoder (" + std::to_string(sizes.size()) +
                                " children) never changes its feature map size on a " +
                                std::to_string(img_size.first) + "x" + std::to_string(img_size.second) +
                                " input, so there is nothing to hook; pass a downsampling body (create_body)");
  features_ = std::make_shared<UnetFeatures>(idxs_.size());
  const auto children = encoder_->children();
  for (size_t k = 0; k < idxs_.size(); ++k) {
    std::weak_ptr<UnetFeatures> w = features_;
    sfs_.push_back(register_forward_hook(*encoder_, children[idxs_[k]],
                                         [w, k](torch::nn::Module&, const at::Tensor&, const at::Tensor& out) {
                                           if (auto f = w.lock()) f->store(k, out);
                                         }));
  }

  // Sizing the decoder the way fastai does: run each new part once on the encoder's output.
  UnetFeatures::Scope scope(*features_);
  at::Tensor x = dummy_eval(encoder_, img_size).detach();
  torch::NoGradGuard no_grad;
  int64_t ni = sizes.back().at(1);
  SequentialBlock middle_conv;
  middle_conv->push_back(ConvLayer(ni, ni * 2, {.norm_type = o.norm_type, .act = o.act}));
  middle_conv->push_back(ConvLayer(ni * 2, ni, {.norm_type = o.norm_type, .act = o.act}));
  middle_conv->eval();
  x = middle_conv->forward(x);
  append(encoder_);
  append(BatchNorm(ni));
  append(torch::nn::ReLU());
  append(middle_conv);

  const size_t n = idxs_.size();
  for (size_t i = 0; i < n; ++i) {
    const bool not_final = i != n - 1;
    const int64_t up_in_c = x.size(1), x_in_c = sizes[idxs_[i]].at(1);
    UnetBlock block(up_in_c, x_in_c, features_, i,
                    UnetBlockOptions{.final_div = not_final,
                     .blur = o.blur && (not_final || o.blur_final),
                     .act = o.act,
                     .self_attention = o.self_attention && n >= 3 && i == n - 3,
                     .init = o.init,
                     .norm_type = o.norm_type});
    block->eval();
    x = block->forward(x);
    append(block);
  }

  ni = x.size(1);
  if (img_size != std::pair<int64_t, int64_t>{sizes[0].at(2), sizes[0].at(3)})
    append(PixelShuffle_ICNR(ni, {.norm_type = o.norm_type, .act = o.act}));
  append(ResizeToOrig());
  if (o.last_cross) {
    append(MergeLayer(/*dense=*/true));
    ni += in_channels(*encoder_);
    const int64_t nf = o.bottle ? ni / 2 : ni;
    append(ResBlock(1, ni, nf, ResBlockOptions{.norm_type = o.norm_type, .act = o.act}));
    // fastai 2.7.18 keeps ni here, so its bottle=True fails at the last conv; the halved width is meant.
    ni = nf;
  }
  append(ConvLayer(ni, n_out, {.ks = 1, .norm_type = o.norm_type, .act = Act::None}));
  apply_init(*at(3), o.init);
  apply_init(*at(size() - 2), o.init);
  if (o.y_range) append(SigmoidRange(o.y_range->first, o.y_range->second));
  append(ToTensorBase());
  // A new module trains (fastai leaves the parts it sized in eval mode until the Learner's fit).
  train(true);
}

DynamicUnetImpl::~DynamicUnetImpl() = default;

at::Tensor DynamicUnetImpl::forward(const at::Tensor& x) {
  UnetFeatures::Scope scope(*features_);
  return SequentialExImpl::forward(x);
}

}  // namespace fastai
