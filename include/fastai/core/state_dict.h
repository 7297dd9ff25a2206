#pragma once
/// A module's state as PyTorch's `state_dict()` lists it, and loading one by name: the bridge
/// for weights between fastai.cpp modules and PyTorch/fastai files (core/pickle.h reads and
/// writes the torch.save files themselves).
///
/// Thread-safety: state_dict reads the module; load_state_dict writes it and is one thread's
/// while the model does not run.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

namespace fastai {

/// A state_dict as name → tensor pairs in order (what load_torch_state_dict gives).
/// Example: `StateDict sd = state_dict(*model);`
using StateDict = std::vector<std::pair<std::string, at::Tensor>>;

/// The module's parameters and buffers (detached, sharing storage) in PyTorch's state_dict order:
/// each module's own parameters, then its own buffers, then its children's, depth first — so
/// the list equals `model.state_dict()` of the same model in Python, name for name.
/// Example: `for (auto& [name, t] : state_dict(*unet)) std::cout << name << " " << t.sizes() << "\n";`
StateDict state_dict(const torch::nn::Module& m);

/// Keyword arguments of load_state_dict. Example: `load_state_dict(*m, sd, {.strict = false})`
struct LoadStateDictOptions {
  /// Every tensor of the module must be given and nothing else (PyTorch's strict); false skips
  /// both the missing and the unexpected names. Shapes must agree either way.
  bool strict = true;
  std::string where = "load_state_dict";  ///< starts each error message (the file, the caller)
};

/// Copies `sd`'s tensors into the module's parameters and buffers of the same names (converting
/// dtype and device). Every name and shape is checked before anything is copied, so an error
/// (naming the tensor and both shapes) leaves the module as it was.
/// Example: `load_state_dict(*unet, load_torch_state_dict("unet.pth"));`
void load_state_dict(torch::nn::Module& m, const StateDict& sd, LoadStateDictOptions options = {});

/// The same from a file written by Python's `torch.save(model.state_dict(), f)` (or a fastai
/// `learn.save` checkpoint's model part).
/// Example: `load_state_dict(*unet, "models/unet.pth");`
void load_state_dict(torch::nn::Module& m, const std::filesystem::path& file, LoadStateDictOptions options = {});

/// Writes state_dict(m) as Python's torch.save does (torch.load reads it), atomically.
/// Example: `save_state_dict(*unet, "unet.pth");`
void save_state_dict(const torch::nn::Module& m, const std::filesystem::path& file);

}  // namespace fastai
