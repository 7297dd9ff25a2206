#include "fastai/text/block.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "fastai/core/describe.h"
#include "fastai/core/semantic.h"
#include "fastai/core/show.h"
#include "fastai/text/data.h"
#include "fastai/text/lm_loader.h"

namespace fastai {

// ---------------------------------------------------------------- PadInputChunk

PadInputChunk::PadInputChunk(PadChunkOptions options)
    : Transform({.name = "PadInputChunk", .whole_tuple = true}), o_(options) {
  encodes<Any>([this](const Item& samples) -> Item {
    if (!samples.is_tuple() || samples.size() == 0 || !samples[0].is_tuple()) return samples;  // not a batch
    return Tuple(pad_input_chunk(samples.elements(), o_));
  });
  // fastai's Pad_Chunk.decodes: a decoded sample's texts lose their padding (show_batch and
  // show_results show the text, not a row of xxpad).
  decodes<Any>([this](const Item& sample) -> Item {
    auto unpad = [this](const Item& x) -> Item {
      if (!x.is<TensorText>()) return x;
      const at::Tensor& t = x.get<TensorText>();
      return Item(x.type(), t.masked_select(t != o_.pad_idx));
    };
    if (!sample.is_tuple()) return unpad(sample);
    std::vector<Item> e;
    for (const Item& x : sample.elements()) e.push_back(unpad(x));
    return Item(sample.type(), std::move(e));
  });
}

nlohmann::json PadInputChunk::describe() const {
  auto j = describe_base();
  j["pad_idx"] = o_.pad_idx;
  j["pad_first"] = o_.pad_first;
  j["seq_len"] = o_.seq_len;
  j["n_inp"] = o_.n_inp;
  return j;
}

std::shared_ptr<PadInputChunk> PadInputChunk::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<PadInputChunk>(PadChunkOptions{.pad_idx = j.at("pad_idx").get<int64_t>(),
                                                           .pad_first = j.at("pad_first").get<bool>(),
                                                           .seq_len = j.at("seq_len").get<int64_t>(),
                                                           .n_inp = j.at("n_inp").get<int>()});
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(PadInputChunk);

// ---------------------------------------------------------------- loaders

namespace {
// The numericalized text of sample `k` of a split (its first element), as a 1-D int64 tensor.
at::Tensor text_of(const Datasets& split, int64_t k) {
  const Item s = split[k];
  const Item& x = s.is_tuple() ? s[0] : s;
  const at::Tensor* t = nullptr;
  try {
    t = &x.payload<at::Tensor>();
  } catch (const std::exception&) {  // said below
  }
  if (!t || t->dim() != 1)
    throw std::invalid_argument("TextBlock: item " + std::to_string(k) + " is " + x.repr() +
                                ", not a 1-D tensor of token ids (is the text pipeline Tokenizer + Numericalize?)");
  return t->to(at::kLong);
}
}  // namespace

DlType sorted_dl_type(PadChunkOptions pad) {
  return [pad](const Datasets& ds, DataLoadersOptions o) {
    o.before_batch.push_back(std::make_shared<PadInputChunk>(pad));
    DataLoaders dls = DataLoaders::from_dsets(ds, o);
    for (size_t i = 0; i < dls.size(); ++i) {
      const Datasets split = ds.subset(i);
      std::vector<int64_t> lengths(split.size());
      for (size_t k = 0; k < split.size(); ++k) lengths[k] = text_of(split, static_cast<int64_t>(k)).numel();
      make_sorted(dls[i], std::move(lengths));
    }
    // A test set is sorted by its own lengths (the loaders' orders hold their own sets' lengths;
    // fastai's SortedDL.new recomputes them for a new dataset too).
    dls.test_dl_factory = [ref = dls.valid()](const std::vector<Item>& items, bool with_labels, int64_t bs) {
      const Datasets test = ref.datasets()->test_set(items, with_labels);
      DataLoaderOptions o = ref.options();
      o.bs = bs;
      o.shuffle = o.drop_last = false;
      o.n.reset();
      TfmdDL dl = ref.new_tfmd(o, test);
      std::vector<int64_t> lengths(test.size());
      for (size_t k = 0; k < test.size(); ++k) lengths[k] = text_of(test, static_cast<int64_t>(k)).numel();
      make_sorted(dl, std::move(lengths));
      return dl;
    };
    return dls;
  };
}

DlType lm_dl_type(int64_t seq_len) {
  return [seq_len](const Datasets& ds, DataLoadersOptions o) {
    if (ds.n_subsets() < 2)
      throw std::invalid_argument("TextBlock (language model): the data needs train and valid splits (got " +
                                  std::to_string(ds.n_subsets()) + ")");
    // One split's language-model loader: its texts numericalized once, windows copied out of them.
    auto make = [seq_len, o](const Datasets& split, bool train, int64_t bs, std::optional<uint64_t> seed,
                             const std::string& what) {
      std::vector<at::Tensor> docs(split.size());
      for (size_t k = 0; k < split.size(); ++k) docs[k] = text_of(split, static_cast<int64_t>(k));
      DataLoader base = [&] {
        try {
          return lm_dataloader(std::move(docs), {.bs = bs,
                                                 .seq_len = seq_len,
                                                 .shuffle = train && o.shuffle,
                                                 .num_workers = o.num_workers,
                                                 .seed = seed,
                                                 .device = o.device});
        } catch (const std::invalid_argument& e) {
          throw std::invalid_argument(what + " texts: " + e.what());
        }
      }();
      return TfmdDL(std::move(base),
                    TfmdDLOptions{.bs = bs, .device = o.device, .after_batch = o.after_batch, .do_setup = train}, 1,
                    split);
    };
    std::vector<TfmdDL> loaders;
    for (size_t i = 0; i < ds.n_subsets(); ++i) {
      const Datasets split = ds.subset(i);
      const bool train = i == 0;
      loaders.push_back(make(split, train, train ? o.bs : o.val_bs.value_or(o.bs),
                             o.seed ? std::optional<uint64_t>(*o.seed + i) : std::nullopt,
                             train ? "the training" : "the validation"));
    }
    DataLoaders dls(std::move(loaders), o.device);
    // A test set gets a language-model loader of its own texts (fastai's LMDataLoader.new).
    dls.test_dl_factory = [make, ref = dls.valid()](const std::vector<Item>& items, bool with_labels, int64_t bs) {
      return make(ref.datasets()->test_set(items, with_labels), false, bs, std::nullopt, "the test");
    };
    return dls;
  };
}

TextBlock::TextBlock(TextBlockOptions o) {
  block.type_tfms = [o] {
    auto tok = o.tok_tfm ? o.tok_tfm : std::make_shared<Tokenizer>(o.tok, o.tok_options);
    auto num = std::make_shared<Numericalize>(o.vocab, o.min_freq, o.max_vocab);
    if (o.counter) num->setup_from(*o.counter);
    // fastai's Numericalize counts the Tokenizer's corpus when it has one (from_df, from_folder).
    num->count_from([w = std::weak_ptr<Tokenizer>(tok)]() -> const TokenCounter* {
      const auto t = w.lock();
      return t ? t->counter() : nullptr;
    });
    TfmList t{tok, num};
    if (o.backwards) t.push_back(func_transform("reverse_text"));
    return t;
  };
  block.dl_type = o.is_lm ? lm_dl_type(o.seq_len) : sorted_dl_type({.seq_len = o.seq_len});
}

TextBlock TextBlock::from_df(std::vector<Col> text_cols, TextBlockOptions o, int n_workers) {
  o.tok_tfm = Tokenizer::from_df(std::move(text_cols), {.n_workers = n_workers, .tok = o.tok, .rules = o.tok_options});
  return TextBlock(std::move(o));
}

TextBlock TextBlock::from_folder(const std::filesystem::path& path, TextBlockOptions o, int n_workers) {
  o.tok_tfm = Tokenizer::from_folder(path, {.n_workers = n_workers, .tok = o.tok, .rules = o.tok_options});
  return TextBlock(std::move(o));
}

// ---------------------------------------------------------------- show_batch

namespace {
std::string cell_text(const Item& x) {
  if (x.is<Str>()) return x.get<Str>();
  if (x.is<Tokens>()) {
    std::string out;
    for (const auto& t : x.get<Tokens>()) out += (out.empty() ? "" : " ") + t;
    return out;
  }
  if (x.is<MultiCategory>()) {
    std::string out;
    for (const auto& l : x.get<MultiCategory>()) out += (out.empty() ? "" : ";") + l;
    return out;
  }
  return x.repr();
}

std::string show_text_batch(const Item&, const Item&, const std::vector<Item>& samples, const ShowBatchOptions& o) {
  std::ostringstream s;
  const size_t n = std::min(samples.size(), static_cast<size_t>(std::max<int64_t>(o.max_n, 0)));
  const size_t width = n ? samples[0].size() : 0;
  // Columns as fastai names them: "text", then "category" for a label or "text_" for a target text.
  s << "|   | text |";
  for (size_t c = 1; c < width; ++c) s << (samples[0][c].is<Category>() ? " category |" : " text_ |");
  s << "\n|---|------|";
  for (size_t c = 1; c < width; ++c) s << "------|";
  s << "\n";
  for (size_t i = 0; i < n; ++i) {
    s << "| " << i << " |";
    for (size_t c = 0; c < samples[i].size(); ++c) {
      s << " " << table_cell(cell_text(samples[i][c]), c == 0 ? 150 : SIZE_MAX) << " |";
    }
    s << "\n";
  }
  (o.out ? *o.out : std::cout) << s.str() << std::flush;
  return s.str();
}

// fastai's show_results for texts: a classifier's "text | category | category_" (target, then
// prediction); a language model's "input | target | pred".
std::string show_text_results(const Item& x, const Item&, const std::vector<Item>& samples,
                              const std::vector<Item>& outs, const ShowBatchOptions& o) {
  const bool lm = x.is<LMTensorText>();
  std::ostringstream s;
  const size_t n = std::min({samples.size(), outs.size(), static_cast<size_t>(std::max<int64_t>(o.max_n, 0))});
  const size_t width = n ? samples[0].size() : 0;
  s << "|   | " << (lm ? "input" : "text") << " |";
  for (size_t c = 1; c < width; ++c) s << (lm ? " target |" : samples[0][c].is<Category>() ? " category |" : " text_ |");
  s << (lm ? " pred |" : width > 1 && samples[0][1].is<Category>() ? " category_ |" : " text__ |");
  s << "\n|---|";
  for (size_t c = 0; c <= width; ++c) s << "------|";
  s << "\n";
  for (size_t i = 0; i < n; ++i) {
    s << "| " << i << " |";
    for (size_t c = 0; c < samples[i].size(); ++c) {
      s << " " << table_cell(cell_text(samples[i][c]), c == 0 && !lm ? 150 : SIZE_MAX) << " |";
    }
    const Item& out = outs[i];
    s << " " << table_cell(cell_text(out.is_tuple() && out.size() > 0 ? out[out.size() - 1] : out)) << " |\n";
  }
  (o.out ? *o.out : std::cout) << s.str() << std::flush;
  return s.str();
}

const bool registered = [] {
  register_show_batch(TensorText::info(), any_type(), show_text_batch);
  register_show_results(TensorText::info(), any_type(), show_text_results);
  return true;
}();
}  // namespace

}  // namespace fastai
