#include "fastai/text/sentencepiece.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "fastai/core/atomic_file.h"
#include "fastai/text/text_tokenizer.h"
#include "spm_shim.h"
#include "unicode.h"

namespace fastai {
using json = nlohmann::json;

namespace detail {
// libfastai_sentencepiece, opened once beside libfastai (spm_shim.h says why it is separate).
struct Spm {
  decltype(&fastai_spm_load) load;
  decltype(&fastai_spm_free) free;
  decltype(&fastai_spm_encode) encode;
  decltype(&fastai_spm_piece_size) piece_size;
  decltype(&fastai_spm_id_to_piece) id_to_piece;
  decltype(&fastai_spm_score) score;
  decltype(&fastai_spm_train) train;
  decltype(&fastai_spm_free_buffer) free_buffer;

  static const Spm& get() {
    static const Spm spm = open();
    return spm;
  }

 private:
  static Spm open() {
    Dl_info info{};
    std::filesystem::path dir;
    if (dladdr(reinterpret_cast<void*>(&sentencepiece_vocab_sz), &info) && info.dli_fname)
      dir = std::filesystem::path(info.dli_fname).parent_path();
    const char* name = "libfastai_sentencepiece.so";
    void* h = dlopen((dir / name).c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h)
      throw std::runtime_error(std::string("SentencePieceTokenizer: cannot open ") + name +
                               " (installed beside libfastai in " + dir.string() + "): " + dlerror());
    Spm s{};
    auto sym = [&](auto& fn, const char* what) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, what));
      if (!fn) throw std::runtime_error(std::string("SentencePieceTokenizer: ") + name + " lacks " + what);
    };
    sym(s.load, "fastai_spm_load");
    sym(s.free, "fastai_spm_free");
    sym(s.encode, "fastai_spm_encode");
    sym(s.piece_size, "fastai_spm_piece_size");
    sym(s.id_to_piece, "fastai_spm_id_to_piece");
    sym(s.score, "fastai_spm_score");
    sym(s.train, "fastai_spm_train");
    sym(s.free_buffer, "fastai_spm_free_buffer");
    return s;
  }
};

// A malloc'd buffer or message from the module, freed by it.
std::string take(char* p, size_t len) {
  std::string s(p, len);
  Spm::get().free_buffer(p);
  return s;
}
std::string take_err(char* err) { return err ? take(err, std::strlen(err)) : std::string("unknown error"); }
}  // namespace detail

namespace {

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kB64[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(const std::string& in) {
  int rev[256];
  std::fill(std::begin(rev), std::end(rev), -1);
  for (int k = 0; k < 64; ++k) rev[uint8_t(kB64[k])] = k;
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=') break;
    const int d = rev[uint8_t(c)];
    if (d < 0)
      throw std::invalid_argument("SentencePieceTokenizer: the model in the description is not base64 (character " +
                                  std::to_string(i) + ")");
    v = (v << 6) | uint32_t(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((v >> bits) & 0xff);
    }
  }
  return out;
}

// fastai's eu_langs: their texts get the higher character coverage.
bool is_eu_lang(const std::string& lang) {
  static const std::unordered_set<std::string> eu{"bg", "cs", "da", "de", "el", "en", "es", "et",
                                                  "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv",
                                                  "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"};
  return eu.count(lang) > 0;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("SentencePieceTokenizer: cannot read the model file " + p.string());
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}


}  // namespace

int64_t sentencepiece_vocab_sz(const std::vector<std::string>& texts, int64_t max_vocab_sz) {
  // fastai counts line.split() over the training file; lines only decide when it stops early,
  // which gives max_vocab_sz either way, so counting per text is the same.
  std::unordered_set<std::u32string> words;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::u32string t = text_detail::utf8_to_u32(texts[i], ("text " + std::to_string(i)).c_str());
    size_t k = 0;
    while (k < t.size()) {
      while (k < t.size() && text_detail::is_space(t[k])) ++k;
      const size_t start = k;
      while (k < t.size() && !text_detail::is_space(t[k])) ++k;
      if (k > start) words.insert(t.substr(start, k - start));
    }
    if (static_cast<int64_t>(words.size()) / 4 > max_vocab_sz) return max_vocab_sz;
  }
  int64_t res = static_cast<int64_t>(words.size()) / 4;
  while (res % 8 != 0) ++res;
  return std::max<int64_t>(res, 29);
}

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceOptions options) : o_(std::move(options)) {
  if (!o_.special_toks) o_.special_toks = text_spec_tok();
  if (!o_.char_coverage) o_.char_coverage = is_eu_lang(o_.lang) ? 0.99999 : 0.9998;
}

