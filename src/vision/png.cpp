#include "png.h"

#include <ATen/EmptyTensor.h>
#include <ATen/core/Tensor.h>
#include <libdeflate.h>

#include <cstring>
#include <memory>
#include <vector>

namespace fastai::detail {
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

libdeflate_decompressor* decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(libdeflate_alloc_decompressor());
  return d.get();
}

// PNG's row filters (specification, section 9), undone in place: `row` holds the filtered bytes
// and becomes the pixels; `prev` is the previous row's pixels (nullptr for the first row).
bool unfilter(uint8_t type, uint8_t* row, const uint8_t* prev, size_t stride, size_t bpp) {
  switch (type) {
    case 0:
      return true;
    case 1:
      for (size_t i = bpp; i < stride; ++i) row[i] = static_cast<uint8_t>(row[i] + row[i - bpp]);
      return true;
    case 2:
      if (prev)
        for (size_t i = 0; i < stride; ++i) row[i] = static_cast<uint8_t>(row[i] + prev[i]);
      return true;
    case 3:
      for (size_t i = 0; i < stride; ++i) {
        const unsigned left = i >= bpp ? row[i - bpp] : 0, up = prev ? prev[i] : 0;
        row[i] = static_cast<uint8_t>(row[i] + ((left + up) >> 1));
      }
      return true;
    case 4:
      for (size_t i = 0; i < stride; ++i) {
        const int a = i >= bpp ? row[i - bpp] : 0, b = prev ? prev[i] : 0, c = (prev && i >= bpp) ? prev[i - bpp] : 0;
        const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        row[i] = static_cast<uint8_t>(row[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c));
      }
      return true;
    default:
      return false;
  }
}

bool harmless_ancillary(const uint8_t* type) {
  // Chunks OpenCV's decoder does not act on either (text, time, resolution, colour-space tags).
  static const char* kOk[] = {"tEXt", "zTXt", "iTXt", "tIME", "pHYs", "sRGB", "gAMA", "cHRM", "iCCP", "bKGD", "sBIT"};
  for (const char* k : kOk)
    if (std::memcmp(type, k, 4) == 0) return true;
  return false;
}

}  // namespace

std::optional<std::string> png_structure_problem(const uint8_t* data, size_t n) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n < 8 || std::memcmp(data, kSig, 8) != 0) return std::nullopt;
  size_t pos = 8, idat = 0;
  while (pos < n) {
    if (n - pos < 12) return "cut off inside the chunk at byte " + std::to_string(pos) + " (truncated file)";
    const uint32_t len = be32(data + pos);
    const uint8_t* type = data + pos + 4;
    const std::string name(reinterpret_cast<const char*>(type), 4);
    if (len > n - pos - 12)
      return "cut off inside the " + name + " chunk at byte " + std::to_string(pos) + " (truncated file)";
    if (pos == 8 && name != "IHDR") return "the first chunk is " + name + ", not IHDR";
    if (libdeflate_crc32(0, type, len + 4) != be32(type + 4 + len))
      return "the " + name + " chunk at byte " + std::to_string(pos) + " fails its CRC check (corrupt file)";
    if (name == "IDAT") ++idat;
    if (name == "IEND") return idat ? std::nullopt : std::optional<std::string>("it has no image data (IDAT)");
    pos += 12 + len;
  }
  return "it ends without an IEND chunk (truncated file)";
}

