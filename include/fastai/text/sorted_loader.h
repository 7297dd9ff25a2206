#pragma once
/// fastai's SortedDL and pad_input_chunk (text/data.py): a classifier's texts batched by length —
/// longest first without shuffling; with shuffling, fastai's bucketed order (a random permutation
/// with the longest text moved first, sorted within chunks of 50 batches, the batches between the
/// first and the last shuffled) — and padded to the batch's longest text in whole `seq_len` chunks
/// at the front (or the end), so an AWD-LSTM reads few pad-only windows. Equal to fastai's with
/// shuffling off (tests/text/test_sorted_loader.cpp, tools/gen_sorted_dl_reference.py).
///
/// Example:
///   // samples: Tuple({TensorText ids, Int label}); lengths: their token counts
///   DataLoader dl([&](int64_t i) { return samples[i]; }, n, {.bs = 64});
///   fastai::make_sorted(dl, lengths);                         // fastai's SortedDL order
///   dl.before_batch = fastai::pad_input_chunk_stage({.pad_idx = 1, .seq_len = 72});
/// (On a TfmdDL, before_batch runs its pipeline: wiring the padding into TfmdDL/TextDataLoaders
/// is still to come.)
///
/// Thread-safety: the stages set here read only what they were given; safe on worker threads.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "fastai/data/load.h"

namespace fastai {

/// pad_chunk / pad_input_chunk's keywords (fastai's defaults).
/// Example: `PadChunkOptions{.pad_idx = 1, .pad_first = false}`
struct PadChunkOptions {
  int64_t pad_idx = 1;    ///< xxpad's id in a default vocab
  bool pad_first = true;  ///< whole chunks before the text (the rest after it either way)
  int64_t seq_len = 72;   ///< chunk size
  int n_inp = 1;          ///< pad_input_chunk: how many leading fields of a sample are texts
};

/// fastai's pad_chunk: `x` to `pad_len` tokens, (pad_len - len) / seq_len whole chunks of pad_idx
/// before it (after it when !pad_first), the remainder after it.
/// Example: `pad_chunk(ids, 20, {.seq_len = 8})  // 8 pads, ids, then 20 - 8 - len pads`
at::Tensor pad_chunk(const at::Tensor& x, int64_t pad_len, PadChunkOptions options = {});

/// fastai's pad_input_chunk: pads the first n_inp fields of every sample (tuples of TensorText
/// and labels) to the longest among them, keeping their types. Throws std::invalid_argument
/// naming the sample when a field is missing or not a 1-D tensor.
/// Example: `samples = pad_input_chunk(std::move(samples), {.pad_idx = 1});`
std::vector<Item> pad_input_chunk(std::vector<Item> samples, PadChunkOptions options = {});

/// pad_input_chunk as a DataLoader before_batch stage.
/// Example: `dl.before_batch = pad_input_chunk_stage();`
std::function<std::vector<Item>(const DataLoader&, std::vector<Item>)> pad_input_chunk_stage(
    PadChunkOptions options = {});

/// Turns `dl` into fastai's SortedDL: `lengths[i]` is item i's sort key (its token count).
/// Without shuffling the items come longest first (ties in index order, as Python's sorted);
/// with it, fastai's bucketed shuffle drawn from the epoch's random engine. Throws
/// std::invalid_argument when lengths.size() differs from dl.n().
/// Example: `fastai::make_sorted(dl, lengths);`
void make_sorted(DataLoader& dl, std::vector<int64_t> lengths);

}  // namespace fastai
