// Data API overhead, measured against hand-written loops in the same run:
//  1. in-memory Fashion-MNIST tensors + IntToFloatTensor + Normalize through TfmdDL (whole-batch
//     indexing with create_index_batch, the tabular-style loader) vs a loop that slices the
//     tensors and normalises; then the same with an Int item per index (fastai's literal stages);
//  2. the same through the per-item path (create_item per index, collate);
//  3. decode-heavy items (each image upscaled to 128×128 and zlib-compressed on its own, so
//     decoding one costs ~10 µs like a small PNG): items/s with 2 worker threads vs 0.
//
// Usage: bench_data_loader [reps=5]
#include <fastai/data/core.h>
#include <fastai/data/transforms.h>
#include <fastai/fastai.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cstdio>

#include "harness.h"

using namespace fastai;

namespace {

double consume(const torch::Tensor& xb, const torch::Tensor& yb) {
  // Touch the batch so no work is optimised away; cheap next to producing it.
  return xb.sum().item<double>() + static_cast<double>(yb.size(0));
}

std::vector<std::vector<unsigned char>> compress_all(const torch::Tensor& images) {
  std::vector<std::vector<unsigned char>> out;
  const auto n = images.size(0);
  const auto bytes = static_cast<uLong>(images[0].numel());
  for (int64_t i = 0; i < n; ++i) {
    auto img = images[i].contiguous();
    uLongf len = compressBound(bytes);
    std::vector<unsigned char> buf(len);
    compress2(buf.data(), &len, img.data_ptr<uint8_t>(), bytes, 9);
    buf.resize(len);
    out.push_back(std::move(buf));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  init_runtime();
  const auto train = load_mnist_idx(fashion_mnist_dir(), "train");
  const auto x = train.images, y = train.labels;
  const int64_t n = x.size(0), bs = 128;
  const auto mean = torch::tensor({fashion_stats.mean[0]}).to(torch::kFloat).view({1, 1, 1, 1});
  const auto sd = torch::tensor({fashion_stats.std[0]}).to(torch::kFloat).view({1, 1, 1, 1});
  std::printf("Fashion-MNIST train: %ld images, bs %ld, %d intra-op threads, %d reps\n", n, bs, num_threads(), reps);

  // 1. whole-batch TfmdDL vs hand-written slicing loop
  DataLoader base(nullptr, n, {.bs = bs, .shuffle = true, .seed = 1});
  base.create_index_batch = [x, y](const DataLoader&, const std::vector<int64_t>& idx) {
    auto t = index_tensor(idx);
    return Item(Tuple({TensorImage(x.index_select(0, t).unsqueeze(1)), TensorCategory(y.index_select(0, t))}));
  };
  // The same through fastai's literal TabDataLoader stages: an Int item per index, then create_batch.
  DataLoader boxed(nullptr, n, {.bs = bs, .shuffle = true, .seed = 1});
  boxed.do_item = [](const DataLoader&, int64_t i) { return Item(Int(i)); };
  boxed.create_batch = [x, y](const DataLoader&, const std::vector<Item>& idx) {
    auto t = item_indices(idx);
    return Item(Tuple({TensorImage(x.index_select(0, t).unsqueeze(1)), TensorCategory(y.index_select(0, t))}));
  };
  TfmdDL boxed_dl(boxed, {.after_batch = {std::make_shared<IntToFloatTensor>(),
                                          Normalize::from_stats(fashion_stats.mean, fashion_stats.std)},
                          .do_setup = false});
  TfmdDL dl(base, {.after_batch = {std::make_shared<IntToFloatTensor>(),
                                   Normalize::from_stats(fashion_stats.mean, fashion_stats.std)},
                   .do_setup = false});
  double sink = 0;
  auto api = [&] {
    for (const Item& b : dl) {
      auto t = batch_tensors(b);
      sink += consume(t[0], t[1]);
    }
  };
  auto hand = [&] {
    auto perm = torch::randperm(n);
    for (int64_t s = 0; s < n; s += bs) {
      auto idx = perm.slice(0, s, std::min(n, s + bs));
      auto xb = (x.index_select(0, idx).unsqueeze(1).to(torch::kFloat).div(255.0) - mean) / sd;
      sink += consume(xb, y.index_select(0, idx));
    }
  };
  bench::compare("data_api_whole_batch_vs_slicing", api, hand, {.warmup = 1, .reps = reps});
  auto api_boxed = [&] {
    for (const Item& b : boxed_dl) {
      auto t = batch_tensors(b);
      sink += consume(t[0], t[1]);
    }
  };
  bench::compare("data_api_boxed_indices_vs_slicing", api_boxed, hand, {.warmup = 1, .reps = reps});

  // 2. per-item path: one item per index through create_item and collate
  TfmdDL per_item(DataLoader(
                      [x, y](int64_t i) {
                        return Item(Tuple({TensorImage(x[i].unsqueeze(0)), TensorCategory(y[i])}));
                      },
                      n, {.bs = bs, .shuffle = true, .seed = 1}),
                  {.after_batch = {std::make_shared<IntToFloatTensor>(),
                                   Normalize::from_stats(fashion_stats.mean, fashion_stats.std)},
                   .do_setup = false});
  auto api_items = [&] {
    for (const Item& b : per_item) {
      auto t = batch_tensors(b);
      sink += consume(t[0], t[1]);
    }
  };
  bench::compare("data_api_per_item_vs_slicing", api_items, hand, {.warmup = 1, .reps = reps});

  // 3. decode-heavy items: 0 vs 2 worker threads
  const int64_t m = 20000;
  const int64_t side = 128;
  auto big = torch::nn::functional::interpolate(x.slice(0, 0, m).unsqueeze(1).to(torch::kFloat),
                                                torch::nn::functional::InterpolateFuncOptions()
                                                    .size(std::vector<int64_t>{side, side})
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false))
                 .squeeze(1)
                 .round()
                 .clamp(0, 255)
                 .to(torch::kUInt8);
  auto packed = std::make_shared<std::vector<std::vector<unsigned char>>>(compress_all(big));
  auto decode = [packed, side](int64_t i) {
    auto img = torch::empty({1, side, side}, torch::kUInt8);
    uLongf len = static_cast<uLongf>(side * side);
    const auto& src = (*packed)[static_cast<size_t>(i)];
    uncompress(img.data_ptr<uint8_t>(), &len, src.data(), src.size());
    return Item(Tuple({TensorImage(img), Int(i)}));
  };
  DataLoader w0(decode, m, {.bs = bs, .num_workers = 0});
  DataLoader w2(decode, m, {.bs = bs, .num_workers = 2});
  auto run = [&](DataLoader& d) {
    return [&] {
      for (const Item& b : d) sink += static_cast<double>(tensor_of(b[0]).size(0));
    };
  };
  auto c = bench::compare("decode_items_2_workers_vs_0", run(w2), run(w0), {.warmup = 1, .reps = reps});
  std::printf("decode-heavy items: %.0f items/s with 0 workers, %.0f with 2 workers: %.2fx\n", m / c.reference.median_s,
              m / c.candidate.median_s, c.reference.median_s / c.candidate.median_s);
  std::printf("(checksum %.0f)\n", sink);
}
