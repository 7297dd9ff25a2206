#include "fastai/core/module_hooks.h"

#include <ATen/core/grad_mode.h>

#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

namespace fastai {

namespace {

// Stands in a Sequential's call slot while its module is hooked: runs the module, then its hooks.
// It is never registered as a child, so the module tree does not see it.
class HookCallerImpl : public torch::nn::Module {
 public:
  explicit HookCallerImpl(torch::nn::AnyModule inner) : torch::nn::Module(inner.ptr()->name()), inner_(std::move(inner)) {}
  at::Tensor forward(at::Tensor x) {
    at::Tensor y = inner_.forward<at::Tensor>(x);
    detail::run_module_hooks(*inner_.ptr(), x, y);
    return y;
  }
  void pretty_print(std::ostream& s) const override { inner_.ptr()->pretty_print(s); }

 private:
  torch::nn::AnyModule inner_;
};

struct SlotKey {
  const torch::nn::SequentialImpl* seq;
  size_t index;
  auto operator<=>(const SlotKey&) const = default;
};

struct SlotState {
  std::weak_ptr<torch::nn::Module> seq;  // to restore into, if it still exists
  torch::nn::AnyModule original;
  torch::nn::AnyModule caller;
  int users = 0;
};

}  // namespace

struct ModuleHookHandle::Entry {
  const torch::nn::Module* target = nullptr;
  std::weak_ptr<torch::nn::Module> module;
  ForwardHookFn fwd;
  BackwardHookFn bwd;
  std::vector<SlotKey> slots;
};

namespace {

struct Registry {
  std::shared_mutex mu;
  std::unordered_map<const torch::nn::Module*, std::vector<std::shared_ptr<ModuleHookHandle::Entry>>> table;
  std::map<SlotKey, SlotState> slots;
};

Registry& registry() {
  static Registry r;
  return r;
}

struct Place {
  torch::nn::Module* parent;
  torch::nn::Module* grandparent;  // null for the root's children
  std::string path;  // of the child, from the root
};

void find_places(torch::nn::Module& p, torch::nn::Module* gp, const std::string& prefix,
                 const torch::nn::Module* target, std::vector<Place>& out) {
  for (const auto& kv : p.named_children()) {
    const std::string path = prefix.empty() ? kv.key() : prefix + "." + kv.key();
    if (kv.value().get() == target) {
      bool seen = false;
      for (const auto& q : out) seen = seen || q.parent == &p;
      if (!seen) out.push_back({&p, gp, path});
    }
    find_places(*kv.value(), &p, path, target, out);
  }
}

ModuleHookHandle register_hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& target,
                               ForwardHookFn fwd, BackwardHookFn bwd, const char* fn_name) {
  if (!target) throw std::invalid_argument(std::string(fn_name) + ": the module to hook is null");
  std::vector<Place> places;
  if (target.get() != &root) {
    find_places(root, nullptr, "", target.get(), places);
    if (places.empty())
      throw std::invalid_argument(std::string(fn_name) + ": " + module_type_name(*target) + " is not a module of the " +
                                  module_type_name(root) + " given as root");
  }
  // Check every place before changing any, so a refused hook leaves the model as it was.
  // A ModuleList has no forward: its owner calls the modules, so a HookAware owner covers them.
  auto runs_hooks = [](const Place& pl) {
    return dynamic_cast<torch::nn::SequentialImpl*>(pl.parent) != nullptr ||
           dynamic_cast<HookAware*>(pl.parent) != nullptr ||
           (dynamic_cast<torch::nn::ModuleListImpl*>(pl.parent) != nullptr &&
            dynamic_cast<HookAware*>(pl.grandparent) != nullptr);
  };
  for (const auto& pl : places)
    if (!runs_hooks(pl))
      throw std::invalid_argument(std::string(fn_name) + ": cannot hook '" + pl.path + "' (" +
                                  module_type_name(*target) + "): its parent " + module_type_name(*pl.parent) +
                                  " calls it directly, and libtorch modules have no hooks of their own. Put the layers "
                                  "in a torch::nn::Sequential, or derive " +
                                  module_type_name(*pl.parent) +
                                  " from fastai::HookAware and call its children through fastai::hooked(child, x)");

  auto entry = std::make_shared<ModuleHookHandle::Entry>();
  entry->target = target.get();
  entry->module = target;
  entry->fwd = std::move(fwd);
  entry->bwd = std::move(bwd);
  auto& r = registry();
  std::unique_lock lock(r.mu);
  for (const auto& pl : places) {
    auto* seq = dynamic_cast<torch::nn::SequentialImpl*>(pl.parent);
    if (seq == nullptr) continue;  // HookAware: the parent consults the table itself
    for (size_t i = 0; i < seq->size(); ++i) {
      const SlotKey key{seq, i};
      auto it = r.slots.find(key);
      if (it == r.slots.end()) {
        if (seq->ptr(i).get() != target.get()) continue;
        SlotState st;
        st.seq = seq->shared_from_this();
        st.original = *(seq->begin() + static_cast<std::ptrdiff_t>(i));
        st.caller = torch::nn::AnyModule(std::make_shared<HookCallerImpl>(st.original));
        *(seq->begin() + static_cast<std::ptrdiff_t>(i)) = st.caller;
        it = r.slots.emplace(key, std::move(st)).first;
      } else if (it->second.original.ptr().get() != target.get()) {
        continue;
      }
      ++it->second.users;
      entry->slots.push_back(key);
    }
  }
  r.table[target.get()].push_back(entry);
  detail::live_hook_count().fetch_add(1, std::memory_order_relaxed);
  return ModuleHookHandle(std::move(entry));
}

}  // namespace

