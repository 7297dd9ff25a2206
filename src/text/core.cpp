#include "fastai/text/core.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "fastai/core/registry.h"
#include "unicode.h"

namespace fastai {

namespace {
using text_detail::is_space;
using text_detail::is_word;
using text_detail::u32_to_utf8;
using text_detail::utf8_to_u32;

#include "html_entities.inc"

std::u32string u32(const char* s) {  // ASCII literal to UTF-32
  return std::u32string(s, s + std::strlen(s));
}

// Python's str.replace(old, new): every non-overlapping occurrence, left to right.
void replace_all(std::u32string& s, const std::u32string& from, const std::u32string& to) {
  if (s.find(from) == std::u32string::npos) return;
  std::u32string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::u32string::npos; pos = hit + from.size())
    out.append(s, pos, hit - pos).append(to);
  out.append(s, pos, std::u32string::npos);
  s = std::move(out);
}

bool is_ascii_upper(char32_t c) { return c >= 'A' && c <= 'Z'; }
bool is_ascii_lower(char32_t c) { return c >= 'a' && c <= 'z'; }
bool is_hex(char32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Python's html.unescape: the charref pattern
//   &(#[0-9]+;? | #[xX][0-9a-fA-F]+;? | [^\t\n\f <&#;]{1,32};?)
// with HTML5's rules for numeric references and the longest-prefix rule for named ones.
std::u32string html_unescape(const std::u32string& s) {
  if (s.find(U'&') == std::u32string::npos) return s;
  std::u32string out;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (s[i] != U'&' || i + 1 >= n) {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i + 1;
    if (s[j] == U'#') {
      const bool hex = j + 1 < n && (s[j + 1] == U'x' || s[j + 1] == U'X');
      size_t k = j + (hex ? 2 : 1), d = k;
      while (d < n && (hex ? is_hex(s[d]) : (s[d] >= U'0' && s[d] <= U'9'))) ++d;
      if (d == k) {  // "&#" with no digits: not a reference
        out.push_back(s[i++]);
        continue;
      }
      // The value, saturated: anything past U+10FFFF is replaced the same way.
      uint64_t num = 0;
      for (size_t q = k; q < d; ++q) {
        const char32_t c = s[q];
        const unsigned v = c <= U'9' ? c - U'0' : (c | 0x20) - U'a' + 10;
        num = std::min<uint64_t>(num * (hex ? 16 : 10) + v, 0x7fffffffULL);
      }
      const size_t end = d < n && s[d] == U';' ? d + 1 : d;
      const auto* remap =
          std::find_if(std::begin(kRemapped), std::end(kRemapped), [&](const RemappedRef& r) { return r.from == num; });
      if (remap != std::end(kRemapped)) {
        out.push_back(remap->to);
      } else if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) {
        out.push_back(U'\ufffd');
      } else if (!std::binary_search(std::begin(kDropped), std::end(kDropped), static_cast<uint32_t>(num))) {
        out.push_back(static_cast<char32_t>(num));
      }
      i = end;
      continue;
    }
    // A named reference: up to 32 characters that are not \t \n \f space < & # ;, then an optional ;.
    size_t k = j;
    while (k < n && k - j < 32) {
      const char32_t c = s[k];
      if (c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' || c == U'#' || c == U';')
        break;
      ++k;
    }
    if (k == j) {
      out.push_back(s[i++]);
      continue;
    }
    const size_t end = k < n && s[k] == U';' ? k + 1 : k;
    const std::string name = u32_to_utf8(s.substr(j, end - j));
    auto lookup = [](const std::string& key) -> const char32_t* {
      const auto* it =
          std::lower_bound(std::begin(kNamed), std::end(kNamed), key,
                           [](const NamedRef& r, const std::string& k) { return std::strcmp(r.name, k.c_str()) < 0; });
      return it != std::end(kNamed) && key == it->name ? it->text : nullptr;
    };
    if (const char32_t* t = lookup(name)) {
      out += t;
    } else {
      // The longest prefix that is a name (as the standard says), the rest kept as it was.
      const std::u32string ref = s.substr(j, end - j);
      bool found = false;
      for (size_t x = ref.size() - 1; x > 1; --x) {
        if (const char32_t* t = lookup(u32_to_utf8(ref.substr(0, x)))) {
          out += t;
          out += ref.substr(x);
          found = true;
          break;
        }
      }
      if (!found) out += U'&' + ref;
    }
    i = end;
  }
  return out;
}

std::string apply(const std::string& t, const char* what, std::u32string (*f)(std::u32string)) {
  return u32_to_utf8(f(utf8_to_u32(t, what)));
}

// The end of the run of non-whitespace characters starting at i.
size_t token_end(const std::u32string& s, size_t i) {
  while (i < s.size() && !is_space(s[i])) ++i;
  return i;
}

// replace_all_caps / replace_maj: the pattern (\s|^)(TOKEN)(?=(\s|$)) where TOKEN is a whole run
// of non-whitespace that `fits`; it becomes group 1, `tag ` when it has 2+ characters, lower(TOKEN).
std::u32string replace_tokens(const std::u32string& s, const std::u32string& tag,
                              bool (*fits)(const std::u32string&, size_t, size_t)) {
  std::u32string out;
  size_t i = 0;
  const size_t n = s.size();
  auto try_at = [&](size_t b) -> size_t {  // the token's end when it fits, else npos
    const size_t e = token_end(s, b);
    return e > b && fits(s, b, e) ? e : std::u32string::npos;
  };
  while (i < n) {
    size_t start = std::u32string::npos, e = std::u32string::npos;
    if (is_space(s[i]) && i + 1 < n && (e = try_at(i + 1)) != std::u32string::npos) {
      start = i + 1;  // group 1 is this whitespace character
    } else if (i == 0 && (e = try_at(0)) != std::u32string::npos) {
      start = 0;  // group 1 is ^
    }
    if (start == std::u32string::npos) {
      out.push_back(s[i++]);
      continue;
    }
    if (start > i) out.push_back(s[i]);
    if (e - start > 1) out += tag + U' ';
    out += text_detail::lower(std::u32string_view(s).substr(start, e - start));
    i = e;
  }
  return out;
}

}  // namespace

std::vector<std::string> text_spec_tok() { return {UNK, PAD, BOS, EOS, FLD, TK_REP, TK_WREP, TK_UP, TK_MAJ}; }

std::string spec_add_spaces(const std::string& t) {
  std::string out;
  out.reserve(t.size() + 8);
  for (char c : t) {  // the three are ASCII, which never occurs inside a UTF-8 sequence
    if (c == '/' || c == '#' || c == '\\') {
      out += ' ';
      out += c;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string rm_useless_spaces(const std::string& t) {
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] != ' ' || i == 0 || t[i - 1] != ' ') out += t[i];
  return out;
}

std::string replace_rep(const std::string& t) {
  // (\S)(\1{2,}) → " xxrep n c ": a non-space character and 2+ copies of it, greedily.
  return apply(t, "replace_rep: the text", [](std::u32string s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
      size_t j = i + 1;
      while (j < s.size() && s[j] == s[i]) ++j;
      if (!is_space(s[i]) && j - i >= 3) {
        out += U' ' + u32(TK_REP) + U' ' + u32(std::to_string(j - i).c_str()) + U' ' + s[i] + U' ';
        i = j;
      } else {
        out.push_back(s[i++]);
      }
    }
    return out;
  });
}

std::string replace_wrep(const std::string& t) {
  // (?:\s|^)(\w+)\s+((?:\1\s+)+)\1(\s|\W|$) → " xxwrep n word e": at the start or after a
  // whitespace character (which the match consumes), a word, then whitespace-separated copies
  // of it; the last copy must be followed by a non-word character (also consumed) or the end.
  // Of the copies, as many as can be taken are (the regex is greedy, then backtracks).
  return apply(t, "replace_wrep: the text", [](std::u32string s) {
    std::u32string out;
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
      size_t w0 = std::u32string::npos;
      if (is_space(s[i]) && i + 1 < n && is_word(s[i + 1]))
        w0 = i + 1;
      else if (i == 0 && is_word(s[0]))
        w0 = 0;
      size_t matched_end = 0, count = 0;
      bool has_e = false;  // group 3: the character after the last copy (none at the end)
      std::u32string word;
      if (w0 != std::u32string::npos) {
        size_t w1 = w0;
        while (w1 < n && is_word(s[w1])) ++w1;
        word = s.substr(w0, w1 - w0);
        // Where each further copy of the word starts, each after 1+ whitespace characters; a
        // copy in the middle group must be followed by whitespace, so the search stops after
        // the first one that is not.
        std::vector<size_t> copies;
        size_t p = w1;
        while (true) {
          size_t q = p;
          while (q < n && is_space(s[q])) ++q;
          if (q == p || s.compare(q, word.size(), word) != 0) break;
          copies.push_back(q);
          p = q + word.size();
          if (p < n && !is_space(s[p])) break;
        }
        // Greedy, then backtracking: k copies, the last of them followed by \W or the end.
        for (size_t k = copies.size(); k >= 2; --k) {
          const size_t last_end = copies[k - 1] + word.size();
          if (last_end == n || !is_word(s[last_end])) {
            has_e = last_end < n;
            matched_end = last_end + (has_e ? 1 : 0);
            count = k + 1;
            break;
          }
        }
      }
      if (count == 0) {
        out.push_back(s[i++]);
        continue;
      }
      out += U' ' + u32(TK_WREP) + U' ' + u32(std::to_string(count).c_str()) + U' ' + word + U' ';
      if (has_e) out.push_back(s[matched_end - 1]);
      i = matched_end;
    }
    return out;
  });
}

