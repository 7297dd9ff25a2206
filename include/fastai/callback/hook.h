#pragma once
/// fastai.callback.hook: Hook / Hooks (store what a function of a module's input and output
/// returns at each forward, or of its output's gradient at each backward), hook_output(s),
/// flatten_model, in_channels, dummy_eval, model_sizes, num_features_model, HookCallback,
/// ActivationStats; Learner::summary() is implemented here too.
///
/// libtorch modules have no hooks; core/module_hooks.h says how they are provided and where
/// they cannot be (a child called directly by a user module that is not a Sequential nor
/// HookAware: registering throws). Hooks take the model (root) they are placed in, since a
/// libtorch module does not know its parent. A Hook removes itself when destroyed, which is
/// fastai's `with hook_output(m) as h:`.
///
/// Thread-safety: create and remove hooks on one thread while the model does not run; a forward
/// then runs the hooks on its own thread (a Hook's stored() is the last forward's).
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "fastai/callback/core.h"
#include "fastai/core/module_hooks.h"
#include "fastai/model.h"

namespace fastai {

/// What a Hook calls at each forward: module, input, output → the value to store (backward
/// hooks get an undefined input and the gradient of the output as `output`).
/// Example: `HookFunc f = [](torch::nn::Module&, const at::Tensor&, const at::Tensor& o) { return o.mean(); };`
using HookFunc = std::function<at::Tensor(torch::nn::Module& m, const at::Tensor& input, const at::Tensor& output)>;

/// Keyword arguments of Hook (fastai's names and defaults).
/// Example: `Hook h(model, layer, f, {.is_forward = false});`
struct HookOptions {
  bool is_forward = true;  ///< false: run on the gradient of the output during backward
  bool detach = true;      ///< detach input and output before calling the function
  bool cpu = false;        ///< move them to the CPU first
};

/// fastai's Hook: calls `hook_func` on `m` at each forward (or backward) and keeps the result in
/// stored(). `root` is the model `m` lives in (or `m` itself). Removed at remove() or destruction.
/// Example:
///   Hook h(*model, model->ptr(2), [](auto&, auto&, const at::Tensor& o) { return o.mean(); });
///   model->forward(x);
///   double mean = h.stored().item<double>();
class Hook {
 public:
  Hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& m, HookFunc hook_func,
       HookOptions options = {});
  /// The hooked module found by its name in `root` (as named_modules() names it, "4.0.convpath").
  /// Example: `Hook h(*model, "4.0", f);`
  Hook(torch::nn::Module& root, const std::string& name, HookFunc hook_func, HookOptions options = {});
  /// The value the hook function returned at the last forward (undefined before the first).
  /// Example: `h.stored().sizes()`
  const at::Tensor& stored() const noexcept { return state_->stored; }
  /// Unregisters the hook; stored() stays readable. Example: `h.remove();`
  void remove() noexcept { handle_.remove(); }
  bool removed() const noexcept { return !handle_.active(); }
  /// The hooked module. Example: `h.module()->name()`
  const std::shared_ptr<torch::nn::Module>& module() const noexcept { return state_->module; }

 private:
  struct State {
    std::shared_ptr<torch::nn::Module> module;
    at::Tensor stored;
  };
  std::shared_ptr<State> state_;
  ModuleHookHandle handle_;
};

/// fastai's Hooks: one Hook per module of `ms` with the same function.
/// Example: `Hooks hs(*model, flatten_model(*model), f); model->forward(x); auto outs = hs.stored();`
class Hooks {
 public:
  Hooks(torch::nn::Module& root, const std::vector<std::shared_ptr<torch::nn::Module>>& ms, HookFunc hook_func,
        HookOptions options = {});
  Hook& operator[](size_t i) { return hooks_.at(i); }
  const Hook& operator[](size_t i) const { return hooks_.at(i); }
  size_t size() const noexcept { return hooks_.size(); }
  auto begin() { return hooks_.begin(); }
  auto end() { return hooks_.end(); }
  /// Each hook's stored value, in the modules' order. Example: `hs.stored()[0].sizes()`
  std::vector<at::Tensor> stored() const;
  /// Removes every hook. Example: `hs.remove();`
  void remove() noexcept;

 private:
  std::vector<Hook> hooks_;
};

/// Keyword arguments of hook_output(s). Example: `hook_output(model, m, {.grad = true})`
struct HookOutputOptions {
  bool detach = true;
  bool cpu = false;
  bool grad = false;  ///< store the gradient of the output instead of the output
};

/// A Hook storing `m`'s output (fastai's hook_output).
/// Example: `auto h = hook_output(*model, model->ptr(0)); model->forward(x); h.stored();`
Hook hook_output(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& m, HookOutputOptions options = {});

/// Hooks storing each module's output (fastai's hook_outputs).
/// Example: `auto hs = hook_outputs(*model, model->children());`
Hooks hook_outputs(torch::nn::Module& root, const std::vector<std::shared_ptr<torch::nn::Module>>& ms,
                   HookOutputOptions options = {});

/// The leaf modules of `m` (those without children), depth first: fastai's flatten_model.
/// Example: `flatten_model(*xresnet18())` starts with the stem's Conv2d, BatchNorm2d, ReLU.
std::vector<std::shared_ptr<torch::nn::Module>> flatten_model(const torch::nn::Module& m);

/// Whether `m` has at least one parameter (fastai's has_params). Example: `has_params(*conv)`
bool has_params(const torch::nn::Module& m);

/// The input channels of the first 4-d weight in `m` (fastai's in_channels); throws when none.
/// Example: `in_channels(*xresnet18({.c_in = 1})) == 1`
int64_t in_channels(const torch::nn::Module& m);

