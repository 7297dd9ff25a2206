// scikit-learn's classification metrics, written against their documented definitions
// (labels = the sorted union of true and predicted labels; zero_division = 0).
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>

#include "fastai/metrics.h"

namespace fastai {
namespace {

std::vector<int64_t> longs(const at::Tensor& t) {
  auto c = t.to(at::kLong).contiguous().cpu();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}
std::vector<double> doubles(const at::Tensor& t) {
  auto c = t.to(at::kDouble).contiguous().cpu();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}
at::Tensor scalar(double v) { return at::scalar_tensor(v, at::kDouble); }

struct Confusion {
  std::vector<int64_t> labels;
  std::vector<std::vector<double>> cm;  // [true][pred]
  size_t n() const { return labels.size(); }
  double row(size_t i) const { return std::accumulate(cm[i].begin(), cm[i].end(), 0.0); }
  double col(size_t j) const {
    double s = 0;
    for (const auto& r : cm) s += r[j];
    return s;
  }
  double total() const {
    double s = 0;
    for (size_t i = 0; i < n(); ++i) s += row(i);
    return s;
  }
};

Confusion confusion(const at::Tensor& pred, const at::Tensor& targ) {
  auto p = longs(pred), t = longs(targ);
  std::set<int64_t> u(p.begin(), p.end());
  u.insert(t.begin(), t.end());
  Confusion c{{u.begin(), u.end()}, {}};
  c.cm.assign(c.n(), std::vector<double>(c.n(), 0.0));
  auto idx = [&](int64_t v) {
    return static_cast<size_t>(std::lower_bound(c.labels.begin(), c.labels.end(), v) - c.labels.begin());
  };
  for (size_t i = 0; i < p.size(); ++i) c.cm[idx(t[i])][idx(p[i])] += 1;
  return c;
}

double safe_div(double a, double b) { return b == 0 ? 0.0 : a / b; }

enum class Score { precision, recall, fbeta, jaccard };

double class_score(Score s, double tp, double fp, double fn, double beta) {
  switch (s) {
    case Score::precision:
      return safe_div(tp, tp + fp);
    case Score::recall:
      return safe_div(tp, tp + fn);
    case Score::jaccard:
      return safe_div(tp, tp + fp + fn);
    default: {
      const double b2 = beta * beta;
      return safe_div((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp);
    }
  }
}

double averaged(Score s, const at::Tensor& pred, const at::Tensor& targ, const ClassOptions& o, double beta) {
  const Confusion c = confusion(pred, targ);
  std::vector<double> tp(c.n()), fp(c.n()), fn(c.n()), support(c.n());
  for (size_t i = 0; i < c.n(); ++i) {
    tp[i] = c.cm[i][i];
    fp[i] = c.col(i) - tp[i];
    fn[i] = c.row(i) - tp[i];
    support[i] = c.row(i);
  }
  switch (o.average) {
    case Average::binary: {
      if (c.n() > 2)
        throw std::invalid_argument("average=binary needs two classes but the labels have " + std::to_string(c.n()) +
                                    ": choose Average::macro, micro or weighted");
      auto it = std::find(c.labels.begin(), c.labels.end(), o.pos_label);
      if (it == c.labels.end()) return 0.0;
      const size_t k = static_cast<size_t>(it - c.labels.begin());
      return class_score(s, tp[k], fp[k], fn[k], beta);
    }
    case Average::micro: {
      const double TP = std::accumulate(tp.begin(), tp.end(), 0.0), FP = std::accumulate(fp.begin(), fp.end(), 0.0),
                   FN = std::accumulate(fn.begin(), fn.end(), 0.0);
      return class_score(s, TP, FP, FN, beta);
    }
    case Average::macro: {
      double sum = 0;
      for (size_t i = 0; i < c.n(); ++i) sum += class_score(s, tp[i], fp[i], fn[i], beta);
      return c.n() ? sum / static_cast<double>(c.n()) : 0.0;
    }
    case Average::weighted: {
      double sum = 0, w = 0;
      for (size_t i = 0; i < c.n(); ++i) sum += class_score(s, tp[i], fp[i], fn[i], beta) * support[i], w += support[i];
      return safe_div(sum, w);
    }
  }
  return 0.0;
}

MetricSpec label_metric(std::string name, int64_t axis, std::function<double(const at::Tensor&, const at::Tensor&)> f) {
  MetricFunc mf{std::move(name), [f](const at::Tensor& p, const at::Tensor& t) { return scalar(f(p, t)); }};
  return MetricSpec(
      std::function<std::shared_ptr<Metric>()>([mf, axis] { return AccumMetric(mf, {.dim_argmax = axis}); }));
}

// Sorted (descending score) thresholds with cumulative true/false positives, as scikit-learn's
// _binary_clf_curve.
struct Curve {
  std::vector<double> tps, fps;
};
Curve binary_curve(const std::vector<double>& score, const std::vector<bool>& y) {
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  Curve c;
  double tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    (y[order[k]] ? tp : fp) += 1;
    if (k + 1 == order.size() || score[order[k + 1]] != score[order[k]]) c.tps.push_back(tp), c.fps.push_back(fp);
  }
  return c;
}

double roc_auc_binary(const std::vector<double>& score, const std::vector<bool>& y) {
  Curve c = binary_curve(score, y);
  if (c.tps.empty() || c.tps.back() == 0 || c.fps.back() == 0)
    throw std::invalid_argument("Only one class present in the targets: ROC AUC is not defined");
  double auc = 0, prev_fpr = 0, prev_tpr = 0;
  for (size_t i = 0; i < c.tps.size(); ++i) {
    const double fpr = c.fps[i] / c.fps.back(), tpr = c.tps[i] / c.tps.back();
    auc += (fpr - prev_fpr) * (tpr + prev_tpr) / 2;
    prev_fpr = fpr, prev_tpr = tpr;
  }
  return auc;
}

double average_precision(const std::vector<double>& score, const std::vector<bool>& y) {
  Curve c = binary_curve(score, y);
  if (c.tps.empty() || c.tps.back() == 0)
    throw std::invalid_argument("average precision needs at least one positive target");
  double ap = 0, prev_recall = 0;
  for (size_t i = 0; i < c.tps.size(); ++i) {
    const double recall = c.tps[i] / c.tps.back(), precision = c.tps[i] / (c.tps[i] + c.fps[i]);
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
  }
  return ap;
}

std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) r[order[k]] = rank;
    i = j + 1;
  }
  return r;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i)
    sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx), syy += (y[i] - my) * (y[i] - my);
  return sxy / std::sqrt(sxx * syy);
}

