#include "packed_matmul.h"

#include <ATen/ATen.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <stdexcept>
#include <string>
#include <unordered_map>

namespace fastai::detail {
namespace {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::memory::data_type dnnl_type(at::ScalarType t) {
  if (t == at::kFloat) return dnnl::memory::data_type::f32;
  if (t == at::kBFloat16) return dnnl::memory::data_type::bf16;
  throw std::invalid_argument(std::string("PackedMatmul: float32 or bfloat16 weights expected, got ") +
                              c10::toString(t));
}

}  // namespace

struct PackedMatmul::Impl {
  dnnl::stream stream{cpu_engine()};
  dnnl::matmul prim;
  dnnl::memory a, b, c, bias, scratch;
  at::Tensor bias_values, b_buf, scratch_buf;
};

PackedMatmul::PackedMatmul(const at::Tensor& b, int64_t m, const at::Tensor& bias, bool c_bf16)
    : impl_(std::make_unique<Impl>()) {
  using md = dnnl::memory::desc;
  using tag = dnnl::memory::format_tag;
  const auto& eng = cpu_engine();
  const auto t = dnnl_type(b.scalar_type());
  const int64_t k = b.size(0), n = b.size(1);
  const md a_md({m, k}, t, tag::ab);
  const md c_md({m, n}, c_bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32, tag::ab);
  // format_tag::any: the primitive picks its packed layout (AMX tiles for bf16 where it has them).
  const md b_any({k, n}, t, tag::any);
  const md bias_md = bias.defined() ? md({1, n}, dnnl::memory::data_type::f32, tag::ab) : md();
  // Buffers (packed weight, scratchpad) come from ATen's allocator, i.e. the caching CPU
  // allocator: oneDNN's own malloc hands back fresh, page-faulting memory for every product.
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, bias_md, c_md), attr, eng);
  impl_->prim = dnnl::matmul(pd);
  auto bytes = [&](const md& d) { return at::empty({static_cast<int64_t>(d.get_size())}, at::kByte); };
  impl_->scratch_buf = bytes(pd.scratchpad_desc());
  impl_->scratch = dnnl::memory(pd.scratchpad_desc(), eng, impl_->scratch_buf.data_ptr());
  // The user's weight with its own strides, packed once.
  dnnl::memory user(md({k, n}, t, {b.stride(0), b.stride(1)}), eng, b.data_ptr());
  impl_->b_buf = bytes(pd.weights_desc());
  impl_->b = dnnl::memory(pd.weights_desc(), eng, impl_->b_buf.data_ptr());
  dnnl::reorder(user, impl_->b).execute(impl_->stream, user, impl_->b);
  impl_->stream.wait();
  if (bias.defined()) {
    impl_->bias_values = bias.to(at::kFloat).contiguous();
    impl_->bias = dnnl::memory(bias_md, eng, impl_->bias_values.data_ptr());
  }
  impl_->a = dnnl::memory(a_md, eng, DNNL_MEMORY_NONE);
  impl_->c = dnnl::memory(c_md, eng, DNNL_MEMORY_NONE);
}

PackedMatmul::~PackedMatmul() = default;

void PackedMatmul::operator()(const void* a, void* c) {
  impl_->a.set_data_handle(const_cast<void*>(a));
  impl_->c.set_data_handle(c);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, impl_->a}, {DNNL_ARG_WEIGHTS, impl_->b}, {DNNL_ARG_DST, impl_->c},
      {DNNL_ARG_SCRATCHPAD, impl_->scratch}};
  if (impl_->bias_values.defined()) args.emplace(DNNL_ARG_BIAS, impl_->bias);
  impl_->prim.execute(impl_->stream, args);
  impl_->stream.wait();
}

}  // namespace fastai::detail
