#include "fastai/core/state_dict.h"

#include <torch/torch.h>

#include <map>
#include <stdexcept>

#include "fastai/core/pickle.h"

namespace fastai {

namespace {

void collect(const torch::nn::Module& m, const std::string& prefix, StateDict& out) {
  for (const auto& p : m.named_parameters(/*recurse=*/false))
    if (p.value().defined()) out.emplace_back(prefix + p.key(), p.value().detach());
  for (const auto& b : m.named_buffers(/*recurse=*/false))
    if (b.value().defined()) out.emplace_back(prefix + b.key(), b.value().detach());
  for (const auto& c : m.named_children()) collect(*c.value(), prefix + c.key() + ".", out);
}

std::string shape_str(const at::Tensor& t) { return c10::str(t.sizes()); }

}  // namespace

StateDict state_dict(const torch::nn::Module& m) {
  StateDict out;
  collect(m, "", out);
  return out;
}

void load_state_dict(torch::nn::Module& m, const StateDict& sd, LoadStateDictOptions o) {
  std::map<std::string, at::Tensor> given;
  for (const auto& [k, v] : sd) given[k] = v;
  const StateDict have = state_dict(m);
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;
  std::map<std::string, bool> known;
  for (const auto& [k, dst] : have) {
    known[k] = true;
    auto it = given.find(k);
    if (it == given.end()) {
      if (o.strict) throw std::runtime_error(o.where + " has no tensor '" + k + "' (the model's " + shape_str(dst) + ")");
      continue;
    }
    if (it->second.sizes() != dst.sizes())
      throw std::runtime_error(o.where + ": '" + k + "' is " + shape_str(it->second) + " in the file but " +
                               shape_str(dst) + " in the model (a different architecture or configuration?)");
    copies.emplace_back(dst, it->second);
  }
  if (o.strict)
    for (const auto& [k, v] : sd)
      if (!known.count(k)) throw std::runtime_error(o.where + " has '" + k + "', which the model does not");
  torch::NoGradGuard g;
  for (auto& [dst, src] : copies) dst.copy_(src.to(dst.device(), dst.scalar_type()));
}

void load_state_dict(torch::nn::Module& m, const std::filesystem::path& file, LoadStateDictOptions o) {
  if (o.where == "load_state_dict") o.where = "load_state_dict: " + file.string();
  load_state_dict(m, load_torch_state_dict(file), o);
}

void save_state_dict(const torch::nn::Module& m, const std::filesystem::path& file) {
  save_torch_state_dict(file, state_dict(m));
}

}  // namespace fastai
