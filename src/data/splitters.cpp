#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include "fastai/core/random.h"
#include "fastai/data/transforms.h"

namespace fastai {
namespace {
// torch.manual_seed(seed); torch.randperm(n) — the same permutation as Python PyTorch.
std::vector<int64_t> randperm(int64_t n, std::optional<uint64_t> seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed.value_or(draw_seed()));
  auto p = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
  return {p.data_ptr<int64_t>(), p.data_ptr<int64_t>() + n};
}

Splits from_valid(size_t n, std::vector<int64_t> valid) {
  std::vector<bool> is_valid(n, false);
  for (int64_t v : valid) {
    if (v < 0 || static_cast<size_t>(v) >= n)
      throw std::out_of_range("splitter: valid index " + std::to_string(v) + " out of range for " + std::to_string(n) +
                              " items");
    is_valid[static_cast<size_t>(v)] = true;
  }
  std::vector<int64_t> train;
  for (size_t i = 0; i < n; ++i)
    if (!is_valid[i]) train.push_back(static_cast<int64_t>(i));
  return {train, valid};
}

const std::filesystem::path& path_of(const Item& x, const char* who) {
  if (!x.is<Path>()) throw TypeError(std::string(who) + " needs Path items, got " + x.repr());
  return x.get<Path>();
}
}  // namespace

Splitter RandomSplitter(double valid_pct, std::optional<uint64_t> seed) {
  if (valid_pct < 0 || valid_pct > 1) throw std::invalid_argument("RandomSplitter: valid_pct must be in [0, 1]");
  return [=](const std::vector<Item>& items) {
    auto idx = randperm(static_cast<int64_t>(items.size()), seed);
    const auto cut = static_cast<size_t>(valid_pct * static_cast<double>(items.size()));
    return Splits{{idx.begin() + static_cast<std::ptrdiff_t>(cut), idx.end()},
                  {idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(cut)}};
  };
}

Splitter RandomSubsetSplitter(double train_sz, double valid_sz, std::optional<uint64_t> seed) {
  if (!(train_sz > 0 && train_sz < 1 && valid_sz > 0 && valid_sz < 1 && train_sz + valid_sz <= 1))
    throw std::invalid_argument("RandomSubsetSplitter: need 0 < train_sz, valid_sz < 1 and train_sz + valid_sz <= 1");
  return [=](const std::vector<Item>& items) {
    auto idx = randperm(static_cast<int64_t>(items.size()), seed);
    const auto nt = static_cast<size_t>(static_cast<double>(items.size()) * train_sz);
    const auto nv = static_cast<size_t>(static_cast<double>(items.size()) * valid_sz);
    return Splits{{idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(nt)},
                  {idx.begin() + static_cast<std::ptrdiff_t>(nt), idx.begin() + static_cast<std::ptrdiff_t>(nt + nv)}};
  };
}

Splitter IndexSplitter(std::vector<int64_t> valid_idx) {
  return [valid_idx = std::move(valid_idx)](const std::vector<Item>& items) {
    return from_valid(items.size(), valid_idx);
  };
}

Splitter GrandparentSplitter(std::string train_name, std::string valid_name) {
  return [=](const std::vector<Item>& items) {
    Splits s(2);
    for (size_t i = 0; i < items.size(); ++i) {
      const auto gp = path_of(items[i], "GrandparentSplitter").parent_path().parent_path().filename().string();
      if (gp == train_name) s[0].push_back(static_cast<int64_t>(i));
      if (gp == valid_name) s[1].push_back(static_cast<int64_t>(i));
    }
    return s;
  };
}

Splitter FuncSplitter(std::function<bool(const Item&)> is_valid) {
  return [is_valid = std::move(is_valid)](const std::vector<Item>& items) {
    std::vector<int64_t> v;
    for (size_t i = 0; i < items.size(); ++i)
      if (is_valid(items[i])) v.push_back(static_cast<int64_t>(i));
    return from_valid(items.size(), v);
  };
}

Splitter MaskSplitter(std::vector<bool> mask) {
  return [mask = std::move(mask)](const std::vector<Item>& items) {
    if (mask.size() != items.size())
      throw std::invalid_argument("MaskSplitter: mask has " + std::to_string(mask.size()) + " entries for " +
                                  std::to_string(items.size()) + " items");
    std::vector<int64_t> v;
    for (size_t i = 0; i < mask.size(); ++i)
      if (mask[i]) v.push_back(static_cast<int64_t>(i));
    return from_valid(items.size(), v);
  };
}

Splitter FileSplitter(const std::filesystem::path& fname) {
  std::ifstream f(fname);
  if (!f) throw std::runtime_error("FileSplitter: cannot read " + fname.string());
  std::set<std::string> names;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) names.insert(line);
  }
  return FuncSplitter([names = std::move(names)](const Item& x) {
    return names.count(path_of(x, "FileSplitter").filename().string()) > 0;
  });
}

Splitter TrainTestSplitter(double test_size, std::optional<uint64_t> random_state, std::vector<std::string> stratify,
                           bool shuffle) {
  if (test_size <= 0 || test_size >= 1) throw std::invalid_argument("TrainTestSplitter: test_size must be in (0, 1)");
  return [=](const std::vector<Item>& items) {
    const auto n = static_cast<int64_t>(items.size());
    const auto n_test = static_cast<int64_t>(std::ceil(test_size * static_cast<double>(n)));
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    if (shuffle) order = randperm(n, random_state);
    if (stratify.empty()) {
      Splits s{{order.begin() + n_test, order.end()}, {order.begin(), order.begin() + n_test}};
      if (!shuffle) s = {{order.begin(), order.end() - n_test}, {order.end() - n_test, order.end()}};
      return s;
    }
    if (static_cast<int64_t>(stratify.size()) != n)
      throw std::invalid_argument("TrainTestSplitter: stratify has " + std::to_string(stratify.size()) +
                                  " labels for " + std::to_string(n) + " items");
    // Per class, in permutation order; each class gives round(share · n_test) test items.
    std::map<std::string, std::vector<int64_t>> by_class;
    for (int64_t i : order) by_class[stratify[static_cast<size_t>(i)]].push_back(i);
    Splits s(2);
    for (auto& [label, idx] : by_class) {
      const auto k = static_cast<size_t>(
          std::llround(static_cast<double>(idx.size()) * static_cast<double>(n_test) / static_cast<double>(n)));
      s[1].insert(s[1].end(), idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(std::min(k, idx.size())));
      s[0].insert(s[0].end(), idx.begin() + static_cast<std::ptrdiff_t>(std::min(k, idx.size())), idx.end());
    }
    return s;
  };
}

}  // namespace fastai
