#include "fastai/data/load.h"

#include "fastai/core/replacing.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>

#include "fastai/core/error.h"
#include "fastai/core/random.h"
#include "fastai/core/semantic.h"
#include "fastai/core/threads.h"

extern "C" void omp_set_num_threads(int);  // libgomp, which libtorch already loads

namespace fastai {

// ---- collation helpers ----

namespace {
std::string shape_str(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// at::stack, with a fast path for what a loader collates most: equal-shaped, contiguous CPU
// tensors of one dtype are copied straight into the batch. at::stack makes a view of every sample
// first (a few hundred ns each, on the loop's one thread, twice per batch of images and labels).
at::Tensor stack_samples(const std::vector<at::Tensor>& ts) {
  const at::Tensor& t0 = ts.front();
  const auto copyable = [&](const at::Tensor& t) {
    return t.device().is_cpu() && t.layout() == at::kStrided && t.scalar_type() == t0.scalar_type() &&
           t.is_contiguous() && !t.is_conj() && !t.is_neg() && !t.requires_grad() && t.sizes() == t0.sizes();
  };
  if (!std::all_of(ts.begin(), ts.end(), copyable)) return at::stack(ts);
  std::vector<int64_t> shape{static_cast<int64_t>(ts.size())};
  shape.insert(shape.end(), t0.sizes().begin(), t0.sizes().end());
  at::Tensor out = at::empty(shape, t0.options());
  const size_t bytes = static_cast<size_t>(t0.numel()) * t0.element_size();
  auto* dst = static_cast<char*>(out.data_ptr());
  if (bytes > 0)
    for (size_t i = 0; i < ts.size(); ++i) std::memcpy(dst + i * bytes, ts[i].data_ptr(), bytes);
  return out;
}

Item collate_at(const std::vector<Item>& items, const std::string& where) {
  const Item& first = items.front();
  if (first.empty()) throw std::runtime_error("cannot collate an empty item" + where);
  if (first.is_tuple()) {
    const size_t k = first.size();
    for (size_t i = 1; i < items.size(); ++i)
      if (!items[i].is_tuple() || items[i].size() != k)
        throw std::runtime_error("cannot collate" + where + ": item 0 is a tuple of " + std::to_string(k) +
                                 " elements but item " + std::to_string(i) + " is " + items[i].repr());
    std::vector<Item> out;
    for (size_t p = 0; p < k; ++p) {
      std::vector<Item> col;
      col.reserve(items.size());
      for (const auto& it : items) col.push_back(it[p]);
      out.push_back(collate_at(col, where + " at tuple position " + std::to_string(p)));
    }
    return Tuple(std::move(out));
  }
  if (first.is<TensorBase>()) {
    std::vector<at::Tensor> ts;
    ts.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is<TensorBase>())
        throw std::runtime_error("cannot collate" + where + ": item 0 is " + first.repr() + " but item " +
                                 std::to_string(i) + " is " + items[i].repr());
      const auto& t = items[i].get<TensorBase>();
      if (!ts.empty() && t.sizes() != ts.front().sizes())
        throw std::runtime_error("cannot collate " + std::string(first.type().name()) + where + ": item 0 has shape " +
                                 shape_str(ts.front()) + " but item " + std::to_string(i) + " has shape " +
                                 shape_str(t) + " (make the sizes equal with an item transform, e.g. Resize)");
      ts.push_back(t);
    }
    return Item(first.type(), stack_samples(ts));
  }
  if (first.is<Int>() || first.is<Float>()) {
    const bool is_int = first.is<Int>();
    std::vector<double> dv;
    std::vector<int64_t> iv;
    for (size_t i = 0; i < items.size(); ++i) {
      if (is_int && items[i].is<Int>())
        iv.push_back(items[i].get<Int>());
      else if (!is_int && items[i].is<Float>())
        dv.push_back(items[i].get<Float>());
      else
        throw std::runtime_error("cannot collate" + where + ": item 0 is " + first.repr() + " but item " +
                                 std::to_string(i) + " is " + items[i].repr());
    }
    if (is_int) return TensorBase(at::tensor(iv, at::kLong));
    return TensorBase(at::tensor(dv, at::kDouble).to(at::kFloat));
  }
  throw std::runtime_error("cannot collate items of type " + std::string(first.type().name()) + where + " (e.g. " +
                           first.repr() +
                           "): turn them into tensors first, e.g. with Categorize for labels "
                           "or ToTensor for images");
}
}  // namespace

Item collate(const std::vector<Item>& items) {
  if (items.empty()) throw std::invalid_argument("collate: no items");
  return collate_at(items, "");
}

