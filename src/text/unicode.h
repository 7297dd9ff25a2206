#pragma once
// UTF-8 <-> UTF-32 and the character classes of Python's `re` and `str` that fastai's text rules
// rely on (internal to the library). Classes come from ICU so they cover all of Unicode, defined
// as CPython defines them: \s is str.isspace (bidi class WS, B or S, or category Zs); \w is
// str.isalnum (a letter, L*, or any numeric type) or '_'; lower() is the full case mapping with
// the final-sigma rule (ICU's root-locale u_strToLower, as str.lower). ICU 72 follows Unicode 15,
// Python 3.11 Unicode 14: characters new in 15 may differ.
#include <string>
#include <string_view>

namespace fastai::text_detail {

// Decodes UTF-8; throws std::invalid_argument naming `what` and the byte offset of the first
// byte that is not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
std::u32string utf8_to_u32(std::string_view s, const char* what = "text");
std::string u32_to_utf8(std::u32string_view s);

bool is_space_beyond_ascii(char32_t c);       // is_space for c >= 0x80 (ICU)
bool is_word_beyond_ascii(char32_t c);        // is_word for c >= 0x80 (ICU)
// Python's \s / str.isspace. Inline for ASCII: the rules test every character of a corpus.
inline bool is_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
  return is_space_beyond_ascii(c);
}
// Python's \w.
inline bool is_word(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  return is_word_beyond_ascii(c);
}
std::u32string lower(std::u32string_view s);  // str.lower
std::u32string upper(std::u32string_view s);  // str.upper
std::u32string strip(std::u32string_view s);  // str.strip()

}  // namespace fastai::text_detail
