#include "fastai/metrics.h"

#include <ATen/ATen.h>

#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

namespace fastai {

const at::Tensor& MetricBatch::y() const {
  if (yb.empty()) throw std::logic_error("metric needs a target but the batch has none");
  return yb.front();
}

MetricSpec::MetricSpec(const MetricFunc& f) : factory_([f] { return AvgMetric(f); }) {}
MetricSpec::MetricSpec(std::function<std::shared_ptr<Metric>()> factory) : factory_(std::move(factory)) {}

std::pair<at::Tensor, at::Tensor> flatten_check(const at::Tensor& pred, const at::Tensor& targ,
                                                const std::string& metric) {
  auto p = pred.contiguous().view(-1), t = targ.contiguous().view(-1);
  if (p.numel() != t.numel()) {
    std::ostringstream s;
    s << metric << ": predictions of shape " << pred.sizes() << " and targets of shape " << targ.sizes()
      << " have different numbers of elements (" << p.numel() << " vs " << t.numel() << ")";
    throw std::invalid_argument(s.str());
  }
  return {p, t};
}

namespace {

class AvgMetricImpl : public Metric {
 public:
  explicit AvgMetricImpl(MetricFunc f) : f_(std::move(f)) {}
  void reset() override { total_ = 0, count_ = 0; }
  void accumulate(const MetricBatch& b) override {
    total_ += f_(b.pred.detach(), b.y().detach()).item<double>() * static_cast<double>(b.bs);
    count_ += b.bs;
  }
  std::optional<double> value() const override {
    if (count_ == 0) return std::nullopt;
    return total_ / static_cast<double>(count_);
  }
  std::string name() const override { return f_.name; }

 private:
  MetricFunc f_;
  double total_ = 0;
  int64_t count_ = 0;
};

class AccumMetricImpl : public Metric {
 public:
  AccumMetricImpl(MetricFunc f, AccumOptions o) : f_(std::move(f)), o_(o) {}
  void reset() override { preds_.clear(), targs_.clear(); }
  void accumulate(const MetricBatch& b) override {
    at::Tensor pred = b.pred.detach();
    if (o_.activation == Activation::softmax || o_.activation == Activation::binary_softmax) {
      pred = at::softmax(pred, o_.dim_argmax.value_or(-1));
      if (o_.activation == Activation::binary_softmax) pred = pred.select(-1, -1);
    } else if (o_.activation == Activation::sigmoid) {
      pred = at::sigmoid(pred);
    } else if (o_.dim_argmax) {
      pred = pred.argmax(*o_.dim_argmax);
    }
    if (o_.thresh) pred = pred >= *o_.thresh;
    at::Tensor targ = b.y().detach();
    if (o_.flatten) std::tie(pred, targ) = flatten_check(pred, targ, f_.name);
    preds_.push_back(pred.cpu());
    targs_.push_back(targ.cpu());
  }
  std::optional<double> value() const override {
    if (preds_.empty()) return std::nullopt;
    return f_(at::cat(preds_), at::cat(targs_)).item<double>();
  }
  std::string name() const override { return f_.name; }

 private:
  MetricFunc f_;
  AccumOptions o_;
  std::vector<at::Tensor> preds_, targs_;
};

class AvgLossImpl : public Metric {
 public:
  explicit AvgLossImpl(bool exp) : exp_(exp) {}
  void reset() override { total_ = 0, count_ = 0; }
  void accumulate(const MetricBatch& b) override {
    const auto l = b.loss.detach();
    total_ += (l.numel() == 1 ? l.item<double>() : l.mean().item<double>()) * static_cast<double>(b.bs);
    count_ += b.bs;
  }
  std::optional<double> value() const override {
    if (count_ == 0) return std::nullopt;
    const double v = total_ / static_cast<double>(count_);
    return exp_ ? std::exp(v) : v;
  }
  std::string name() const override { return exp_ ? "perplexity" : "loss"; }

 private:
  bool exp_;
  double total_ = 0;
  int64_t count_ = 0;
};

class AvgSmoothLossImpl : public Metric {
 public:
  explicit AvgSmoothLossImpl(double beta) : beta_(beta) {}
  void reset() override { count_ = 0, val_ = 0; }
  void accumulate(const MetricBatch& b) override {
    ++count_;
    // torch.lerp(loss, val, beta) = loss + beta·(val − loss)
    const auto l = b.loss.detach();
    const double loss = l.numel() == 1 ? l.item<double>() : l.mean().item<double>();
    val_ = loss + beta_ * (val_ - loss);
  }
  std::optional<double> value() const override {
    if (count_ == 0) return std::nullopt;
    return val_ / (1 - std::pow(beta_, static_cast<double>(count_)));
  }
  std::string name() const override { return "smooth_loss"; }