MetricSpec score_metric(std::string name, AccumOptions o,
                        std::function<double(const at::Tensor&, const at::Tensor&)> f) {
  MetricFunc mf{std::move(name), [f](const at::Tensor& p, const at::Tensor& t) { return scalar(f(p, t)); }};
  return MetricSpec(std::function<std::shared_ptr<Metric>()>([mf, o] { return AccumMetric(mf, o); }));
}

std::vector<bool> is_label(const at::Tensor& t, int64_t label) {
  std::vector<bool> out;
  for (int64_t v : longs(t)) out.push_back(v == label);
  return out;
}

}  // namespace

MetricSpec Precision(ClassOptions o) {
  return label_metric("precision_score", o.axis,
                      [o](const at::Tensor& p, const at::Tensor& t) { return averaged(Score::precision, p, t, o, 1); });
}
MetricSpec Recall(ClassOptions o) {
  return label_metric("recall_score", o.axis,
                      [o](const at::Tensor& p, const at::Tensor& t) { return averaged(Score::recall, p, t, o, 1); });
}
MetricSpec F1Score(ClassOptions o) {
  return label_metric("f1_score", o.axis,
                      [o](const at::Tensor& p, const at::Tensor& t) { return averaged(Score::fbeta, p, t, o, 1); });
}
MetricSpec FBeta(double beta, ClassOptions o) {
  return label_metric("fbeta_score", o.axis, [o, beta](const at::Tensor& p, const at::Tensor& t) {
    return averaged(Score::fbeta, p, t, o, beta);
  });
}
MetricSpec Jaccard(ClassOptions o) {
  return label_metric("jaccard_score", o.axis,
                      [o](const at::Tensor& p, const at::Tensor& t) { return averaged(Score::jaccard, p, t, o, 1); });
}

MetricSpec BalancedAccuracy(int64_t axis) {
  return label_metric("balanced_accuracy_score", axis, [](const at::Tensor& p, const at::Tensor& t) {
    const Confusion c = confusion(p, t);
    double sum = 0;
    int n = 0;
    for (size_t i = 0; i < c.n(); ++i)
      if (c.row(i) > 0) sum += c.cm[i][i] / c.row(i), ++n;  // classes absent from the targets are skipped
    return n ? sum / n : 0.0;
  });
}