namespace detail {

std::atomic<int64_t>& live_hook_count() noexcept {
  static std::atomic<int64_t> n{0};
  return n;
}

const at::Tensor& run_module_hooks(torch::nn::Module& m, const at::Tensor& input, const at::Tensor& output) {
  std::vector<std::shared_ptr<ModuleHookHandle::Entry>> entries;
  {
    auto& r = registry();
    std::shared_lock lock(r.mu);
    const auto it = r.table.find(&m);
    if (it == r.table.end()) return output;
    entries = it->second;
  }
  for (const auto& e : entries) {
    if (e->fwd) e->fwd(m, input, output);
    if (e->bwd && at::GradMode::is_enabled() && output.requires_grad()) {
      // The entry is held weakly: a hook removed before backward reaches it does not run.
      std::weak_ptr<ModuleHookHandle::Entry> weak = e;
      const_cast<at::Tensor&>(output).register_hook([weak](const at::Tensor& g) {
        if (auto live = weak.lock())
          if (auto mod = live->module.lock()) live->bwd(*mod, g);
      });
    }
  }
  return output;
}

}  // namespace detail

ModuleHookHandle& ModuleHookHandle::operator=(ModuleHookHandle&& o) noexcept {
  if (this != &o) {
    remove();
    entry_ = std::move(o.entry_);
  }
  return *this;
}

void ModuleHookHandle::remove() noexcept {
  if (!entry_) return;
  auto& r = registry();
  {
    std::unique_lock lock(r.mu);
    if (auto it = r.table.find(entry_->target); it != r.table.end()) {
      auto& v = it->second;
      std::erase(v, entry_);
      if (v.empty()) r.table.erase(it);
    }
    for (const auto& key : entry_->slots) {
      auto it = r.slots.find(key);
      if (it == r.slots.end() || --it->second.users > 0) continue;
      if (auto seq_alive = it->second.seq.lock()) {
        auto* seq = dynamic_cast<torch::nn::SequentialImpl*>(seq_alive.get());
        if (seq != nullptr && key.index < seq->size()) {
          auto slot = seq->begin() + static_cast<std::ptrdiff_t>(key.index);
          if (slot->ptr().get() == it->second.caller.ptr().get()) *slot = it->second.original;
        }
      }
      r.slots.erase(it);
    }
  }
  detail::live_hook_count().fetch_sub(1, std::memory_order_relaxed);
  entry_.reset();
}

ModuleHookHandle register_forward_hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& target,
                                       ForwardHookFn fn) {
  if (!fn) throw std::invalid_argument("register_forward_hook: the hook function is empty");
  return register_hook(root, target, std::move(fn), {}, "register_forward_hook");
}

ModuleHookHandle register_backward_hook(torch::nn::Module& root, const std::shared_ptr<torch::nn::Module>& target,
                                        BackwardHookFn fn) {
  if (!fn) throw std::invalid_argument("register_backward_hook: the hook function is empty");
  return register_hook(root, target, {}, std::move(fn), "register_backward_hook");
}

std::string module_type_name(const torch::nn::Module& m) {
  std::string n = m.name();
  if (const auto p = n.rfind("::"); p != std::string::npos) n = n.substr(p + 2);
  if (n.size() > 4 && n.ends_with("Impl")) n.resize(n.size() - 4);
  // SequentialBlock is libtorch's Sequential with a concrete forward: to a fastai user it is one.
  return n == "SequentialBlock" ? "Sequential" : n;
}

}  // namespace fastai
