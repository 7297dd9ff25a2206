#include "fastai/callback/hook.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <stdexcept>

#include "fastai/learner.h"

namespace fastai {

namespace {

std::shared_ptr<torch::nn::Module> module_named(torch::nn::Module& root, const std::string& name) {
  if (name.empty()) return root.shared_from_this();
  for (const auto& kv : root.named_modules())
    if (kv.key() == name) return kv.value();
  throw std::invalid_argument("Hook: no module named '" + name + "' in " + module_type_name(root) +
                              " (names as named_modules() gives them, e.g. \"0\" or \"4.0.convpath\")");
}

at::Tensor prepare(const at::Tensor& t, const HookOptions& o) {
  if (!t.defined()) return t;
  at::Tensor r = o.detach ? t.detach() : t;
  return o.cpu ? r.cpu() : r;
}

}  // namespace

Hook::Hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& m, HookFunc hook_func, HookOptions o)
    : state_(std::make_shared<State>()) {
  if (!hook_func) throw std::invalid_argument("Hook: the hook function is empty");
  state_->module = m;
  // The state is held weakly by the registered function: a moved Hook keeps receiving.
  std::weak_ptr<State> weak = state_;
  if (o.is_forward) {
    handle_ = register_forward_hook(root, m, [weak, f = std::move(hook_func), o](
                                                 torch::nn::Module& mod, const at::Tensor& in, const at::Tensor& out) {
      if (auto s = weak.lock()) s->stored = f(mod, prepare(in, o), prepare(out, o));
    });
  } else {
    handle_ = register_backward_hook(root, m, [weak, f = std::move(hook_func), o](torch::nn::Module& mod,
                                                                                const at::Tensor& grad) {
      if (auto s = weak.lock()) s->stored = f(mod, at::Tensor(), prepare(grad, o));
    });
  }
}

Hook::Hook(torch::nn::Module& root, const std::string& name, HookFunc hook_func, HookOptions options)
    : Hook(root, module_named(root, name), std::move(hook_func), options) {}

Hooks::Hooks(torch::nn::Module& root, const std::vector<std::shared_ptr<torch::nn::Module>>& ms, HookFunc hook_func,
             HookOptions options) {
  hooks_.reserve(ms.size());
  for (const auto& m : ms) hooks_.emplace_back(root, m, hook_func, options);
}

std::vector<at::Tensor> Hooks::stored() const {
  std::vector<at::Tensor> r;
  r.reserve(hooks_.size());
  for (const auto& h : hooks_) r.push_back(h.stored());
  return r;
}

void Hooks::remove() noexcept {
  for (auto& h : hooks_) h.remove();
}

Hook hook_output(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& m, HookOutputOptions o) {
  return Hook(
      root, m, [](torch::nn::Module&, const at::Tensor&, const at::Tensor& out) { return out; },
      {.is_forward = !o.grad, .detach = o.detach, .cpu = o.cpu});
}

Hooks hook_outputs(torch::nn::Module& root, const std::vector<std::shared_ptr<torch::nn::Module>>& ms,
                   HookOutputOptions o) {
  return Hooks(
      root, ms, [](torch::nn::Module&, const at::Tensor&, const at::Tensor& out) { return out; },
      {.is_forward = !o.grad, .detach = o.detach, .cpu = o.cpu});
}

namespace {
void flatten_into(const torch::nn::Module& m, std::vector<std::shared_ptr<torch::nn::Module>>& out) {
  for (const auto& c : m.children()) {
    if (c->children().empty())
      out.push_back(c);
    else
      flatten_into(*c, out);
  }
}
}  // namespace

std::vector<std::shared_ptr<torch::nn::Module>> flatten_model(const torch::nn::Module& m) {
  std::vector<std::shared_ptr<torch::nn::Module>> out;
  if (m.children().empty()) {
    out.push_back(std::const_pointer_cast<torch::nn::Module>(m.shared_from_this()));
    return out;
  }
  flatten_into(m, out);
  return out;
}

bool has_params(const torch::nn::Module& m) { return !m.parameters().empty(); }

int64_t in_channels(const torch::nn::Module& m) {
  for (const auto& l : flatten_model(m)) {
    const auto* w = l->named_parameters(/*recurse=*/false).find("weight");
    if (w != nullptr && w->defined() && w->dim() == 4) return w->size(1);
  }
  throw std::invalid_argument("in_channels: " + module_type_name(m) + " has no layer with a 4-d weight (a Conv2d)");
}

at::Tensor dummy_eval(const Model& m, std::pair<int64_t, int64_t> size) {
  if (!m) throw std::invalid_argument("dummy_eval: no module");
  const int64_t ch_in = in_channels(*m);
  const auto params = m->parameters();
  const auto opts = params.empty() ? at::TensorOptions() : params[0].options().requires_grad(false);
  const at::Tensor x = at::empty({1, ch_in, size.first, size.second}, opts).uniform_(-1.0, 1.0);
  const bool was_training = m->is_training();
  m->eval();
  at::Tensor y;
  try {
    c10::NoGradGuard no_grad;
    y = m({x});
  } catch (...) {
    m->train(was_training);
    throw;
  }
  m->train(was_training);
  return y;
}

std::vector<std::vector<int64_t>> model_sizes(const Model& m, std::pair<int64_t, int64_t> size) {
  Hooks hooks = hook_outputs(*m, m->children());
  dummy_eval(m, size);
  std::vector<std::vector<int64_t>> r;
  for (const auto& s : hooks.stored()) {
    if (!s.defined()) throw std::logic_error("model_sizes: a child of " + module_type_name(*m) + " did not run");
    r.push_back(s.sizes().vec());
  }
  return r;
}

int64_t num_features_model(const Model& m) {
  for (int64_t sz = 32;; sz *= 2) {
    try {
      return model_sizes(m, {sz, sz}).back().at(1);
    } catch (const std::exception&) {
      // Trying a few sizes, in case the model needs a bigger input (fastai does the same).
      if (sz * 2 > 2048) throw;
    }
  }
}

// ---------------------------------------------------------------- HookCallback

void HookCallback::register_hooks() {
  hooks_ = std::make_unique<Hooks>(
      *learn().model, o_.modules,
      [this](torch::nn::Module& m, const at::Tensor& in, const at::Tensor& out) { return hook(m, in, out); },
      HookOptions{.is_forward = o_.is_forward, .detach = o_.detach, .cpu = o_.cpu});
}

bool HookCallback::hooks_this_batch() const {
  return o_.every == 0 || (learn().training && learn().train_iter % o_.every == 0);
}

void HookCallback::before_fit() {
  if (o_.modules.empty())
    for (const auto& m : flatten_model(*learn().model))
      if (o_.include_paramless || has_params(*m)) o_.modules.push_back(m);
  if (o_.every == 0) register_hooks();
}

void HookCallback::before_batch() {
  if (o_.every != 0 && learn().training && learn().train_iter % o_.every == 0) register_hooks();
}

void HookCallback::after_batch() {
  if (o_.every != 0 && learn().training && learn().train_iter % o_.every == 0) hooks_.reset();
}

void HookCallback::after_fit() {
  if (o_.remove_end) hooks_.reset();
}

}  // namespace fastai
