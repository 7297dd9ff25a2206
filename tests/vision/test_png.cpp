// The PNG fast path (src/vision/png.cpp) decodes exactly what OpenCV decodes, for every filter,
// compression level and channel layout OpenCV writes, and steps aside for what it does not handle.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fastai/vision/core.h"
#include "test_util.h"
#include "vision/png.h"

using namespace fastai;

namespace {
// What OpenCV decodes, as an RGB(A)-ordered [H, W, C] tensor.
at::Tensor opencv_decode(const std::vector<uint8_t>& png, ImageMode mode) {
  const int flags = mode == ImageMode::RGB    ? cv::IMREAD_COLOR
                    : mode == ImageMode::Gray ? cv::IMREAD_GRAYSCALE
                                              : cv::IMREAD_UNCHANGED;
  cv::Mat m = cv::imdecode(png, flags);
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2RGBA);
  return torch::from_blob(m.data, {m.rows, m.cols, m.channels()}, torch::kUInt8).clone();
}

std::vector<uint8_t> encode(const cv::Mat& m, int level, int strategy) {
  std::vector<uint8_t> out;
  cv::imencode(".png", m, out, {cv::IMWRITE_PNG_COMPRESSION, level, cv::IMWRITE_PNG_STRATEGY, strategy});
  return out;
}

// Smooth gradients plus noise, so libpng's adaptive filtering picks every filter type somewhere.
cv::Mat picture(int h, int w, int channels, int seed) {
  cv::Mat m(h, w, CV_8UC(channels));
  cv::RNG rng(static_cast<uint64_t>(seed));
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c)
      for (int k = 0; k < channels; ++k)
        m.ptr<uint8_t>(r)[c * channels + k] = static_cast<uint8_t>(
            (seed % 3 == 0 ? rng.uniform(0, 256) : (r * 7 + c * 3 + k * 50 + rng.uniform(0, 6 + seed)) % 256));
  return m;
}
}  // namespace

TEST(Png, FastPathMatchesOpenCvExactly) {
  int checked = 0;
  const int strategies[] = {cv::IMWRITE_PNG_STRATEGY_DEFAULT, cv::IMWRITE_PNG_STRATEGY_FILTERED,
                            cv::IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY, cv::IMWRITE_PNG_STRATEGY_RLE,
                            cv::IMWRITE_PNG_STRATEGY_FIXED};
  const std::pair<int, int> sizes[] = {
      {1, 1}, {5, 7}, {28, 28}, {17, 33}, {300, 200}};  // the last spans several IDAT chunks
  int seed = 0;
  for (int channels : {1, 3, 4})
    for (auto [h, w] : sizes)
      for (int level : {0, 1, 6, 9})
        for (int strategy : strategies) {
          if (h == 300 && (level != 0 || strategy != cv::IMWRITE_PNG_STRATEGY_DEFAULT))
            continue;  // one big one per layout
          const auto png = encode(picture(h, w, channels, ++seed), level, strategy);
          if (h == 300) {
            const std::string bytes(png.begin(), png.end());
            size_t idats = 0;
            for (auto p = bytes.find("IDAT"); p != std::string::npos; p = bytes.find("IDAT", p + 4)) ++idats;
            EXPECT_GT(idats, 1u);
          }
          for (auto mode : {ImageMode::RGB, ImageMode::Gray, ImageMode::Unchanged}) {
            const auto fast = fastai::detail::decode_png_fast(png.data(), png.size(), mode);
            if (mode == ImageMode::Gray && channels != 1) {
              EXPECT_FALSE(fast.has_value());  // colour → grey is OpenCV's conversion
              continue;
            }
            ASSERT_TRUE(fast.has_value()) << channels << " channels, " << h << "x" << w << ", level " << level;
            ASSERT_TRUE(torch::equal(*fast, opencv_decode(png, mode)))
                << channels << " channels, " << h << "x" << w << ", level " << level << ", strategy " << strategy;
            ++checked;
          }
        }
  EXPECT_GT(checked, 150);
}

TEST(Png, CorruptOrUnsupportedFilesGoToOpenCv) {
  const auto png = encode(picture(28, 28, 1, 1), 6, cv::IMWRITE_PNG_STRATEGY_DEFAULT);
  ASSERT_TRUE(fastai::detail::decode_png_fast(png.data(), png.size(), ImageMode::Gray).has_value());
  // a flipped byte in the image data: the chunk's CRC no longer matches
  auto bad = png;
  bad[bad.size() - 20] ^= 0x55;
  EXPECT_FALSE(fastai::detail::decode_png_fast(bad.data(), bad.size(), ImageMode::Gray).has_value());
  EXPECT_THROW(decode_image(bad, "bad.png", ImageMode::Gray), ImageError);  // and OpenCV refuses it too
  // truncated
  std::vector<uint8_t> cut(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2));
  EXPECT_FALSE(fastai::detail::decode_png_fast(cut.data(), cut.size(), ImageMode::Gray).has_value());
  EXPECT_THROW(decode_image(cut, "cut.png", ImageMode::Gray), ImageError);
  // 16-bit: not the fast path's, but still readable through OpenCV's path (which refuses depth 16)
  cv::Mat deep(4, 4, CV_16UC1, cv::Scalar(1000));
  std::vector<uint8_t> png16;
  cv::imencode(".png", deep, png16);
  EXPECT_FALSE(fastai::detail::decode_png_fast(png16.data(), png16.size(), ImageMode::Unchanged).has_value());
  // not a PNG at all
  std::vector<uint8_t> jpg;
  cv::imencode(".jpg", picture(8, 8, 3, 2), jpg);
  EXPECT_FALSE(fastai::detail::decode_png_fast(jpg.data(), jpg.size(), ImageMode::RGB).has_value());
  EXPECT_EQ(decode_image(jpg, "x.jpg", ImageMode::RGB).sizes(), (std::vector<int64_t>{8, 8, 3}));
}

namespace {
uint32_t crc32_of(const uint8_t* p, size_t n) {  // PNG's CRC-32 (bitwise; tests only)
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}
}  // namespace

TEST(Png, AHeaderClaimingAHugeImageIsNotAllocated) {
  auto png = encode(picture(4, 4, 1, 3), 6, cv::IMWRITE_PNG_STRATEGY_DEFAULT);
  // IHDR's width and height (bytes 16–23) → 60000 × 50000, with a valid CRC
  const uint8_t dims[8] = {0x00, 0x00, 0xEA, 0x60, 0x00, 0x00, 0xC3, 0x50};
  std::copy(dims, dims + 8, png.begin() + 16);
  const uint32_t crc = crc32_of(png.data() + 12, 17);
  for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  EXPECT_FALSE(fastai::detail::decode_png_fast(png.data(), png.size(), ImageMode::Gray).has_value());
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 512 * 1024) << "KiB of peak memory grew: the 3 GB buffer was allocated";
}
