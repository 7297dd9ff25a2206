// spaCy 3's tokenizer algorithm (spacy/tokenizer.pyx) with its English prefix, suffix and infix
// rules (spacy/lang/punctuation.py, spacy/lang/en/punctuation.py, char_classes.py) written as
// character tests instead of regular expressions: each rule list is a regex alternation that
// Python's `re` tries in order, so each test below tries the same alternatives in the same order.
// Only the URL matcher stays a regular expression (ICU's), since its backtracking is the rule.
#include "fastai/text/word_tokenizer.h"

#include <unicode/regex.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "en_exceptions.h"
#include "unicode.h"

namespace fastai {
namespace {

using text_detail::is_space;
using text_detail::u32_to_utf8;
using text_detail::utf8_to_u32;
using U32 = std::u32string;
using U32View = std::u32string_view;

// ---- spaCy's character classes (char_classes.py), from ICU ----------------------------------
// ALPHA is Unicode's letters (spaCy lists Latin, Cyrillic, Greek and some other scripts by hand);
// ALPHA_LOWER / ALPHA_UPPER add the uncased letters (Lo) to Ll / Lu, as spaCy adds its _uncased.
bool is_alpha(char32_t c) { return u_isalpha(static_cast<UChar32>(c)); }
bool is_uncased(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_OTHER_LETTER; }
bool is_lower(char32_t c) { return u_islower(static_cast<UChar32>(c)) || is_uncased(c); }
bool is_upper(char32_t c) { return u_isupper(static_cast<UChar32>(c)) || is_uncased(c); }
bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }  // spaCy writes [0-9]
// LIST_ICONS: spaCy's hand copy of category So ("Symbol, other").
bool is_icon(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_OTHER_SYMBOL; }

bool in(char32_t c, U32View set) { return set.find(c) != U32View::npos; }

// LIST_PUNCT's one-character entries ("……" is handled where it can matter).
constexpr U32View kPunct = U"…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪";
// LIST_QUOTES / CONCAT_QUOTES.
constexpr U32View kQuotes = U"'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉";
// LIST_CURRENCY, in spaCy's order.
constexpr U32View kCurrency[] = {U"$", U"£", U"€", U"¥", U"฿", U"US$", U"C$", U"A$", U"₽", U"﷼", U"₴"};
// LIST_UNITS, in spaCy's order. "тбكم" is one entry because two string literals meet without a
// space in char_classes.py; kept, as spaCy has it.
constexpr U32View kUnits[] = {
    U"km", U"km²", U"km³", U"m",  U"m²",  U"m³",  U"dm", U"dm²", U"dm³", U"cm",  U"cm²",  U"cm³", U"mm",  U"mm²",
    U"mm³", U"ha", U"µm",  U"nm", U"yd",  U"in",  U"ft", U"kg",  U"g",   U"mg",  U"µg",   U"t",   U"lb",  U"oz",
    U"m/s", U"km/h", U"kmh", U"mph", U"hPa", U"Pa", U"mbar", U"mb", U"MB", U"kb", U"KB", U"gb",  U"GB",  U"tb",
    U"TB",  U"T",  U"G",   U"M",  U"K",   U"%",   U"км", U"км²", U"км³", U"м",   U"м²",   U"м³",  U"дм",  U"дм²",
    U"дм³", U"см", U"см²", U"см³", U"мм", U"мм²", U"мм³", U"нм", U"кг",  U"г",   U"мг",   U"м/с", U"км/ч", U"кПа",
    U"Па",  U"мбар", U"Кб", U"КБ", U"кб",  U"Мб",  U"МБ", U"мб",  U"Гб",  U"ГБ",  U"гб",   U"Тб",  U"ТБ",  U"тбكم",
    U"كم²", U"كم³", U"م",  U"م²", U"م³",  U"سم",  U"سم²", U"سم³", U"مم",  U"مم²", U"مم³", U"كم",  U"غرام", U"جرام",
    U"جم",  U"كغ", U"ملغ", U"كوب", U"اكواب"};
// HYPHENS, in spaCy's order.
constexpr U32View kHyphens[] = {U"-", U"–", U"—", U"--", U"---", U"——", U"~"};

bool starts_with(U32View s, size_t at, U32View what) { return s.size() - at >= what.size() && s.substr(at, what.size()) == what; }

// The character class before a suffix ".": [0-9{al}%²\-\+{PUNCT}(?:{q})]. PUNCT is spaCy's
// alternation string ("…|,|:|…") put inside a class, so '|' is in it, and "(?:" … ")" puts
// '(', '?', ':' and ')' in it: all kept, since that is the class spaCy's regex has.
bool before_suffix_dot(char32_t c) {
  return is_digit(c) || is_lower(c) || in(c, U"%²-+|(?:)") || in(c, kPunct) || in(c, kQuotes);
}

// ---- TOKENIZER_PREFIXES: the length of the prefix at the start of `s`, or 0 ---------------
size_t find_prefix(U32View s) {
  if (s.empty()) return 0;
  const char32_t c = s[0];
  if (in(c, U"§%=—–")) return 1;
  if (c == U'+' && !(s.size() > 1 && is_digit(s[1]))) return 1;  // \+(?![0-9])
  if (in(c, kPunct)) return 1;
  if (c == U'.' && s.size() > 1 && s[1] == U'.') {  // \.\.+
    size_t n = 2;
    while (n < s.size() && s[n] == U'.') ++n;
    return n;
  }
  if (in(c, kQuotes)) return 1;
  for (U32View cur : kCurrency)
    if (starts_with(s, 0, cur)) return cur.size();
  if (is_icon(c)) return 1;
  return 0;
}

// ---- TOKENIZER_SUFFIXES: whether an alternative matches s[p:] to the end --------------------
bool suffix_at(U32View s, size_t p) {
  const size_t len = s.size() - p;
  const U32View rest = s.substr(p);
  const char32_t c = s[p];
  const char32_t prev = p > 0 ? s[p - 1] : 0;
  if (len == 1 && (in(c, kPunct) || in(c, kQuotes) || is_icon(c) || c == U'—' || c == U'–')) return true;
  if (rest == U"……") return true;
  if (len >= 2 && rest.find_first_not_of(U'.') == U32View::npos) return true;  // \.\.+$
  if (rest == U"'s" || rest == U"'S" || rest == U"’s" || rest == U"’S") return true;
  if (len == 1 && c == U'+' && is_digit(prev)) return true;
  if (len == 1 && c == U'.' && p >= 2 && s[p - 2] == U'°' && in(prev, U"FfCcKk")) return true;
  if (is_digit(prev)) {
    for (U32View cur : kCurrency)
      if (rest == cur) return true;
    for (U32View u : kUnits)
      if (rest == u) return true;
  }
  if (len == 1 && c == U'.' && p > 0 && before_suffix_dot(prev)) return true;
  if (len == 1 && c == U'.' && p >= 2 && is_upper(prev) && is_upper(s[p - 2])) return true;
  return false;
}

// The length of the leftmost suffix match (Python's re.search on the alternation), or 0. Only the
// last 6 characters (the longest unit) or a trailing run of dots can start a match.
size_t find_suffix(U32View s) {
  const size_t n = s.size();
  if (n == 0) return 0;
  size_t from = n > 6 ? n - 6 : 0;
  size_t dots = n;
  while (dots > 0 && s[dots - 1] == U'.') --dots;
  if (n - dots >= 2) from = std::min(from, dots);
  for (size_t p = from; p < n; ++p)
    if (suffix_at(s, p)) return n - p;
  return 0;
}

// ---- English TOKENIZER_INFIXES: the match starting at i (its length) or 0 -------------------
size_t infix_at(U32View s, size_t i) {
  const size_t n = s.size();
  const char32_t c = s[i];
  const char32_t prev = i > 0 ? s[i - 1] : 0;
  const char32_t next = i + 1 < n ? s[i + 1] : 0;
  if (c == U'.' && next == U'.') {
    size_t e = i + 2;
    while (e < n && s[e] == U'.') ++e;
    return e - i;
  }
  if (c == U'…' || is_icon(c)) return 1;
  if (is_digit(prev) && in(c, U"+-*^") && (is_digit(next) || next == U'-')) return 1;
  if (c == U'.' && i > 0 && (is_lower(prev) || in(prev, kQuotes)) && next && (is_upper(next) || in(next, kQuotes)))
    return 1;
  if (c == U',' && i > 0 && is_alpha(prev) && next && is_alpha(next)) return 1;
  if (i > 0 && (is_alpha(prev) || is_digit(prev))) {
    for (U32View h : kHyphens)
      if (starts_with(s, i, h) && i + h.size() < n && is_alpha(s[i + h.size()])) return h.size();
    if (in(c, U":<>=/") && next && is_alpha(next)) return 1;
  }
  return 0;
}

// ---- URL_MATCH (spacy/lang/tokenizer_exceptions.py), as an ICU regular expression ----------
// spaCy's pattern with its ALPHA / ALPHA_LOWER ranges replaced by the classes above.
const icu::RegexPattern& url_pattern() {
  static const std::unique_ptr<icu::RegexPattern> pattern = [] {
    const char* src =
        "^(?=[\\p{L}\\w])"
        "(?:(?:[\\w\\+\\-\\.]{2,})://)?"
        "(?:\\S+(?::\\S*)?@)?"
        "(?:"
        "(?!(?:10|127)(?:\\.\\d{1,3}){3})"
        "(?!(?:169\\.254|192\\.168)(?:\\.\\d{1,3}){2})"
        "(?!172\\.(?:1[6-9]|2\\d|3[0-1])(?:\\.\\d{1,3}){2})"
        "(?:[1-9]\\d?|1\\d\\d|2[01]\\d|22[0-3])"
        "(?:\\.(?:1?\\d{1,2}|2[0-4]\\d|25[0-5])){2}"
        "(?:\\.(?:[1-9]\\d?|1\\d\\d|2[0-4]\\d|25[0-4]))"
        "|"
        "(?:(?:[A-Za-z0-9\\u00a1-\\uffff][A-Za-z0-9\\u00a1-\\uffff_-]{0,62})?[A-Za-z0-9\\u00a1-\\uffff]\\.)+"
        "(?:[\\p{Ll}\\p{Lo}]{2,63})"
        ")"
        "(?::\\d{2,5})?"
        "(?:[/?#]\\S*)?"
        "(?<=[\\p{L}\\w/])$";
    UErrorCode status = U_ZERO_ERROR;
    UParseError perr;
    std::unique_ptr<icu::RegexPattern> p(icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(src), 0, perr, status));
    if (U_FAILURE(status)) throw std::logic_error(std::string("WordTokenizer: URL pattern: ") + u_errorName(status));
    return p;
  }();
  return *pattern;
}

