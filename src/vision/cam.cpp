#include "fastai/vision/cam.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "fastai/callback/hook.h"
#include "fastai/data/load.h"
#include "fastai/vision/core.h"

namespace fastai {

namespace {

std::shared_ptr<torch::nn::Module> layer_of(const Model& model, const CamOptions& o) {
  if (o.layer) return o.layer;
  const auto children = model->children();
  if (children.empty()) throw std::invalid_argument("CAM: the model has no children; pass {.layer = …}");
  return children.front();
}

void check_input(const at::Tensor& x) {
  if (x.dim() != 4 || x.size(0) != 1)
    throw std::invalid_argument("CAM: expects one image as a batch [1, C, H, W], got " + c10::str(x.sizes()));
}

// Restores the training flag on scope exit.
struct EvalScope {
  explicit EvalScope(const Model& m) : m_(m), was_(m->is_training()) { m->eval(); }
  ~EvalScope() { m_->train(was_); }
  const Model& m_;
  bool was_;
};

}  // namespace

CamResult grad_cam(const Model& model, const at::Tensor& x, CamOptions o) {
  check_input(x);
  const auto layer = layer_of(model, o);
  EvalScope eval(model);
  Hook act(*model, layer, [](torch::nn::Module&, const at::Tensor&, const at::Tensor& out) { return out; });
  Hook grad(
      *model, layer, [](torch::nn::Module&, const at::Tensor&, const at::Tensor& g) { return g; },
      {.is_forward = false});
  torch::AutoGradMode enable(true);
  const at::Tensor out = model({x});
  const int64_t cls = o.cls.value_or(out[0].argmax().item<int64_t>());
  if (cls < 0 || cls >= out.size(1))
    throw std::invalid_argument("grad_cam: class " + std::to_string(cls) + " out of range for " +
                                std::to_string(out.size(1)) + " outputs");
  out[0][cls].backward();
  for (auto& p : model->parameters()) p.mutable_grad() = at::Tensor();  // leave no gradients behind
  if (!act.stored().defined() || !grad.stored().defined())
    throw std::logic_error("grad_cam: the layer did not run or received no gradient");
  const auto a = act.stored()[0], g = grad.stored()[0];  // [K, h, w]
  const auto w = g.mean({1, 2}, /*keepdim=*/true);
  return {(w * a).sum(0).detach(), cls, out[0].detach()};
}

CamResult class_activation_map(const Model& model, const at::Tensor& x, CamOptions o) {
  check_input(x);
  const auto layer = layer_of(model, o);
  std::shared_ptr<torch::nn::LinearImpl> last;
  for (const auto& m : model->modules())
    if (auto l = std::dynamic_pointer_cast<torch::nn::LinearImpl>(m)) last = l;
  if (!last) throw std::invalid_argument("class_activation_map: the model has no Linear layer; use grad_cam");
  EvalScope eval(model);
  torch::NoGradGuard no_grad;
  Hook act(*model, layer, [](torch::nn::Module&, const at::Tensor&, const at::Tensor& out) { return out; });
  const at::Tensor out = model({x});
  const int64_t cls = o.cls.value_or(out[0].argmax().item<int64_t>());
  const auto a = act.stored()[0];  // [K, h, w]
  if (last->weight.size(1) != a.size(0))
    throw std::invalid_argument("class_activation_map: the last Linear takes " + std::to_string(last->weight.size(1)) +
                                " features but the layer has " + std::to_string(a.size(0)) +
                                " channels (a head with hidden layers); use grad_cam");
  return {torch::einsum("k,kij->ij", {last->weight[cls], a}), cls, out[0]};
}

CamResult show_cam(const Model& model, const at::Tensor& x, const std::filesystem::path& file, CamOptions o) {
  const CamResult r = o.grad ? grad_cam(model, x, o) : class_activation_map(model, x, o);
  // The image: the model's input rescaled to [0, 1] (it may be normalised), grey or RGB.
  auto img = x[0].detach().to(torch::kFloat).cpu();
  img = (img - img.min()) / (img.max() - img.min() + 1e-8);
  if (img.size(0) == 1) img = img.expand({3, -1, -1});
  // Small images (28×28) are enlarged so the picture can be read: nearest for the image.
  const int64_t f = std::max<int64_t>(1, 224 / std::max(img.size(1), img.size(2)));
  const int64_t h = img.size(1) * f, w = img.size(2) * f;
  if (f > 1)
    img = torch::nn::functional::interpolate(
              img.unsqueeze(0),
              torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kNearest))
              .squeeze(0);
  auto m = r.map.to(torch::kFloat).cpu().view({1, 1, r.map.size(0), r.map.size(1)});
  m = torch::nn::functional::interpolate(
          m, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(false))
          .view({h, w});
  m = (m - m.min()) / (m.max() - m.min() + 1e-8);
  auto m8 = (m * 255).round().to(torch::kUInt8).contiguous();
  cv::Mat grey(static_cast<int>(h), static_cast<int>(w), CV_8UC1, m8.data_ptr<uint8_t>()), heat;
  cv::applyColorMap(grey, heat, cv::COLORMAP_JET);  // BGR
  cv::cvtColor(heat, heat, cv::COLOR_BGR2RGB);
  auto heat_t = torch::from_blob(heat.data, {h, w, 3}, torch::kUInt8).to(torch::kFloat) / 255;
  auto blended = (0.6 * img.permute({1, 2, 0}) + 0.4 * heat_t).clamp(0, 1);
  save_image(file, (blended * 255).round().to(torch::kUInt8).contiguous());
  std::cout << "Saved " << (o.grad ? "Grad-CAM" : "CAM") << " for class " << r.cls << ": " << file.string() << std::endl;
  return r;
}

CamResult show_cam(Learner& learn, const Item& item, const std::filesystem::path& file, CamOptions o) {
  auto tdl = learn.dls.test_dl({item}, false, 1);
  const auto x = batch_tensors(tdl.one_batch()).at(0);
  return show_cam(learn.model, x, file, o);
}

}  // namespace fastai