std::optional<at::Tensor> decode_png_fast(const uint8_t* data, size_t n, ImageMode mode) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n < 8 + 25 || std::memcmp(data, kSig, 8) != 0) return std::nullopt;
  size_t pos = 8;
  uint32_t w = 0, h = 0;
  int colour = -1;
  std::vector<uint8_t> idat;        // several IDAT chunks joined (larger images only)
  const uint8_t* single = nullptr;  // the one IDAT chunk, used in place (the usual case)
  size_t single_n = 0, idat_chunks = 0;
  bool ended = false;
  while (pos + 12 <= n) {
    const uint32_t len = be32(data + pos);
    const uint8_t* type = data + pos + 4;
    if (len > n - pos - 12) return std::nullopt;  // truncated
    const uint8_t* body = type + 4;
    if (libdeflate_crc32(0, type, len + 4) != be32(body + len)) return std::nullopt;
    if (std::memcmp(type, "IHDR", 4) == 0) {
      if (len != 13 || pos != 8) return std::nullopt;
      w = be32(body), h = be32(body + 4);
      const int depth = body[8];
      colour = body[9];
      if (depth != 8 || body[10] != 0 || body[11] != 0 || body[12] != 0) return std::nullopt;  // 8-bit, not interlaced
      if (colour != 0 && colour != 2 && colour != 4 && colour != 6) return std::nullopt;       // no palette
      if (w == 0 || h == 0 || w > (1u << 16) || h > (1u << 16)) return std::nullopt;
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      if (colour < 0) return std::nullopt;
      if (idat_chunks++ == 0) {
        single = body, single_n = len;
      } else {
        if (idat_chunks == 2) idat.assign(single, single + single_n);
        idat.insert(idat.end(), body, body + len);
      }
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      ended = true;
      break;
    } else if (!harmless_ancillary(type)) {
      return std::nullopt;  // tRNS, PLTE, unknown chunks: OpenCV knows what to do
    }
    pos += 12 + len;
  }
  if (!ended || idat_chunks == 0) return std::nullopt;

  const size_t in_ch = colour == 0 ? 1 : colour == 2 ? 3 : colour == 4 ? 2 : 4;
  size_t out_ch = in_ch;
  if (mode == ImageMode::Gray) {
    if (colour != 0 && colour != 4) return std::nullopt;  // colour → grey: OpenCV's conversion
    out_ch = 1;
  } else if (mode == ImageMode::RGB) {
    out_ch = 3;
  } else if (colour == 4) {
    return std::nullopt;  // grey + alpha unchanged: OpenCV's layout
  }
  const size_t stride = static_cast<size_t>(w) * in_ch;
  const size_t raw_n = static_cast<size_t>(h) * (stride + 1);
  const uint8_t* z = idat_chunks == 1 ? single : idat.data();
  const size_t zn = idat_chunks == 1 ? single_n : idat.size();
  // A header claiming more pixels than deflate can expand the data to (at most ~1032:1), or a
  // huge image, is not allocated here: OpenCV applies its own limits and says what is wrong.
  if (raw_n > (size_t{1} << 28) || raw_n > zn * 1100 + 4096) return std::nullopt;
  // Small images reuse a per-thread buffer; a large one gets its own, so a loader thread does not
  // keep hundreds of MB alive after one big file.
  thread_local std::vector<uint8_t> small;
  std::vector<uint8_t> large;
  auto& raw = raw_n <= (size_t{1} << 20) ? small : large;
  raw.resize(raw_n);
  if (libdeflate_zlib_decompress(decompressor(), z, zn, raw.data(), raw.size(), nullptr) != LIBDEFLATE_SUCCESS)
    return std::nullopt;

  // Unfilter in place in `raw` (each row after its filter byte), then lay the pixels out.
  const uint8_t* prev = nullptr;
  for (size_t r = 0; r < h; ++r) {
    uint8_t* row = raw.data() + r * (stride + 1);
    if (!unfilter(row[0], row + 1, prev, stride, in_ch)) return std::nullopt;
    prev = row + 1;
  }
  // at::detail::empty_cpu skips the dispatcher: the same tensor as torch::empty, 70 ns sooner.
  at::Tensor out = at::detail::empty_cpu(
      {static_cast<int64_t>(h), static_cast<int64_t>(w), static_cast<int64_t>(out_ch)}, at::kByte);
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (size_t r = 0; r < h; ++r) {
    const uint8_t* src = raw.data() + r * (stride + 1) + 1;
    uint8_t* d = dst + r * static_cast<size_t>(w) * out_ch;
    if (out_ch == in_ch) {
      std::memcpy(d, src, stride);
    } else {
      for (size_t x = 0; x < w; ++x)
        for (size_t c = 0; c < out_ch; ++c)
          d[x * out_ch + c] = src[x * in_ch + (in_ch <= 2 ? 0 : c)];  // grey → RGB, or alpha dropped
    }
  }
  return out;
}

