#include "fastai/core/item.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace fastai {

namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<TypeInfo>, std::less<>> types;
  std::unordered_map<std::type_index, std::string (*)(const Item&)> reprs;
};
Registry& registry() {
  static Registry r;
  return r;
}
std::string demangled(std::type_index t) { return t.name(); }
}  // namespace

TypeInfo::TypeInfo(std::string_view name, const TypeInfo* parent, std::type_index payload)
    : name_(name), parent_(parent), payload_(payload) {}

bool TypeInfo::is_a(const TypeInfo& other) const noexcept {
  for (const TypeInfo* t = this; t; t = t->parent_)
    if (t == &other) return true;
  return false;
}

std::string TypeInfo::lineage() const {
  std::string s;
  for (const TypeInfo* t = this; t; t = t->parent_) {
    if (!s.empty()) s += " \u2192 ";
    s += t->name_;
  }
  return s;
}

// Any's payload is the Item itself: a function registered for Any sees the whole value.
const TypeInfo& any_type() {
  static const TypeInfo any("Any", nullptr, typeid(Item));
  return any;
}

namespace detail {
const TypeInfo& register_type(std::string_view name, const TypeInfo* parent, std::type_index payload) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (auto it = r.types.find(name); it != r.types.end()) {
    const TypeInfo& t = *it->second;
    if (t.parent() != parent || t.payload() != payload)
      throw TypeError("semantic type \"" + std::string(name) +
                      "\" is declared twice with different parents or payloads (" + t.lineage() + ")");
    return t;
  }
  if (parent && parent != &any_type() && parent->payload() != payload)
    throw TypeError("semantic type \"" + std::string(name) + "\" must hold the same payload as its parent " +
                    std::string(parent->name()));
  auto owned = std::make_unique<TypeInfo>(name, parent, payload);
  const TypeInfo& ref = *owned;
  r.types.emplace(std::string(name), std::move(owned));
  return ref;
}
}  // namespace detail

const TypeInfo* find_type(std::string_view name) {
  if (name == "Any") return &any_type();
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.types.find(name);
  return it == r.types.end() ? nullptr : it->second.get();
}

void register_repr(std::type_index payload, std::string (*fn)(const Item&)) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.reprs[payload] = fn;
}

const TypeInfo& Item::type() const {
  if (!type_) throw TypeError("empty item has no type");
  return *type_;
}

void Item::check_payload(std::type_index t) const {
  if (type_->payload() != t && type_ != &any_type())
    throw TypeError("cannot make a " + std::string(type_->name()) + " item from a payload of C++ type " + demangled(t) +
                    " (it holds " + demangled(type_->payload()) + ")");
}

void Item::throw_not_a(const TypeInfo& wanted) const {
  throw TypeError("expected an item of type " + std::string(wanted.name()) + ", got " +
                  (type_ ? type_->lineage() : std::string("an empty item")));
}

void Item::throw_bad_payload(std::type_index wanted) const {
  throw TypeError("item " + repr() + " does not hold a payload of C++ type " + demangled(wanted));
}

Item Item::retag(const TypeInfo& type) const {
  if (!type_) throw TypeError("cannot retag an empty item as " + std::string(type.name()));
  if (type.payload() != type_->payload())
    throw TypeError("cannot retag " + std::string(type_->name()) + " as " + std::string(type.name()) +
                    ": their payloads differ");
  Item out = *this;
  out.type_ = &type;
  return out;
}

void Item::prefetch(bool contents) const noexcept {
  const void* p = value_.get();
  if (!p) return;
  if (!contents) {
    __builtin_prefetch(p);
  } else if (*payload_type_ == typeid(std::filesystem::path)) {
    __builtin_prefetch(static_cast<const std::filesystem::path*>(p)->native().data());
  } else if (*payload_type_ == typeid(std::string)) {
    __builtin_prefetch(static_cast<const std::string*>(p)->data());
  }
}

bool Item::is_tuple() const noexcept { return is<Tuple>(); }

const std::vector<Item>& Item::elements() const { return get<Tuple>(); }

const Item& Item::operator[](size_t i) const {
  const auto& e = elements();
  if (i >= e.size())
    throw std::out_of_range("tuple index " + std::to_string(i) + " out of range for a tuple of " +
                            std::to_string(e.size()) + " items");
  return e[i];
}

size_t Item::size() const { return elements().size(); }

std::string Item::repr() const {
  if (!type_) return "None";
  if (is_tuple()) {
    std::string s = std::string(type_->name()) + "(";
    const auto& e = elements();
    for (size_t i = 0; i < e.size(); ++i) s += (i ? ", " : "") + e[i].repr();
    return s + ")";
  }
  auto& r = registry();
  std::string (*fn)(const Item&) = nullptr;
  {
    std::lock_guard lock(r.mutex);
    if (auto it = r.reprs.find(type_->payload()); it != r.reprs.end()) fn = it->second;
  }
  return std::string(type_->name()) + "(" + (fn ? fn(*this) : "…") + ")";
}

}  // namespace fastai