at::Tensor item_indices(const std::vector<Item>& items) {
  auto out = at::empty({static_cast<int64_t>(items.size())}, at::kLong);
  auto* p = out.data_ptr<int64_t>();
  for (const auto& i : items) *p++ = i.get<Int>();
  return out;
}

at::Tensor index_tensor(const std::vector<int64_t>& idxs) {
  // index_select only reads it; the caller's vector outlives the call.
  return at::from_blob(const_cast<int64_t*>(idxs.data()), {static_cast<int64_t>(idxs.size())},
                       at::TensorOptions().dtype(at::kLong));
}

std::vector<at::Tensor> batch_tensors(const Item& batch) {
  std::vector<at::Tensor> out;
  std::function<void(const Item&)> walk = [&](const Item& x) {
    if (x.is_tuple())
      for (const auto& e : x.elements()) walk(e);
    else
      out.push_back(tensor_of(x));
  };
  walk(batch);
  return out;
}

Item to_device(const Item& x, c10::Device device) {
  if (x.empty()) return x;
  if (x.is_tuple()) {
    std::vector<Item> out;
    for (const auto& e : x.elements()) out.push_back(to_device(e, device));
    return Item(x.type(), std::move(out));
  }
  if (x.is<TensorBase>()) {
    const auto& t = x.get<TensorBase>();
    return t.device() == device ? x : Item(x.type(), t.to(device));
  }
  return x;
}

std::vector<Item> batch_to_samples(const Item& batch, int64_t max_n) {
  if (batch.is_tuple()) {
    std::vector<std::vector<Item>> cols;
    size_t n = SIZE_MAX;
    for (const auto& e : batch.elements()) {
      cols.push_back(batch_to_samples(e, max_n));
      n = std::min(n, cols.back().size());
    }
    std::vector<Item> out;
    for (size_t i = 0; i < (cols.empty() ? 0 : n); ++i) {
      std::vector<Item> row;
      for (auto& c : cols) row.push_back(c[i]);
      out.push_back(Item(batch.type(), std::move(row)));
    }
    return out;
  }
  // A decoded batch that is not a tensor (a table of rows, say) is one sample.
  if (!batch.is<TensorBase>()) return {batch};
  const auto& t = tensor_of(batch);
  int64_t n = t.dim() == 0 ? 0 : t.size(0);
  if (max_n >= 0) n = std::min(n, max_n);
  std::vector<Item> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(Item(batch.type(), t[i]));
  return out;
}

// ---- DataLoader ----

