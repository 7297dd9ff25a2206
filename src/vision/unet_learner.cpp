#include "fastai/vision/unet_learner.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fastai/data/get_c.h"
#include "fastai/data/load.h"
#include "fastai/export.h"

namespace fastai {

namespace {

// The encoder of `m` (a DynamicUnet) and the rest of its layers, for the splitters.
std::vector<std::vector<at::Tensor>> split_unet(const Model& m, size_t stem_end, const char* who) {
  auto unet = m.as<DynamicUnetImpl>();
  if (!unet) throw std::invalid_argument(std::string(who) + ": expects a DynamicUnet, as unet_learner builds");
  std::vector<std::vector<at::Tensor>> groups(3);
  // children(), not ptr(i): the encoder's hooked slots hold the hooks' callers (core/module_hooks.h).
  const auto enc = unet->encoder()->children();
  for (size_t i = 0; i < enc.size(); ++i)
    for (auto& p : enc[i]->parameters()) groups[i < stem_end ? 0 : 1].push_back(p);
  for (size_t i = 1; i < unet->size(); ++i)
    for (auto& p : unet->at(i)->parameters()) groups[2].push_back(p);
  return groups;
}

const char* norm_name(NormType n) {
  switch (n) {
    case NormType::Batch:
      return "batch";
    case NormType::BatchZero:
      return "batch_zero";
    case NormType::Weight:
      return "weight";
    default:
      return "none";
  }
}
NormType norm_from(const std::string& s) {
  return s == "batch" ? NormType::Batch : s == "batch_zero" ? NormType::BatchZero : s == "weight" ? NormType::Weight : NormType::None;
}

// DynamicUnet's keyword arguments as an export records them (a custom init is not recorded).
nlohmann::json unet_json(const DynamicUnetOptions& o) {
  nlohmann::json j{{"blur", o.blur},       {"blur_final", o.blur_final}, {"self_attention", o.self_attention},
                   {"last_cross", o.last_cross}, {"bottle", o.bottle},     {"act", act_name(o.act)},
                   {"norm_type", norm_name(o.norm_type)}};
  if (o.y_range) j["y_range"] = {o.y_range->first, o.y_range->second};
  return j;
}
DynamicUnetOptions unet_from(const nlohmann::json& j) {
  DynamicUnetOptions o;
  o.blur = j.value("blur", false);
  o.blur_final = j.value("blur_final", true);
  o.self_attention = j.value("self_attention", false);
  o.last_cross = j.value("last_cross", true);
  o.bottle = j.value("bottle", false);
  o.act = act_from_name(j.value("act", "relu"));
  o.norm_type = norm_from(j.value("norm_type", "none"));
  if (j.contains("y_range")) o.y_range = std::pair{j["y_range"][0].get<double>(), j["y_range"][1].get<double>()};
  return o;
}

const bool builder_registered = [] {
  register_model_builder("create_unet_model", [](const nlohmann::json& j) {
    const std::string name = j.at("arch");
    const std::pair<int64_t, int64_t> size{j.at("img_size")[0], j.at("img_size")[1]};
    std::optional<int64_t> cut;
    if (j.contains("cut")) cut = j["cut"].get<int64_t>();
    if (auto arch = arch_from_name(name))
      return Model(create_unet_model(arch, j.at("n_out"), size, j.at("n_in"), unet_from(j.at("model")), cut,
                                     xresnet_options_from(j.value("arch_options", nlohmann::json::object()))));
    const ResNetArch r = resnet_from_name(name);
    if (!r) throw ExportError("create_unet_model: unknown architecture '" + name + "'");
    return Model(create_unet_model(r, j.at("n_out"), size, j.at("n_in"), unet_from(j.at("model")), cut));
  });
  return true;
}();

// Classes from the masks' codes, channels and size from a training batch, unless given.
struct UnetSizes {
  int64_t n_out, n_in;
  std::pair<int64_t, int64_t> img_size;
};
UnetSizes unet_sizes(DataLoaders& dls, const UnetLearnerOptions& o) {
  const auto n_out = o.n_out ? o.n_out : get_c(dls);
  if (!n_out)
    throw std::invalid_argument(
        "unet_learner: cannot tell the number of classes from the data (a MaskBlock without codes?); pass {.n_out = …}");
  if (o.n_in && o.img_size) return {*n_out, *o.n_in, *o.img_size};
  auto x = batch_tensors(dls.train().one_batch()).at(0);
  if (x.dim() != 4)
    throw std::invalid_argument("unet_learner: expects image batches [N, C, H, W], got " + c10::str(x.sizes()));
  return {*n_out, o.n_in.value_or(x.size(1)), o.img_size.value_or(std::pair{x.size(2), x.size(3)})};
}

}  // namespace

std::vector<std::vector<at::Tensor>> unet_xresnet_split(const Model& m) { return split_unet(m, 3, "unet_xresnet_split"); }
std::vector<std::vector<at::Tensor>> unet_resnet_split(const Model& m) { return split_unet(m, 6, "unet_resnet_split"); }

DynamicUnet create_unet_model(XResNetArch arch, int64_t n_out, std::pair<int64_t, int64_t> img_size, int64_t n_in,
                              DynamicUnetOptions model, std::optional<int64_t> cut, XResNetOptions arch_options) {
  if (!arch) throw std::invalid_argument("create_unet_model: no architecture");
  arch_options.c_in = n_in;
  return DynamicUnet(create_body(arch(arch_options), cut.value_or(-4)), n_out, img_size, std::move(model));
}

DynamicUnet create_unet_model(ResNetArch arch, int64_t n_out, std::pair<int64_t, int64_t> img_size, int64_t n_in,
                              DynamicUnetOptions model, std::optional<int64_t> cut, const std::filesystem::path& weights) {
  if (!arch) throw std::invalid_argument("create_unet_model: no architecture");
  if (cut && *cut != -2)
    throw std::invalid_argument("create_unet_model: a torchvision ResNet is cut at -2 (before its pool and fc), got cut " +
                                std::to_string(*cut));
  // The body as vision_learner loads it (weights before the cut); its head is not used.
  auto full = create_vision_model(arch, 1, n_in, {}, weights);
  auto body = std::dynamic_pointer_cast<SequentialBlockImpl>(full->children().at(0));
  if (!body) throw std::logic_error("create_unet_model: the ResNet body is not a Sequential");
  return DynamicUnet(SequentialBlock(body), n_out, img_size, std::move(model));
}

Learner unet_learner(DataLoaders dls, XResNetArch arch, UnetLearnerOptions o) {
  const auto s = unet_sizes(dls, o);
  auto model = create_unet_model(arch, s.n_out, s.img_size, s.n_in, o.model, o.cut, o.arch);
  if (!o.splitter) o.splitter = unet_xresnet_split;
  Learner learn(std::move(dls), model, learner_options(std::move(o)));
  if (const auto name = arch_name(arch); !name.empty() && !o.model.init) {
    nlohmann::json spec{{"builder", "create_unet_model"}, {"arch", name},     {"n_out", s.n_out},
                        {"n_in", s.n_in},                 {"img_size", {s.img_size.first, s.img_size.second}},
                        {"model", unet_json(o.model)}, {"arch_options", xresnet_options_json(o.arch)}};
    if (o.cut) spec["cut"] = *o.cut;
    learn.model_spec = spec.dump();
  }
  return learn;
}

Learner unet_learner(DataLoaders dls, ResNetArch arch, UnetLearnerOptions o) {
  const auto s = unet_sizes(dls, o);
  const bool pretrained = !o.weights.empty();
  auto model = create_unet_model(arch, s.n_out, s.img_size, s.n_in, o.model, o.cut, o.weights);
  if (pretrained && s.n_in == 3) add_imagenet_norm(dls);
  if (!o.splitter) o.splitter = unet_resnet_split;
  Learner learn(std::move(dls), model, learner_options(std::move(o)));
  if (pretrained) learn.freeze();
  if (const auto name = resnet_name(arch); !name.empty() && !o.model.init)
    learn.model_spec = nlohmann::json{{"builder", "create_unet_model"},
                                      {"arch", name},
                                      {"n_out", s.n_out},
                                      {"n_in", s.n_in},
                                      {"img_size", {s.img_size.first, s.img_size.second}},
                                      {"model", unet_json(o.model)}}
                           .dump();
  return learn;
}

}  // namespace fastai
