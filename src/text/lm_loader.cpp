#include "fastai/text/lm_loader.h"

#include <ATen/ATen.h>
#include <c10/core/TensorImpl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "fastai/core/semantic.h"

namespace fastai {
namespace {

// One epoch's document order and where each document starts in the concatenated stream.
struct Order {
  std::vector<int64_t> docs;   // document ids, in stream order
  std::vector<int64_t> start;  // start[k]: offset of docs[k]; start.back() is the total
};

struct LMState {
  LMDocs doc;
  std::vector<at::Tensor> held;       // in-memory documents (the second overload), kept alive
  std::vector<const int64_t*> ptrs;   // and their data, read without a call per document
  std::vector<int64_t> lens;
  int64_t bs = 0, seq_len = 0, bl = 0, n_batches = 0, last_len = 0;
  // The order depends only on the epoch's seed, so copies of the loader (new_) iterate on their
  // own; the last one is kept because every batch of an epoch asks for it.
  std::mutex m;
  std::optional<uint64_t> seed;
  std::shared_ptr<const Order> order;

  std::shared_ptr<const Order> order_for(std::optional<uint64_t> s) {
    std::lock_guard lock(m);
    if (order && seed == s) return order;
    auto o = std::make_shared<Order>();
    o->docs.resize(lens.size());
    std::iota(o->docs.begin(), o->docs.end(), int64_t{0});
    if (s) {
      std::mt19937_64 g(*s);
      std::shuffle(o->docs.begin(), o->docs.end(), g);
    }
    o->start.resize(lens.size() + 1, 0);
    for (size_t k = 0; k < o->docs.size(); ++k) o->start[k + 1] = o->start[k] + lens[static_cast<size_t>(o->docs[k])];
    seed = s;
    order = o;
    return o;
  }

  // Tokens [from, from + len) of the stream into out (len int64 values).
  // Where each stream (row) last found its document: the next batch of that row almost always
  // starts in the same one or the next, so a search per row (most of a batch's cost beside the
  // copy) is rarely needed. Relaxed atomics: a hint is only a guess, checked before use.
  std::unique_ptr<std::atomic<size_t>[]> hints;

  size_t doc_at(const Order& o, int64_t from, size_t row) const {
    std::atomic<size_t>& h = hints[row];
    for (size_t k = h.load(std::memory_order_relaxed), tries = 0; tries < 2 && k + 1 < o.start.size(); ++k, ++tries)
      if (o.start[k] <= from && from < o.start[k + 1]) return k;
    const auto k = static_cast<size_t>(std::upper_bound(o.start.begin(), o.start.end(), from) - o.start.begin() - 1);
    return k;
  }

  void copy_tokens(const Order& o, int64_t from, int64_t len, int64_t* out, size_t row) const {
    auto k = doc_at(o, from, row);
    hints[row].store(k, std::memory_order_relaxed);
    while (len > 0) {
      const int64_t id = o.docs[k];
      if (!ptrs.empty()) {
        const int64_t off = from - o.start[k];
        const int64_t n = std::min(len, lens[static_cast<size_t>(id)] - off);
        std::copy_n(ptrs[static_cast<size_t>(id)] + off, n, out);
        out += n, from += n, len -= n, ++k;
        continue;
      }
      const at::Tensor t = doc(id);
      if (t.dim() != 1 || t.numel() != lens[static_cast<size_t>(id)])
        throw std::invalid_argument("lm_dataloader: document " + std::to_string(id) + " has " +
                                    std::to_string(t.numel()) + " tokens (shape " + std::to_string(t.dim()) +
                                    "-D), its length says " + std::to_string(lens[static_cast<size_t>(id)]));
      // Converting is a dispatcher call per row; most documents need none.
      const at::Tensor c = t.scalar_type() == at::kLong && t.is_contiguous() ? t : t.to(at::kLong).contiguous();
      const int64_t off = from - o.start[k];
      const int64_t n = std::min(len, c.numel() - off);
      std::copy_n(c.data_ptr<int64_t>() + off, n, out);
      out += n;
      from += n;
      len -= n;
      ++k;
    }
  }
};

}  // namespace

namespace {
DataLoader make_lm_loader(std::shared_ptr<LMState> st, LMDataLoaderOptions o);

// Columns [first, first + len) of a contiguous 2-D tensor, as a view sharing its storage.
at::Tensor window_view(const at::Tensor& t, int64_t first, int64_t len) {
  auto impl = c10::make_intrusive<c10::TensorImpl>(c10::Storage(t.storage()), t.key_set(), t.dtype());
  const std::array<int64_t, 2> sizes{t.size(0), len}, strides{t.stride(0), 1};
  impl->set_sizes_and_strides(c10::IntArrayRef(sizes), c10::IntArrayRef(strides), t.storage_offset() + first);
  return at::Tensor(std::move(impl));
}

}  // namespace

DataLoader lm_dataloader(std::vector<at::Tensor> docs, LMDataLoaderOptions o) {
  auto st = std::make_shared<LMState>();
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].dim() != 1)
      throw std::invalid_argument("lm_dataloader: document " + std::to_string(i) + " is " +
                                  std::to_string(docs[i].dim()) + "-D, not a 1-D tensor of token ids");
    at::Tensor t = docs[i].to(at::kCPU).to(at::kLong).contiguous();
    st->lens.push_back(t.numel());
    st->ptrs.push_back(t.data_ptr<int64_t>());
    st->held.push_back(std::move(t));
  }
  return make_lm_loader(std::move(st), o);
}