DataLoader::DataLoader(Source dataset, int64_t n, DataLoaderOptions options)
    : dataset_(std::move(dataset)), n_(options.n.value_or(n)), opt_(std::move(options)) {
  if (opt_.bs < 1) throw std::invalid_argument("DataLoader: bs must be at least 1, got " + std::to_string(opt_.bs));
  if (opt_.num_workers < 0) throw std::invalid_argument("DataLoader: num_workers must be >= 0");
  if (opt_.prefetch < 1) opt_.prefetch = 1;
  seed_ = opt_.seed.value_or(draw_seed());
  epoch_rng_.seed(seed_);

  randomize = [](DataLoader& dl) {
    dl.epoch_seed_ = mix_seed(dl.seed_, dl.epoch_++);
    dl.epoch_rng_.seed(dl.epoch_seed_);
  };
  before_iter = [](DataLoader&) {};
  after_iter = [](DataLoader&) {};
  get_idxs = [](const DataLoader& dl) {
    std::vector<int64_t> idxs(static_cast<size_t>(dl.n()));
    std::iota(idxs.begin(), idxs.end(), 0);
    return dl.options().shuffle ? dl.shuffle_fn(dl, std::move(idxs)) : idxs;
  };
  shuffle_fn = [](const DataLoader& dl, std::vector<int64_t> idxs) {
    // A permutation from libtorch's generator, seeded from the epoch's engine.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(dl.epoch_rng()());
    auto perm = at::randperm(static_cast<int64_t>(idxs.size()), gen, at::TensorOptions().dtype(at::kLong));
    const auto* p = perm.data_ptr<int64_t>();
    std::vector<int64_t> out(idxs.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = idxs[static_cast<size_t>(p[i])];
    return out;
  };
  sample = [](const DataLoader& dl, std::vector<int64_t> idxs) {
    std::vector<std::vector<int64_t>> out;
    const auto bs = static_cast<size_t>(dl.bs());
    for (size_t s = 0; s < idxs.size(); s += bs) {
      if (s + bs > idxs.size() && dl.options().drop_last) break;
      out.emplace_back(idxs.begin() + static_cast<std::ptrdiff_t>(s),
                       idxs.begin() + static_cast<std::ptrdiff_t>(std::min(idxs.size(), s + bs)));
    }
    return out;
  };
  create_item = [](const DataLoader& dl, int64_t i) {
    if (!dl.dataset()) throw std::logic_error("DataLoader has no dataset: set one or replace create_item");
    return dl.dataset()(i);
  };
  after_item = [](const DataLoader&, const Item& x) { return x; };
  do_item = [](const DataLoader& dl, int64_t i) { return dl.after_item(dl, dl.create_item(dl, i)); };
  before_batch = [](const DataLoader&, std::vector<Item> items) { return items; };
  create_batch = [](const DataLoader&, const std::vector<Item>& items) { return collate(items); };
  retain = [](const DataLoader&, const Item& batch, const std::vector<Item>&) { return batch; };
  do_batch = [](const DataLoader& dl, std::vector<Item> items) {
    auto before = dl.before_batch(dl, std::move(items));
    return dl.retain(dl, dl.create_batch(dl, before), before);
  };
  after_batch = [](const DataLoader&, const Item& b) { return b; };
}

int64_t DataLoader::size() const {
  if (n_ <= 0) return 0;
  return n_ / opt_.bs + ((opt_.drop_last || n_ % opt_.bs == 0) ? 0 : 1);
}

Item DataLoader::build_batch(const std::vector<int64_t>& idxs, int64_t b) const {
  // Randomness depends only on (epoch seed, batch index) — and for each item on its position in
  // the batch (below) — so batches are the same for any worker or thread count.
  RngScope scope(mix_seed(epoch_seed_, static_cast<uint64_t>(b)));
  if (create_index_batch) {
    try {
      return create_index_batch(*this, idxs);
    } catch (const std::exception&) {
      rethrow_in_context<DataLoaderError>(
          "DataLoader: building batch " + std::to_string(b) + " (items " + std::to_string(idxs.front()) +
          (idxs.size() > 1 ? "…" + std::to_string(idxs.back()) : std::string()) + ") failed: ");
    }
  }
  // Each item draws from its own stream (epoch seed, batch, position), so items come out the same
  // whichever thread builds them.
  const auto n = static_cast<int64_t>(idxs.size());
  std::vector<Item> built(idxs.size());
  auto make = [&](int64_t k) {
    RngScope item_scope(mix_seed(epoch_seed_, static_cast<uint64_t>(b), 2 + static_cast<uint64_t>(k)));
    const int64_t i = idxs[static_cast<size_t>(k)];
    try {
      built[static_cast<size_t>(k)] = do_item(*this, i);
    } catch (const std::exception&) {
      rethrow_in_context<DataLoaderError>("DataLoader: building batch " + std::to_string(b) + " failed at item " +
                                          std::to_string(i) + ": ");
    }
  };
  if (opt_.parallel_items && n > 1 && at::get_num_threads() > 1 && !at::in_parallel_region())
    at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
      if (prefetch_items)
        prefetch_items(*this, std::span(idxs).subspan(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
      for (int64_t k = begin; k < end; ++k) make(k);
    });
  else {
    if (prefetch_items) prefetch_items(*this, idxs);
    for (int64_t k = 0; k < n; ++k) make(k);
  }
  std::vector<Item> items;
  items.reserve(built.size());
  for (auto& x : built)
    if (!x.empty()) items.push_back(std::move(x));
  if (items.empty()) return Item();
  try {
    return do_batch(*this, std::move(items));
  } catch (const std::exception&) {
    rethrow_in_context<DataLoaderError>(
        "DataLoader: collating batch " + std::to_string(b) + " (items " + std::to_string(idxs.front()) +
        (idxs.size() > 1 ? "…" + std::to_string(idxs.back()) : std::string()) + ") failed: ");
  }
}

Item DataLoader::one_batch() {
  if (size() == 0) throw std::runtime_error("This DataLoader does not contain any batches");
  auto keep = saving(epoch_rng_, epoch_seed_, epoch_);  // one_batch leaves the epoch's randomness alone
  Item out;
  randomize(*this);
  auto batches = sample(*this, get_idxs(*this));
  for (size_t b = 0; b < batches.size() && out.empty(); ++b) out = build_batch(batches[b], static_cast<int64_t>(b));
  if (out.empty()) throw std::runtime_error("every item of the first batches was skipped");
  if (opt_.device) out = to_device(out, *opt_.device);
  RngScope scope(mix_seed(epoch_seed_, 0, 1));
  return after_batch(*this, out);
}

DataLoader DataLoader::new_(std::optional<DataLoaderOptions> options, Source dataset, std::optional<int64_t> n) const {
  DataLoader out = *this;
  if (options) {
    out.opt_ = *options;
    if (out.opt_.bs < 1) throw std::invalid_argument("DataLoader: bs must be at least 1");
    if (options->seed) {
      out.seed_ = *options->seed;
      out.epoch_ = 0;
    }
  }
  if (dataset) out.dataset_ = std::move(dataset);
  if (n)
    out.n_ = *n;
  else if (options && options->n)
    out.n_ = *options->n;
  return out;
}

// ---- iteration ----

struct DataLoader::Iterator::Epoch {
  struct Slot {
    bool ready = false;
    Item batch;
    std::exception_ptr error;
  };
  const DataLoader* dl;
  std::vector<std::vector<int64_t>> batches;
  std::vector<Slot> slots;
  int nw = 0;
  int64_t window = 1;
  std::mutex m;
  std::condition_variable ready_cv, space_cv;
  int64_t consumed = 0;
  bool stop = false;
  std::vector<std::thread> threads;

  void work(int w) {
    at::get_num_threads();   // let ATen initialise this thread's OpenMP settings first,
    omp_set_num_threads(1);  // then keep this worker to one thread: no oversubscription
    for (int64_t b = w; b < static_cast<int64_t>(batches.size()); b += nw) {
      {
        std::unique_lock lock(m);
        space_cv.wait(lock, [&] { return stop || b < consumed + window; });
        if (stop) return;
      }
      Slot s;
      try {
        s.batch = dl->build_batch(batches[static_cast<size_t>(b)], b);
      } catch (...) {
        s.error = std::current_exception();
      }
      s.ready = true;
      {
        std::lock_guard lock(m);
        slots[static_cast<size_t>(b)] = std::move(s);
      }
      ready_cv.notify_all();
    }
  }
  ~Epoch() {
    {
      std::lock_guard lock(m);
      stop = true;
    }
    space_cv.notify_all();
    for (auto& t : threads) t.join();
  }
};

DataLoader::Iterator::Iterator(DataLoader& dl) : dl_(&dl), done_(false) {
  dl.randomize(dl);
  dl.before_iter(dl);
  epoch_ = std::make_shared<Epoch>();
  epoch_->dl = &dl;
  epoch_->batches = dl.sample(dl, dl.get_idxs(dl));
  epoch_->slots.resize(epoch_->batches.size());
  epoch_->nw = dl.opt_.num_workers;
  epoch_->window = static_cast<int64_t>(std::max(1, epoch_->nw) * dl.opt_.prefetch);
  for (int w = 0; w < epoch_->nw; ++w) epoch_->threads.emplace_back([e = epoch_.get(), w] { e->work(w); });
  fetch();
}

void DataLoader::Iterator::fetch() {
  adapt_threads();  // this batch's items may be built on the intra-op threads (core/threads.h)
  auto& e = *epoch_;
  const auto nb = static_cast<int64_t>(e.batches.size());
  while (next_ < nb) {
    const int64_t b = next_++;
    Item batch;
    if (e.nw == 0) {
      batch = dl_->build_batch(e.batches[static_cast<size_t>(b)], b);
    } else {
      Epoch::Slot s;
      {
        std::unique_lock lock(e.m);
        e.ready_cv.wait(lock, [&] { return e.slots[static_cast<size_t>(b)].ready; });
        s = std::move(e.slots[static_cast<size_t>(b)]);
        e.slots[static_cast<size_t>(b)] = Epoch::Slot{};
        e.consumed = b + 1;
      }
      e.space_cv.notify_all();
      if (s.error) {
        done_ = true;
        epoch_.reset();
        std::rethrow_exception(s.error);
      }
      batch = std::move(s.batch);
    }
    if (batch.empty()) continue;  // every item of this batch was skipped
    if (dl_->opt_.device) batch = to_device(batch, *dl_->opt_.device);
    RngScope scope(mix_seed(dl_->epoch_seed_, static_cast<uint64_t>(b), 1));
    current_ = dl_->after_batch(*dl_, batch);
    return;
  }
  done_ = true;
  current_ = Item();
  epoch_.reset();
  dl_->after_iter(*dl_);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  fetch();
  return *this;
}

DataLoader::Iterator DataLoader::begin() { return Iterator(*this); }

}  // namespace fastai