std::string fix_html(const std::string& x) {
  return apply(x, "fix_html: the text", [](std::u32string s) {
    // UTF-32 once, not per text.
    static const std::pair<std::u32string, std::u32string> kReplacements[] = {
        {U"#39;", U"'"},  {U"amp;", U"&"},  {U"#146;", U"'"},    {U"nbsp;", U" "}, {U"#36;", U"$"},
        {U"\\n", U"\n"},  {U"quot;", U"'"}, {U"<br />", U"\n"},  {U"\\\"", U"\""}, {U"<unk>", u32(UNK)},
        {U" @.@ ", U"."}, {U" @-@ ", U"-"}, {U"...", U" \u2026"}};
    for (const auto& [from, to] : kReplacements) replace_all(s, from, to);
    return html_unescape(s);
  });
}

std::string replace_all_caps(const std::string& t) {
  // (\s|^)([A-Z]+[^a-z\s]*)(?=(\s|$)): a token starting with A-Z and holding no a-z.
  return apply(t, "replace_all_caps: the text", [](std::u32string s) {
    return replace_tokens(s, u32(TK_UP), [](const std::u32string& x, size_t b, size_t e) {
      if (!is_ascii_upper(x[b])) return false;
      return std::none_of(x.begin() + static_cast<std::ptrdiff_t>(b), x.begin() + static_cast<std::ptrdiff_t>(e),
                          is_ascii_lower);
    });
  });
}