MetricSpec MatthewsCorrCoef(int64_t axis) {
  return label_metric("matthews_corrcoef", axis, [](const at::Tensor& p, const at::Tensor& t) {
    const Confusion c = confusion(p, t);
    double correct = 0, s = c.total(), tp_dot = 0, pp = 0, tt = 0;
    for (size_t i = 0; i < c.n(); ++i) {
      correct += c.cm[i][i];
      tp_dot += c.row(i) * c.col(i);
      pp += c.col(i) * c.col(i);
      tt += c.row(i) * c.row(i);
    }
    const double cov_ytyp = correct * s - tp_dot, cov_ypyp = s * s - pp, cov_ytyt = s * s - tt;
    return cov_ypyp * cov_ytyt == 0 ? 0.0 : cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp);
  });
}

MetricSpec CohenKappa(int64_t axis, KappaWeights weights) {
  return label_metric("cohen_kappa_score", axis, [weights](const at::Tensor& p, const at::Tensor& t) {
    const Confusion c = confusion(p, t);
    const double total = c.total();
    double num = 0, den = 0;
    for (size_t i = 0; i < c.n(); ++i)
      for (size_t j = 0; j < c.n(); ++j) {
        const double d = std::abs(static_cast<double>(i) - static_cast<double>(j));
        const double w = weights == KappaWeights::none     ? (i == j ? 0.0 : 1.0)
                         : weights == KappaWeights::linear ? d
                                                           : d * d;
        num += w * c.cm[i][j];
        den += w * c.row(i) * c.col(j) / total;
      }
    return 1 - num / den;
  });
}

MetricSpec HammingLoss(int64_t axis) {
  return label_metric("hamming_loss", axis, [](const at::Tensor& p, const at::Tensor& t) {
    return (p.to(at::kLong) != t.to(at::kLong)).to(at::kDouble).mean().item<double>();
  });
}

MetricSpec BrierScore(int64_t axis) {
  return label_metric("brier_score_loss", axis, [](const at::Tensor& p, const at::Tensor& t) {
    return (p.to(at::kDouble) - t.to(at::kDouble)).pow(2).mean().item<double>();
  });
}

MetricSpec RocAucBinary(int64_t axis) {
  return score_metric(
      "roc_auc_score", {.dim_argmax = axis, .activation = Activation::binary_softmax},
      [](const at::Tensor& p, const at::Tensor& t) { return roc_auc_binary(doubles(p), is_label(t, 1)); });
}

MetricSpec RocAuc(int64_t axis, Average average) {
  if (average != Average::macro && average != Average::weighted)
    throw std::invalid_argument("RocAuc: average must be macro or weighted");
  return score_metric(
      "roc_auc_score", {.dim_argmax = axis, .activation = Activation::softmax, .flatten = false},
      [average](const at::Tensor& p, const at::Tensor& t) {
        const int64_t n_classes = p.size(-1);
        auto present = std::set<int64_t>();
        for (int64_t v : longs(t)) present.insert(v);
        if (static_cast<int64_t>(present.size()) != n_classes)
          throw std::invalid_argument("RocAuc: " + std::to_string(present.size()) + " classes in the targets but " +
                                      std::to_string(n_classes) + " columns of scores");
        double sum = 0, wsum = 0;
        const double n = static_cast<double>(t.numel());
        for (int64_t c = 0; c < n_classes; ++c) {
          auto y = is_label(t, c);
          const double w = average == Average::weighted ? std::count(y.begin(), y.end(), true) / n : 1.0;
          sum += w * roc_auc_binary(doubles(p.select(-1, c)), y);
          wsum += w;
        }
        return sum / wsum;
      });
}

MetricSpec APScoreBinary(int64_t axis) {
  return score_metric(
      "average_precision_score", {.dim_argmax = axis, .activation = Activation::binary_softmax},
      [](const at::Tensor& p, const at::Tensor& t) { return average_precision(doubles(p), is_label(t, 1)); });
}

MetricSpec APScoreMulti() {
  return score_metric("average_precision_score", {.activation = Activation::sigmoid, .flatten = false},
                      [](const at::Tensor& p, const at::Tensor& t) {
                        double sum = 0;
                        const int64_t labels = p.size(-1);
                        for (int64_t l = 0; l < labels; ++l)
                          sum += average_precision(doubles(p.select(-1, l)), is_label(t.select(-1, l), 1));
                        return sum / static_cast<double>(labels);
                      });
}

MetricSpec SpearmanCorrCoef() {
  return score_metric("spearman_corr_coef", {}, [](const at::Tensor& p, const at::Tensor& t) {
    return pearson(average_ranks(doubles(p)), average_ranks(doubles(t)));
  });
}

}  // namespace fastai
