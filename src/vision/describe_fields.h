#pragma once
// The JSON field lists of the vision transforms' enums and options structs, declared once for
// augment.cpp and batch_augment.cpp (internal: includes the whole of nlohmann/json).
#include "fastai/core/json.h"
#include "fastai/vision/augment.h"
#include "fastai/vision/batch_augment.h"

namespace fastai {

FASTAI_JSON_ENUM(ResizeMethod,
                 {{ResizeMethod::Crop, "crop"}, {ResizeMethod::Pad, "pad"}, {ResizeMethod::Squish, "squish"}})
FASTAI_JSON_ENUM(PadMode, {{PadMode::Zeros, "zeros"}, {PadMode::Border, "border"}, {PadMode::Reflection, "reflection"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RandomResizedCropOptions, min_scale, max_scale, ratio, val_xtra)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RandomResizedCropGPUOptions, min_scale, ratio, nearest, valid_scale,
                                                max_scale)

FASTAI_JSON_ENUM(AffineAug::Kind, {{AffineAug::Kind::Flip, "flip"},
                                   {AffineAug::Kind::Dihedral, "dihedral"},
                                   {AffineAug::Kind::Rotate, "rotate"},
                                   {AffineAug::Kind::Zoom, "zoom"},
                                   {AffineAug::Kind::Warp, "warp"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AffineAug, kind, p, max_deg, min_zoom, max_zoom, magnitude)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AffineOptions, size, nearest, pad_mode, align_corners)
FASTAI_JSON_ENUM(LightingAug::Kind, {{LightingAug::Kind::Brightness, "brightness"},
                                     {LightingAug::Kind::Contrast, "contrast"},
                                     {LightingAug::Kind::Saturation, "saturation"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LightingAug, kind, max_lighting, p)

}  // namespace fastai