SentencePieceTokenizer SentencePieceTokenizer::load(const std::filesystem::path& sp_model,
                                                    SentencePieceOptions options) {
  SentencePieceTokenizer t(std::move(options));
  t.set_model(read_file(sp_model), sp_model.string());
  return t;
}

SentencePieceTokenizer SentencePieceTokenizer::from_model_bytes(std::string bytes, SentencePieceOptions options) {
  SentencePieceTokenizer t(std::move(options));
  t.set_model(std::move(bytes), "the model bytes");
  return t;
}

namespace {
// Just enough protobuf to read a few fields of a serialized ModelProto (sentencepiece_model.proto,
// whose generated header Debian does not ship): varints and length-delimited fields.
struct ProtoReader {
  const unsigned char* p;
  const unsigned char* end;
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
      const unsigned char c = *p++;
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (c < 0x80) return true;
    }
    return false;
  }
  // Calls on(field, varint value, nullptr, 0) or on(field, 0, bytes, n) for each field.
  template <class F>
  bool each(F&& on) {
    while (p < end) {
      uint64_t key = 0, v = 0;
      if (!varint(key)) return false;
      const auto field = static_cast<uint32_t>(key >> 3);
      switch (key & 7) {
        case 0:
          if (!varint(v)) return false;
          on(field, v, nullptr, 0);
          break;
        case 1: if (end - p < 8) return false; p += 8; break;
        case 5: if (end - p < 4) return false; p += 4; break;
        case 2:
          if (!varint(v) || v > static_cast<uint64_t>(end - p)) return false;
          on(field, 0, p, static_cast<size_t>(v));
          p += v;
          break;
        default: return false;
      }
    }
    return true;
  }
};

// Whether a model's encoding of a text is (up to float ties, see SentencePieceOptions::cache_words)
// the concatenation of its encodings of the text's space-separated words: a unigram or BPE model
// whose pieces never cross whitespace (split_by_whitespace, no whitespace-only pieces, the space
// a prefix), with a dummy prefix and extra whitespace removed — what sentencepiece's defaults and
// fastai's training give. Then each word can be encoded once and remembered.
bool encodes_words_alone(const std::string& model) {
  // Defaults of sentencepiece_model.proto, for fields a model leaves out.
  uint64_t model_type = 1, split_by_whitespace = 1, ws_as_suffix = 0, ws_only_pieces = 0;
  uint64_t dummy_prefix = 1, remove_extra_ws = 1, escape_ws = 1;
  ProtoReader top{reinterpret_cast<const unsigned char*>(model.data()),
                  reinterpret_cast<const unsigned char*>(model.data()) + model.size()};
  bool ok = top.each([&](uint32_t f, uint64_t, const unsigned char* b, size_t n) {
    if (!b) return;
    ProtoReader sub{b, b + n};
    if (f == 2)  // TrainerSpec
      ok = sub.each([&](uint32_t g, uint64_t v, const unsigned char* bb, size_t) {
        if (bb) return;
        if (g == 3) model_type = v;
        if (g == 22) split_by_whitespace = v;
        if (g == 24) ws_as_suffix = v;
        if (g == 26) ws_only_pieces = v;
      });
    if (f == 3)  // NormalizerSpec
      sub.each([&](uint32_t g, uint64_t v, const unsigned char* bb, size_t) {
        if (bb) return;
        if (g == 3) dummy_prefix = v;
        if (g == 4) remove_extra_ws = v;
        if (g == 5) escape_ws = v;
      });
  });
  return ok && (model_type == 1 || model_type == 2) && split_by_whitespace && !ws_as_suffix && !ws_only_pieces &&
         dummy_prefix && remove_extra_ws && escape_ws;
}