bool url_match(U32View s) {
  if (s.find(U'.') == U32View::npos) return false;  // a host or an IP address needs a dot
  const icu::UnicodeString u = icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(s.data()),
                                                               static_cast<int32_t>(s.size()));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(url_pattern().matcher(u, status));
  if (U_FAILURE(status)) return false;
  const bool ok = m->matches(status);
  return U_SUCCESS(status) && ok;
}

struct Tok {
  U32 text;
  size_t start;  // offset in the text, to know whether two tokens touch (special-case merging)
};

}  // namespace

struct WordTokenizer::Impl {
  // Which rule set this is, for the per-thread chunk cache (a new id whenever the rules change).
  uint64_t id = next_id();
  static uint64_t next_id() {
    static std::atomic<uint64_t> n{1};
    return n.fetch_add(1);
  }
  std::unordered_map<U32, std::vector<U32>> specials;
  // Special cases that the affix rules would cut up (":)", "e.g."): spaCy 3 finds their pieces
  // among the tokens afterwards and merges them back. Keyed by the first piece.
  // Keyed by the first piece (a hash map: every token of a text is looked up).
  std::unordered_multimap<U32, std::pair<std::vector<U32>, U32>> affixed;

  const std::vector<U32>* special(U32View s) const {
    auto it = specials.find(U32(s));
    return it == specials.end() ? nullptr : &it->second;
  }