DataLoader lm_dataloader(LMDocs doc, std::vector<int64_t> lens, LMDataLoaderOptions o) {
  if (!doc) throw std::invalid_argument("lm_dataloader: no document source given");
  auto st = std::make_shared<LMState>();
  st->doc = std::move(doc);
  st->lens = std::move(lens);
  return make_lm_loader(std::move(st), o);
}

namespace {
DataLoader make_lm_loader(std::shared_ptr<LMState> st, LMDataLoaderOptions o) {
  if (o.bs < 1 || o.seq_len < 1)
    throw std::invalid_argument("lm_dataloader: bs and seq_len must be at least 1 (got bs " + std::to_string(o.bs) +
                                ", seq_len " + std::to_string(o.seq_len) + ")");
  int64_t total = 0;
  for (size_t i = 0; i < st->lens.size(); ++i) {
    if (st->lens[i] < 0)
      throw std::invalid_argument("lm_dataloader: document " + std::to_string(i) + " has a negative length");
    total += st->lens[i];
  }
  st->bs = o.bs;
  st->hints = std::make_unique<std::atomic<size_t>[]>(static_cast<size_t>(o.bs));
  st->seq_len = o.seq_len;
  // fastai: the "-1" leaves room for the last target; the end short of a multiple of bs is dropped.
  const int64_t corpus = total > 0 ? (total - 1) / o.bs * o.bs : 0;
  st->bl = corpus / o.bs;
  if (st->bl < 1)
    throw std::invalid_argument("lm_dataloader: the corpus has " + std::to_string(total) +
                                " tokens, fewer than one batch needs (bs " + std::to_string(o.bs) +
                                " streams of at least 1 token, plus 1): lower bs or add text");
  st->n_batches = st->bl / o.seq_len + (st->bl % o.seq_len != 0 ? 1 : 0);
  st->last_len = st->bl - (st->n_batches - 1) * o.seq_len;

  DataLoader dl(nullptr, st->n_batches * o.bs,
                {.bs = o.bs, .shuffle = o.shuffle, .num_workers = o.num_workers, .seed = o.seed, .device = o.device});
  // fastai's shuffle_fn shuffles the documents, not the windows: window order stays as is.
  dl.shuffle_fn = [](const DataLoader&, std::vector<int64_t> idxs) { return idxs; };
  dl.create_index_batch = [st](const DataLoader& self, const std::vector<int64_t>& idxs) -> Item {
    const auto order =
        st->order_for(self.options().shuffle ? std::optional<uint64_t>(self.epoch_seed()) : std::nullopt);
    const int64_t j = idxs.front() / st->bs;
    const int64_t sl = j == st->n_batches - 1 ? st->last_len : st->seq_len;
    at::Tensor txt = at::empty({static_cast<int64_t>(idxs.size()), sl + 1}, at::kLong);
    int64_t* p = txt.data_ptr<int64_t>();
    const int64_t first = j * st->bs;  // no division per row: it costs as much as the rest of the row's work
    for (size_t r = 0; r < idxs.size(); ++r) {
      const int64_t row = idxs[r] - first;
      if (row < 0 || row >= st->bs)
        throw std::logic_error("lm_dataloader: a batch mixes windows (the sampler was replaced?)");
      st->copy_tokens(*order, row * st->bl + j * st->seq_len, sl + 1, p + static_cast<int64_t>(r) * (sl + 1),
                      static_cast<size_t>(row));
    }
    // x and y are windows of the one copy, shifted by a token: views made directly, since a
    // slice() goes through the dispatcher (~1.2 us each in a /tmp driver, a tenth of a small batch). They
    // are data, never autograd views, so nothing slice() would add is missing.
    return Tuple({LMTensorText(window_view(txt, 0, sl)), TensorText(window_view(txt, 1, sl))});
  };
  return dl;
}

}  // namespace

}  // namespace fastai
