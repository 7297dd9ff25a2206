#include "fastai/losses.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <sstream>
#include <stdexcept>

#include "cross_entropy.h"
#include "fastai/core/json.h"
#include "fastai/core/registry.h"

namespace fastai {

// Each options struct's fields, once: its description and its rebuild both come from this list.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CrossEntropyOptions, axis, weight, ignore_index)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BCEWithLogitsOptions, axis, thresh, pos_weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SmoothingOptions, axis, eps, gamma, weight)
FASTAI_JSON_ENUM(Reduction, {{Reduction::none, "none"}, {Reduction::mean, "mean"}, {Reduction::sum, "sum"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DiceOptions, axis, smooth, reduction, square_in_union)

namespace {

Registry<LossBuilder>& losses() {
  static Registry<LossBuilder> r("loss", "register_loss(name, builder) for your own loss");
  return r;
}

// The factory's options, recorded on the loss it made (what describe() writes).
template <class O>
std::shared_ptr<BaseLoss> described(std::shared_ptr<BaseLoss> loss, const O& options) {
  loss->options_json = nlohmann::json(options).dump();
  return loss;
}
struct AxisOnly {
  int64_t axis = -1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AxisOnly, axis)
template <class O>
LossBuilder builder_of(std::shared_ptr<BaseLoss> (*factory)(O)) {
  return [factory](const nlohmann::json& j) { return factory(j.get<O>()); };
}
LossBuilder builder_of(std::shared_ptr<BaseLoss> (*factory)(int64_t)) {
  return [factory](const nlohmann::json& j) { return factory(j.get<AxisOnly>().axis); };
}

// Every built-in loss, registered under the name its factory gives it.
#define FASTAI_LOSS(Name) \
  { #Name, builder_of(Name) }
const bool registered = [] {
  for (auto& [name, b] : std::vector<std::pair<std::string, LossBuilder>>{
           FASTAI_LOSS(CrossEntropyLossFlat), FASTAI_LOSS(BCEWithLogitsLossFlat), FASTAI_LOSS(BCELossFlat),
           FASTAI_LOSS(MSELossFlat), FASTAI_LOSS(L1LossFlat), FASTAI_LOSS(LabelSmoothingCrossEntropy),
           FASTAI_LOSS(LabelSmoothingCrossEntropyFlat), FASTAI_LOSS(FocalLoss), FASTAI_LOSS(FocalLossFlat),
           FASTAI_LOSS(DiceLoss)})
    losses().add(name, std::move(b));
  return true;
}();
#undef FASTAI_LOSS

int64_t to_at(Reduction r) {
  switch (r) {
    case Reduction::none:
      return at::Reduction::None;
    case Reduction::sum:
      return at::Reduction::Sum;
    default:
      return at::Reduction::Mean;
  }
}

at::Tensor reduce(const at::Tensor& loss, Reduction r) {
  if (r == Reduction::mean) return loss.mean();
  if (r == Reduction::sum) return loss.sum();
  return loss;
}

std::string shape(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// A BaseLoss whose activation and decodes are given as functions.
class FunctionalLoss : public BaseLoss {
 public:
  using Map = std::function<at::Tensor(const at::Tensor&)>;
  FunctionalLoss(std::string name, Fn fn, Options o, Map act, Map dec, bool y_int)
      : BaseLoss(std::move(name), std::move(fn), o), act_(std::move(act)), dec_(std::move(dec)) {
    this->y_int = y_int;
  }
  at::Tensor activation(const at::Tensor& x) const override { return act_ ? act_(x) : x; }
  at::Tensor decodes(const at::Tensor& x) const override { return dec_ ? dec_(x) : x; }

 private:
  Map act_, dec_;
};

at::Tensor label_smoothing_ce(const at::Tensor& out, const at::Tensor& targ, Reduction r, double eps,
                              const at::Tensor& weight) {
  const auto c = out.size(1);
  auto log_preds = at::log_softmax(out, 1);
  at::Tensor loss = r == Reduction::sum ? -log_preds.sum() : -log_preds.sum(1);
  if (r == Reduction::mean) loss = loss.mean();
  return loss * eps / static_cast<double>(c) +
         (1 - eps) * at::nll_loss(log_preds, targ.to(at::kLong), weight, to_at(r), -100);
}

at::Tensor focal(const at::Tensor& inp, const at::Tensor& targ, Reduction r, double gamma, const at::Tensor& weight) {
  auto ce = at::cross_entropy_loss(inp, targ, weight, at::Reduction::None, -100, 0.0);
  auto p_t = at::exp(-ce);
  return reduce(at::pow(1 - p_t, gamma) * ce, r);
}

}  // namespace

BaseLoss::BaseLoss(std::string n, Fn fn, Options options) : name(std::move(n)), opt_(options), fn_(std::move(fn)) {}

at::Tensor BaseLoss::operator()(const at::Tensor& inp, const at::Tensor& targ) const {
  try {
    // Every skipped no-op (transpose to the same axis, view to the same shape) is one node less
    // in the autograd graph of every batch: the common [N, C] vs [N] case costs nothing here.
    auto last = [this](const at::Tensor& x) {
      if (x.dim() == 0) return x;
      const int64_t a = opt_.axis < 0 ? opt_.axis + x.dim() : opt_.axis;
      return a == x.dim() - 1 ? x : x.transpose(opt_.axis, -1).contiguous();
    };
    auto i = last(inp);
    auto t = last(targ);
    if (opt_.floatify && t.scalar_type() != at::kHalf && t.scalar_type() != at::kFloat) t = t.to(at::kFloat);
    if (t.scalar_type() == at::kChar || t.scalar_type() == at::kShort || t.scalar_type() == at::kInt)
      t = t.to(at::kLong);
    if (opt_.flatten) {
      if (opt_.is_2d ? i.dim() != 2 : i.dim() != 1) i = opt_.is_2d ? i.reshape({-1, i.size(-1)}) : i.reshape(-1);
      if (t.dim() != 1) t = t.reshape(-1);
    }
    return fn_(i, t, reduction);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    throw std::invalid_argument(name + ": model output of shape " + shape(inp) + " and target of shape " + shape(targ) +
                                " do not fit this loss (" + msg + ")");
  }
}

std::shared_ptr<BaseLoss> CrossEntropyLossFlat(CrossEntropyOptions o) {
  const int64_t axis = o.axis;
  return described(std::make_shared<FunctionalLoss>(
                       "CrossEntropyLossFlat",
                       [o](const at::Tensor& i, const at::Tensor& t, Reduction r) {
                         // The common case (no class weights) in one pass per direction (cross_entropy.h).
                         if (!o.weight.defined())
                           if (auto l = detail::fused_cross_entropy(i, t, o.ignore_index, to_at(r))) return *l;
                         return at::cross_entropy_loss(i, t, o.weight, to_at(r), o.ignore_index, 0.0);
                       },
                       BaseLoss::Options{.axis = axis}, [axis](const at::Tensor& x) { return at::softmax(x, axis); },
                       [axis](const at::Tensor& x) { return x.argmax(axis); }, true),
                   o);
}

std::shared_ptr<BaseLoss> BCEWithLogitsLossFlat(BCEWithLogitsOptions o) {
  const bool flatten = !o.pos_weight.defined();
  return described(
      std::make_shared<FunctionalLoss>(
          "BCEWithLogitsLossFlat",
          [o](const at::Tensor& i, const at::Tensor& t, Reduction r) {
            return at::binary_cross_entropy_with_logits(i, t, {}, o.pos_weight, to_at(r));
          },
          BaseLoss::Options{.axis = o.axis, .flatten = flatten, .floatify = true, .is_2d = false},
          [](const at::Tensor& x) { return at::sigmoid(x); }, [o](const at::Tensor& x) { return x > o.thresh; }, false),
      o);
}

std::shared_ptr<BaseLoss> BCELossFlat(int64_t axis) {
  return described(std::make_shared<FunctionalLoss>(
                       "BCELossFlat",
                       [](const at::Tensor& i, const at::Tensor& t, Reduction r) {
                         return at::binary_cross_entropy(i, t, {}, to_at(r));
                       },
                       BaseLoss::Options{.axis = axis, .floatify = true, .is_2d = false}, nullptr, nullptr, false),
                   AxisOnly{axis});
}

std::shared_ptr<BaseLoss> MSELossFlat(int64_t axis) {
  return described(
      std::make_shared<FunctionalLoss>(
          "MSELossFlat",
          [](const at::Tensor& i, const at::Tensor& t, Reduction r) { return at::mse_loss(i, t, to_at(r)); },
          BaseLoss::Options{.axis = axis, .floatify = true, .is_2d = false}, nullptr, nullptr, false),
      AxisOnly{axis});
}

std::shared_ptr<BaseLoss> L1LossFlat(int64_t axis) {
  return described(
      std::make_shared<FunctionalLoss>(
          "L1LossFlat",
          [](const at::Tensor& i, const at::Tensor& t, Reduction r) { return at::l1_loss(i, t, to_at(r)); },
          BaseLoss::Options{.axis = axis, .floatify = true, .is_2d = false}, nullptr, nullptr, false),
      AxisOnly{axis});
}

namespace {
std::shared_ptr<BaseLoss> smoothing(const char* name, bool flat, SmoothingOptions o, bool focal_loss) {
  auto fn = [o, focal_loss](const at::Tensor& i, const at::Tensor& t, Reduction r) {
    return focal_loss ? focal(i, t, r, o.gamma, o.weight) : label_smoothing_ce(i, t, r, o.eps, o.weight);
  };
  const int64_t dim = flat ? o.axis : -1;
  return described(std::make_shared<FunctionalLoss>(
                       name, fn, BaseLoss::Options{.axis = flat ? o.axis : -1, .flatten = flat},
                       [dim](const at::Tensor& x) { return at::softmax(x, dim); },
                       [dim](const at::Tensor& x) { return x.argmax(dim); }, true),
                   o);
}
}  // namespace

std::shared_ptr<BaseLoss> LabelSmoothingCrossEntropy(SmoothingOptions o) {
  return smoothing("LabelSmoothingCrossEntropy", false, o, false);
}
std::shared_ptr<BaseLoss> LabelSmoothingCrossEntropyFlat(SmoothingOptions o) {
  return smoothing("LabelSmoothingCrossEntropyFlat", true, o, false);
}
std::shared_ptr<BaseLoss> FocalLoss(SmoothingOptions o) { return smoothing("FocalLoss", false, o, true); }
std::shared_ptr<BaseLoss> FocalLossFlat(SmoothingOptions o) { return smoothing("FocalLossFlat", true, o, true); }

std::shared_ptr<BaseLoss> DiceLoss(DiceOptions o) {
  auto loss = std::make_shared<FunctionalLoss>(
      "DiceLoss",
      [o](const at::Tensor& pred_logits, const at::Tensor& targ, Reduction r) {
        const int64_t classes = pred_logits.size(o.axis);
        std::vector<at::Tensor> hot;
        for (int64_t c = 0; c < classes; ++c) hot.push_back((targ == c).to(pred_logits.scalar_type()));
        auto t = at::stack(hot, o.axis);
        if (t.sizes() != pred_logits.sizes())
          throw std::invalid_argument("DiceLoss: input and target dimensions differ (expects class-index targets)");
        auto pred = at::softmax(pred_logits, o.axis);
        std::vector<int64_t> sum_dims;
        for (int64_t d = 2; d < pred.dim(); ++d) sum_dims.push_back(d);
        auto inter = (pred * t).sum(sum_dims);
        auto uni = o.square_in_union ? (pred.pow(2) + t).sum(sum_dims) : (pred + t).sum(sum_dims);
        return reduce(1 - (2. * inter + o.smooth) / (uni + o.smooth), r);
      },
      BaseLoss::Options{.axis = -1, .flatten = false}, [o](const at::Tensor& x) { return at::softmax(x, o.axis); },
      [o](const at::Tensor& x) { return x.argmax(o.axis); }, true);
  loss->reduction = o.reduction;
  return described(loss, o);
}

nlohmann::json BaseLoss::describe() const {
  if (options_json.empty())
    throw std::logic_error("loss '" + name + "' was not made by a registered factory, so it cannot be described (" +
                           "make it with a factory registered through register_loss)");
  return {{"name", name}, {"options", nlohmann::json::parse(options_json)}, {"reduction", reduction}};
}

void register_loss(const std::string& name, LossBuilder builder) { losses().add(name, std::move(builder)); }

std::shared_ptr<BaseLoss> loss_from_description(const nlohmann::json& j) {
  const std::string name = j.value("name", "");
  auto loss = losses().get(name, "loss_from_description")(j.value("options", nlohmann::json::object()));
  if (j.contains("reduction")) loss->reduction = j.at("reduction").get<Reduction>();
  return loss;
}

std::vector<std::string> registered_losses() { return losses().names(); }

}  // namespace fastai
