// spaCy's English tokenizer exceptions (spacy/lang/tokenizer_exceptions.py BASE_EXCEPTIONS and
// spacy/lang/en/tokenizer_exceptions.py, MIT licence): the chunks that always split one fixed way.
// Only the token texts (spaCy's ORTH) matter to a tokenizer; the lemma/norm/tag data is not kept.
#include "en_exceptions.h"

#include <array>
#include <cctype>

namespace fastai::text_detail {
namespace {

std::string title(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

void add(SpecialCases& m, const std::string& chunk, std::vector<std::string> pieces) { m[chunk] = std::move(pieces); }
void add1(SpecialCases& m, const std::string& chunk) { m[chunk] = {chunk}; }

void base_exceptions(SpecialCases& m) {
  for (const char* ws : {" ", "\t", "\\t", "\n", "\\n", "\u2014", "\u00a0"}) add1(m, ws);
  for (const char* o : {"'", "\\\")", "<space>", "''", "C++"}) add1(m, o);
  for (char c = 'a'; c <= 'z'; ++c) add1(m, std::string(1, c) + ".");
  for (const char* o : {"ä.", "ö.", "ü."}) add1(m, o);
  // Emoticons: a chunk that is one of these stays whole.
  static const std::array emoticons = {
      ":)",   ":-)",   ":))",  ":-))", ":)))", ":-)))", "(:",   "(-:",  "=)",   "(=",   "\")",  ":]",   ":-]",
      "[:",   "[-:",   ":o)",  "(o:",  ":}",   ":-}",   "8)",   "8-)",  "(-8",  ";)",   ";-)",  "(;",   "(-;",
      ":(",   ":-(",   ":((",  ":-((", ":(((", ":-(((", "):",   ")-:",  "=(",   ">:(",  ":')",  ":'-)", ":'(",
      ":'-(", ":/",    ":-/",  "=/",   "=|",   ":|",    ":-|",  ":1",   ":P",   ":-P",  ":p",   ":-p",  ":O",
      ":-O",  ":o",    ":-o",  ":0",   ":-0",  ":()",   ">:o",  ":*",   ":-*",  ":3",   ":-3",  "=3",   ":>",
      ":->",  ":X",    ":-X",  ":x",   ":-x",  ":D",    ":-D",  ";D",   ";-D",  "=D",   "xD",   "XD",   "xDD",
      "XDD",  "8D",    "8-D",  "^_^",  "^__^", "^___^", ">.<",  ">.>",  "<.<",  "._.",  ";_;",  "-_-",  "-__-",
      "v.v",  "V.V",   "v_v",  "V_V",  "o_o",  "o_O",   "O_o",  "O_O",  "0_o",  "o_0",  "0_0",  "o.O",  "O.o",
      "O.O",  "o.o",   "0.0",  "o.0",  "0.o",  "@_@",   "<3",   "<33",  "<333", "</3",  "(^_^)", "(-_-)", "(._.)",
      "(>_<)", "(*_*)", "(¬_¬)", "ಠ_ಠ", "ಠ︵ಠ", "(ಠ_ಠ)", "¯\\(ツ)/¯", "(╯°□°）╯︵┻━┻", "><(((*>"};
  for (const char* e : emoticons) add1(m, e);
}

void english_exceptions(SpecialCases& m) {
  SpecialCases e;
  for (const std::string orth : {"i", "I"}) {
    add(e, orth + "'m", {orth, "'m"});
    add(e, orth + "m", {orth, "m"});
    add(e, orth + "'ma", {orth, "'m", "a"});
    add(e, orth + "ma", {orth, "m", "a"});
  }
  // Pronoun / w-word + will, would, have, are, is.
  auto will_would = [&](const std::string& orth) {
    add(e, orth + "'ll", {orth, "'ll"});
    add(e, orth + "ll", {orth, "ll"});
    add(e, orth + "'ll've", {orth, "'ll", "'ve"});
    add(e, orth + "llve", {orth, "ll", "ve"});
    add(e, orth + "'d", {orth, "'d"});
    add(e, orth + "d", {orth, "d"});
    add(e, orth + "'d've", {orth, "'d", "'ve"});
    add(e, orth + "dve", {orth, "d", "ve"});
  };
  auto have = [&](const std::string& orth) {
    add(e, orth + "'ve", {orth, "'ve"});
    add(e, orth + "ve", {orth, "ve"});
  };
  auto are = [&](const std::string& orth) {
    add(e, orth + "'re", {orth, "'re"});
    add(e, orth + "re", {orth, "re"});
  };
  auto is = [&](const std::string& orth) {
    add(e, orth + "'s", {orth, "'s"});
    add(e, orth + "s", {orth, "s"});
  };
  for (const std::string p : {"i", "you", "he", "she", "it", "we", "they"})
    for (const auto& orth : {p, title(p)}) will_would(orth);
  for (const std::string p : {"i", "you", "we", "they"})
    for (const auto& orth : {p, title(p)}) have(orth);
  for (const std::string p : {"you", "we", "they"})
    for (const auto& orth : {p, title(p)}) are(orth);
  for (const std::string p : {"he", "she", "it"})
    for (const auto& orth : {p, title(p)}) is(orth);
  // W-words and demonstratives; spaCy 3 gives "this"/"that" no 're/'ve and "these"/"those" no 's.
  for (const std::string w : {"who", "what", "when", "where", "why", "how", "there", "that", "this", "these", "those"})
    for (const auto& orth : {w, title(w)}) {
      const bool singular = w == "that" || w == "this", plural = w == "these" || w == "those";
      if (!plural) is(orth);
      will_would(orth);
      if (!singular) are(orth), have(orth);
    }

  // Verb + n't (and + n't've), then modal + 've, then be/have/dare + n't.
  for (const std::string v : {"ca", "could", "do", "does", "did", "had", "may", "might", "must", "need", "ought",
                              "sha", "should", "wo", "would"})
    for (const auto& orth : {v, title(v)}) {
      add(e, orth + "n't", {orth, "n't"});
      add(e, orth + "nt", {orth, "nt"});
      add(e, orth + "n't've", {orth, "n't", "'ve"});
      add(e, orth + "ntve", {orth, "nt", "ve"});
    }
  for (const std::string v : {"could", "might", "must", "should", "would"})
    for (const auto& orth : {v, title(v)}) have(orth);
  for (const std::string v : {"ai", "are", "is", "was", "were", "have", "has", "dare"})
    for (const auto& orth : {v, title(v)}) {
      add(e, orth + "n't", {orth, "n't"});
      add(e, orth + "nt", {orth, "nt"});
    }

  // Dropped final g (doin, doin') and leading apostrophes ('cause, 'em).
  for (const std::string w : {"doin", "goin", "nothin", "nuthin", "ol", "somethin"})
    for (const auto& orth : {w, title(w)}) add1(e, orth), add1(e, orth + "'");
  for (const std::string w : {"cause", "em", "ll", "nuff"}) add1(e, w), add1(e, "'" + w);

  for (int h = 1; h <= 12; ++h) {
    const std::string n = std::to_string(h);
    for (const char* period : {"a.m.", "am", "p.m.", "pm"}) add(e, n + period, {n, period});
  }

  add(e, "y'all", {"y'", "all"});
  add(e, "yall", {"y", "all"});
  add(e, "how'd'y", {"how", "'d", "'y"});
  add(e, "How'd'y", {"How", "'d", "'y"});
  add(e, "not've", {"not", "'ve"});
  add(e, "notve", {"not", "ve"});
  add(e, "Not've", {"Not", "'ve"});
  add(e, "Notve", {"Not", "ve"});
  add(e, "cannot", {"can", "not"});
  add(e, "Cannot", {"Can", "not"});
  add(e, "gonna", {"gon", "na"});
  add(e, "Gonna", {"Gon", "na"});
  add(e, "gotta", {"got", "ta"});
  add(e, "Gotta", {"Got", "ta"});
  add(e, "let's", {"let", "'s"});
  add(e, "Let's", {"Let", "'s"});

  static const std::array whole = {
      "'S",     "'s",     "\u2018S", "\u2018s", "and/or", "w/o",    "'re",    "'Cause", "'cause", "'cos",  "'Cos",
      "'coz",   "'Coz",   "'cuz",    "'Cuz",    "'bout",  "ma'am",  "Ma'am",  "o'clock", "O'clock", "lovin'", "Lovin'",
      "lovin",  "Lovin",  "havin'",  "Havin'",  "havin",  "Havin",  "doin'",  "Doin'",  "doin",   "Doin",  "goin'",
      "Goin'",  "goin",   "Goin",    "Mt.",     "Ak.",    "Ala.",   "Apr.",   "Ariz.",  "Ark.",   "Aug.",  "Calif.",
      "Colo.",  "Conn.",  "Dec.",    "Del.",    "Feb.",   "Fla.",   "Ga.",    "Ia.",    "Id.",    "Ill.",  "Ind.",
      "Jan.",   "Jul.",   "Jun.",    "Kan.",    "Kans.",  "Ky.",    "La.",    "Mar.",   "Mass.",  "May.",  "Mich.",
      "Minn.",  "Miss.",  "N.C.",    "N.D.",    "N.H.",   "N.J.",   "N.M.",   "N.Y.",   "Neb.",   "Nebr.", "Nev.",
      "Nov.",   "Oct.",   "Okla.",   "Ore.",    "Pa.",    "S.C.",   "Sep.",   "Sept.",  "Tenn.",  "Va.",   "Wash.",
      "Wis.",   "'d",     "a.m.",    "Adm.",    "Bros.",  "co.",    "Co.",    "Corp.",  "D.C.",   "Dr.",   "e.g.",
      "E.g.",   "E.G.",   "Gen.",    "Gov.",    "i.e.",   "I.e.",   "I.E.",   "Inc.",   "Jr.",    "Ltd.",  "Md.",
      "Messrs.", "Mo.",   "Mont.",   "Mr.",     "Mrs.",   "Ms.",    "p.m.",   "Ph.D.",  "Rep.",   "Rev.",  "Sen.",
      "St.",    "vs."};
  for (const char* w : whole) add1(e, w);

  // Words the rules above would split but that are words in their own right.
  for (const char* w : {"Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed", "shed", "were", "Were",
                        "Well", "well", "Whore", "whore"})
    e.erase(w);
  for (auto& [k, v] : e) m[k] = std::move(v);  // English overrides the base set (spaCy's update_exc)
}

}  // namespace

SpecialCases english_special_cases() {
  SpecialCases m;
  base_exceptions(m);
  english_exceptions(m);
  return m;
}

}  // namespace fastai::text_detail
