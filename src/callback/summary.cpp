// Learner::summary() (fastai's layer_info / module_summary / Learner.summary in callback/hook.py):
// every leaf module hooked, one sample of a training batch through the model, fastai's table.
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <iomanip>
#include <optional>
#include <sstream>

#include "fastai/callback/hook.h"
#include "fastai/data/load.h"
#include "fastai/learner.h"

namespace fastai {

namespace {

struct LayerInfo {
  std::string type;
  std::optional<int64_t> params;  // fastai: only for modules with a `weight`
  bool trainable = false;
  std::vector<int64_t> shape;
  bool same = false;  // the output has the input's shape (no separator line before it)
};

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

std::string shape_text(const std::vector<int64_t>& sz, int64_t bs) {
  std::string r = std::to_string(bs);
  for (size_t i = 1; i < sz.size(); ++i) r += " x " + std::to_string(sz[i]);
  return r;
}

std::string thousands(int64_t v) {
  std::string s = std::to_string(v), r;
  const int n = static_cast<int>(s.size());
  for (int i = 0; i < n; ++i) {
    r += s[static_cast<size_t>(i)];
    if ((n - i - 1) % 3 == 0 && i != n - 1) r += ',';
  }
  return r;
}

}  // namespace

std::string Learner::summary() {
  const Item b = dls.train().one_batch();
  auto ts = batch_tensors(b);
  const auto n_inp = static_cast<size_t>(std::max(1, dls.train().n_inp()));
  if (ts.size() < n_inp) throw std::invalid_argument("Learner::summary: the training batch has fewer tensors than n_inp");
  const int64_t bs = ts[0].dim() > 0 ? ts[0].size(0) : 1;
  c10::Device dev(c10::kCPU);
  for (const auto& p : model->parameters()) {
    dev = p.device();
    break;
  }
  std::vector<at::Tensor> xb;
  for (size_t i = 0; i < n_inp; ++i) xb.push_back(ts[i].slice(0, 0, 1).to(dev));

  const auto leaves = flatten_model(*model);
  std::vector<std::optional<LayerInfo>> infos(leaves.size());
  {
    std::vector<Hook> hooks;
    hooks.reserve(leaves.size());
    for (size_t i = 0; i < leaves.size(); ++i) {
      hooks.emplace_back(*model, leaves[i],
                         [&infos, i](torch::nn::Module& m, const at::Tensor& in, const at::Tensor& out) {
                           LayerInfo li;
                           li.type = module_type_name(m);
                           if (m.named_parameters(/*recurse=*/false).contains("weight")) {
                             li.params = total_params(m);
                             const auto ps = m.parameters();
                             li.trainable = !ps.empty() && ps[0].requires_grad();
                           }
                           li.shape = out.sizes().vec();
                           li.same = in.defined() && in.dim() >= 1 && out.dim() >= 1 && in.sizes().slice(1) == out.sizes().slice(1);
                           infos[i] = std::move(li);
                           return at::Tensor();
                         });
    }
    const bool was_training = model->is_training();
    model->eval();
    try {
      c10::NoGradGuard no_grad;
      model(xb);
    } catch (...) {
      model->train(was_training);
      throw;
    }
    model->train(was_training);
  }

  const std::string rule(76, '='), line(76, '_');
  std::ostringstream r;
  std::vector<int64_t> in_shape = ts[0].sizes().vec();
  r << module_type_name(*model) << " (Input shape: " << shape_text(in_shape, bs) << ")\n" << rule << "\n";
  r << pad("Layer (type)", 20) << " " << pad("Output Shape", 20) << " " << pad("Param #", 10) << " "
    << pad("Trainable", 10) << "\n"
    << rule;
  int64_t ps = 0, trn_ps = 0;
  bool first = true;
  std::optional<std::vector<int64_t>> prev;
  for (const auto& oi : infos) {
    if (!oi) continue;  // a leaf that did not run
    const LayerInfo& li = *oi;
    const std::string sz = shape_text(li.shape, bs).substr(0, 19);
    if (first) r << "\n" << pad("", 20) << " " << pad(sz, 20);
    if (!li.same && !(prev && *prev == li.shape) && !first) r << "\n" << line << "\n" << pad("", 20) << " " << pad(sz, 20);
    first = false;
    r << "\n" << pad(li.type, 20) << " " << pad("", 20) << " " << pad(li.params ? std::to_string(*li.params) : "", 10)
      << " " << pad(li.params ? (li.trainable ? "True" : "False") : "", 10);
    if (li.params) {
      ps += *li.params;
      if (li.trainable) trn_ps += *li.params;
    }
    prev = li.shape;
  }
  r << "\n" << line << "\n";
  r << "\nTotal params: " << thousands(ps) << "\n";
  r << "Total trainable params: " << thousands(trn_ps) << "\n";
  r << "Total non-trainable params: " << thousands(ps - trn_ps) << "\n\n";
  r << "Optimizer used: " << opt_func_name << "\nLoss function: " << (loss_func ? loss_func->name : "none") << "\n\n";
  if (opt)
    r << "Model "
      << (opt->frozen_idx() == 0 ? std::string("unfrozen\n\n")
                                 : "frozen up to parameter group #" + std::to_string(opt->frozen_idx()) + "\n\n");
  Callbacks sorted = cbs_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const CallbackPtr& a, const CallbackPtr& c) { return a->order < c->order; });
  r << "Callbacks:";
  for (const auto& cb : sorted) r << "\n  - " << cb->name();
  return r.str();
}

}  // namespace fastai
