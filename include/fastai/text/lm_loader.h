#pragma once
/// fastai's LMDataLoader (text/data.py): the documents, concatenated in a (per-epoch shuffled)
/// order, cut into `bs` streams of `bl = (total tokens - 1, rounded down to a multiple of bs) / bs`
/// tokens; batch j holds the j-th window of `seq_len` tokens of every stream (the last window
/// shorter when bl is not a multiple of seq_len), as LMTensorText x and TensorText y shifted by one.
/// Documents are read through a function when a batch needs them, so the corpus never has to
/// be one tensor (or in memory at all: read each document from disk). Batches equal fastai's with
/// shuffling off (tests/text/test_lm_loader.cpp, tools/gen_lm_loader_reference.py).
///
/// Example:
///   // docs: numericalized documents (1-D int64 tensors)
///   auto dl = fastai::lm_dataloader([&](int64_t i) { return docs[i]; }, lens, {.bs = 64, .seq_len = 72});
///   for (const Item& b : dl) { auto t = batch_tensors(b); /* t[0]: 64×72 inputs, t[1]: targets */ }
///
/// Thread-safety: like any DataLoader — one iteration at a time per loader; `doc` is called from
/// the worker threads at once and must be safe for that (a vector lookup, a file read).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "fastai/data/load.h"

namespace fastai {

/// lm_dataloader's options: fastai's LMDataLoader keywords.
/// Example: `LMDataLoaderOptions{.bs = 32, .seq_len = 70, .shuffle = true}`
struct LMDataLoaderOptions {
  int64_t bs = 64;       ///< streams (rows of a batch)
  int64_t seq_len = 72;  ///< tokens per window
  bool shuffle = false;  ///< shuffle the order of the documents each epoch (not the windows)
  int num_workers = 0;
  std::optional<uint64_t> seed;  ///< default: drawn from fastai::rng()
  std::optional<c10::Device> device;
};

/// The document `i` of a corpus as a 1-D int64 tensor of token ids.
/// Example: `LMDocs docs = [&](int64_t i) { return ids[i]; };`
using LMDocs = std::function<at::Tensor(int64_t)>;

/// fastai's LMDataLoader over documents `doc(0..lens.size()-1)` whose lengths are `lens` (fastai's
/// lens: the tokenizer's counts, so no document is read to size the corpus). Throws
/// std::invalid_argument when the corpus is shorter than one token per stream plus one, or a
/// document's length differs from its `lens` entry (named) when read.
/// Example: see the file comment.
DataLoader lm_dataloader(LMDocs doc, std::vector<int64_t> lens, LMDataLoaderOptions options = {});

/// The same over documents held in memory (1-D tensors, converted to contiguous int64 once):
/// batches copy straight from them, with no call per document read.
/// Example: `auto dl = fastai::lm_dataloader(docs, {.bs = 64, .seq_len = 72});`
DataLoader lm_dataloader(std::vector<at::Tensor> docs, LMDataLoaderOptions options = {});

}  // namespace fastai
