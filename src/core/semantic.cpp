#include "fastai/core/semantic.h"

#include <ATen/ATen.h>

#include <sstream>

namespace fastai {
namespace {

std::string shape_of(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream s;
  s << c10::toString(t.scalar_type()) << " [";
  for (int64_t d = 0; d < t.dim(); ++d) s << (d ? ", " : "") << t.size(d);
  s << "]";
  if (t.dim() == 0 && t.numel() == 1) {
    if (at::isFloatingType(t.scalar_type()))
      s << " " << t.item<double>();
    else if (t.scalar_type() != at::kBool)
      s << " " << t.item<int64_t>();
  }
  return s.str();
}

std::string clip(std::string s) { return s.size() > 40 ? s.substr(0, 37) + "..." : s; }

// Registers every built-in type by name (so descriptions can refer to them) and their reprs.
const bool registered = [] {
  for (const TypeInfo* t :
       {&TensorBase::info(), &TensorImageBase::info(), &TensorImage::info(), &TensorImageBW::info(),
        &TensorMask::info(), &TensorCategory::info(), &TensorMultiCategory::info(), &TensorPoint::info(),
        &TensorBBox::info(), &TensorText::info(), &LMTensorText::info(), &Str::info(), &Category::info(),
        &MultiCategory::info(), &Path::info(), &Int::info(), &Float::info(), &Tuple::info()})
    (void)t;
  register_repr(typeid(at::Tensor), [](const Item& x) { return shape_of(x.payload<at::Tensor>()); });
  register_repr(typeid(std::string), [](const Item& x) {
    std::string s(1, '"');  // built by appending: g++ 12 warns falsely on "\"" + std::string
    s += clip(x.payload<std::string>());
    s += '"';
    return s;
  });
  register_repr(typeid(std::filesystem::path),
                [](const Item& x) { return clip(x.payload<std::filesystem::path>().string()); });
  register_repr(typeid(int64_t), [](const Item& x) { return std::to_string(x.payload<int64_t>()); });
  register_repr(typeid(double), [](const Item& x) {
    std::ostringstream s;
    s << x.payload<double>();
    return s.str();
  });
  register_repr(typeid(std::vector<std::string>), [](const Item& x) {
    std::string s = "[";
    for (const auto& v : x.payload<std::vector<std::string>>()) s += (s.size() > 1 ? ", " : "") + clip(v);
    return s + "]";
  });
  return true;
}();

}  // namespace
}  // namespace fastai
