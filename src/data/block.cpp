#include "fastai/data/block.h"

#include <iostream>
#include <sstream>
#include <typeindex>

namespace fastai {

// ---------------------------------------------------------------- blocks

TransformBlock CategoryBlock(CategoryBlockOptions o) {
  return {.type_tfms = [o] { return TfmList{std::make_shared<Categorize>(o.vocab, o.sort, o.add_na)}; }};
}

TransformBlock MultiCategoryBlock(MultiCategoryBlockOptions o) {
  return {.type_tfms = [o] {
    auto mc = std::make_shared<MultiCategorize>(o.vocab, o.add_na);
    return TfmList{mc, std::make_shared<OneHotEncode>(mc)};
  }};
}

TransformBlock RegressionBlock(std::optional<int64_t> n_out) {
  return {.type_tfms = [n_out] { return TfmList{std::make_shared<RegressionSetup>(n_out)}; }};
}

namespace {
// fastai's _merge_tfms: one transform per class, the last given wins, in order of first appearance.
// Function-based transforms (class Transform itself) are never merged.
TfmList merge_tfms(const std::vector<TfmList>& lists) {
  TfmList out;
  for (const auto& l : lists)
    for (const auto& t : l) {
      if (!t) continue;
      const std::type_index ti = typeid(*t);
      auto same = std::find_if(out.begin(), out.end(), [&](const auto& o) {
        return ti != std::type_index(typeid(Transform)) && std::type_index(typeid(*o)) == ti;
      });
      if (same != out.end())
        *same = t;
      else
        out.push_back(t);
    }
  return out;
}

std::string indent(const std::string& s, int n) {
  std::string pad(static_cast<size_t>(n), ' '), out = pad;
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}
}  // namespace

// ---------------------------------------------------------------- DataBlock

DataBlock::DataBlock(DataBlockOptions o) : o_(std::move(o)) {
  if (o_.blocks.empty()) o_.blocks = {TransformBlock{}, TransformBlock{}};
  const int nb = static_cast<int>(o_.blocks.size());
  n_inp_ = o_.n_inp.value_or(std::max(1, nb - 1));
  if (n_inp_ < 1 || n_inp_ > nb)
    throw std::invalid_argument("DataBlock: n_inp is " + std::to_string(n_inp_) + " but there are " +
                                std::to_string(nb) + " blocks");
  if (!o_.getters.empty() && static_cast<int>(o_.getters.size()) != nb)
    throw std::invalid_argument("DataBlock: " + std::to_string(o_.getters.size()) + " getters for " +
                                std::to_string(nb) + " blocks (one getter per block)");
  getters_.assign(static_cast<size_t>(nb), nullptr);
  for (size_t i = 0; i < o_.getters.size(); ++i) getters_[i] = o_.getters[i].tfm;
  const std::string hint = "\nIf you wanted several functions in a getter, compose them in one function or transform.";
  if (!o_.get_x.empty()) {
    if (static_cast<int>(o_.get_x.size()) != n_inp_)
      throw std::invalid_argument("DataBlock: get_x contains " + std::to_string(o_.get_x.size()) +
                                  " functions, but must contain " + std::to_string(n_inp_) + " (one for each input)" +
                                  hint);
    for (int i = 0; i < n_inp_; ++i) getters_[static_cast<size_t>(i)] = o_.get_x[static_cast<size_t>(i)].tfm;
  }
  if (!o_.get_y.empty()) {
    const int n_targ = nb - n_inp_;
    if (static_cast<int>(o_.get_y.size()) != n_targ)
      throw std::invalid_argument("DataBlock: get_y contains " + std::to_string(o_.get_y.size()) +
                                  " functions, but must contain " + std::to_string(n_targ) + " (one for each target)" +
                                  hint);
    for (int i = 0; i < n_targ; ++i) getters_[static_cast<size_t>(n_inp_ + i)] = o_.get_y[static_cast<size_t>(i)].tfm;
  }
}

std::vector<TfmList> DataBlock::pipelines() const {
  std::vector<TfmList> out;
  for (size_t i = 0; i < o_.blocks.size(); ++i) {
    TfmList p;
    if (getters_[i]) p.push_back(getters_[i]);
    if (o_.blocks[i].type_tfms)
      for (auto& t : o_.blocks[i].type_tfms()) p.push_back(t);
    out.push_back(std::move(p));
  }
  return out;
}

TfmList DataBlock::item_tfms() const {
  std::vector<TfmList> lists{{std::make_shared<ToTensor>()}};
  for (const auto& b : o_.blocks)
    if (b.item_tfms) lists.push_back(b.item_tfms());
  lists.push_back(o_.item_tfms);
  return merge_tfms(lists);
}

TfmList DataBlock::batch_tfms() const {
  std::vector<TfmList> lists;
  for (const auto& b : o_.blocks)
    if (b.batch_tfms) lists.push_back(b.batch_tfms());
  lists.push_back(o_.batch_tfms);
  return merge_tfms(lists);
}

std::vector<Item> DataBlock::collect(const Item& source) const {
  if (!o_.get_items)
    throw std::invalid_argument(
        "DataBlock has no get_items: pass the items themselves, or set get_items to collect them from " +
        source.repr());
  return o_.get_items(source);
}

Datasets DataBlock::datasets(const std::vector<Item>& items) const {
  const Splits splits = (o_.splitter ? o_.splitter : RandomSplitter())(items);
  return Datasets(items, pipelines(), {.splits = splits, .n_inp = n_inp_});
}

Datasets DataBlock::datasets(const Item& source) const { return datasets(collect(source)); }

DataLoaders DataBlock::dataloaders(const std::vector<Item>& items, DataLoadersOptions options) const {
  auto ds = datasets(items);
  TfmList ai = item_tfms(), ab = batch_tfms();
  ai.insert(ai.end(), options.after_item.begin(), options.after_item.end());
  ab.insert(ab.end(), options.after_batch.begin(), options.after_batch.end());
  options.after_item = merge_tfms({ai});
  options.after_batch = merge_tfms({ab});
  TfmList bb;
  for (const auto& b : o_.blocks)
    if (b.before_batch) {
      auto l = b.before_batch();
      bb.insert(bb.end(), l.begin(), l.end());
    }
  bb.insert(bb.end(), options.before_batch.begin(), options.before_batch.end());
  options.before_batch = bb;
  for (auto b = o_.blocks.rbegin(); b != o_.blocks.rend(); ++b)
    if (b->dl_type) return b->dl_type(ds, std::move(options));
  return DataLoaders::from_dsets(ds, std::move(options));
}

DataLoaders DataBlock::dataloaders(const Item& source, DataLoadersOptions options) const {
  return dataloaders(collect(source), std::move(options));
}

std::string DataBlock::summary(const Item& source, int64_t bs, std::ostream* out) const {
  return summarize(collect(source), bs, "Collecting items from " + source.repr() + "\n", out);
}

std::string DataBlock::summary(const std::vector<Item>& items, int64_t bs, std::ostream* out) const {
  return summarize(items, bs, "", out);
}

std::string DataBlock::summarize(const std::vector<Item>& items, int64_t bs, const std::string& header,
                                 std::ostream* out) const {
  std::ostringstream r;
  r << header << "Found " << items.size() << " items\n";
  auto finish = [&]() {
    if (out) *out << r.str() << std::flush;
    return r.str();
  };
  Datasets ds = [&] {
    try {
      return datasets(items);
    } catch (const std::exception& e) {
      r << "\nError! Setting up the datasets failed: " << e.what() << "\n";
      finish();
      throw;
    }
  }();
  r << ds.n_subsets() << " datasets of sizes ";
  for (size_t i = 0; i < ds.n_subsets(); ++i) r << (i ? "," : "") << ds.splits()[i].size();
  r << "\n";
  for (const auto& tl : ds.tls()) r << "Setting up " << tl.tfms().repr() << "\n";

  Datasets train = ds.train();
  if (train.size() == 0) {
    r << "\nThe training set is empty: nothing to summarize.\n";
    return finish();
  }
  r << "\nBuilding one sample\n";
  for (const auto& tl : train.tls()) {
    r << "  " << tl.tfms().repr() << "\n";
    Item x = tl.raw(0);
    r << "    starting from\n" << indent(x.repr(), 6) << "\n";
    for (const auto& t : tl.tfms().transforms()) {
      try {
        x = (*t)(x, tl.split_idx());
      } catch (const std::exception& e) {
        r << "    applying " << t->name << " failed:\n" << indent(e.what(), 6) << "\n";
        finish();
        throw;
      }
      r << "    applying " << t->name << " gives\n" << indent(x.repr(), 6) << "\n";
    }
  }
  r << "\nFinal sample: " << train[0].repr() << "\n";

  Pipeline after_item(item_tfms(), 0);
  after_item.setup(LazyItems(train.size(), [train](size_t i) { return train[static_cast<int64_t>(i)]; }));
  r << "\nCollecting items for a batch of size " << bs << "\nApplying item_tfms to the first sample:\n  "
    << after_item.repr() << "\n";
  std::vector<Item> samples;
  const auto n = std::min<int64_t>(bs, static_cast<int64_t>(train.size()));
  for (int64_t i = 0; i < n; ++i) samples.push_back(after_item(train[i]));
  r << "    gives\n" << indent(samples[0].repr(), 6) << "\n";
  if (n > 1) r << "Adding the next " << n - 1 << " samples\n";

  r << "\nCollating items in a batch\n";
  Item batch;
  try {
    batch = collate(samples);
  } catch (const std::exception& e) {
    r << "Error! It's not possible to collate your items in a batch\n" << indent(e.what(), 2) << "\n";
    for (int64_t i = 0; i < n; ++i) r << "  item " << i << ": " << samples[static_cast<size_t>(i)].repr() << "\n";
    return finish();
  }
  r << "  " << batch.repr() << "\n";
  Pipeline after_batch({}, 0);
  r << "\nApplying batch_tfms to the batch:\n";
  Item cur = batch;
  const Pipeline sorted(batch_tfms());  // named: a temporary would die before the loop body
  for (const auto& t : sorted.transforms()) {
    after_batch.add(t, LazyItems::of({batch}));
    cur = (*t)(cur, 0);
    r << "  " << t->name << " gives\n" << indent(cur.repr(), 4) << "\n";
  }
  return finish();
}

std::function<std::vector<Item>(const Item&)> image_files_getter(bool recurse, std::vector<std::string> folders) {
  return [recurse, folders](const Item& source) {
    if (!source.is<Path>()) throw TypeError("image_files_getter needs a Path source, got " + source.repr());
    return path_items(get_image_files(source.get<Path>(), recurse, folders));
  };
}

}  // namespace fastai
