#include "fastai/text/data.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fastai/core/describe.h"
#include "fastai/text/core.h"

namespace fastai {

using json = nlohmann::json;

// ---------------------------------------------------------------- TokenCounter

void TokenCounter::update(const std::vector<std::string>& tokens) {
  for (const auto& t : tokens) {
    auto [it, fresh] = index_.try_emplace(t, order_.size());
    if (fresh) order_.emplace_back(t, 0);
    ++order_[it->second].second;
  }
}

void TokenCounter::update(const TokenCounter& other) {
  for (const auto& [t, c] : other.order_) add(t, c);
}

void TokenCounter::add(const std::string& token, int64_t n) {
  auto [it, fresh] = index_.try_emplace(token, order_.size());
  if (fresh) order_.emplace_back(token, 0);
  order_[it->second].second += n;
}

int64_t TokenCounter::operator[](const std::string& token) const {
  auto it = index_.find(token);
  return it == index_.end() ? 0 : order_[it->second].second;
}

std::vector<std::pair<std::string, int64_t>> TokenCounter::most_common(int64_t n) const {
  auto out = order_;
  // Stable: equal counts keep first-seen order (Counter.most_common = sorted(…, reverse=True)[:n]).
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (n >= 0 && static_cast<size_t>(n) < out.size()) out.resize(static_cast<size_t>(n));
  return out;
}

// ---------------------------------------------------------------- make_vocab

std::vector<std::string> make_vocab(const TokenCounter& count, int64_t min_freq, int64_t max_vocab,
                                    std::optional<std::vector<std::string>> special_toks) {
  if (max_vocab < 0)
    throw std::invalid_argument("make_vocab: max_vocab must be >= 0, got " + std::to_string(max_vocab));
  std::vector<std::string> vocab;
  for (const auto& [tok, c] : count.most_common(max_vocab))
    if (c >= min_freq) vocab.push_back(tok);
  const auto specials = special_toks ? *special_toks : text_spec_tok();
  for (auto it = specials.rbegin(); it != specials.rend(); ++it) {  // each moved (or added) to the front
    auto found = std::find(vocab.begin(), vocab.end(), *it);
    if (found != vocab.end()) vocab.erase(found);
    vocab.insert(vocab.begin(), *it);
  }
  if (static_cast<int64_t>(vocab.size()) > max_vocab) vocab.resize(static_cast<size_t>(max_vocab));
  const size_t fake = 8 - vocab.size() % 8;  // 8 when the size already is a multiple of 8, as fastai
  vocab.insert(vocab.end(), fake, "xxfake");
  return vocab;
}

// ---------------------------------------------------------------- Numericalize

Numericalize::Numericalize(std::optional<std::vector<std::string>> vocab, int64_t min_freq, int64_t max_vocab,
                           std::optional<std::vector<std::string>> special_toks)
    : Transform({.name = "Numericalize"}),
      min_freq_(min_freq),
      max_vocab_(max_vocab),
      special_toks_(std::move(special_toks)) {
  if (vocab) set_vocab(std::move(*vocab), false);
  encodes<Tokens>([this](const std::vector<std::string>& toks) -> Item {
    std::vector<int64_t> ids;
    ids.reserve(toks.size());
    for (const auto& t : toks) ids.push_back(id_of(t));
    return TensorText(at::tensor(ids, at::kLong));
  });
  decodes<TensorText>([this](const at::Tensor& t) -> Item {
    const auto& v = this->vocab();
    const auto ids = t.to(at::kCPU).to(at::kLong).contiguous().view(-1);
    const auto* p = ids.data_ptr<int64_t>();
    std::vector<std::string> toks;
    toks.reserve(static_cast<size_t>(ids.numel()));
    for (int64_t i = 0; i < ids.numel(); ++i) {
      if (p[i] < 0 || p[i] >= static_cast<int64_t>(v.size()))
        throw std::out_of_range("Numericalize: id " + std::to_string(p[i]) + " is outside the vocab (" +
                                std::to_string(v.size()) + " tokens)");
      toks.push_back(v[static_cast<size_t>(p[i])]);
    }
    return Tokens(std::move(toks));
  });
}

void Numericalize::set_vocab(std::vector<std::string> vocab, bool skip_fake) {
  // fastai: {v: k for k, v in enumerate(vocab)} — a repeated token maps to its last index; from
  // setup "xxfake" is left out, so it numericalizes as xxunk.
  o2i_.clear();
  fake_in_lookup_ = !skip_fake;
  for (size_t k = 0; k < vocab.size(); ++k)
    if (!skip_fake || vocab[k] != "xxfake") o2i_[vocab[k]] = static_cast<int64_t>(k);
  vocab_ = std::move(vocab);
}

void Numericalize::setup(const LazyItems& items, bool train_setup) {
  if (vocab_) return;
  if (count_from_)
    if (const TokenCounter* c = count_from_()) return setup_from(*c);
  const auto src = train_setup ? items.train() : items;
  TokenCounter count;
  for (size_t i = 0; i < src.size(); ++i) {
    const Item x = src[i];
    if (!x.is<Tokens>())
      throw std::invalid_argument("Numericalize: item " + std::to_string(i) + " is " + std::string(x.type().name()) +
                                  ", not Tokens (tokenize the texts first)");
    count.update(x.get<Tokens>());
  }
  set_vocab(make_vocab(count, min_freq_, max_vocab_, special_toks_), true);
}

void Numericalize::setup_from(const TokenCounter& count) {
  if (!vocab_) set_vocab(make_vocab(count, min_freq_, max_vocab_, special_toks_), true);
}

const std::vector<std::string>& Numericalize::vocab() const {
  if (!vocab_) throw std::logic_error("Numericalize has no vocab yet: set it up on tokenized texts or pass a vocab");
  return *vocab_;
}

int64_t Numericalize::id_of(const std::string& token) const {
  (void)vocab();  // throws when not set up
  auto it = o2i_.find(token);
  return it == o2i_.end() ? 0 : it->second;
}

json Numericalize::describe() const {
  auto j = describe_base();
  j["vocab"] = vocab_ ? json(*vocab_) : json(nullptr);
  j["min_freq"] = min_freq_;
  j["max_vocab"] = max_vocab_;
  j["special_toks"] = special_toks_ ? json(*special_toks_) : json(nullptr);
  j["xxfake_in_lookup"] = fake_in_lookup_;
  return j;
}

std::shared_ptr<Numericalize> Numericalize::from_description(const json& j) {
  std::optional<std::vector<std::string>> specials;
  if (j.contains("special_toks") && !j.at("special_toks").is_null())
    specials = j.at("special_toks").get<std::vector<std::string>>();
  auto t = std::make_shared<Numericalize>(std::nullopt, j.at("min_freq").get<int64_t>(),
                                          j.at("max_vocab").get<int64_t>(), specials);
  // A vocab learned in setup leaves xxfake out of the lookup (fastai's setups); a given one keeps it.
  if (!j.at("vocab").is_null())
    t->set_vocab(j.at("vocab").get<std::vector<std::string>>(), !j.value("xxfake_in_lookup", false));
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(Numericalize);

Item reverse_text(const Item& x) {
  const at::Tensor* t = nullptr;
  try {
    if (!x.is_tuple()) t = &x.payload<at::Tensor>();
  } catch (const std::exception&) {  // not a tensor: said below
  }
  if (!t || t->dim() != 1) throw TypeError("reverse_text needs a 1-D tensor of token ids, got " + x.repr());
  return Item(TensorBase(t->flip(0))).retag(x.type());
}

namespace {
const bool reverse_text_registered = [] {
  register_function("reverse_text", reverse_text);
  return true;
}();
}  // namespace

}  // namespace fastai
