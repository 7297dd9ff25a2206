#pragma once
/// fastai.vision.learner: a model made of an architecture's body and a new head, and the
/// Learner around it (vision_learner, alias cnn_learner).
///
/// Thread-safety: vision_learner returns a Learner (learner.h); the models follow layers.h.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fastai/layers.h"
#include "fastai/learner.h"
#include "fastai/vision/models/resnet.h"
#include "fastai/vision/models/xresnet.h"

namespace fastai {

/// Concatenation of adaptive max and average pooling (fastai's AdaptiveConcatPool2d): 2·C features.
/// Example: `seq->push_back(AdaptiveConcatPool2d());`
class AdaptiveConcatPool2dImpl : public torch::nn::Module {
 public:
  explicit AdaptiveConcatPool2dImpl(int64_t size = 1) : size_(size) {}
  at::Tensor forward(const at::Tensor& x);

 private:
  int64_t size_;
};
TORCH_MODULE(AdaptiveConcatPool2d);

/// Keyword arguments of create_head (fastai's defaults).
/// Example: `create_head(512, 10, {.lin_ftrs = std::vector<int64_t>{256}, .ps = {0.25}})`
struct HeadOptions {
  std::optional<std::vector<int64_t>> lin_ftrs;  ///< hidden sizes (default {512})
  std::vector<double> ps = {0.5};                ///< dropout per linear layer (one value: last p, others p/2)
  bool pool = true;
  bool concat_pool = true;
  bool first_bn = true;
  bool bn_final = false;
  bool lin_first = false;
  std::optional<std::pair<double, double>> y_range;
};

/// fastai's create_head: [AdaptiveConcatPool2d, Flatten,] then LinBnDrop blocks (BatchNorm1d,
/// Dropout, Linear without bias after BN, ReLU between) ending in `n_out`.
/// Example: `auto head = create_head(512, 10);`
SequentialBlock create_head(int64_t nf, int64_t n_out, HeadOptions options = {});

/// The first `cut` layers of a Sequential model (negative: all but the last -cut), as one module.
/// Example: `auto body = create_body(xresnet18({.c_in = 1}), -4);`
SequentialBlock create_body(const torch::nn::Sequential& model, int64_t cut);

/// Channels a body outputs for `n_in`-channel 64×64 input (fastai's num_features_model).
/// Example: `int64_t nf = num_features_model(*body, 3);`
int64_t num_features_model(SequentialBlock& body, int64_t n_in = 3);

/// An architecture as vision_learner takes it (the xresnet functions convert).
/// Example: `XResNetArch arch = xresnet34;`
using XResNetArch = torch::nn::Sequential (*)(XResNetOptions);

/// The name of one of fastai's xresnet functions ("xresnet18"), or "" for a function of your own
/// (what exports record). Example: `arch_name(xresnet34) == "xresnet34"`
std::string arch_name(XResNetArch arch);
/// The xresnet function of that name, or nullptr. Example: `auto arch = arch_from_name("xresnet50");`
XResNetArch arch_from_name(const std::string& name);
/// The user-settable XResNet keyword arguments as an export records them (and back).
/// Example: `auto o = xresnet_options_from(xresnet_options_json({.widen = 2}));`
nlohmann::json xresnet_options_json(const XResNetOptions& o);
XResNetOptions xresnet_options_from(const nlohmann::json& j);

/// Keyword arguments of vision_learner: the Learner's, plus the model's.
/// Example: `vision_learner(dls, xresnet18, {.n_in = 1, .metrics = {error_rate}})`
struct VisionLearnerOptions {
  std::optional<int64_t> n_out;  ///< default: the number of classes of the targets
  std::optional<int64_t> n_in;   ///< default: the channels of the loaders' images
  HeadOptions head;
  std::optional<int64_t> cut;  ///< default: the architecture's (xresnet: -4)
  /// Pretrained weights for the architecture (ResNet: a torch archive of the full model's
  /// tensors under torchvision's names, e.g. written by save_model_state; the classifier "fc.*"
  /// is not used). When given, the body is frozen (fine_tune trains the head first) and the
  /// loaders normalise with ImageNet statistics, as fastai does for pretrained models.
  std::filesystem::path weights;
  /// Keyword arguments for an XResNet architecture (fastai passes vision_learner's extra
  /// kwargs to the arch): dropout, stem sizes, widen, activation, kernel size, stride, shortcut
  /// pooling, self-attention. `c_in` and `n_out` come from n_in / n_out above. Exported with the model.
  XResNetOptions model;
  /// Then the Learner's own keyword arguments (loss_func, opt_func, lr, splitter, cbs, metrics, path, …).
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// Body of `arch` + create_head, head initialised kaiming-normal (fastai's create_vision_model).
/// Example: `auto m = create_vision_model(xresnet18, 10, 1);`
torch::nn::Sequential create_vision_model(XResNetArch arch, int64_t n_out, int64_t n_in = 3, HeadOptions head = {},
                                          std::optional<int64_t> cut = std::nullopt, XResNetOptions model = {});

/// fastai's xresnet split: stem, rest of the body, head — three parameter groups.
/// Example: `.splitter = xresnet_split`
std::vector<std::vector<at::Tensor>> xresnet_split(const Model& m);

/// fastai's vision_learner: create_vision_model sized from the data, the architecture's
/// splitter, and a Learner. (fastai's cnn_learner is the same function.)
/// Example: `auto learn = vision_learner(dls, xresnet18, {.metrics = {accuracy}});`
Learner vision_learner(DataLoaders dls, XResNetArch arch, VisionLearnerOptions options = {});
/// A torchvision ResNet as vision_learner takes it (resnet18, resnet34, resnet50).
/// Example: `ResNetArch arch = resnet34;`
using ResNetArch = ResNet (*)(ResNetOptions);

/// The name of a torchvision ResNet function ("resnet34"), or "" for another; and back (nullptr
/// when unknown). Example: `resnet_from_name(resnet_name(resnet18)) == resnet18`
std::string resnet_name(ResNetArch arch);
ResNetArch resnet_from_name(const std::string& name);

/// Body of a torchvision ResNet (conv1 … layer4) + create_head.
/// Example: `auto m = create_vision_model(resnet18, 10, 3);`
torch::nn::Sequential create_vision_model(ResNetArch arch, int64_t n_out, int64_t n_in = 3, HeadOptions head = {},
                                          const std::filesystem::path& weights = {});

/// fastai's resnet split: the stem, layer1 and layer2; layer3 and layer4; the head.
/// Example: `.splitter = resnet_split`
std::vector<std::vector<at::Tensor>> resnet_split(const Model& m);

/// fastai's _add_norm for a pretrained model: Normalize with imagenet_stats appended to every
/// loader's batch transforms, unless they already normalise.
/// Example: `add_imagenet_norm(dls);`
void add_imagenet_norm(DataLoaders& dls);

/// vision_learner on a torchvision ResNet; with `.weights`, loads them, freezes the body and
/// normalises the inputs with imagenet_stats.
/// Example: `auto learn = vision_learner(dls, resnet34, {.weights = "resnet34.pt"}); learn.fine_tune(1);`
Learner vision_learner(DataLoaders dls, ResNetArch arch, VisionLearnerOptions options = {});

/// Alias of vision_learner. Example: `auto learn = cnn_learner(dls, xresnet34);`
inline Learner cnn_learner(DataLoaders dls, XResNetArch arch, VisionLearnerOptions options = {}) {
  return vision_learner(std::move(dls), arch, std::move(options));
}

}  // namespace fastai
