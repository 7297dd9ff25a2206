#pragma once
/// Items: the values that flow through data pipelines, each tagged with a semantic type
/// (fastai's semantic tensor subclasses and fastcore's type dispatch, without subclassing
/// tensors). Models never see Items: a batch is unwrapped to plain torch::Tensors.
///
/// A semantic type is a tag with a name, a parent type and a C++ payload type. A subtype
/// shares its parent's payload (TensorImage and TensorMask both hold a torch::Tensor), so
/// retagging is free and a function written for the parent accepts the child.
///
/// Example:
///   FASTAI_SEMANTIC_SUBTYPE(TensorDepth, fastai::TensorImageBase);   // a user type
///   fastai::Item x = TensorDepth(torch::rand({1, 8, 8}));
///   x.is<fastai::TensorImageBase>();        // true: parent-type fallback
///   const torch::Tensor& t = x.get<TensorDepth>();
///
/// Thread-safety: Items are immutable once built (payloads are shared const): copying, reading and passing them
/// between threads is safe (copies are reference counts). Type registration is locked.
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

namespace fastai {

/// A registered semantic type: name, parent (nullptr only for the root `Any`) and the C++ type
/// of its payload. Obtain one with `T::info()`.
class TypeInfo {
 public:
  TypeInfo(std::string_view name, const TypeInfo* parent, std::type_index payload);
  TypeInfo(const TypeInfo&) = delete;
  TypeInfo& operator=(const TypeInfo&) = delete;

  std::string_view name() const noexcept { return name_; }
  const TypeInfo* parent() const noexcept { return parent_; }
  std::type_index payload() const noexcept { return payload_; }
  /// True when this type is `other` or descends from it.
  bool is_a(const TypeInfo& other) const noexcept;
  /// Names from this type up to the root, e.g. "TensorImage → TensorImageBase → TensorBase → Any".
  std::string lineage() const;

 private:
  std::string name_;
  const TypeInfo* parent_;
  std::type_index payload_;
};

/// The root of every semantic type. A function registered for Any receives the whole Item.
/// Example: `x.is_a(fastai::any_type());  // true for every non-empty item`
const TypeInfo& any_type();

/// Looks a semantic type up by name among the types used so far in this process (every
/// built-in type is registered at start-up); nullptr when unknown.
/// Example: `const TypeInfo* t = find_type("TensorImage");`
const TypeInfo* find_type(std::string_view name);

/// Thrown when an Item is read as a type it is not; the message names both types.
/// Example: `try { Item(Str("a")).get<TensorBase>(); } catch (const TypeError& e) { /* names both types */ }`
class TypeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One value in a pipeline: a semantic type plus its payload. Tuples of items are Items too
/// (type Tuple, payload std::vector<Item>): transforms map over their elements. An empty Item
/// (default-constructed) stands for "nothing", like Python's None.
/// Example: `Item x = TensorImage(t); if (x.is<TensorImageBase>()) use(x.get<TensorImage>());`
class Item {
 public:
  Item() = default;
  /// An item of type `type` holding `payload` (whose C++ type must be the type's payload type).
  template <class P>
  Item(const TypeInfo& type, P payload)
      : type_(&type), payload_type_(&typeid(P)), value_(std::make_shared<const P>(std::move(payload))) {
    check_payload(typeid(P));
  }

  bool empty() const noexcept { return type_ == nullptr; }
  explicit operator bool() const noexcept { return !empty(); }
  /// The item's semantic type; throws TypeError on an empty item.
  const TypeInfo& type() const;
  /// True when the item's type is T or descends from T.
  template <class T>
  bool is() const noexcept {
    return type_ && type_->is_a(T::info());
  }
  bool is_a(const TypeInfo& t) const noexcept { return type_ && type_->is_a(t); }

  /// The payload as T's payload type; throws TypeError (naming both types) unless is<T>().
  template <class T>
  const typename T::payload_type& get() const {
    if (!is<T>()) throw_not_a(T::info());
    return payload<typename T::payload_type>();
  }
  /// The payload as C++ type P, for code that dispatches on the payload (checks the C++ type).
  template <class P>
  const P& payload() const {
    if (!payload_type_ || *payload_type_ != typeid(P)) throw_bad_payload(typeid(P));
    return *static_cast<const P*>(value_.get());
  }
  /// Same payload, tagged as `type` (which must share the payload type). fastai's retain_type.
  Item retag(const TypeInfo& type) const;