std::string replace_maj(const std::string& t) {
  // (\s|^)([A-Z][^A-Z\s]*)(?=(\s|$)): a token starting with A-Z and holding no other A-Z.
  return apply(t, "replace_maj: the text", [](std::u32string s) {
    return replace_tokens(s, u32(TK_MAJ), [](const std::u32string& x, size_t b, size_t e) {
      if (!is_ascii_upper(x[b])) return false;
      return std::none_of(x.begin() + static_cast<std::ptrdiff_t>(b) + 1, x.begin() + static_cast<std::ptrdiff_t>(e),
                          is_ascii_upper);
    });
  });
}

std::string lowercase(const std::string& t, bool add_bos, bool add_eos) {
  std::string body = u32_to_utf8(text_detail::strip(text_detail::lower(utf8_to_u32(t, "lowercase: the text"))));
  if (add_bos) body = std::string(BOS) + " " + body;
  if (add_eos) body += std::string(" ") + EOS;
  return body;
}

std::string replace_space(const std::string& t) {
  std::string out;
  out.reserve(t.size());
  for (char c : t) {
    if (c == ' ')
      out += "\u2581";
    else
      out += c;
  }
  return out;
}

// ---------------------------------------------------------------- rules by name

namespace {
using RuleFn = std::function<std::string(const std::string&)>;
Registry<RuleFn>& rules() {
  static Registry<RuleFn> r("text rule", "register_text_rule(name, fn) adds one");
  return r;
}
const bool registered = [] {
  rules().add("fix_html", fix_html);
  rules().add("replace_rep", replace_rep);
  rules().add("replace_wrep", replace_wrep);
  rules().add("spec_add_spaces", spec_add_spaces);
  rules().add("rm_useless_spaces", rm_useless_spaces);
  rules().add("replace_all_caps", replace_all_caps);
  rules().add("replace_maj", replace_maj);
  rules().add("lowercase", [](const std::string& t) { return lowercase(t); });
  rules().add("replace_space", replace_space);
  return true;
}();
}  // namespace

void register_text_rule(const std::string& name, std::function<std::string(const std::string&)> fn) {
  rules().add(name, std::move(fn));
}

TextRule text_rule(const std::string& name) { return {name, rules().get(name, "text_rule")}; }

std::vector<TextRule> default_text_rules() {
  std::vector<TextRule> r;
  for (const char* n : {"fix_html", "replace_rep", "replace_wrep", "spec_add_spaces", "rm_useless_spaces",
                        "replace_all_caps", "replace_maj", "lowercase"})
    r.push_back(text_rule(n));
  return r;
}

std::vector<TextRule> default_text_post_rules() { return {text_rule("replace_space")}; }

// ---------------------------------------------------------------- tokenizers

BaseTokenizer::BaseTokenizer(std::string split_char) : split_char_(std::move(split_char)) {
  if (split_char_.empty()) throw std::invalid_argument("BaseTokenizer: split_char must not be empty");
}

std::vector<std::string> BaseTokenizer::operator()(const std::string& text) const {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(split_char_, pos)) != std::string::npos; pos = hit + split_char_.size())
    out.push_back(text.substr(pos, hit - pos));
  out.push_back(text.substr(pos));
  return out;
}

TokenizeWithRules::TokenizeWithRules(TokenizerFn tok, std::vector<TextRule> rules, std::vector<TextRule> post_rules)
    : tok_(std::move(tok)), rules_(std::move(rules)), post_rules_(std::move(post_rules)) {
  if (!tok_) throw std::invalid_argument("TokenizeWithRules: no tokenizer given");
}

std::vector<std::string> TokenizeWithRules::operator()(const std::string& text) const {
  std::string t = text;
  for (const auto& r : rules_) t = r.fn(t);
  auto toks = tok_(t);
  for (auto& tk : toks)
    for (const auto& r : post_rules_) tk = r.fn(tk);
  return toks;
}

}  // namespace fastai
