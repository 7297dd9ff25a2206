#pragma once
/// fastai.layers' SequentialEx and MergeLayer: a sequence of layers in which a layer can read
/// the input of the whole sequence (fastai sets `x.orig` on each layer's input; here a layer
/// that wants it implements UsesOrig and is given it explicitly, so no tensor carries state).
/// DynamicUnet is a SequentialEx; its last cross connection is a MergeLayer(dense).
///
/// Thread-safety: Modules: forward in eval mode without grad may run on many threads at once;
/// building (append) and training are one thread's.
#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "fastai/core/module_hooks.h"

namespace fastai {

/// A layer that needs the input of the SequentialEx it runs in (fastai's `x.orig`).
/// Example:
///   struct AddOrigImpl : torch::nn::Module, fastai::UsesOrig {
///     at::Tensor forward_orig(const at::Tensor& x, const at::Tensor& orig) override { return x + orig; }
///   };
struct UsesOrig {
  virtual ~UsesOrig() = default;
  /// The layer's output for input `x` inside a SequentialEx whose own input was `orig`.
  virtual at::Tensor forward_orig(const at::Tensor& x, const at::Tensor& orig) = 0;
};

/// fastai's SequentialEx: layers run in order, held in the ModuleList `layers` (state names
/// "layers.0.…" as fastai's); a layer implementing UsesOrig also gets the sequence's input.
/// Children are called through the hook table (HookAware), so any of them can be hooked.
/// Example:
///   SequentialEx s;
///   s->append(ConvLayer(3, 3));
///   s->append(MergeLayer(true));
///   auto y = s(x);  // cat([conv(x), x], 1)
class SequentialExImpl : public torch::nn::Module, public HookAware {
 public:
  SequentialExImpl();
  /// Adds `layer` (any module with forward(Tensor) → Tensor, or a UsesOrig module) at the end.
  /// Example: `s->append(torch::nn::ReLU());`
  template <class M>
  void append(M layer) {
    auto* uses_orig = dynamic_cast<UsesOrig*>(any_ptr_of(layer));
    append_any(torch::nn::AnyModule(std::move(layer)), uses_orig);
  }
  at::Tensor forward(const at::Tensor& x);
  /// The i-th layer. Example: `s->at(0)->name()`
  std::shared_ptr<torch::nn::Module> at(size_t i) const { return layers->ptr(i); }
  size_t size() const noexcept { return calls_.size(); }

  torch::nn::ModuleList layers;

 protected:
  void append_any(torch::nn::AnyModule layer, UsesOrig* uses_orig);

 private:
  template <class M>
  static torch::nn::Module* any_ptr_of(const M& layer) {
    if constexpr (requires { layer.ptr(); })
      return layer.ptr().get();
    else
      return layer.get();
  }
  struct Call {
    torch::nn::AnyModule any;
    UsesOrig* uses_orig;  ///< the same module seen as UsesOrig, or null
  };
  std::vector<Call> calls_;
};
TORCH_MODULE(SequentialEx);

/// fastai's MergeLayer: the layer's input plus the SequentialEx's input (dense: concatenated
/// on the channels, the input first).
/// Example: `unet->append(MergeLayer(/*dense=*/true));`
class MergeLayerImpl : public torch::nn::Module, public UsesOrig {
 public:
  explicit MergeLayerImpl(bool dense = false) : dense_(dense) {}
  at::Tensor forward_orig(const at::Tensor& x, const at::Tensor& orig) override;
  /// Outside a SequentialEx there is no orig: throws, saying so.
  at::Tensor forward(const at::Tensor& x);

 private:
  bool dense_;
};
TORCH_MODULE(MergeLayer);

}  // namespace fastai
