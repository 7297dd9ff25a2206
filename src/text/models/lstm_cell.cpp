#include "lstm_cell.h"

#include <algorithm>
#include <vector>

#include "../../vec_math.h"

namespace fastai::detail {
namespace {

// One row's loops. GCC honours __restrict only on parameters: as locals the pointers may alias,
// and with this many of them it gives up vectorising instead of checking at run time.
inline void add_f(float* __restrict g, const float* __restrict b, int64_t n) {
  for (int64_t j = 0; j < n; ++j) g[j] += b[j];
}
inline void round_bf16(uint16_t* __restrict out, const float* __restrict x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) out[j] = vec::to_bf16(x[j]);
}

inline void forward_row(float* __restrict gi, float* __restrict gf, float* __restrict gg, float* __restrict go,
                        const float* __restrict cp, float* __restrict c, float* __restrict tc, float* __restrict h,
                        int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const float i = vec::sigmoid(gi[j]), f = vec::sigmoid(gf[j]), u = vec::tanh(gg[j]), o = vec::sigmoid(go[j]);
    gi[j] = i, gf[j] = f, gg[j] = u, go[j] = o;
    const float cj = f * cp[j] + i * u;
    const float t = vec::tanh(cj);
    c[j] = cj, tc[j] = t, h[j] = o * t;
  }
}

inline void backward_row(const float* __restrict gi, const float* __restrict gf, const float* __restrict gg,
                         const float* __restrict go, const float* __restrict tc, const float* __restrict cp,
                         const float* __restrict dht, float* __restrict dc, float* __restrict di,
                         float* __restrict df, float* __restrict dgg, float* __restrict dgo, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const float i = gi[j], f = gf[j], u = gg[j], o = go[j], t = tc[j], d = dht[j];
    const float dct = d * o * (1.0f - t * t) + dc[j];
    di[j] = dct * u * i * (1.0f - i);
    df[j] = dct * cp[j] * f * (1.0f - f);
    dgg[j] = dct * i * (1.0f - u * u);
    dgo[j] = d * t * o * (1.0f - o);
    dc[j] = dct * f;
  }
}

FASTAI_CLONES void forward_rows(const CellForward& a) {
  const int64_t H = a.H;
  for (int64_t r = 0; r < a.n; ++r) {
    float* g = a.gates + r * a.gates_stride;
    add_f(g, a.hh + r * a.hh_stride, 4 * H);
    float* h = a.h + r * a.h_stride;
    forward_row(g, g + H, g + 2 * H, g + 3 * H, a.c_prev + r * a.c_prev_stride, a.c + r * a.c_stride,
                a.tc + r * a.tc_stride, h, H);
    if (a.h_next_bf16) round_bf16(a.h_next_bf16 + r * a.h_next_stride, h, H);
    if (a.h_next_f32) std::copy(h, h + H, a.h_next_f32 + r * a.h_next_stride);
  }
}

FASTAI_CLONES void backward_rows(const CellBackward& a, float* dht, float* dg) {
  const int64_t H = a.H;
  for (int64_t r = 0; r < a.n; ++r) {
    std::fill(dht, dht + H, 0.0f);
    if (a.dy) add_f(dht, a.dy + r * a.dy_stride, H);
    if (a.dh) add_f(dht, a.dh + r * a.dh_stride, H);
    const float* g = a.gates + r * a.gates_stride;
    float* out = a.dgates_f ? a.dgates_f + r * a.dgates_stride : dg;
    backward_row(g, g + H, g + 2 * H, g + 3 * H, a.tc + r * a.tc_stride, a.c_prev + r * a.c_prev_stride, dht,
                 a.dc + r * a.dc_stride, out, out + H, out + 2 * H, out + 3 * H, H);
    if (a.dgates_bf16) round_bf16(a.dgates_bf16 + r * a.dgates_stride, dg, 4 * H);
  }
}

FASTAI_CLONES void sigmoid_n(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = vec::sigmoid(x[i]);
}

FASTAI_CLONES void tanh_n(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = vec::tanh(x[i]);
}

}  // namespace

void lstm_cell_forward(const CellForward& a) { forward_rows(a); }

void lstm_cell_backward(const CellBackward& a) {
  // Row scratch: the summed dh, and the gate gradients before their rounding to bf16.
  thread_local std::vector<float> dht, dg;
  dht.resize(a.H), dg.resize(4 * a.H);
  backward_rows(a, dht.data(), dg.data());
}

void lstm_sigmoid(const float* x, float* y, int64_t n) { sigmoid_n(x, y, n); }
void lstm_tanh(const float* x, float* y, int64_t n) { tanh_n(x, y, n); }

}  // namespace fastai::detail
