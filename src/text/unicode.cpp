#include "unicode.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <stdexcept>
#include <vector>

namespace fastai::text_detail {

std::u32string utf8_to_u32(std::string_view s, const char* what) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char b = p[i];
    size_t len = 0;
    char32_t c = 0, min = 0;
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      len = 2, c = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3, c = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4, c = b & 0x07, min = 0x10000;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) ok = false;
      c = (c << 6) | (p[i + k] & 0x3f);
    }
    if (!ok || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      throw std::invalid_argument(std::string(what) + " is not valid UTF-8: byte " + std::to_string(i) + " (0x" +
                                  "0123456789abcdef"[b >> 4] + "0123456789abcdef"[b & 15] + ")");
    out.push_back(c);
    i += len;
  }
  return out;
}

std::string u32_to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

bool is_space_beyond_ascii(char32_t c) {
  const auto dir = u_charDirection(static_cast<UChar32>(c));
  return dir == U_WHITE_SPACE_NEUTRAL || dir == U_BLOCK_SEPARATOR || dir == U_SEGMENT_SEPARATOR ||
         u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR;
}

bool is_word_beyond_ascii(char32_t c) {
  const auto cp = static_cast<UChar32>(c);
  return u_isalpha(cp) || u_getIntPropertyValue(cp, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

namespace {
using CaseMap = int32_t (*)(UChar*, int32_t, const UChar*, int32_t, const char*, UErrorCode*);
std::u32string case_map(std::u32string_view s, bool to_upper);
}  // namespace

std::u32string lower(std::u32string_view s) { return case_map(s, false); }
std::u32string upper(std::u32string_view s) { return case_map(s, true); }

namespace {
std::u32string case_map(std::u32string_view s, bool to_upper) {
  bool ascii = true;
  for (char32_t c : s) ascii = ascii && c < 0x80;
  if (ascii) {  // the common case, without ICU
    std::u32string out(s);
    for (auto& c : out)
      if (to_upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) c = to_upper ? c - ('a' - 'A') : c + ('a' - 'A');
    return out;
  }
  const CaseMap map = to_upper ? CaseMap(u_strToUpper) : CaseMap(u_strToLower);
  // UTF-32 -> UTF-16 -> u_strToLower (root locale: final sigma, İ -> i̇) -> UTF-32.
  std::vector<UChar> in(s.size() * 2 + 1);
  int32_t in_len = 0;
  UErrorCode err = U_ZERO_ERROR;
  u_strFromUTF32(in.data(), static_cast<int32_t>(in.size()), &in_len, reinterpret_cast<const UChar32*>(s.data()),
                 static_cast<int32_t>(s.size()), &err);
  if (U_FAILURE(err))
    throw std::runtime_error(std::string("lowercase: ICU u_strFromUTF32 failed: ") + u_errorName(err));
  std::vector<UChar> low(static_cast<size_t>(in_len) * 3 + 1);
  err = U_ZERO_ERROR;
  const int32_t low_len = map(low.data(), static_cast<int32_t>(low.size()), in.data(), in_len, "", &err);
  if (U_FAILURE(err)) throw std::runtime_error(std::string("lowercase: ICU u_strToLower failed: ") + u_errorName(err));
  std::u32string out(static_cast<size_t>(low_len), U'\0');
  int32_t out_len = 0;
  err = U_ZERO_ERROR;
  u_strToUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), &out_len, low.data(), low_len,
               &err);
  if (U_FAILURE(err)) throw std::runtime_error(std::string("lowercase: ICU u_strToUTF32 failed: ") + u_errorName(err));
  out.resize(static_cast<size_t>(out_len));
  return out;
}
}  // namespace

std::u32string strip(std::u32string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

}  // namespace fastai::text_detail
