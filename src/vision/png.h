#pragma once
// A fast decoder for the common PNG case (8-bit grey, grey+alpha, RGB or RGBA, not interlaced,
// no palette or transparency chunk), with libdeflate's inflate: for small images such as
// Fashion-MNIST's 28×28 files most of OpenCV's (libpng + zlib) time is set-up per file, and
// loading must hide behind the model's compute. Internal to the library; load_image uses it and
// falls back to OpenCV for everything else.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fastai/vision/core.h"

namespace fastai::detail {

// The decoded [H, W, C] uint8 image in `mode` (RGB or RGBA channel order), or nullopt when the
// file is not a PNG this decoder handles — including a corrupt one (bad CRC, bad deflate data,
// truncation): the caller then asks OpenCV, which decodes it or explains the error. Asking a
// colour PNG for grey also returns nullopt (OpenCV's weights are the reference there).
std::optional<at::Tensor> decode_png_fast(const uint8_t* data, size_t n, ImageMode mode);

// For a file that starts with PNG's signature: what is wrong with its chunk structure (cut off,
// a CRC that does not match, no IHDR first, no IDAT, no IEND), or nullopt when it is sound or
// not a PNG. load_image refuses a broken PNG with this reason instead of handing it to OpenCV,
// whose libpng would print its own warnings to stderr before failing.
std::optional<std::string> png_structure_problem(const uint8_t* data, size_t n);

// Whether the data is a PNG whose header says palette colour (type 3).
bool png_is_palette(const uint8_t* data, size_t n);

// A palette PNG's pixel indices — the class codes of a palette mask such as VOC's — as uint8
// [H, W, 1] (bit depths 1, 2, 4, 8; not interlaced); nullopt for anything else or a corrupt file.
std::optional<at::Tensor> decode_png_palette_indices(const uint8_t* data, size_t n);

}  // namespace fastai::detail
