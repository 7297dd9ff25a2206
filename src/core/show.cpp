#include "fastai/core/show.h"

#include <mutex>
#include <sstream>

#include "fastai/core/semantic.h"

namespace fastai {
namespace {
struct ShowRegistry {
  std::mutex mutex;
  std::vector<std::pair<const TypeInfo*, ShowFn>> fns;
  const ShowFn* find(const TypeInfo& t) {
    for (const TypeInfo* cur = &t; cur; cur = cur->parent())
      for (const auto& e : fns)
        if (e.first == cur) return &e.second;
    return nullptr;
  }
};
ShowRegistry& reg() {
  static ShowRegistry r;
  return r;
}

const bool builtins = [] {
  register_show(Str::info(), [](const Item& x, ShowContext& c) { c.titles.push_back(x.get<Str>()); });
  register_show(MultiCategory::info(), [](const Item& x, ShowContext& c) {
    std::string s;
    for (const auto& v : x.get<MultiCategory>()) s += (s.empty() ? "" : ";") + v;
    c.titles.push_back(s);
  });
  register_show(Int::info(), [](const Item& x, ShowContext& c) { c.titles.push_back(std::to_string(x.get<Int>())); });
  register_show(Float::info(), [](const Item& x, ShowContext& c) {
    std::ostringstream s;
    s << x.get<Float>();
    c.titles.push_back(s.str());
  });
  register_show(TensorImageBase::info(), [](const Item& x, ShowContext& c) { c.image = x.get<TensorImageBase>(); });
  return true;
}();
}  // namespace

std::string ShowContext::title() const {
  std::string s;
  for (const auto& t : titles) s += (s.empty() ? "" : " / ") + t;
  return s;
}

void register_show(const TypeInfo& t, ShowFn fn) {
  auto& r = reg();
  std::lock_guard lock(r.mutex);
  for (auto& e : r.fns)
    if (e.first == &t) {
      e.second = std::move(fn);
      return;
    }
  r.fns.emplace_back(&t, std::move(fn));
}

bool is_showable(const Item& x) {
  if (x.empty()) return false;
  if (x.is_tuple()) {
    for (const auto& e : x.elements())
      if (!is_showable(e)) return false;
    return x.size() > 0;
  }
  auto& r = reg();
  std::lock_guard lock(r.mutex);
  return r.find(x.type()) != nullptr;
}

bool show(const Item& x, ShowContext& ctx) {
  if (x.empty()) return false;
  if (x.is_tuple()) {
    bool any = false;
    for (const auto& e : x.elements()) any = show(e, ctx) || any;
    return any;
  }
  ShowFn fn;
  {
    auto& r = reg();
    std::lock_guard lock(r.mutex);
    if (const ShowFn* f = r.find(x.type())) fn = *f;
  }
  if (!fn) return false;
  fn(x, ctx);
  return true;
}

std::string table_cell(std::string text, size_t max_words) {
  if (max_words == 0) return {};  // fastai: ' '.join(words[:0])
  size_t pos = 0;
  for (size_t w = 0; w < max_words; ++w) {
    pos = text.find(' ', pos);
    if (pos == std::string::npos) break;
    if (w + 1 == max_words) text.resize(pos);
    ++pos;
  }
  for (auto& ch : text)
    if (ch == '\n' || ch == '|') ch = ' ';
  return text;
}

}  // namespace fastai
