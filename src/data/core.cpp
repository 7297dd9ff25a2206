#include "fastai/data/core.h"

#include <stdexcept>
#include <string>

#include "fastai/core/error.h"

namespace fastai {

namespace {
void check_splits(const std::vector<std::vector<int64_t>>& splits, size_t n) {
  for (size_t s = 0; s < splits.size(); ++s)
    for (int64_t i : splits[s])
      if (i < 0 || static_cast<size_t>(i) >= n)
        throw std::out_of_range("split " + std::to_string(s) + " holds index " + std::to_string(i) +
                                " but there are only " + std::to_string(n) + " items");
}
}  // namespace

TfmdLists::TfmdLists(std::vector<Item> items, std::vector<std::shared_ptr<Transform>> tfms, TfmdListsOptions o)
    : TfmdLists(std::make_shared<const std::vector<Item>>(std::move(items)), std::move(tfms), std::move(o)) {}

TfmdLists::TfmdLists(std::shared_ptr<const std::vector<Item>> items, std::vector<std::shared_ptr<Transform>> tfms,
                     TfmdListsOptions o)
    : items_(std::move(items)), splits_(std::move(o.splits)), tfms_(std::move(tfms), o.split_idx) {
  if (!items_) throw std::invalid_argument("TfmdLists: null items");
  check_splits(splits_, items_->size());
  if (o.do_setup) setup(o.train_setup);
}

TfmdLists TfmdLists::from_pipeline(std::vector<Item> items, Pipeline tfms, TfmdListsOptions o) {
  TfmdLists out;
  out.items_ = std::make_shared<const std::vector<Item>>(std::move(items));
  out.splits_ = std::move(o.splits);
  out.tfms_ = std::move(tfms);
  check_splits(out.splits_, out.items_->size());
  if (o.split_idx) out.tfms_.split_idx = o.split_idx;
  return out;
}

size_t TfmdLists::size() const noexcept { return idxs_ ? idxs_->size() : items_->size(); }

int64_t TfmdLists::map_index(int64_t i) const {
  const auto n = static_cast<int64_t>(size());
  if (i < 0 || i >= n)
    throw std::out_of_range("index " + std::to_string(i) + " out of range for " + std::to_string(n) + " items");
  return idxs_ ? (*idxs_)[static_cast<size_t>(i)] : i;
}

const Item& TfmdLists::raw(int64_t i) const { return (*items_)[static_cast<size_t>(map_index(i))]; }

void TfmdLists::prefetch(std::span<const int64_t> idxs) const noexcept {
  // Two passes so each one's loads are independent of each other (they overlap): the payloads
  // first, then what they point to (a path's characters), by which time the payloads are in.
  const auto n = static_cast<int64_t>(size());
  for (int pass = 0; pass < 2; ++pass)
    for (const int64_t i : idxs)
      if (i >= 0 && i < n)
        (*items_)[static_cast<size_t>(idxs_ ? (*idxs_)[static_cast<size_t>(i)] : i)].prefetch(pass == 1);
}

Item TfmdLists::operator[](int64_t i) const {
  const Item& x = raw(i);
  try {
    return tfms_(x);
  } catch (const std::exception&) {
    rethrow_in_context<TransformError>("item " + std::to_string(i) + ": ");
  }
}

std::vector<Item> TfmdLists::items() const {
  std::vector<Item> out;
  out.reserve(size());
  for (size_t i = 0; i < size(); ++i) out.push_back(raw(static_cast<int64_t>(i)));
  return out;
}

Item TfmdLists::decode(const Item& x, bool full) const { return tfms_.decode(x, full); }

TfmdLists TfmdLists::subset(size_t i) const {
  if (i >= splits_.size())
    throw std::out_of_range("subset " + std::to_string(i) + " requested but there are " +
                            std::to_string(splits_.size()) + " splits");
  TfmdLists out;
  out.items_ = items_;
  std::vector<int64_t> idxs;
  idxs.reserve(splits_[i].size());
  for (int64_t j : splits_[i]) idxs.push_back(map_index(j));
  out.idxs_ = std::make_shared<const std::vector<int64_t>>(std::move(idxs));
  out.tfms_ = tfms_;  // shares the transforms
  out.tfms_.split_idx = static_cast<int>(i);
  return out;
}

LazyItems TfmdLists::lazy_items() const {
  auto self = *this;  // cheap: shared items and transforms
  LazyItems all(size(), [self](size_t i) { return self.raw(static_cast<int64_t>(i)); });
  return splits_.empty() ? all : all.with_train(splits_[0]);
}

void TfmdLists::setup(bool train_setup) { tfms_.setup(lazy_items(), train_setup); }

TfmdLists TfmdLists::new_with(std::vector<std::shared_ptr<Transform>> tfms, TfmdListsOptions options) const {
  if (options.splits.empty()) options.splits = splits_;
  return TfmdLists(items(), std::move(tfms), std::move(options));
}

// ---- Datasets ----

Datasets::Datasets(std::vector<Item> items, std::vector<std::vector<std::shared_ptr<Transform>>> tfms,
                   DatasetsOptions o) {
  if (tfms.empty()) tfms.emplace_back();  // no pipelines: one identity pipeline
  auto shared = std::make_shared<const std::vector<Item>>(std::move(items));
  for (auto& t : tfms)
    tls_.emplace_back(
        shared, std::move(t),
        TfmdListsOptions{
            .splits = o.splits, .split_idx = o.split_idx, .do_setup = o.do_setup, .train_setup = o.train_setup});
  n_inp_ = o.n_inp.value_or(std::max<int>(1, static_cast<int>(tls_.size()) - 1));
}

Datasets::Datasets(std::vector<TfmdLists> tls, std::optional<int> n_inp) : tls_(std::move(tls)) {
  if (tls_.empty()) throw std::invalid_argument("Datasets needs at least one TfmdLists");
  for (const auto& t : tls_)
    if (t.size() != tls_[0].size())
      throw std::invalid_argument("Datasets: TfmdLists of different lengths (" + std::to_string(t.size()) + " vs " +
                                  std::to_string(tls_[0].size()) + ")");
  n_inp_ = n_inp.value_or(std::max<int>(1, static_cast<int>(tls_.size()) - 1));
}

size_t Datasets::size() const noexcept { return tls_.empty() ? 0 : tls_[0].size(); }

void Datasets::prefetch(std::span<const int64_t> idxs) const noexcept {
  if (!tls_.empty()) tls_[0].prefetch(idxs);  // the TfmdLists of a Datasets share their items
}

Item Datasets::operator[](int64_t i) const {
  std::vector<Item> out;
  out.reserve(tls_.size());
  for (const auto& t : tls_) out.push_back(t[i]);
  return Tuple(std::move(out));
}

Item Datasets::decode(const Item& x, bool full) const {
  // One pipeline decodes every element (fastai's tuplify(self.tls, match=o)): a language model's
  // (input, target) pair are both texts of the one text pipeline.
  const bool shared = tls_.size() == 1;
  if (!x.is_tuple() || (x.size() > tls_.size() && !shared))
    throw TypeError("Datasets::decode expects a tuple of at most " + std::to_string(tls_.size()) + " items, got " +
                    x.repr());
  std::vector<Item> out;
  for (size_t i = 0; i < x.size(); ++i) out.push_back(tls_[shared ? 0 : i].decode(x[i], full));
  return Tuple(std::move(out));
}

Datasets Datasets::subset(size_t i) const {
  std::vector<TfmdLists> tls;
  for (const auto& t : tls_) tls.push_back(t.subset(i));
  return Datasets(std::move(tls), n_inp_);
}

Datasets Datasets::test_set(std::vector<Item> items, bool with_labels) const {
  std::vector<TfmdLists> tls;
  const size_t n = with_labels ? tls_.size() : static_cast<size_t>(n_inp_);
  for (size_t i = 0; i < n; ++i) tls.push_back(TfmdLists::from_pipeline(items, tls_[i].tfms(), {.split_idx = 1}));
  return Datasets(std::move(tls), n_inp_);
}

}  // namespace fastai