  void add(const U32& chunk, std::vector<U32> pieces) {
    specials[chunk] = std::move(pieces);
    for (auto it = affixed.begin(); it != affixed.end();)
      it = it->second.second == chunk ? affixed.erase(it) : std::next(it);  // (done once per added case)
    if (find_prefix(chunk) || find_suffix(chunk) || has_infix(chunk) || chunk.find(U' ') != U32::npos) {
      std::vector<U32> seq;
      for (auto& t : split(chunk, false)) seq.push_back(std::move(t.text));
      if (!seq.empty()) affixed.emplace(seq.front(), std::make_pair(seq, chunk));
    }
  }

  static bool has_infix(U32View s) {
    for (size_t i = 0; i < s.size(); ++i)
      if (infix_at(s, i)) return true;
    return false;
  }

  void push_special_or(const U32& s, size_t start, bool with_special, std::vector<Tok>& out) const {
    if (with_special)
      if (const auto* sp = special(s)) {
        for (const auto& piece : *sp) out.push_back({piece, start}), start += piece.size();
        return;
      }
    out.push_back({s, start});
  }

  // spaCy's _tokenize: _split_affixes then _attach_tokens, for one whitespace-free chunk.
  void tokenize_chunk(U32View chunk, size_t offset, bool with_special, std::vector<Tok>& out) const {
    if (with_special && special(chunk)) return push_special_or(U32(chunk), offset, true, out);
    U32View s = chunk;
    size_t s_off = offset;
    std::vector<Tok> prefixes, suffixes;
    auto is_special = [&](U32View v) { return with_special && special(v) != nullptr; };
    size_t last = 0;
    while (!s.empty() && s.size() != last) {
      if (is_special(s)) break;
      last = s.size();
      const size_t pre = find_prefix(s);
      if (pre && pre < s.size() && is_special(s.substr(pre))) {
        prefixes.push_back({U32(s.substr(0, pre)), s_off});
        s.remove_prefix(pre), s_off += pre;
        break;
      }
      const size_t suf = find_suffix(s.substr(pre));
      if (suf && suf < s.size() && is_special(s.substr(0, s.size() - suf))) {
        suffixes.push_back({U32(s.substr(s.size() - suf)), s_off + s.size() - suf});
        s.remove_suffix(suf);
        break;
      }
      if (pre && suf && pre + suf <= s.size()) {
        prefixes.push_back({U32(s.substr(0, pre)), s_off});
        suffixes.push_back({U32(s.substr(s.size() - suf)), s_off + s.size() - suf});
        s = s.substr(pre, s.size() - pre - suf), s_off += pre;
      } else if (pre) {
        prefixes.push_back({U32(s.substr(0, pre)), s_off});
        s.remove_prefix(pre), s_off += pre;
      } else if (suf) {
        suffixes.push_back({U32(s.substr(s.size() - suf)), s_off + s.size() - suf});
        s.remove_suffix(suf);
      }
      if (is_special(s)) break;
    }
    for (auto& p : prefixes) out.push_back(std::move(p));
    if (!s.empty()) {
      if (is_special(s) || url_match(s)) {
        push_special_or(U32(s), s_off, with_special, out);
      } else {
        size_t start = 0;
        for (size_t i = 0; i < s.size();) {
          const size_t len = infix_at(s, i);
          if (!len) {
            ++i;
            continue;
          }
          if (i != 0) {  // spaCy skips an infix at the very start
            if (i != start) out.push_back({U32(s.substr(start, i - start)), s_off + start});
            out.push_back({U32(s.substr(i, len)), s_off + i});
            start = i + len;
          }
          i += len;
        }
        if (start < s.size()) out.push_back({U32(s.substr(start)), s_off + start});
      }
    }
    for (auto it = suffixes.rbegin(); it != suffixes.rend(); ++it) out.push_back(std::move(*it));
  }

