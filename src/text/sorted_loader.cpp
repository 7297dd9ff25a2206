#include "fastai/text/sorted_loader.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "fastai/core/semantic.h"

namespace fastai {

at::Tensor pad_chunk(const at::Tensor& x, int64_t pad_len, PadChunkOptions o) {
  if (o.seq_len < 1) throw std::invalid_argument("pad_chunk: seq_len must be at least 1");
  const int64_t l = pad_len - x.size(0);
  if (l < 0)
    throw std::invalid_argument("pad_chunk: the text has " + std::to_string(x.size(0)) + " tokens, more than pad_len " +
                                std::to_string(pad_len));
  const at::Tensor chunk = at::full({l / o.seq_len * o.seq_len}, o.pad_idx, x.options());
  const at::Tensor rest = at::full({l % o.seq_len}, o.pad_idx, x.options());
  return o.pad_first ? at::cat({chunk, x, rest}) : at::cat({x, chunk, rest});
}

std::vector<Item> pad_input_chunk(std::vector<Item> samples, PadChunkOptions o) {
  const auto field = [&](size_t s, int n) -> const at::Tensor& {
    const Item& x = samples[s];
    if (!x.is_tuple() || x.size() <= static_cast<size_t>(n))
      throw std::invalid_argument("pad_input_chunk: sample " + std::to_string(s) + " (" + x.repr() + ") has no field " +
                                  std::to_string(n) + " (n_inp " + std::to_string(o.n_inp) + ")");
    const Item& f = x[static_cast<size_t>(n)];
    const at::Tensor* t = nullptr;
    try {
      if (!f.is_tuple()) t = &f.payload<at::Tensor>();
    } catch (const std::exception&) {  // not a tensor: said below, with the sample's index
    }
    if (!t || t->dim() != 1)
      throw std::invalid_argument("pad_input_chunk: field " + std::to_string(n) + " of sample " + std::to_string(s) +
                                  " is " + f.repr() + ", not a 1-D tensor of token ids");
    return *t;
  };
  int64_t max_len = 0;
  for (size_t s = 0; s < samples.size(); ++s)
    for (int n = 0; n < o.n_inp; ++n) max_len = std::max(max_len, field(s, n).size(0));
  for (size_t s = 0; s < samples.size(); ++s) {
    std::vector<Item> fields = samples[s].elements();
    for (int n = 0; n < o.n_inp; ++n) {
      const auto k = static_cast<size_t>(n);
      fields[k] = Item(TensorBase(pad_chunk(field(s, n), max_len, o))).retag(fields[k].type());
    }
    samples[s] = Tuple(std::move(fields));
  }
  return samples;
}

std::function<std::vector<Item>(const DataLoader&, std::vector<Item>)> pad_input_chunk_stage(PadChunkOptions o) {
  return [o](const DataLoader&, std::vector<Item> samples) { return pad_input_chunk(std::move(samples), o); };
}

void make_sorted(DataLoader& dl, std::vector<int64_t> lengths) {
  if (static_cast<int64_t>(lengths.size()) != dl.n())
    throw std::invalid_argument("make_sorted: " + std::to_string(lengths.size()) + " lengths for a loader of " +
                                std::to_string(dl.n()) + " items");
  auto res = std::make_shared<const std::vector<int64_t>>(std::move(lengths));
  // Longest first; stable, so ties keep index order (Python's sorted(..., reverse=True)).
  auto by_length = [res](std::vector<int64_t>::iterator b, std::vector<int64_t>::iterator e) {
    std::stable_sort(
        b, e, [&](int64_t i, int64_t j) { return (*res)[static_cast<size_t>(i)] > (*res)[static_cast<size_t>(j)]; });
  };
  dl.get_idxs = [by_length](const DataLoader& self) {
    std::vector<int64_t> idxs(static_cast<size_t>(self.n()));
    std::iota(idxs.begin(), idxs.end(), int64_t{0});
    if (self.options().shuffle) return self.shuffle_fn(self, std::move(idxs));
    by_length(idxs.begin(), idxs.end());
    return idxs;
  };
  dl.shuffle_fn = [res, by_length](const DataLoader& self, std::vector<int64_t> idxs) {
    if (idxs.empty()) return idxs;
    auto& g = self.epoch_rng();
    std::shuffle(idxs.begin(), idxs.end(), g);
    // The longest text's batch goes first, so a too-large batch fails at once, not mid-epoch.
    const auto longest = std::max_element(res->begin(), res->end()) - res->begin();
    std::iter_swap(idxs.begin(), std::find(idxs.begin(), idxs.end(), longest));
    const auto bs = static_cast<size_t>(self.bs());
    for (size_t s = 0; s < idxs.size(); s += bs * 50)
      by_length(idxs.begin() + static_cast<std::ptrdiff_t>(s),
                idxs.begin() + static_cast<std::ptrdiff_t>(std::min(idxs.size(), s + bs * 50)));
    const size_t n_batches = (idxs.size() + bs - 1) / bs;
    if (n_batches <= 2) return idxs;
    // Shuffle the whole batches between the first and the last (the last may be short).
    std::vector<size_t> middle(n_batches - 2);
    std::iota(middle.begin(), middle.end(), size_t{1});
    std::shuffle(middle.begin(), middle.end(), g);
    std::vector<int64_t> out(idxs.begin(), idxs.begin() + static_cast<std::ptrdiff_t>(bs));
    for (size_t b : middle)
      out.insert(out.end(), idxs.begin() + static_cast<std::ptrdiff_t>(b * bs),
                 idxs.begin() + static_cast<std::ptrdiff_t>((b + 1) * bs));
    out.insert(out.end(), idxs.begin() + static_cast<std::ptrdiff_t>((n_batches - 1) * bs), idxs.end());
    return out;
  };
}

}  // namespace fastai