uint64_t next_cache_id() {
  static std::atomic<uint64_t> n{1};
  return n.fetch_add(1);
}
}  // namespace

void SentencePieceTokenizer::set_model(std::string bytes, const std::string& where) {
  const auto& spm = detail::Spm::get();
  char* err = nullptr;
  void* h = spm.load(bytes.data(), bytes.size(), &err);
  if (!h)
    throw std::runtime_error("SentencePieceTokenizer: " + where +
                             " is not a SentencePiece model: " + detail::take_err(err));
  model_ = std::shared_ptr<void>(h, spm.free);
  per_word_ = o_.cache_words && encodes_words_alone(bytes);
  cache_id_ = next_cache_id();
  bytes_ = std::make_shared<const std::string>(std::move(bytes));
}

std::filesystem::path SentencePieceTokenizer::setup(const std::vector<std::string>& texts,
                                                    const std::vector<TextRule>& rules) {
  if (model_) return {};
  if (texts.empty()) throw std::invalid_argument("SentencePieceTokenizer: no texts to train on");
  std::filesystem::create_directories(o_.cache_dir);
  const auto raw = o_.cache_dir / "texts.out";
  std::vector<std::string> ruled;  // the texts as trained on, for the vocab-size rule
  {
    std::ofstream f(raw, std::ios::binary);
    if (!f) throw std::runtime_error("SentencePieceTokenizer: cannot write " + raw.string());
    for (const auto& t : texts) {
      std::string r = apply_rules(t, rules);
      f << r << '\n';
      if (!o_.vocab_sz) ruled.push_back(std::move(r));
    }
    if (!f) throw std::runtime_error("SentencePieceTokenizer: writing " + raw.string() + " failed");
  }
  const int64_t vocab_sz = o_.vocab_sz ? *o_.vocab_sz : sentencepiece_vocab_sz(ruled, o_.max_vocab_sz);
  ruled.clear();
  std::ostringstream symbols;  // a stream: g++ 12's -Wstringop-overflow misfires on string concatenation here
  for (size_t k = 0; k < o_.special_toks->size(); ++k) symbols << (k ? "," : "") << "\u2581" << (*o_.special_toks)[k];
  std::ostringstream args;  // fastai's command line, word for word (but the model comes back as bytes)
  args << "--input=" << raw.string() << " --vocab_size=" << vocab_sz << " --character_coverage=" << *o_.char_coverage
       << " --model_type=" << o_.model_type << " --unk_id=" << o_.special_toks->size()
       << " --pad_id=-1 --bos_id=-1 --eos_id=-1 --minloglevel=2"
       << " --user_defined_symbols=" << symbols.str() << " --hard_vocab_limit=false";
  const auto& spm = detail::Spm::get();
  char* err = nullptr;
  size_t len = 0;
  char* model = spm.train(args.str().c_str(), &len, &err);
  std::error_code ec;
  std::filesystem::remove(raw, ec);
  if (!model) throw std::runtime_error("SentencePieceTokenizer: training failed: " + detail::take_err(err));
  std::string bytes = detail::take(model, len);
  const auto model_path = o_.cache_dir / "spm.model";
  write_atomically(model_path, [&](const std::filesystem::path& tmp) {
    std::ofstream f(tmp, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error("SentencePieceTokenizer: cannot write " + model_path.string());
  });
  set_model(std::move(bytes), model_path.string());
  return model_path;
}

namespace {
void encode_into(void* model, std::string_view text, std::vector<std::string>& pieces) {
  const auto& spm = detail::Spm::get();
  char* err = nullptr;
  size_t len = 0;
  char* buf = spm.encode(model, text.data(), text.size(), &len, &err);
  if (!buf) throw std::runtime_error("SentencePieceTokenizer: encoding failed: " + detail::take_err(err));
  for (size_t at = 0; at < len;) {  // NUL after each piece
    const size_t n = std::strlen(buf + at);
    pieces.emplace_back(buf + at, n);
    at += n + 1;
  }
  spm.free_buffer(buf);
}
}  // namespace

std::vector<std::string> SentencePieceTokenizer::operator()(const std::string& text) const {
  if (!model_) throw std::logic_error("SentencePieceTokenizer: no model yet: call setup(texts) or load a model");
  std::vector<std::string> pieces;
  if (!per_word_) {
    encode_into(model_.get(), text, pieces);
    return pieces;
  }
  // Word by word, each encoded once per thread (most words of a corpus were seen before).
  struct Cache {
    uint64_t id = 0;
    std::unordered_map<std::string, std::vector<std::string>> words;
  };
  thread_local Cache cache;
  if (cache.id != cache_id_) cache.id = cache_id_, cache.words.clear();
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) {
      const std::string_view word(text.data() + start, end - start);
      auto it = cache.words.find(std::string(word));
      if (it == cache.words.end()) {
        if (cache.words.size() >= 200000) cache.words.clear();  // bounded: a long tail of rare words
        std::vector<std::string> w;
        encode_into(model_.get(), word, w);
        it = cache.words.emplace(std::string(word), std::move(w)).first;
      }
      pieces.insert(pieces.end(), it->second.begin(), it->second.end());
    }
    start = end + 1;
  }
  return pieces;
}

