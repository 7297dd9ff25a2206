#pragma once
/// A model as the Learner holds it: any libtorch module plus how to call it on the batch's
/// inputs. Any `torch::nn::ModuleHolder` (Sequential, Linear, your TORCH_MODULE) or
/// `std::shared_ptr` to a module with `forward(Tensor)` (or forward(Tensor, Tensor) for two
/// inputs, …) converts implicitly, which is the paper's "incremental adoption": a plain
/// libtorch model trains with every callback.
///
/// Thread-safety: Model::forward on a module in eval mode without grad may run on many threads at once; the
/// Learner's inference passes take turns anyway (learner.h).
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "fastai/core/module_hooks.h"

#include <concepts>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace fastai {

/// The model of a Learner: a module and its forward over the inputs of a batch.
///
/// Example:
///   fastai::Model m = torch::nn::Sequential(torch::nn::Linear(4, 2));
///   at::Tensor out = m({x});
///   m->train(false);                     // the module's own API through ->
class Model {
 public:
  using Forward = std::function<at::Tensor(const std::vector<at::Tensor>& xb)>;

  Model() = default;
  /// A module and an explicit forward (for modules whose forward takes other arguments).
  /// Example: `Model m(net.ptr(), [net](const std::vector<at::Tensor>& xb) { return net->forward(xb[0], 0.5); });`
  Model(std::shared_ptr<torch::nn::Module> module, Forward forward)
      : module_(std::move(module)), forward_(std::move(forward)) {}

  /// From a ModuleHolder (`torch::nn::Sequential`, a TORCH_MODULE).
  /// Example: `Model m = torch::nn::Sequential(torch::nn::Linear(4, 2));`
  template <class H>
  requires requires(H h) {
    { h.ptr() } -> std::convertible_to<std::shared_ptr<torch::nn::Module>>;
  }
  Model(H holder)  // NOLINT: implicit by design
      : Model(holder.ptr()) {
    if constexpr (requires {
                    { holder.model_spec() } -> std::convertible_to<std::string>;
                  })
      spec_ = holder.model_spec();
  }

  /// From a shared_ptr to a module with forward(Tensor[, Tensor[, Tensor]]).
  /// Example: `Model m = std::make_shared<MyNetImpl>();`
  template <class M>
  requires std::derived_from<M, torch::nn::Module> Model(std::shared_ptr<M> m)  // NOLINT: implicit by design
      : module_(m), forward_(make_forward(m)) {}

  /// Calls the model on the batch's inputs, then the hooks registered on the module itself
  /// (core/module_hooks.h: the root has no parent to run them; they see the first input).
  at::Tensor operator()(const std::vector<at::Tensor>& xb) const {
    if (!forward_) throw std::logic_error("Model: no module set");
    at::Tensor y = forward_(xb);
    if (detail::live_hook_count().load(std::memory_order_relaxed) != 0)
      detail::run_module_hooks(*module_, xb.empty() ? at::Tensor() : xb[0], y);
    return y;
  }
  torch::nn::Module* operator->() const { return module_.get(); }
  torch::nn::Module& operator*() const { return *module_; }
  const std::shared_ptr<torch::nn::Module>& module() const noexcept { return module_; }
  explicit operator bool() const noexcept { return static_cast<bool>(module_); }
  /// How the model was built, as JSON ({"builder": …}) for export_learner, when its builder
  /// says (simple_cnn; vision_learner & co. set it on the learner). Empty otherwise.
  /// Example: `Model m = simple_cnn(3); m.spec();  // {"builder":"simple_cnn","n_out":3}`
  const std::string& spec() const noexcept { return spec_; }
  /// The same model with `spec` as its description (for a builder of your own, registered with
  /// register_model_builder). Example: `Model m = Model(net).with_spec(R"({"builder":"mine"})");`
  Model with_spec(std::string spec) const {
    Model m = *this;
    m.spec_ = std::move(spec);
    return m;
  }
  /// The module as its concrete type (nullptr when it is another type).
  /// Example: `auto seq = learn.model.as<torch::nn::SequentialImpl>();`
  template <class M>
  std::shared_ptr<M> as() const {
    return std::dynamic_pointer_cast<M>(module_);
  }

 private:
  template <class M>
  static Forward make_forward(std::shared_ptr<M> m) {
    return [m](const std::vector<at::Tensor>& xb) -> at::Tensor {
      const auto n = xb.size();
      if constexpr (requires(M & mm, at::Tensor x) { mm.forward(x); }) {
        if (n == 1) return m->forward(xb[0]);
      }
      if constexpr (requires(M & mm, at::Tensor x) { mm.forward(x, x); }) {
        if (n == 2) return m->forward(xb[0], xb[1]);
      }
      if constexpr (requires(M & mm, at::Tensor x) { mm.forward(x, x, x); }) {
        if (n == 3) return m->forward(xb[0], xb[1], xb[2]);
      }
      throw std::invalid_argument("Model: " + m->name() + "::forward does not take " + std::to_string(n) +
                                  " tensor input(s) (the loaders' n_inp); give the Model an explicit forward");
    };
  }

  std::shared_ptr<torch::nn::Module> module_;
  Forward forward_;
  std::string spec_;
};

/// Parameters of every normalisation layer (BatchNorm, InstanceNorm, LayerNorm, GroupNorm) and,
/// when `with_bias`, the biases of every layer (fastai's norm_bias_params): the parameters the
/// Learner exempts from weight decay and keeps trainable when frozen.
/// Example: `auto ps = norm_bias_params(*learn.model, false);`
std::vector<at::Tensor> norm_bias_params(const torch::nn::Module& m, bool with_bias = true);

/// Whether `m` is a batch-norm layer (1d/2d/3d). Example: `is_batchnorm(*layer)`.
bool is_batchnorm(const torch::nn::Module& m);

/// Parameters with requires_grad, as one group (fastai's trainable_params, the default splitter).
/// Example: `auto groups = trainable_params(model);`
std::vector<std::vector<at::Tensor>> trainable_params(const Model& m);

/// Number of parameters (all, or only trainable). Example: `total_params(model) == 30412`.
int64_t total_params(const torch::nn::Module& m, bool trainable_only = false);

}  // namespace fastai