  // spaCy 3's _apply_special_cases: runs of touching tokens that spell an affixed special case
  // become that special case's pieces; the longest first, then the leftmost, never overlapping.
  void merge_specials(std::vector<Tok>& toks) const {
    if (affixed.empty()) return;
    struct Match {
      size_t begin, end;
      const std::vector<U32>* pieces;
    };
    std::vector<Match> matches;
    for (size_t i = 0; i < toks.size(); ++i) {
      auto [lo, hi] = affixed.equal_range(toks[i].text);
      for (auto it = lo; it != hi; ++it) {
        const auto& seq = it->second.first;
        if (i + seq.size() > toks.size()) continue;
        bool ok = true;
        for (size_t k = 0; ok && k < seq.size(); ++k) {
          ok = toks[i + k].text == seq[k];
          if (ok && k > 0) ok = toks[i + k].start == toks[i + k - 1].start + toks[i + k - 1].text.size();
        }
        if (ok) matches.push_back({i, i + seq.size(), &specials.at(it->second.second)});
      }
    }
    if (matches.empty()) return;
    std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
      const size_t la = a.end - a.begin, lb = b.end - b.begin;
      return la != lb ? la > lb : a.begin < b.begin;
    });
    std::set<size_t> seen;
    std::map<size_t, const Match*> chosen;
    for (const auto& m : matches) {
      if (seen.count(m.begin) || seen.count(m.end - 1)) continue;
      for (size_t k = m.begin; k < m.end; ++k) seen.insert(k);
      chosen[m.begin] = &m;
    }
    std::vector<Tok> out;
    for (size_t i = 0; i < toks.size();) {
      auto it = chosen.find(i);
      if (it == chosen.end()) {
        out.push_back(std::move(toks[i++]));
        continue;
      }
      size_t start = toks[i].start;
      for (const auto& piece : *it->second->pieces) out.push_back({piece, start}), start += piece.size();
      i = it->second->end;
    }
    toks = std::move(out);
  }

  // spaCy keeps a cache of chunks already tokenized: most chunks of a corpus are words seen before.
  // Here it is per thread (no locking) and per rule set, holding each token's offset in the chunk.
  void cached_chunk(U32View chunk, size_t offset, bool with_special, std::vector<Tok>& out) const {
    if (!with_special) return tokenize_chunk(chunk, offset, with_special, out);
    struct Cache {
      uint64_t id = 0;
      std::unordered_map<U32, std::vector<Tok>> map;
    };
    thread_local Cache cache;
    if (cache.id != id) cache.id = id, cache.map.clear();
    const U32 key(chunk);
    if (auto it = cache.map.find(key); it != cache.map.end()) {
      for (const auto& t : it->second) out.push_back({t.text, t.start + offset});
      return;
    }
    const size_t first = out.size();
    tokenize_chunk(chunk, offset, with_special, out);
    if (cache.map.size() >= 100000) cache.map.clear();  // bounded: a long tail of rare chunks
    std::vector<Tok>& entry = cache.map[key];
    for (size_t k = first; k < out.size(); ++k) entry.push_back({out[k].text, out[k].start - offset});
  }

  // spaCy's Tokenizer.__call__: chunks are runs of non-space or of space characters; a chunk of
  // spaces loses one leading ' ' (the space after the previous token), so "a b" has no space
  // token but "a  b" has " " and "a\nb" has "\n".
  std::vector<Tok> split(const U32& text, bool with_special) const {
    std::vector<Tok> toks;
    if (text.empty()) return toks;
    bool in_ws = is_space(text[0]);
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const char32_t c = text[i];
      if (is_space(c) == in_ws) continue;
      if (start < i) cached_chunk(U32View(text).substr(start, i - start), start, with_special, toks);
      start = c == U' ' ? i + 1 : i;
      in_ws = !in_ws;
    }
    if (start < text.size()) cached_chunk(U32View(text).substr(start), start, with_special, toks);
    return toks;
  }

  std::vector<Tok> tokenize(const U32& text) const {
    auto toks = split(text, true);
    merge_specials(toks);
    return toks;
  }
};

