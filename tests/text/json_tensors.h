#pragma once
// Tensors from the JSON the tools/gen_*_reference.py scripts write: {"shape", "values"} objects
// and lists of token-id rows (shared by the text model tests).
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <vector>

namespace fastai::testing {

inline at::Tensor tensor_of(const nlohmann::json& j) {
  return at::tensor(j["values"].get<std::vector<float>>()).view(j["shape"].get<std::vector<int64_t>>());
}

inline at::Tensor ids_of(const nlohmann::json& j) {
  const auto rows = j.get<std::vector<std::vector<int64_t>>>();
  std::vector<int64_t> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), -1});
}

}  // namespace fastai::testing