 private:
  double beta_;
  int64_t count_ = 0;
  double val_ = 0;
};

// Intersection / union counts for segmentation metrics, per class when `per_class`.
class DiceImpl : public Metric {
 public:
  enum class Kind { dice, multi, jaccard, jaccard_multi };
  DiceImpl(int64_t axis, Kind kind) : axis_(axis), kind_(kind) {}
  void reset() override { inter_.clear(), union_.clear(); }
  void accumulate(const MetricBatch& b) override {
    const auto n_classes = b.pred.size(axis_);
    auto [pred, targ] = flatten_check(b.pred.detach().argmax(axis_), b.y().detach(), name());
    if (kind_ == Kind::dice || kind_ == Kind::jaccard) {
      inter_[0] += (pred * targ).to(at::kDouble).sum().item<double>();
      union_[0] += (pred + targ).to(at::kDouble).sum().item<double>();
      return;
    }
    for (int64_t c = 0; c < n_classes; ++c) {
      auto p = (pred == c).to(at::kDouble), t = (targ == c).to(at::kDouble);
      inter_[c] += (p * t).sum().item<double>();
      union_[c] += (p + t).sum().item<double>();
    }
  }
  std::optional<double> value() const override {
    if (union_.empty()) return std::nullopt;
    if (kind_ == Kind::dice) return union_.at(0) > 0 ? std::optional(2.0 * inter_.at(0) / union_.at(0)) : std::nullopt;
    if (kind_ == Kind::jaccard)
      return union_.at(0) > 0 ? std::optional(inter_.at(0) / (union_.at(0) - inter_.at(0))) : std::nullopt;
    double sum = 0;
    int n = 0;
    for (const auto& [c, u] : union_)
      if (u > 0) {  // nanmean: classes absent from predictions and targets are skipped
        const double i = inter_.at(c);
        sum += kind_ == Kind::multi ? 2.0 * i / u : i / (u - i);
        ++n;
      }
    return n ? std::optional(sum / n) : std::nullopt;
  }
  std::string name() const override {
    switch (kind_) {
      case Kind::dice:
        return "dice";
      case Kind::multi:
        return "dice_multi";
      case Kind::jaccard:
        return "jaccard_coeff";
      default:
        return "jaccard_coeff_multi";
    }
  }

 private:
  int64_t axis_;
  Kind kind_;
  std::map<int64_t, double> inter_, union_;
};

at::Tensor accuracy_fn(const at::Tensor& inp, const at::Tensor& targ) {
  auto [p, t] = flatten_check(inp.argmax(-1), targ, "accuracy");
  return (p == t).to(at::kFloat).mean();
}

class LossMetricImpl : public Metric {
 public:
  LossMetricImpl(std::string attr, std::string name) : attr_(std::move(attr)), name_(std::move(name)) {}
  void reset() override { total_ = 0, count_ = 0; }
  void accumulate(const MetricBatch& b) override {
    if (!b.loss_func) throw std::logic_error("LossMetric(" + attr_ + ") needs the batch's loss function");
    auto it = b.loss_func->parts.find(attr_);
    if (it == b.loss_func->parts.end())
      throw std::invalid_argument("LossMetric: the loss " + b.loss_func->name + " has no part \"" + attr_ + "\"");
    total_ += it->second.detach().mean().item<double>() * static_cast<double>(b.bs);
    count_ += b.bs;
  }
  std::optional<double> value() const override {
    if (count_ == 0) return std::nullopt;
    return total_ / static_cast<double>(count_);
  }
  std::string name() const override { return name_; }

