#include "fastai/vision/learner.h"

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>

#include "fastai/data/get_c.h"
#include "fastai/data/transforms.h"
#include "fastai/export.h"

namespace fastai {

at::Tensor AdaptiveConcatPool2dImpl::forward(const at::Tensor& x) {
  return torch::cat(
      {std::get<0>(torch::adaptive_max_pool2d(x, {size_, size_})), torch::adaptive_avg_pool2d(x, {size_, size_})}, 1);
}

namespace {
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
    throw std::invalid_argument("create_head: " + std::to_string(ps.size()) + " dropout values for " +
                                std::to_string(n_lin) + " linear layers");
  SequentialBlock head;
  if (o.pool) {
    if (o.concat_pool)
      head->push_back(AdaptiveConcatPool2d());
    else
      head->push_back(torch::nn::AdaptiveAvgPool2d(1));
    head->push_back(torch::nn::Flatten());
  }
  size_t p_i = 0;
  if (o.lin_first) head->push_back(torch::nn::Dropout(ps[p_i++]));
  for (size_t i = 0; i < n_lin; ++i) {
    const bool bn = i == 0 ? o.first_bn : true;
    const bool last = i + 1 == n_lin;
    if (o.lin_first && last) break;  // the final Linear comes after the loop
    const double p = o.lin_first ? (p_i < ps.size() ? ps[p_i++] : 0.0) : ps[i];
    // fastai: layers += LinBnDrop(…), i.e. the block's layers flattened into the head.
    const auto block = LinBnDrop(ftrs[i], ftrs[i + 1], {.bn = bn, .p = p, .act = !last, .lin_first = o.lin_first});
    for (const auto& m : *block) head->push_back(m);
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
    throw std::invalid_argument("create_body: cut " + std::to_string(cut) + " out of range for a model of " +
                                std::to_string(n) + " layers");
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
                                          std::optional<int64_t> cut, XResNetOptions model) {
  model.c_in = n_in, model.n_out = n_out;
  auto full = arch(model);
  auto body = create_body(full, cut.value_or(-4));
  const int64_t nf = num_features_model(body, n_in);
  auto h = create_head(nf, n_out, head);
  init_head(*h);
  return torch::nn::Sequential(body, h);
}

namespace {
// fastai's splitters for body + head models: body children [0, stem_end) → group 0, the rest of
// the body → group 1, the head → group 2.
std::vector<std::vector<at::Tensor>> split_body_head(const Model& m, size_t stem_end, const char* who) {
  auto seq = m.as<torch::nn::SequentialImpl>();
  if (!seq || seq->size() != 2)
    throw std::invalid_argument(std::string(who) + ": expects Sequential(body, head) as vision_learner builds");
  std::vector<std::vector<at::Tensor>> groups(3);
  // children(), not ptr(i): a hooked Sequential slot holds the hook's caller (core/module_hooks.h).
  const auto parts = seq->children();
  const auto children = parts[0]->children();
  for (size_t i = 0; i < children.size(); ++i)
    for (auto& p : children[i]->parameters()) groups[i < stem_end ? 0 : 1].push_back(p);
  for (auto& p : parts[1]->parameters()) groups[2].push_back(p);
  return groups;
}
}  // namespace

// The three stem ConvLayers; the stages.
std::vector<std::vector<at::Tensor>> xresnet_split(const Model& m) { return split_body_head(m, 3, "xresnet_split"); }

namespace {
const std::map<std::string, XResNetArch>& arch_table() {
  static const std::map<std::string, XResNetArch> t{{"xresnet18", xresnet18},
                                                    {"xresnet34", xresnet34},
                                                    {"xresnet50", xresnet50},
                                                    {"xresnet101", xresnet101},
                                                    {"xresnet152", xresnet152},
                                                    {"xresnet18_deep", xresnet18_deep},
                                                    {"xresnet34_deep", xresnet34_deep},
                                                    {"xresnet50_deep", xresnet50_deep},
                                                    {"xresnet18_deeper", xresnet18_deeper},
                                                    {"xresnet34_deeper", xresnet34_deeper},
                                                    {"xresnet50_deeper", xresnet50_deeper},
                                                    {"xse_resnet18", xse_resnet18},
                                                    {"xse_resnet34", xse_resnet34},
                                                    {"xse_resnet50", xse_resnet50},
                                                    {"xresnext18", xresnext18},
                                                    {"xresnext34", xresnext34},
                                                    {"xresnext50", xresnext50},
                                                    {"xse_resnext18", xse_resnext18},
                                                    {"xse_resnext34", xse_resnext34},
                                                    {"xse_resnext50", xse_resnext50}};
  return t;
}
}  // namespace

std::string arch_name(XResNetArch a) {
  for (const auto& [n, f] : arch_table())
    if (f == a) return n;
  return "";
}

// The user-settable XResNet keyword arguments (the block kinds are the arch function's own).
nlohmann::json xresnet_options_json(const XResNetOptions& o) {
  return {{"p", o.p},
          {"stem_szs", o.stem_szs},
          {"widen", o.widen},
          {"act", act_name(o.act)},
          {"ks", o.ks},
          {"stride", o.stride},
          {"max_pool", o.max_pool},
          {"sa", o.sa},
          {"sym", o.sym}};
}
XResNetOptions xresnet_options_from(const nlohmann::json& j) {
  XResNetOptions o;
  o.p = j.value("p", 0.0);
  o.stem_szs = j.value("stem_szs", std::vector<int64_t>{32, 32, 64});
  o.widen = j.value("widen", 1.0);
  const std::string act = j.value("act", "relu");
  o.act = act_from_name(act);
  o.ks = j.value("ks", int64_t{3});
  o.stride = j.value("stride", int64_t{2});
  o.max_pool = j.value("max_pool", false);
  o.sa = j.value("sa", false);
  o.sym = j.value("sym", false);
  return o;
}
XResNetArch arch_from_name(const std::string& name) {
  auto it = arch_table().find(name);
  return it == arch_table().end() ? nullptr : it->second;
}

namespace {
nlohmann::json head_json(const HeadOptions& h) {
  nlohmann::json j{{"ps", h.ps},
                   {"pool", h.pool},
                   {"concat_pool", h.concat_pool},
                   {"first_bn", h.first_bn},
                   {"bn_final", h.bn_final},
                   {"lin_first", h.lin_first}};
  if (h.lin_ftrs) j["lin_ftrs"] = *h.lin_ftrs;
  if (h.y_range) j["y_range"] = {h.y_range->first, h.y_range->second};
  return j;
}
HeadOptions head_from(const nlohmann::json& j) {
  HeadOptions h;
  h.ps = j.value("ps", std::vector<double>{0.5});
  h.pool = j.value("pool", true);
  h.concat_pool = j.value("concat_pool", true);
  h.first_bn = j.value("first_bn", true);
  h.bn_final = j.value("bn_final", false);
  h.lin_first = j.value("lin_first", false);
  if (j.contains("lin_ftrs")) h.lin_ftrs = j["lin_ftrs"].get<std::vector<int64_t>>();
  if (j.contains("y_range")) h.y_range = std::pair{j["y_range"][0].get<double>(), j["y_range"][1].get<double>()};
  return h;
}
const bool builder_registered = [] {
  register_model_builder("create_vision_model", [](const nlohmann::json& j) {
    const std::string name = j.at("arch");
    const auto arch = arch_from_name(name);
    if (!arch) throw ExportError("create_vision_model: unknown architecture '" + name + "'");
    std::optional<int64_t> cut;
    if (j.contains("cut")) cut = j["cut"].get<int64_t>();
    const auto model = j.contains("model") ? xresnet_options_from(j["model"]) : XResNetOptions{};
    return Model(create_vision_model(arch, j.at("n_out"), j.at("n_in"), head_from(j.at("head")), cut, model));
  });
  return true;
}();
}  // namespace

namespace {
// Outputs (from the targets' classes) and input channels (from a batch) unless given.
std::pair<int64_t, int64_t> model_sizes(DataLoaders& dls, const VisionLearnerOptions& o) {
  const auto n_out = o.n_out ? o.n_out : get_c(dls);
  if (!n_out)
    throw std::invalid_argument("vision_learner: cannot tell the number of outputs from the data; pass {.n_out = …}");
  if (o.n_in) return {*n_out, *o.n_in};
  auto x = batch_tensors(dls.train().one_batch()).at(0);
  if (x.dim() != 4)
    throw std::invalid_argument("vision_learner: expects image batches [N, C, H, W], got " + c10::str(x.sizes()));
  return {*n_out, x.size(1)};
}
}  // namespace

Learner vision_learner(DataLoaders dls, XResNetArch arch, VisionLearnerOptions o) {
  const auto [n_out, n_in] = model_sizes(dls, o);
  auto model = create_vision_model(arch, n_out, n_in, o.head, o.cut, o.model);
  if (!o.splitter) o.splitter = xresnet_split;
  Learner learn(std::move(dls), model, learner_options(std::move(o)));
  if (const auto name = arch_name(arch); !name.empty()) {
    nlohmann::json spec{{"builder", "create_vision_model"},
                        {"arch", name},
                        {"n_out", n_out},
                        {"n_in", n_in},
                        {"head", head_json(o.head)},
                        {"model", xresnet_options_json(o.model)}};
    if (o.cut) spec["cut"] = *o.cut;
    learn.model_spec = spec.dump();
  }
  return learn;
}

std::string resnet_name(ResNetArch a) {
  if (a == resnet18) return "resnet18";
  if (a == resnet34) return "resnet34";
  if (a == resnet50) return "resnet50";
  return "";
}
ResNetArch resnet_from_name(const std::string& n) {
  if (n == "resnet18") return resnet18;
  if (n == "resnet34") return resnet34;
  if (n == "resnet50") return resnet50;
  return nullptr;
}

namespace {
const bool resnet_builder_registered = [] {
  register_model_builder("create_resnet_model", [](const nlohmann::json& j) {
    const std::string name = j.at("arch");
    auto arch = resnet_from_name(name);
    if (!arch) throw ExportError("create_resnet_model: unknown architecture '" + name + "'");
    return Model(create_vision_model(arch, j.at("n_out"), j.at("n_in"), head_from(j.at("head"))));
  });
  return true;
}();
}  // namespace

torch::nn::Sequential create_vision_model(ResNetArch arch, int64_t n_out, int64_t n_in, HeadOptions head,
                                          const std::filesystem::path& weights) {
  auto full = arch({.num_classes = 1000, .c_in = n_in});
  if (!weights.empty()) {
    if (!std::filesystem::exists(weights))
      throw std::invalid_argument("vision_learner: weights file " + weights.string() + " does not exist");
    torch::serialize::InputArchive ar;
    try {
      ar.load_from(weights.string());
    } catch (const std::exception& e) {
      throw std::invalid_argument("vision_learner: " + weights.string() + " is not a torch archive of named tensors (" +
                                  std::string(e.what()).substr(0, 200) + ")");
    }
    Model m(full.ptr(), [p = full.ptr()](const std::vector<at::Tensor>& xb) { return p->forward(xb.at(0)); });
    load_model_state(m, ar, weights.string(), /*strict=*/false);  // the file's fc may have other classes
  }
  auto body = full->body();
  const int64_t nf = full->num_features();
  auto h = create_head(nf, n_out, head);
  init_head(*h);
  return torch::nn::Sequential(body, h);
}

// conv1, bn1, relu, maxpool, layer1, layer2; layer3, layer4.
std::vector<std::vector<at::Tensor>> resnet_split(const Model& m) { return split_body_head(m, 6, "resnet_split"); }

void add_imagenet_norm(DataLoaders& dls) {
  for (const auto& t : dls.train().after_batch_tfms().transforms())
    if (std::dynamic_pointer_cast<Normalize>(t)) return;
  auto norm = Normalize::from_stats(imagenet_stats.mean, imagenet_stats.std);
  for (size_t i = 0; i < dls.size(); ++i) dls[i].after_batch_tfms().append(norm);
}

Learner vision_learner(DataLoaders dls, ResNetArch arch, VisionLearnerOptions o) {
  const auto [n_out, n_in] = model_sizes(dls, o);
  const bool pretrained = !o.weights.empty();
  auto model = create_vision_model(arch, n_out, n_in, o.head, o.weights);
  if (pretrained && n_in == 3) add_imagenet_norm(dls);
  if (!o.splitter) o.splitter = resnet_split;
  Learner learn(std::move(dls), model, learner_options(std::move(o)));
  if (pretrained) learn.freeze();
  if (const auto name = resnet_name(arch); !name.empty())
    learn.model_spec = nlohmann::json{{"builder", "create_resnet_model"},
                                      {"arch", name},
                                      {"n_out", n_out},
                                      {"n_in", n_in},
                                      {"head", head_json(o.head)}}
                           .dump();
  return learn;
}

}  // namespace fastai