  bool is_tuple() const noexcept;
  /// The elements of a tuple item; throws TypeError otherwise.
  const std::vector<Item>& elements() const;
  /// Element i of a tuple, with a bounds check that names the tuple's size.
  const Item& operator[](size_t i) const;
  size_t size() const;

  /// Asks the CPU to start loading the payload (and a path's or string's characters when
  /// `contents`): a loader calls it for a whole batch before building it, so the cache misses of
  /// randomly indexed items overlap instead of stalling one item at a time. No effect on values.
  /// Example: `for (int64_t i : batch) items[i].prefetch();  // then build them`
  void prefetch(bool contents = false) const noexcept;

  /// Short description for messages: type name and, for tensors, dtype and shape.
  std::string repr() const;

 private:
  void check_payload(std::type_index t) const;
  [[noreturn]] void throw_not_a(const TypeInfo& wanted) const;
  [[noreturn]] void throw_bad_payload(std::type_index wanted) const;

  const TypeInfo* type_ = nullptr;
  const std::type_info* payload_type_ = nullptr;
  // Payloads are immutable once in an Item, so copies share them: copying an item (a path, a
  // tuple of items) costs a reference count, not a deep copy, on the data loader's hot path.
  std::shared_ptr<const void> value_;
};

/// Registers a repr function for a payload C++ type (the built-in tensor, string, path and
/// number payloads have one). Example: `register_repr(typeid(MyBox), [](const Item& x) {...});`
void register_repr(std::type_index payload, std::string (*fn)(const Item&));

namespace detail {
const TypeInfo& register_type(std::string_view name, const TypeInfo* parent, std::type_index payload);
}  // namespace detail

}  // namespace fastai

// The members every semantic type struct has: info(), the payload and conversion to Item.
#define FASTAI_DETAIL_SEMANTIC_BODY(Name, parent_info)                                                              \
  static const ::fastai::TypeInfo& info() {                                                                         \
    static const ::fastai::TypeInfo& i = ::fastai::detail::register_type(#Name, parent_info, typeid(payload_type)); \
    return i;                                                                                                       \
  }                                                                                                                 \
  payload_type value;                                                                                               \
  explicit Name(payload_type v) : value(std::move(v)) {}                                                            \
  operator ::fastai::Item() const& { return ::fastai::Item(info(), value); }                                        \
  operator ::fastai::Item()&& { return ::fastai::Item(info(), std::move(value)); }

/// Declares a root semantic type with its own payload: `FASTAI_SEMANTIC_TYPE(Str, std::string)`.
/// Defines struct Name with `info()`, `payload_type`, and a constructor producing an Item:
/// `Item s = Str("hello");`.
#define FASTAI_SEMANTIC_TYPE(Name, Payload)                  \
  struct Name {                                              \
    using payload_type = Payload;                            \
    FASTAI_DETAIL_SEMANTIC_BODY(Name, &::fastai::any_type()) \
  }

/// Declares a semantic subtype sharing its parent's payload:
/// `FASTAI_SEMANTIC_SUBTYPE(TensorImage, TensorImageBase)`.
#define FASTAI_SEMANTIC_SUBTYPE(Name, Parent)          \
  struct Name {                                        \
    using payload_type = Parent::payload_type;         \
    using parent_type = Parent;                        \
    FASTAI_DETAIL_SEMANTIC_BODY(Name, &Parent::info()) \
  }

namespace fastai {
/// fastcore's fastuple: a tuple of items. `Item xy = Tuple({x, y});`
FASTAI_SEMANTIC_TYPE(Tuple, std::vector<Item>);

/// The root type as a tag for registration: `encodes<Any>([](const Item& x) { ... })` applies
/// to every item that has no more specific function.
struct Any {
  using payload_type = Item;
  static const TypeInfo& info() { return any_type(); }
};
}  // namespace fastai
