#include "fastai/data/idx.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "fastai/core/atomic_file.h"

namespace fastai {
namespace fs = std::filesystem;

IdxError::IdxError(const fs::path& file, const std::string& problem)
    : std::runtime_error("idx file " + file.string() + ": " + problem), file_(file) {}

namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

struct IdxType {
  uint8_t code;
  at::ScalarType dtype;
  size_t size;
};
constexpr std::array<IdxType, 6> idx_types{{{0x08, at::kByte, 1},
                                            {0x09, at::kChar, 1},
                                            {0x0B, at::kShort, 2},
                                            {0x0C, at::kInt, 4},
                                            {0x0D, at::kFloat, 4},
                                            {0x0E, at::kDouble, 8}}};

const IdxType* type_by_code(uint8_t code) {
  for (const auto& t : idx_types)
    if (t.code == code) return &t;
  return nullptr;
}
const IdxType* type_by_dtype(at::ScalarType d) {
  for (const auto& t : idx_types)
    if (t.dtype == d) return &t;
  return nullptr;
}

std::string hex_bytes(const unsigned char* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", p[i]);
    s += buf;
  }
  return s;
}

// The idx format is big-endian; swap in place on little-endian hosts.
void swap_to_native(unsigned char* data, size_t count, size_t elem) {
  if constexpr (std::endian::native == std::endian::big) return;
  if (elem == 1) return;
  for (size_t i = 0; i < count; ++i) std::reverse(data + i * elem, data + (i + 1) * elem);
}

// Reads up to n bytes; returns how many were read. Throws on a zlib error (corrupt stream).
size_t read_some(gzFile f, const fs::path& file, void* dst, size_t n) {
  size_t total = 0;
  auto* out = static_cast<unsigned char*>(dst);
  while (total < n) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - total, 1u << 30));
    int got = gzread(f, out + total, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      if (errnum == Z_BUF_ERROR)
        throw IdxError(file, std::string("truncated: the compressed stream ends early (") + (msg ? msg : "") + ")");
      throw IdxError(file, std::string("corrupt compressed data (") + (msg ? msg : "zlib error") + ")");
    }
    if (got == 0) break;
    total += static_cast<size_t>(got);
  }
  return total;
}

}  // namespace

at::Tensor read_idx(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw IdxError(file, "no such file");
  if (fs::is_directory(file, ec)) throw IdxError(file, "is a directory, expected an idx file");
  GzFile f(gzopen(file.c_str(), "rb"));
  if (!f) throw IdxError(file, std::string("cannot open: ") + std::strerror(errno));
  gzbuffer(f.get(), 1 << 17);

  unsigned char magic[4];
  size_t got = read_some(f.get(), file, magic, 4);
  if (got < 4)
    throw IdxError(file, "truncated: " + std::to_string(got) + " bytes, shorter than the 4-byte magic number");
  const IdxType* type = type_by_code(magic[2]);
  if (magic[0] != 0 || magic[1] != 0 || type == nullptr || magic[3] == 0)
    throw IdxError(file, "not an idx file: magic bytes are " + hex_bytes(magic, 4) +
                             ", expected 00 00 <type 08/09/0b/0c/0d/0e> <number of dimensions>");

  const int ndims = magic[3];
  std::vector<unsigned char> dims_raw(4 * static_cast<size_t>(ndims));
  got = read_some(f.get(), file, dims_raw.data(), dims_raw.size());
  if (got < dims_raw.size())
    throw IdxError(file, "truncated header: " + std::to_string(ndims) + " dimensions announced, only " +
                             std::to_string(got / 4) + " present");
  std::vector<int64_t> sizes(ndims);
  size_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    const unsigned char* p = &dims_raw[4 * d];
    uint32_t v = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
    if (v > (1u << 31) - 1) throw IdxError(file, "dimension " + std::to_string(d) + " is negative");
    sizes[d] = v;
    if (v != 0 && count > (size_t(1) << 40) / v)
      throw IdxError(file, "dimensions describe more than 2^40 values; the header is corrupt");
    count *= v;
  }

  auto out = at::empty(sizes, at::TensorOptions().dtype(type->dtype));
  const size_t nbytes = count * type->size;
  auto* data = static_cast<unsigned char*>(out.data_ptr());
  got = read_some(f.get(), file, data, nbytes);
  if (got < nbytes)
    throw IdxError(file, "truncated: the header announces " + std::to_string(nbytes) + " bytes of data, the file has " +
                             std::to_string(got));
  unsigned char extra;
  if (read_some(f.get(), file, &extra, 1) != 0)
    throw IdxError(file, "unexpected bytes after the " + std::to_string(nbytes) +
                             " bytes of data the header announces (wrong dimensions, or two files concatenated?)");
  swap_to_native(data, count, type->size);
  return out;
}

void write_idx(const fs::path& file, const at::Tensor& t) {
  const IdxType* type = type_by_dtype(t.scalar_type());
  if (type == nullptr)
    throw IdxError(file, std::string("cannot write dtype ") + c10::toString(t.scalar_type()) +
                             " (idx holds uint8, int8, int16, int32, float32, float64)");
  if (t.dim() == 0 || t.dim() > 255) throw IdxError(file, "an idx tensor needs 1 to 255 dimensions");
  auto c = t.contiguous().cpu();
  std::vector<unsigned char> buf = {0, 0, type->code, static_cast<unsigned char>(c.dim())};
  for (int64_t s : c.sizes()) {
    uint32_t v = static_cast<uint32_t>(s);
    for (int shift : {24, 16, 8, 0}) buf.push_back(static_cast<unsigned char>(v >> shift));
  }
  const size_t header = buf.size();
  const size_t nbytes = static_cast<size_t>(c.numel()) * type->size;
  buf.resize(header + nbytes);
  std::memcpy(buf.data() + header, c.data_ptr(), nbytes);
  swap_to_native(buf.data() + header, static_cast<size_t>(c.numel()), type->size);  // native → big-endian

  const bool gz = file.extension() == ".gz";
  write_atomically(file, [&](const fs::path& tmp) {
    GzFile f(gzopen(tmp.c_str(), gz ? "wb6" : "wbT"));
    if (!f) throw IdxError(file, std::string("cannot create: ") + std::strerror(errno));
    size_t done = 0;
    while (done < buf.size()) {
      unsigned chunk = static_cast<unsigned>(std::min<size_t>(buf.size() - done, 1u << 30));
      if (gzwrite(f.get(), buf.data() + done, chunk) != static_cast<int>(chunk))
        throw IdxError(file, "write failed (disk full?)");
      done += chunk;
    }
    if (gzclose(f.release()) != Z_OK) throw IdxError(file, "write failed while closing (disk full?)");
  });
}

}  // namespace fastai