const std::string& SentencePieceTokenizer::model_bytes() const {
  if (!bytes_) throw std::logic_error("SentencePieceTokenizer: no model yet");
  return *bytes_;
}

std::vector<std::string> SentencePieceTokenizer::pieces() const {
  std::vector<std::string> out;
  if (!model_) return out;
  const auto& spm = detail::Spm::get();
  for (int i = 0; i < spm.piece_size(model_.get()); ++i) {
    size_t n = 0;
    const char* p = spm.id_to_piece(model_.get(), i, &n);
    out.emplace_back(p, n);
  }
  return out;
}

std::vector<float> SentencePieceTokenizer::scores() const {
  std::vector<float> out;
  if (!model_) return out;
  const auto& spm = detail::Spm::get();
  for (int i = 0; i < spm.piece_size(model_.get()); ++i) out.push_back(spm.score(model_.get(), i));
  return out;
}

json SentencePieceTokenizer::describe() const {
  return {{"type", "SentencePieceTokenizer"},
          {"lang", o_.lang},
          {"special_toks", *o_.special_toks},
          {"vocab_sz", o_.vocab_sz ? json(*o_.vocab_sz) : json(nullptr)},
          {"max_vocab_sz", o_.max_vocab_sz},
          {"model_type", o_.model_type},
          {"char_coverage", *o_.char_coverage},
          {"cache_dir", o_.cache_dir.string()},
          {"cache_words", o_.cache_words},
          {"model", bytes_ ? json(base64_encode(*bytes_)) : json(nullptr)}};
}

SentencePieceTokenizer SentencePieceTokenizer::from_description(const json& j) {
  if (j.value("type", "") != "SentencePieceTokenizer")
    throw std::invalid_argument("SentencePieceTokenizer::from_description: the description's type is " +
                                j.value("type", std::string("missing")));
  SentencePieceOptions o{
      .lang = j.at("lang").get<std::string>(),
      .special_toks = j.at("special_toks").get<std::vector<std::string>>(),
      .vocab_sz = j.at("vocab_sz").is_null() ? std::nullopt : std::optional<int64_t>(j.at("vocab_sz").get<int64_t>()),
      .max_vocab_sz = j.at("max_vocab_sz").get<int64_t>(),
      .model_type = j.at("model_type").get<std::string>(),
      .char_coverage = j.at("char_coverage").get<double>(),
      .cache_dir = j.at("cache_dir").get<std::string>(),
      .cache_words = j.value("cache_words", false)};
  if (j.at("model").is_null()) return SentencePieceTokenizer(std::move(o));
  return from_model_bytes(base64_decode(j.at("model").get<std::string>()), std::move(o));
}

}  // namespace fastai
