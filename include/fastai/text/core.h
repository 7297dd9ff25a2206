#pragma once
/// fastai.text.core, first part: the special tokens, the rules fastai applies to a text before
/// and after tokenizing it, BaseTokenizer and TokenizeWithRules. Every rule gives what fastai
/// 2.7.18's gives on the 694 strings of tests/text/test_text_rules.cpp (real fastai's output,
/// tools/gen_text_rules_reference.py); character classes and case mapping come from ICU 72
/// (Unicode 15), where Python 3.11 uses Unicode 14, so characters new in 15 may differ. Texts are UTF-8 std::strings; a text
/// that is not valid UTF-8 is refused with the byte offset.
///
/// Example:
///   fastai::TokenizeWithRules tok(fastai::BaseTokenizer());
///   tok("Hello WORLD!!!")  // {"xxbos", "xxmaj", "hello", "xxup", "world", "xxrep", "3", "!"}
///
/// Thread-safety: rules and tokenizers are const functions without shared state; safe from any
/// thread. The rule registry is locked.
#include <functional>
#include <string>
#include <vector>

namespace fastai {

/// fastai's special tokens. Example: `if (tok == fastai::TK_MAJ) …`
inline constexpr char UNK[] = "xxunk";
inline constexpr char PAD[] = "xxpad";
inline constexpr char BOS[] = "xxbos";
inline constexpr char EOS[] = "xxeos";
inline constexpr char FLD[] = "xxfld";
inline constexpr char TK_REP[] = "xxrep";
inline constexpr char TK_WREP[] = "xxwrep";
inline constexpr char TK_UP[] = "xxup";
inline constexpr char TK_MAJ[] = "xxmaj";

/// defaults.text_spec_tok: the special tokens in fastai's order (a vocab starts with them).
/// Example: `auto specials = fastai::text_spec_tok();  // {"xxunk", "xxpad", …}`
std::vector<std::string> text_spec_tok();

/// Adds spaces around / # and \. Example: `spec_add_spaces("a/b") == "a / b"`
std::string spec_add_spaces(const std::string& t);
/// Collapses runs of spaces into one. Example: `rm_useless_spaces("a  b") == "a b"`
std::string rm_useless_spaces(const std::string& t);
/// A character repeated 3+ times: ` xxrep n c `. Example: `replace_rep("cccc") == " xxrep 4 c "`
std::string replace_rep(const std::string& t);
/// A word repeated 3+ times: ` xxwrep n word `. Example: `replace_wrep("a a a.") == " xxwrep 3 a ."`
std::string replace_wrep(const std::string& t);
/// fastai's HTML and corpus clean-ups (&#39; <br /> @-@ …), then Python's html.unescape.
/// Example: `fix_html("a &amp;lt; b") == "a &< b"`
std::string fix_html(const std::string& x);
/// An ALL-CAPS word lowercased behind `xxup` (a one-letter one just lowercased).
/// Example: `replace_all_caps("I AM") == "i xxup am"`
std::string replace_all_caps(const std::string& t);
/// A Capitalised word lowercased behind `xxmaj`. Example: `replace_maj("Hello") == "xxmaj hello"`
std::string replace_maj(const std::string& t);
/// Lowercases and strips, with `xxbos ` before (and ` xxeos` after when asked).
/// Example: `lowercase("Hi ") == "xxbos hi"`
std::string lowercase(const std::string& t, bool add_bos = true, bool add_eos = false);
/// Spaces inside a token become ▁ (U+2581). Example: `replace_space("a b") == "a▁b"`
std::string replace_space(const std::string& t);

/// A rule by name, so a tokenizer's rules can be described and rebuilt.
/// Example: `TextRule r = text_rule("fix_html"); r.fn("&amp;")`
struct TextRule {
  std::string name;
  std::function<std::string(const std::string&)> fn;
};
/// Registers a rule of your own under `name` (the built-in ones are registered already).
/// Example: `register_text_rule("no_digits", [](const std::string& t) { … });`
void register_text_rule(const std::string& name, std::function<std::string(const std::string&)> fn);
/// The registered rule `name`; an unknown name throws, listing the known ones.
/// Example: `auto r = fastai::text_rule("replace_maj");`
TextRule text_rule(const std::string& name);
/// defaults.text_proc_rules: fix_html, replace_rep, replace_wrep, spec_add_spaces,
/// rm_useless_spaces, replace_all_caps, replace_maj, lowercase.
/// Example: `auto rules = fastai::default_text_rules();`
std::vector<TextRule> default_text_rules();
/// defaults.text_postproc_rules: replace_space. Example: `auto post = fastai::default_text_post_rules();`
std::vector<TextRule> default_text_post_rules();

/// fastai's BaseTokenizer: splits on `split_char` exactly (Python's str.split(sep): empty tokens
/// between two separators are kept). Example: `BaseTokenizer()("a b") == {"a", "b"}`
class BaseTokenizer {
 public:
  explicit BaseTokenizer(std::string split_char = " ");
  std::vector<std::string> operator()(const std::string& text) const;
  const std::string& split_char() const noexcept { return split_char_; }

 private:
  std::string split_char_;
};

/// A tokenizer: text in, tokens out. Example: `TokenizerFn f = BaseTokenizer();`
using TokenizerFn = std::function<std::vector<std::string>(const std::string&)>;

/// fastai's TokenizeWithRules: applies `rules` to the text, tokenizes it, then applies
/// `post_rules` to each token (default: fastai's defaults).
/// Example: `TokenizeWithRules tok(BaseTokenizer()); auto toks = tok("Some text");`
class TokenizeWithRules {
 public:
  explicit TokenizeWithRules(TokenizerFn tok, std::vector<TextRule> rules = default_text_rules(),
                             std::vector<TextRule> post_rules = default_text_post_rules());
  std::vector<std::string> operator()(const std::string& text) const;
  const std::vector<TextRule>& rules() const noexcept { return rules_; }
  const std::vector<TextRule>& post_rules() const noexcept { return post_rules_; }

 private:
  TokenizerFn tok_;
  std::vector<TextRule> rules_, post_rules_;
};

}  // namespace fastai
