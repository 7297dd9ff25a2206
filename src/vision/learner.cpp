#include "fastai/vision/learner.h"

#include <torch/torch.h>

#include "fastai/data/transforms.h"

namespace fastai {

at::Tensor AdaptiveConcatPool2dImpl::forward(const at::Tensor& x) {
  return torch::cat({std::get<0>(torch::adaptive_max_pool2d(x, {size_, size_})), torch::adaptive_avg_pool2d(x, {size_, size_})}, 1);
}

namespace {
/// y = sigmoid(x)·(high − low) + low (fastai's SigmoidRange).
class SigmoidRangeImpl : public torch::nn::Module {
 public:
  SigmoidRangeImpl(double low, double high) : low_(low), high_(high) {}
  at::Tensor forward(const at::Tensor& x) { return torch::sigmoid(x) * (high_ - low_) + low_; }

 private:
  double low_, high_;
};
TORCH_MODULE(SigmoidRange);

void init_head(torch::nn::Module& head) {  // fastai's apply_init(head, kaiming_normal_)
  torch::NoGradGuard g;
  for (auto& m : head.modules()) {
    if (is_batchnorm(*m)) continue;
    auto ps = m->named_parameters(false);
    if (auto* w = ps.find("weight")) torch::nn::init::kaiming_normal_(*w);
    if (auto* b = ps.find("bias")) b->zero_();
  }
}
}  // namespace

SequentialBlock create_head(int64_t nf, int64_t n_out, HeadOptions o) {
  if (o.pool && o.concat_pool) nf *= 2;
  std::vector<int64_t> ftrs{nf};
  const auto hidden = o.lin_ftrs.value_or(std::vector<int64_t>{512});
  ftrs.insert(ftrs.end(), hidden.begin(), hidden.end());
  ftrs.push_back(n_out);
  const size_t n_lin = ftrs.size() - 1;
  std::vector<double> ps = o.ps;
  if (ps.empty()) ps = {0.5};
  if (ps.size() == 1) {
    const double p = ps[0];
    ps.assign(n_lin - 1, p / 2);
    ps.push_back(p);
  }
  if (ps.size() != n_lin)
    throw std::invalid_argument("create_head: " + std::to_string(ps.size()) + " dropout values for " + std::to_string(n_lin) +
                                " linear layers");
  SequentialBlock head;
  if (o.pool) {
    if (o.concat_pool) head->push_back(AdaptiveConcatPool2d());
    else head->push_back(torch::nn::AdaptiveAvgPool2d(1));
    head->push_back(torch::nn::Flatten());
  }
  size_t p_i = 0;
  if (o.lin_first) head->push_back(torch::nn::Dropout(ps[p_i++]));
  for (size_t i = 0; i < n_lin; ++i) {
    const bool bn = i == 0 ? o.first_bn : true;
    const bool last = i + 1 == n_lin;
    if (o.lin_first && last) break;  // the final Linear comes after the loop
    const double p = o.lin_first ? (p_i < ps.size() ? ps[p_i++] : 0.0) : ps[i];
    // LinBnDrop(ni, no, bn, p, act): [BN(ni), Dropout(p)] + [Linear(ni, no, bias = !bn), act]
    auto push_bn_drop = [&](int64_t features) {
      if (bn) head->push_back(BatchNorm(features, 1));
      if (p != 0) head->push_back(torch::nn::Dropout(p));
    };
    auto push_lin = [&] {
      head->push_back(torch::nn::Linear(torch::nn::LinearOptions(ftrs[i], ftrs[i + 1]).bias(!bn)));
      if (!last) head->push_back(torch::nn::ReLU());
    };
    if (o.lin_first) {
      push_lin();
      push_bn_drop(ftrs[i + 1]);
    } else {
      push_bn_drop(ftrs[i]);
      push_lin();
    }
  }
  if (o.lin_first) head->push_back(torch::nn::Linear(ftrs[n_lin - 1], n_out));
  if (o.bn_final) head->push_back(torch::nn::BatchNorm1d(torch::nn::BatchNormOptions(ftrs.back()).momentum(0.01)));
  if (o.y_range) head->push_back(SigmoidRange(o.y_range->first, o.y_range->second));
  return head;
}

SequentialBlock create_body(const torch::nn::Sequential& model, int64_t cut) {
  const auto n = static_cast<int64_t>(model->size());
  const int64_t end = cut < 0 ? n + cut : cut;
  if (end <= 0 || end > n)
    throw std::invalid_argument("create_body: cut " + std::to_string(cut) + " out of range for a model of " + std::to_string(n) + " layers");
  SequentialBlock body;
  int64_t i = 0;
  for (auto it = model->begin(); it != model->end() && i < end; ++it, ++i) body->push_back(*it);
  return body;
}

int64_t num_features_model(SequentialBlock& body, int64_t n_in) {
  torch::NoGradGuard g;
  const bool was_training = body->is_training();
  body->eval();
  auto dev = body->parameters().empty() ? c10::Device(c10::kCPU) : body->parameters()[0].device();
  auto out = body->forward(torch::zeros({1, n_in, 64, 64}, torch::TensorOptions().device(dev)));
  body->train(was_training);
  return out.size(1);
}

torch::nn::Sequential create_vision_model(XResNetArch arch, int64_t n_out, int64_t n_in, HeadOptions head,
                                          std::optional<int64_t> cut) {
  auto full = arch({.c_in = n_in, .n_out = n_out});
  auto body = create_body(full, cut.value_or(-4));
  const int64_t nf = num_features_model(body, n_in);
  auto h = create_head(nf, n_out, head);
  init_head(*h);
  return torch::nn::Sequential(body, h);
}

std::vector<std::vector<at::Tensor>> xresnet_split(const Model& m) {
  auto seq = m.as<torch::nn::SequentialImpl>();
  if (!seq || seq->size() != 2) throw std::invalid_argument("xresnet_split: expects Sequential(body, head) as vision_learner builds");
  std::vector<std::vector<at::Tensor>> groups(3);
  auto body = seq->ptr(0);
  const auto children = body->children();
  for (size_t i = 0; i < children.size(); ++i)
    for (auto& p : children[i]->parameters()) groups[i < 3 ? 0 : 1].push_back(p);
  for (auto& p : seq->ptr(1)->parameters()) groups[2].push_back(p);
  return groups;
}

namespace {
std::optional<int64_t> classes_of(DataLoaders& dls) {
  const auto& ds = dls.train().datasets();
  if (!ds) return std::nullopt;
  for (size_t t = static_cast<size_t>(ds->n_inp()); t < ds->tls().size(); ++t)
    for (const auto& tfm : ds->tls()[t].tfms().transforms()) {
      if (auto c = std::dynamic_pointer_cast<Categorize>(tfm)) return c->c();
      if (auto c = std::dynamic_pointer_cast<MultiCategorize>(tfm)) return c->c();
      if (auto c = std::dynamic_pointer_cast<RegressionSetup>(tfm)) return c->c();
    }
  return std::nullopt;
}
}  // namespace

Learner vision_learner(DataLoaders dls, XResNetArch arch, VisionLearnerOptions o) {
  const auto n_out = o.n_out ? o.n_out : classes_of(dls);
  if (!n_out)
    throw std::invalid_argument("vision_learner: cannot tell the number of outputs from the data; pass {.n_out = …}");
  int64_t n_in = 3;
  if (o.n_in) {
    n_in = *o.n_in;
  } else {
    auto x = batch_tensors(dls.train().one_batch()).at(0);
    if (x.dim() != 4) throw std::invalid_argument("vision_learner: expects image batches [N, C, H, W], got " + c10::str(x.sizes()));
    n_in = x.size(1);
  }
  auto model = create_vision_model(arch, *n_out, n_in, o.head, o.cut);
  if (!o.learner.splitter) o.learner.splitter = xresnet_split;
  return Learner(std::move(dls), model, std::move(o.learner));
}

}  // namespace fastai