/// Runs `m` in eval mode without grad on one uniform(-1, 1) image of in_channels(m) channels and
/// `size` (fastai's dummy_eval; the training flag is restored afterwards, where fastai leaves
/// the model in eval mode). Example: `dummy_eval(model, {64, 64}).sizes()`
at::Tensor dummy_eval(const Model& m, std::pair<int64_t, int64_t> size = {64, 64});

/// The output shape of each child of `m` on dummy_eval(m, size) (fastai's model_sizes).
/// Example: `model_sizes(xresnet18())[4] == std::vector<int64_t>{1, 64, 16, 16}`
std::vector<std::vector<int64_t>> model_sizes(const Model& m, std::pair<int64_t, int64_t> size = {64, 64});

/// The channels of `m`'s last child's output, trying sizes 32, 64, … 2048 until one runs
/// (fastai's num_features_model). Example: `num_features_model(body) == 512`
int64_t num_features_model(const Model& m);

/// Keyword arguments of HookCallback (fastai's names; cpu defaults to true as in fastai).
/// Example: `ActivationStats({.every = 10})`
struct HookCallbackOptions {
  /// The modules to hook; empty: every leaf module with parameters (or every leaf when include_paramless).
  std::vector<std::shared_ptr<torch::nn::Module>> modules;
  int64_t every = 0;  ///< 0: hook every batch; n: only every n-th training batch
  bool remove_end = true;
  bool is_forward = true;
  bool detach = true;
  bool cpu = true;
  bool include_paramless = false;
};

/// fastai's HookCallback: registers Hooks running hook() on its modules from before_fit (or on
/// every `every`-th training batch) and removes them after the fit.
/// Example:
///   struct MeanOut : HookCallback {
///     at::Tensor hook(torch::nn::Module&, const at::Tensor&, const at::Tensor& o) override { return o.mean(); }
///   };
class HookCallback : public Callback {
 public:
  explicit HookCallback(HookCallbackOptions options = {}) : o_(std::move(options)) {}
  /// The function the hooks call; stored by each hook. Example: see the class.
  virtual at::Tensor hook(torch::nn::Module& m, const at::Tensor& input, const at::Tensor& output) = 0;
  void before_fit() override;
  void before_batch() override;
  void after_batch() override;
  void after_fit() override;
  /// The hooks while registered (empty otherwise). Example: `cb->hooks().stored()`
  Hooks* hooks() noexcept { return hooks_.get(); }
  /// The hooked modules (resolved at before_fit). Example: `cb->modules().size()`
  const std::vector<std::shared_ptr<torch::nn::Module>>& modules() const noexcept { return o_.modules; }

 protected:
  bool hooks_this_batch() const;  ///< every == 0, or a training batch whose train_iter is a multiple of every
  HookCallbackOptions o_;

 private:
  void register_hooks();
  std::unique_ptr<Hooks> hooks_;
};

/// Keyword arguments of ActivationStats. Example: `ActivationStats({.with_hist = true})`
struct ActivationStatsOptions {
  bool with_hist = false;  ///< also a 40-bin histogram of [0, 10] per module per batch
  HookCallbackOptions hook = {};
};

/// One module's statistics at one batch. Example: `stats.stats()[batch][layer].mean`
struct LayerStats {
  double mean = 0, std = 0, near_zero = 0;  ///< near_zero: share of activations <= 0.05
  at::Tensor hist;                           ///< [40] counts over [0, 10] (with_hist)
};

/// fastai's ActivationStats (order −20): the mean, std and share of near-zero activations of
/// each hooked module at each training batch, with the "colorful dimension" picture and the
/// mean/std/near-zero plots as PNG.
/// Example:
///   auto st = std::make_shared<ActivationStats>(ActivationStatsOptions{.with_hist = true});
///   learn.fit(1, 1e-2, {.cbs = {st}});
///   st->plot_layer_stats(0, "layer0.png");
///   st->color_dim(0, "colorful.png");
class ActivationStats : public HookCallback {
 public:
  explicit ActivationStats(ActivationStatsOptions options = {});
  std::string name() const override { return "ActivationStats"; }
  at::Tensor hook(torch::nn::Module& m, const at::Tensor& input, const at::Tensor& output) override;
  void before_fit() override;
  void after_batch() override;
  /// stats()[batch][module]: one entry per recorded training batch. Example: `st->stats().size()`
  const std::vector<std::vector<LayerStats>>& stats() const noexcept { return stats_; }
  /// Module `idx`'s mean, std and near-zero share over the recorded batches (fastai's
  /// layer_stats). Example: `auto [means, stds, zeros] = st->layer_stats(0);`
  std::array<std::vector<double>, 3> layer_stats(size_t idx) const;
  /// Module `idx`'s histograms as [40, n_batches], log1p of the counts (fastai's hist).
  /// Example: `st->hist(0).sizes()`
  at::Tensor hist(size_t idx) const;
  /// The "colorful dimension" picture of module `idx` (hist(idx) as an image, bin 0 at the bottom,
  /// viridis colours as matplotlib's imshow) written as a PNG; returns `file`.
  /// Example: `st->color_dim(0, "colorful.png");`
  std::filesystem::path color_dim(size_t idx, const std::filesystem::path& file) const;
  /// The mean, std and % near zero of module `idx` over the batches, three panels in one PNG.
  /// Example: `st->plot_layer_stats(0, "layer0.png");`
  std::filesystem::path plot_layer_stats(size_t idx, const std::filesystem::path& file) const;

 private:
  bool with_hist_;
  std::vector<std::vector<LayerStats>> stats_;
};

}  // namespace fastai