bool png_is_palette(const uint8_t* data, size_t n) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n >= 8 + 25 && std::memcmp(data, kSig, 8) == 0 && std::memcmp(data + 12, "IHDR", 4) == 0 && data[25] == 3;
}

std::optional<at::Tensor> decode_png_palette_indices(const uint8_t* data, size_t n) {
  if (!png_is_palette(data, n)) return std::nullopt;
  size_t pos = 8;
  uint32_t w = 0, h = 0;
  int depth = 0;
  std::vector<uint8_t> idat;
  bool ended = false;
  while (pos + 12 <= n) {
    const uint32_t len = be32(data + pos);
    const uint8_t* type = data + pos + 4;
    if (len > n - pos - 12) return std::nullopt;
    const uint8_t* body = type + 4;
    if (libdeflate_crc32(0, type, len + 4) != be32(body + len)) return std::nullopt;
    if (std::memcmp(type, "IHDR", 4) == 0) {
      if (len != 13 || pos != 8) return std::nullopt;
      w = be32(body), h = be32(body + 4), depth = body[8];
      if (depth != 1 && depth != 2 && depth != 4 && depth != 8) return std::nullopt;
      if (body[10] != 0 || body[11] != 0 || body[12] != 0) return std::nullopt;  // not interlaced
      if (w == 0 || h == 0 || w > (1u << 16) || h > (1u << 16)) return std::nullopt;
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      idat.insert(idat.end(), body, body + len);
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      ended = true;
      break;
    } else if (!(type[0] & 0x20) && std::memcmp(type, "PLTE", 4) != 0) {
      return std::nullopt;  // an unknown critical chunk
    }  // PLTE, tRNS and ancillary chunks: the colours do not matter, the indices are the codes
    pos += 12 + len;
  }
  if (!ended || idat.empty() || depth == 0) return std::nullopt;
  const size_t stride = (static_cast<size_t>(w) * static_cast<size_t>(depth) + 7) / 8;
  const size_t raw_n = static_cast<size_t>(h) * (stride + 1);
  if (raw_n > (size_t{1} << 28) || raw_n > idat.size() * 1100 + 4096) return std::nullopt;
  std::vector<uint8_t> raw(raw_n);
  if (libdeflate_zlib_decompress(decompressor(), idat.data(), idat.size(), raw.data(), raw.size(), nullptr) !=
      LIBDEFLATE_SUCCESS)
    return std::nullopt;
  const uint8_t* prev = nullptr;
  for (size_t r = 0; r < h; ++r) {
    uint8_t* row = raw.data() + r * (stride + 1);
    if (!unfilter(row[0], row + 1, prev, stride, 1)) return std::nullopt;  // filters work on bytes: bpp 1
    prev = row + 1;
  }
  at::Tensor out = at::detail::empty_cpu({static_cast<int64_t>(h), static_cast<int64_t>(w), 1}, at::kByte);
  uint8_t* dst = out.data_ptr<uint8_t>();
  const unsigned per_byte = 8u / static_cast<unsigned>(depth), mask = (1u << depth) - 1;
  for (size_t r = 0; r < h; ++r) {
    const uint8_t* src = raw.data() + r * (stride + 1) + 1;
    uint8_t* d = dst + r * w;
    for (size_t x = 0; x < w; ++x) {
      // Sub-byte depths pack the leftmost pixel in the high bits.
      const unsigned shift = static_cast<unsigned>(depth) * (per_byte - 1 - static_cast<unsigned>(x % per_byte));
      d[x] = static_cast<uint8_t>((src[x / per_byte] >> shift) & mask);
    }
  }
  return out;
}

}  // namespace fastai::detail