WordTokenizer::WordTokenizer(WordTokenizerOptions options) : options_(std::move(options)) {
  if (options_.lang != "en")
    throw std::invalid_argument("WordTokenizer: lang \"" + options_.lang +
                                "\" has no rules here; the built-in rules are English (\"en\"). For other "
                                "languages use SentencePieceTokenizer, or BaseTokenizer on pre-split text");
  // One shared table for the default options: building it (the exception list, the affixed
  // special cases) costs more than tokenizing a short text.
  static std::mutex m;
  static std::map<std::vector<std::string>, std::shared_ptr<Impl>> built;
  std::lock_guard lock(m);
  auto& slot = built[options_.special_toks];
  if (!slot) {
    auto impl = std::make_shared<Impl>();
    for (const auto& [k, v] : text_detail::english_special_cases()) {
      std::vector<U32> pieces;
      for (const auto& p : v) pieces.push_back(utf8_to_u32(p));
      impl->add(utf8_to_u32(k), std::move(pieces));
    }
    for (const auto& t : options_.special_toks) impl->add(utf8_to_u32(t, "special token"), {utf8_to_u32(t)});
    slot = std::move(impl);
  }
  impl_ = slot;
}

std::vector<std::string> WordTokenizer::operator()(const std::string& text) const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tokenize(utf8_to_u32(text))) out.push_back(u32_to_utf8(t.text));
  return out;
}

void WordTokenizer::add_special_case(const std::string& chunk, const std::vector<std::string>& pieces) {
  std::string joined;
  for (const auto& p : pieces) joined += p;
  if (joined != chunk)
    throw std::invalid_argument("WordTokenizer::add_special_case: the pieces of \"" + chunk + "\" spell \"" + joined +
                                "\"; they must concatenate to the chunk");
  std::vector<U32> u;
  for (const auto& p : pieces) u.push_back(utf8_to_u32(p, "special case"));
  auto copy = std::make_shared<Impl>(*impl_);  // copies made before keep their rules
  copy->id = Impl::next_id();
  copy->add(utf8_to_u32(chunk, "special case"), std::move(u));
  impl_ = std::move(copy);
  added_.emplace_back(chunk, pieces);
}

nlohmann::json WordTokenizer::describe() const {
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& [chunk, pieces] : added_) cases.push_back({chunk, pieces});
  return {{"type", "WordTokenizer"},
          {"lang", options_.lang},
          {"special_toks", options_.special_toks},
          {"special_cases", cases}};
}

WordTokenizer WordTokenizer::from_description(const nlohmann::json& j) {
  WordTokenizer t({.lang = j.at("lang").get<std::string>(),
                   .special_toks = j.at("special_toks").get<std::vector<std::string>>()});
  for (const auto& c : j.value("special_cases", nlohmann::json::array()))
    t.add_special_case(c.at(0).get<std::string>(), c.at(1).get<std::vector<std::string>>());
  return t;
}

}  // namespace fastai
