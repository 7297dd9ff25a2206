#include "fastai/interpret.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "fastai/core/plot.h"
#include "fastai/core/semantic.h"
#include "fastai/core/show.h"
#include "fastai/data/transforms.h"

namespace fastai {

ClassificationInterpretation ClassificationInterpretation::from_learner(Learner& learn, size_t ds_idx) {
  std::vector<std::string> vocab;
  if (const auto& ds = learn.dls[ds_idx].datasets())
    for (size_t t = static_cast<size_t>(ds->n_inp()); t < ds->tls().size() && vocab.empty(); ++t)
      if (auto c = ds->tls()[t].tfms().get<Categorize>()) vocab = c->vocab().items();
  auto p = learn.get_preds({.ds_idx = ds_idx, .with_input = true, .with_decoded = true, .with_loss = true});
  if (vocab.empty()) {  // no Categorize (e.g. tensors): classes are the output columns
    for (int64_t i = 0; i < p.preds.size(-1); ++i) vocab.push_back(std::to_string(i));
  }
  return ClassificationInterpretation(learn, ds_idx, std::move(p), std::move(vocab));
}

at::Tensor ClassificationInterpretation::confusion_matrix() const {
  const auto c = static_cast<int64_t>(vocab_.size());
  auto t = p_.targs.reshape(-1).to(torch::kLong), d = p_.decoded.reshape(-1).to(torch::kLong);
  return torch::bincount(t * c + d, {}, c * c).reshape({c, c});
}

std::string ClassificationInterpretation::confusion_matrix_text() const {
  const auto cm = confusion_matrix();
  size_t w = 6;
  for (const auto& v : vocab_) w = std::max(w, v.size() + 1);
  std::ostringstream s;
  s << std::string(w, ' ');
  for (const auto& v : vocab_) s << std::string(w - v.size(), ' ') << v;
  s << "   (rows: actual, columns: predicted)\n";
  for (size_t i = 0; i < vocab_.size(); ++i) {
    s << vocab_[i] << std::string(w - vocab_[i].size(), ' ');
    for (size_t j = 0; j < vocab_.size(); ++j) {
      const auto n = std::to_string(cm[static_cast<int64_t>(i)][static_cast<int64_t>(j)].item<int64_t>());
      s << std::string(w - n.size(), ' ') << n;
    }
    s << "\n";
  }
  return s.str();
}

std::filesystem::path ClassificationInterpretation::plot_confusion_matrix(const std::filesystem::path& file) const {
  const auto cm = confusion_matrix().to(torch::kDouble);
  std::vector<std::vector<double>> m(vocab_.size(), std::vector<double>(vocab_.size()));
  for (size_t i = 0; i < vocab_.size(); ++i)
    for (size_t j = 0; j < vocab_.size(); ++j)
      m[i][j] = cm[static_cast<int64_t>(i)][static_cast<int64_t>(j)].item<double>();
  return plot_matrix(file, m, vocab_, vocab_, {.title = "Confusion matrix", .xlabel = "Predicted", .ylabel = "Actual"});
}

std::vector<std::tuple<std::string, std::string, int64_t>> ClassificationInterpretation::most_confused(
    int64_t min_val) const {
  const auto cm = confusion_matrix();
  std::vector<std::tuple<std::string, std::string, int64_t>> res;
  for (size_t i = 0; i < vocab_.size(); ++i)
    for (size_t j = 0; j < vocab_.size(); ++j) {
      const auto n = cm[static_cast<int64_t>(i)][static_cast<int64_t>(j)].item<int64_t>();
      if (i != j && n >= min_val) res.emplace_back(vocab_[i], vocab_[j], n);
    }
  std::stable_sort(res.begin(), res.end(),
                   [](const auto& a, const auto& b) { return std::get<2>(a) > std::get<2>(b); });
  return res;
}

namespace {
// The k largest (or smallest) per-item losses and their indices.
std::pair<at::Tensor, at::Tensor> top_k_losses(const Preds& p, int64_t k, bool largest) {
  k = std::min<int64_t>(k, p.losses.numel());
  auto [v, i] = p.losses.reshape(-1).topk(k, 0, largest);
  return {v, i};
}

// Items `idx` of the loader drawn by its show_results: inputs and targets against inputs and
// decoded predictions, typed as the loader's batches are.
std::filesystem::path show_items(Learner& learn, size_t ds_idx, const Preds& p, const at::Tensor& idx,
                                 const std::filesystem::path& file) {
  TfmdDL& dl = learn.dls[ds_idx];
  if (learn.batch_types.empty()) {
    Item b = dl.one_batch();
    for (const auto& e : b.elements()) learn.batch_types.push_back(&e.type());
  }
  const auto& types = learn.batch_types;
  const size_t n_inp = p.inputs.size();
  auto typed = [&](const at::Tensor& t, size_t pos) {
    const TypeInfo* ty = pos < types.size() ? types[pos] : nullptr;
    return ty && ty->is_a(TensorBase::info()) ? Item(*ty, t) : Item(TensorBase(t));
  };
  std::vector<Item> actual, predicted;
  for (size_t i = 0; i < n_inp; ++i) actual.push_back(typed(p.inputs[i].index_select(0, idx), i));
  predicted = actual;
  actual.push_back(typed(p.targs.index_select(0, idx), n_inp));
  predicted.push_back(typed(p.decoded.index_select(0, idx), n_inp));
  ShowBatchOptions o{.max_n = idx.size(0), .path = file};
  return dl.show_results(Item(Tuple(actual)), Item(Tuple(predicted)), o);
}
}  // namespace

std::pair<at::Tensor, at::Tensor> ClassificationInterpretation::top_losses(int64_t k, bool largest) const {
  return top_k_losses(p_, k, largest);
}

namespace {
// A decoded item as one table cell: its show() titles (a text, a label).
std::string cell(const Item& x, size_t trunc_at) {
  ShowContext c;
  show(x, c);
  return table_cell(c.titles.empty() ? x.repr() : c.title(), trunc_at);
}
}  // namespace

std::string ClassificationInterpretation::show_top_losses(int64_t k, ShowBatchOptions o, size_t trunc_at) const {
  auto [losses, idx] = top_losses(k);
  const auto& ds = learn_->dls[ds_idx_].datasets();
  if (!ds) throw std::invalid_argument("show_top_losses: the loader has no dataset to read the inputs from");
  std::ostringstream s;
  s << "|   | input | target | predicted | probability | loss |\n|---|---|---|---|---|---|\n";
  for (int64_t r = 0; r < idx.size(0); ++r) {
    const auto i = idx[r].item<int64_t>();
    const Item item = ds->decode((*ds)[i], /*full=*/false);
    const auto pred = p_.decoded[i].item<int64_t>(), targ = p_.targs[i].item<int64_t>();
    char nums[64];
    std::snprintf(nums, sizeof nums, "%.4f | %.4f", p_.preds[i][pred].item<double>(), losses[r].item<double>());
    s << "| " << i << " | " << cell(item.is_tuple() ? item[0] : item, trunc_at) << " | "
      << vocab_.at(static_cast<size_t>(targ)) << " | " << vocab_.at(static_cast<size_t>(pred)) << " | " << nums
      << " |\n";
  }
  (o.out ? *o.out : std::cout) << s.str() << std::flush;
  return s.str();
}

std::filesystem::path ClassificationInterpretation::plot_top_losses(int64_t k,
                                                                    const std::filesystem::path& file) const {
  if (p_.inputs.empty()) {  // inputs of per-batch shapes (texts): a table, as fastai's for texts
    show_top_losses(k);
    return {};
  }
  auto [losses, idx] = top_losses(k);
  std::printf("%-6s %-20s %-20s %-10s %s\n", "item", "predicted", "actual", "loss", "probability");
  for (int64_t r = 0; r < idx.size(0); ++r) {
    const auto i = idx[r].item<int64_t>();
    const auto pred = p_.decoded[i].item<int64_t>(), targ = p_.targs[i].item<int64_t>();
    std::printf("%-6ld %-20s %-20s %-10.4f %.4f\n", static_cast<long>(i), vocab_.at(static_cast<size_t>(pred)).c_str(),
                vocab_.at(static_cast<size_t>(targ)).c_str(), losses[r].item<double>(),
                p_.preds[i][pred].item<double>());
  }
  return show_items(*learn_, ds_idx_, p_, idx, file);
}

SegmentationInterpretation SegmentationInterpretation::from_learner(Learner& learn, size_t ds_idx) {
  auto p = learn.get_preds({.ds_idx = ds_idx, .with_input = true, .with_decoded = true, .with_loss = true});
  if (p.inputs.empty() || p.targs.dim() < 3)
    throw std::invalid_argument("SegmentationInterpretation: expects image inputs and [N, H, W] mask targets, got targets " +
                                c10::str(p.targs.sizes()));
  return SegmentationInterpretation(learn, ds_idx, std::move(p));
}

std::pair<at::Tensor, at::Tensor> SegmentationInterpretation::top_losses(int64_t k, bool largest) const {
  return top_k_losses(p_, k, largest);
}

std::filesystem::path SegmentationInterpretation::plot_top_losses(int64_t k, const std::filesystem::path& file) const {
  auto [losses, idx] = top_losses(k);
  std::printf("%-6s %-10s %s\n", "item", "loss", "pixel accuracy");
  for (int64_t r = 0; r < idx.size(0); ++r) {
    const auto i = idx[r].item<int64_t>();
    const double acc = p_.decoded[i].eq(p_.targs[i]).to(torch::kFloat).mean().item<double>();
    std::printf("%-6ld %-10.4f %.4f\n", static_cast<long>(i), losses[r].item<double>(), acc);
  }
  return show_items(*learn_, ds_idx_, p_, idx, file);
}

}  // namespace fastai
