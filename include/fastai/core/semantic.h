#pragma once
/// The built-in semantic types (fastai.torch_core's TensorBase family, vision's TensorPoint
/// and TensorBBox, text's TensorText, and the pre-tensor item types). Their tree:
///
///   Any ─┬─ TensorBase ─┬─ TensorImageBase ─┬─ TensorImage ── TensorImageBW
///        │              │                   └─ TensorMask
///        │              ├─ TensorCategory ── TensorMultiCategory
///        │              ├─ TensorPoint ── TensorBBox
///        │              └─ TensorText ── LMTensorText
///        ├─ Str ── Category                  (std::string)
///        ├─ MultiCategory                     (std::vector<std::string>)
///        ├─ Path                              (std::filesystem::path)
///        ├─ Int                               (int64_t)
///        ├─ Float                             (double)
///        └─ Tuple                             (std::vector<Item>)
///
/// Users add their own with FASTAI_SEMANTIC_TYPE / FASTAI_SEMANTIC_SUBTYPE.
///
/// Example:
///   fastai::Item x = fastai::TensorImage(torch::rand({3, 28, 28}));
///   fastai::Item y = fastai::TensorCategory(torch::tensor(3));
///   fastai::Item xy = fastai::Tuple({x, y});
///
/// Thread-safety: The types are registered once at start-up (locked); constructing items is safe from any
/// thread.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fastai/core/item.h"

namespace fastai {

FASTAI_SEMANTIC_TYPE(TensorBase, at::Tensor);
FASTAI_SEMANTIC_SUBTYPE(TensorImageBase, TensorBase);
FASTAI_SEMANTIC_SUBTYPE(TensorImage, TensorImageBase);
FASTAI_SEMANTIC_SUBTYPE(TensorImageBW, TensorImage);
FASTAI_SEMANTIC_SUBTYPE(TensorMask, TensorImageBase);
FASTAI_SEMANTIC_SUBTYPE(TensorCategory, TensorBase);
FASTAI_SEMANTIC_SUBTYPE(TensorMultiCategory, TensorCategory);
FASTAI_SEMANTIC_SUBTYPE(TensorPoint, TensorBase);
FASTAI_SEMANTIC_SUBTYPE(TensorBBox, TensorPoint);
FASTAI_SEMANTIC_SUBTYPE(TensorText, TensorBase);
FASTAI_SEMANTIC_SUBTYPE(LMTensorText, TensorText);

FASTAI_SEMANTIC_TYPE(Str, std::string);
FASTAI_SEMANTIC_SUBTYPE(Category, Str);
FASTAI_SEMANTIC_TYPE(MultiCategory, std::vector<std::string>);
FASTAI_SEMANTIC_TYPE(Path, std::filesystem::path);
FASTAI_SEMANTIC_TYPE(Int, int64_t);
FASTAI_SEMANTIC_TYPE(Float, double);

/// The tensor of a tensor-typed item (any TensorBase descendant). Example: `tensor_of(x).sizes()`.
inline const at::Tensor& tensor_of(const Item& x) { return x.get<TensorBase>(); }

}  // namespace fastai
