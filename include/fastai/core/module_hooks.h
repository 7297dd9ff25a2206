#pragma once
/// Forward and backward hooks on libtorch modules, which have none of their own (PyTorch's
/// register_forward_hook). The mechanism under fastai's Hook / Hooks (callback/hook.h).
///
/// Design: a hook is an entry in a table keyed by the module object; what differs is who calls
/// the table when the module runs. A module's forward is called by its parent, so the parent
/// decides:
/// - a child of a `torch::nn::Sequential` (libtorch's or SequentialBlock): registering swaps the
///   Sequential's call slot (its AnyModule) for a small caller that runs the child and then its
///   hooks. Only the slot changes: the module tree (children(), named_parameters(), state_dict
///   names, dynamic casts) is untouched while hooked, and removing the last hook puts the very
///   same AnyModule back. The child's forward has to take and return one Tensor (all of
///   fastai's layers do). The one visible difference while hooked: the Sequential's own slot
///   accessors (`seq->ptr(i)`, `seq[i]`, `seq->ptr<T>(i)`, iterating its AnyModules) see the
///   caller, so code that may run while hooks are on reads `seq->children()[i]` instead.
/// - a child of a module derived from `HookAware`: that parent promises to call every child
///   through `hooked(child, x)`, which runs the table (one relaxed atomic load when no hook is
///   registered anywhere). fastai.cpp's own composite modules (ResBlock, the torchvision-named
///   ResNet, …) are HookAware; so are the modules of a ModuleList whose owner is HookAware.
/// - the root module: fastai::Model's call runs its hooks (so the Learner's forward does).
/// - anything else (a user module calling a typed member directly) cannot be intercepted and
///   registering throws, saying to put the layers in a Sequential or derive from HookAware.
///
/// Backward hooks see the gradient of the module's output (grad_output), through a tensor hook on
/// the output; the gradient of the input is not available.
///
/// Thread-safety: register and remove hooks on one thread while no forward of that model runs;
/// forwards may then run on many threads at once (the table is read under a shared lock) and run
/// the hooks on the calling thread.
#include <ATen/core/Tensor.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <torch/nn/module.h>

namespace fastai {

/// What a forward hook is called with: the module, its input and its output.
/// Example: `ForwardHookFn f = [](torch::nn::Module& m, const at::Tensor& in, const at::Tensor& out) {};`
using ForwardHookFn = std::function<void(torch::nn::Module& m, const at::Tensor& input, const at::Tensor& output)>;

/// What a backward hook is called with: the module and the gradient of its output.
/// Example: `BackwardHookFn f = [](torch::nn::Module& m, const at::Tensor& grad_output) {};`
using BackwardHookFn = std::function<void(torch::nn::Module& m, const at::Tensor& grad_output)>;

/// Marker for a composite module whose forward calls every child through `hooked`, so its
/// children can be hooked although it is not a Sequential.
/// Example:
///   struct NetImpl : torch::nn::Module, fastai::HookAware {
///     torch::nn::Linear fc{nullptr};
///     at::Tensor forward(const at::Tensor& x) { return fastai::hooked(fc, x); }
///   };
struct HookAware {
  virtual ~HookAware() = default;
};

namespace detail {
/// Hooks registered anywhere (the fast path skips the table when 0).
std::atomic<int64_t>& live_hook_count() noexcept;
/// Runs `m`'s hooks on (input, output); returns output.
const at::Tensor& run_module_hooks(torch::nn::Module& m, const at::Tensor& input, const at::Tensor& output);
}  // namespace detail

/// Calls `child` (a ModuleHolder or shared_ptr of a module with forward(Tensor)) on `x`, then
/// the hooks registered on it: how a HookAware module calls its children.
/// Example: `y = fastai::hooked(conv1, x);  // as conv1(x), and hookable`
template <class Child>
at::Tensor hooked(Child&& child, const at::Tensor& x) {
  at::Tensor y = child->forward(x);
  if (detail::live_hook_count().load(std::memory_order_relaxed) == 0) return y;
  detail::run_module_hooks(*child, x, y);
  return y;
}

/// A registered hook; removes it when destroyed (or at remove()). Move-only.
/// Example: `{ auto h = register_forward_hook(*model, model->ptr(0), f); model->forward(x); }  // gone here`
class ModuleHookHandle {
 public:
  ModuleHookHandle() = default;
  ModuleHookHandle(ModuleHookHandle&&) noexcept = default;
  ModuleHookHandle& operator=(ModuleHookHandle&& o) noexcept;
  ModuleHookHandle(const ModuleHookHandle&) = delete;
  ModuleHookHandle& operator=(const ModuleHookHandle&) = delete;
  ~ModuleHookHandle() { remove(); }
  /// Unregisters the hook (and restores the Sequential slots it used); a second call does nothing.
  /// Example: `h.remove();`
  void remove() noexcept;
  /// Whether the hook is still registered. Example: `if (h.active()) h.remove();`
  bool active() const noexcept { return static_cast<bool>(entry_); }

  struct Entry;  ///< the table entry (internal)
  explicit ModuleHookHandle(std::shared_ptr<Entry> e) : entry_(std::move(e)) {}

 private:
  std::shared_ptr<Entry> entry_;
};

/// Registers `fn` to run after every forward of `target`, which is `root` itself or a module
/// anywhere below it (every place it occurs). Throws std::invalid_argument when `target` is not
/// below `root`, or when a parent that holds it cannot run hooks (naming the module, its parent
/// and what to do).
/// Example: `auto h = register_forward_hook(*net, net->ptr(1), [](auto& m, auto& in, auto& out) { … });`
ModuleHookHandle register_forward_hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& target,
                                       ForwardHookFn fn);

/// Registers `fn` to run with the gradient of `target`'s output when backward reaches it (for
/// forwards run with grad enabled while the hook is registered). Same placement rules as
/// register_forward_hook.
/// Example: `auto h = register_backward_hook(*net, net->ptr(1), [&](auto& m, auto& g) { grads = g; });`
ModuleHookHandle register_backward_hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& target,
                                        BackwardHookFn fn);

/// The short type name of a module as PyTorch prints it: "Conv2d" for torch::nn::Conv2dImpl,
/// "ResBlock" for fastai::ResBlockImpl, "Sequential" for SequentialBlock. Example: `module_type_name(*conv) == "Conv2d"`
std::string module_type_name(const torch::nn::Module& m);

}  // namespace fastai
