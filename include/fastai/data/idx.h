#pragma once
/// Reader for the idx format of (Fashion-)MNIST: a big-endian header (magic 00 00 <type>
/// <ndims>, then one int32 per dimension) followed by the raw values. Gzipped files are
/// read transparently.
///
/// Thread-safety: Reading and writing are safe from any thread (no shared state; writes are atomic).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace fastai {

/// Thrown for a missing, unreadable, truncated or malformed idx file; `what()` names the file
/// and what is wrong with it.
///
/// Example:
///   try { read_idx("labels.gz"); } catch (const IdxError& e) { std::cerr << e.what(); }
class IdxError : public std::runtime_error {
 public:
  IdxError(const std::filesystem::path& file, const std::string& problem);
  /// The file the error is about.
  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  std::filesystem::path file_;
};

/// Reads an idx file (optionally gzipped) into a tensor whose shape is the file's dimensions
/// and whose dtype follows the idx type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
/// 0x0D float32, 0x0E float64). Throws IdxError on any malformed input, including trailing
/// bytes after the data.
///
/// Example:
///   torch::Tensor x = fastai::read_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
///   // x.sizes() == {10000, 28, 28}, x.dtype() == torch::kUInt8
at::Tensor read_idx(const std::filesystem::path& file);

/// Writes `t` (contiguous or not; dtype one of those read_idx supports) as an idx file,
/// gzipped when the name ends in ".gz". The file is written to a temporary name and renamed,
/// so an interrupted write never leaves a partial file behind.
///
/// Example:
///   fastai::write_idx("labels-idx1-ubyte.gz", torch::arange(10).to(torch::kUInt8));
void write_idx(const std::filesystem::path& file, const at::Tensor& t);

}  // namespace fastai