 private:
  std::string attr_, name_;
  double total_ = 0;
  int64_t count_ = 0;
};

}  // namespace

MetricSpec LossMetric(std::string attr, std::string name) {
  if (name.empty()) name = attr;
  return MetricSpec(
      std::function<std::shared_ptr<Metric>()>([attr, name] { return std::make_shared<LossMetricImpl>(attr, name); }));
}

std::shared_ptr<Metric> AvgMetric(const MetricFunc& f) { return std::make_shared<AvgMetricImpl>(f); }
std::shared_ptr<Metric> AccumMetric(const MetricFunc& f, AccumOptions o) {
  return std::make_shared<AccumMetricImpl>(f, o);
}
std::shared_ptr<Metric> AvgLoss() { return std::make_shared<AvgLossImpl>(false); }
std::shared_ptr<Metric> AvgSmoothLoss(double beta) { return std::make_shared<AvgSmoothLossImpl>(beta); }
std::shared_ptr<Metric> Perplexity() { return std::make_shared<AvgLossImpl>(true); }

const MetricFunc accuracy{"accuracy", accuracy_fn};
const MetricFunc error_rate{"error_rate",
                            [](const at::Tensor& i, const at::Tensor& t) { return 1 - accuracy_fn(i, t); }};

MetricFunc top_k_accuracy(int64_t k) {
  return {"top_k_accuracy", [k](const at::Tensor& inp, const at::Tensor& targ) {
            auto top = std::get<1>(inp.topk(k, -1));
            auto t = targ.unsqueeze(-1).expand_as(top);
            return (top == t).sum(-1).to(at::kFloat).mean();
          }};
}

MetricFunc accuracy_multi(double thresh, bool sigmoid) {
  return {"accuracy_multi", [thresh, sigmoid](const at::Tensor& inp, const at::Tensor& targ) {
            auto [p, t] = flatten_check(inp, targ, "accuracy_multi");
            if (sigmoid) p = p.sigmoid();
            return ((p > thresh) == t.to(at::kBool)).to(at::kFloat).mean();
          }};
}

const MetricFunc mse{"mse", [](const at::Tensor& i, const at::Tensor& t) {
                       auto [p, q] = flatten_check(i, t, "mse");
                       return at::mse_loss(p, q.to(p.scalar_type()));
                     }};
const MetricFunc mae{"mae", [](const at::Tensor& i, const at::Tensor& t) {
                       auto [p, q] = flatten_check(i, t, "mae");
                       return (p - q).abs().mean();
                     }};
const MetricFunc msle{"msle", [](const at::Tensor& i, const at::Tensor& t) {
                        auto [p, q] = flatten_check(i, t, "msle");
                        return at::mse_loss(at::log(1 + p), at::log(1 + q.to(p.scalar_type())));
                      }};

namespace {
MetricSpec accum(std::string name, MetricFn fn, AccumOptions o = {}) {
  MetricFunc f{std::move(name), std::move(fn)};
  return MetricSpec(std::function<std::shared_ptr<Metric>()>([f, o] { return AccumMetric(f, o); }));
}
}  // namespace

MetricSpec rmse() {
  return accum("rmse", [](const at::Tensor& p, const at::Tensor& t) {
    return at::sqrt(at::mse_loss(p, t.to(p.scalar_type())));
  });
}

MetricSpec exp_rmspe() {
  return accum("exp_rmspe", [](const at::Tensor& p, const at::Tensor& t) {
    auto ep = at::exp(p), et = at::exp(t.to(p.scalar_type()));
    return at::sqrt(((et - ep) / et).pow(2).mean());
  });
}

MetricSpec R2Score() {
  return accum("r2_score", [](const at::Tensor& p, const at::Tensor& t) {
    auto pd = p.to(at::kDouble), td = t.to(at::kDouble);
    return 1 - (td - pd).pow(2).sum() / (td - td.mean()).pow(2).sum();
  });
}

MetricSpec ExplainedVariance() {
  return accum("explained_variance", [](const at::Tensor& p, const at::Tensor& t) {
    auto pd = p.to(at::kDouble), td = t.to(at::kDouble);
    // scikit-learn's explained_variance_score uses population variances (ddof 0).
    return 1 - (td - pd).var(/*unbiased=*/false) / td.var(/*unbiased=*/false);
  });
}

MetricSpec PearsonCorrCoef() {
  return accum("pearson_corr_coef", [](const at::Tensor& p, const at::Tensor& t) {
    auto x = p.to(at::kDouble) - p.to(at::kDouble).mean(), y = t.to(at::kDouble) - t.to(at::kDouble).mean();
    return (x * y).sum() / (x.pow(2).sum().sqrt() * y.pow(2).sum().sqrt());
  });
}

MetricSpec Dice(int64_t axis) {
  return MetricSpec(std::function<std::shared_ptr<Metric>()>(
      [axis] { return std::make_shared<DiceImpl>(axis, DiceImpl::Kind::dice); }));
}
MetricSpec DiceMulti(int64_t axis) {
  return MetricSpec(std::function<std::shared_ptr<Metric>()>(
      [axis] { return std::make_shared<DiceImpl>(axis, DiceImpl::Kind::multi); }));
}
MetricSpec JaccardCoeffMulti(int64_t axis) {
  return MetricSpec(std::function<std::shared_ptr<Metric>()>(
      [axis] { return std::make_shared<DiceImpl>(axis, DiceImpl::Kind::jaccard_multi); }));
}

MetricFunc foreground_acc(int64_t bkg_idx, int64_t axis) {
  return {"foreground_acc", [bkg_idx, axis](const at::Tensor& inp, const at::Tensor& targ) {
            const at::Tensor t = targ.dim() == inp.dim() ? targ.squeeze(1) : targ;
            if (inp.argmax(axis).sizes() != t.sizes())
              throw std::invalid_argument("foreground_acc: predictions " + c10::str(inp.sizes()) +
                                          " (classes along axis " + std::to_string(axis) + ") do not fit targets " +
                                          c10::str(targ.sizes()));
            const at::Tensor mask = t != bkg_idx;
            return (inp.argmax(axis).masked_select(mask) == t.masked_select(mask)).to(at::kFloat).mean();
          }};
}

MetricSpec JaccardCoeff(int64_t axis) {
  return MetricSpec(std::function<std::shared_ptr<Metric>()>(
      [axis] { return std::make_shared<DiceImpl>(axis, DiceImpl::Kind::jaccard); }));
}

}  // namespace fastai
