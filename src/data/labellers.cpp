#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>

#include "fastai/core/describe.h"
#include "fastai/core/json.h"
#include "fastai/data/transforms.h"

namespace fastai {
using nlohmann::json;

namespace {
// parent_path().filename() without building either path (it runs once per item per epoch): the
// text between the last two separators. Roots, lone names and doubled separators take the
// std::filesystem route, which defines those cases.
std::string parent_name(const std::string& s) {
  const auto end = s.rfind('/');
  if (end != std::string::npos && end > 0) {
    const auto before = s.rfind('/', end - 1);
    const size_t start = before == std::string::npos ? 0 : before + 1;
    if (start < end) return s.substr(start, end - start);
  }
  return std::filesystem::path(s).parent_path().filename().string();
}
}  // namespace

Item parent_label(const Item& x) {
  if (x.is<Path>()) return Str(parent_name(x.get<Path>().native()));
  if (x.is<Str>()) return Str(parent_name(x.get<Str>()));
  throw TypeError("parent_label needs a Path or Str item, got " + x.repr());
}

namespace {
const bool registered = [] {
  register_function("parent_label", parent_label);
  return true;
}();
}  // namespace

RegexLabeller::RegexLabeller(std::string pat, bool match)
    : Transform({.name = "RegexLabeller"}), pat_(std::move(pat)), match_(match) {
  std::regex re;
  try {
    re = std::regex(pat_);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("RegexLabeller: invalid pattern \"" + pat_ + "\": " + e.what());
  }
  auto label = [re, pat = pat_, match](const std::string& s) -> Item {
    std::smatch m;
    const bool ok = match ? std::regex_match(s, m, re) : std::regex_search(s, m, re);
    if (!ok || m.size() < 2) throw std::runtime_error("RegexLabeller: failed to find \"" + pat + "\" in \"" + s + "\"");
    return Str(m[1].str());
  };
  encodes<Path>([label](const std::filesystem::path& p) { return label(p.string()); });
  encodes<Str>([label](const std::string& s) { return label(s); });
}

FASTAI_REGISTER_DESCRIBED(RegexLabeller);

ItemGetter::ItemGetter(size_t i) : Transform({.name = "ItemGetter", .whole_tuple = true}), i_(i) {
  encodes<Tuple>([this](const std::vector<Item>& v) -> Item {
    if (i_ >= v.size())
      throw std::out_of_range("ItemGetter(" + std::to_string(i_) + "): the tuple has " + std::to_string(v.size()) +
                              " elements");
    return v[i_];
  });
}

FASTAI_REGISTER_DESCRIBED(ItemGetter);

}  // namespace fastai
