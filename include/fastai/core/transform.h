#pragma once
/// Transform (fastcore.transform): encodes/decodes chosen by the item's semantic type with
/// fallback to its parent types, applied element-wise over tuples, gated by split_idx, with
/// setup from data and a JSON description so a pipeline can be rebuilt without user code.
///
/// Thread-safety: A Transform applies (`operator()`, `decode`, `before_call`) through const members and
/// per-call state, so one set-up transform serves many threads at once (the loader's workers,
/// concurrent predict calls); `setup` and changing members are one thread's, before use.
#include <any>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "fastai/core/item.h"

namespace fastai {

class BaseLoss;

/// A lazily indexed sequence of items: what `setup` sees. Its items may be computed on access
/// (e.g. raw items passed through the transforms set up so far). `train()` is the training
/// subset when the sequence knows its splits, else the sequence itself.
///
/// Example:
///   fastai::LazyItems items = fastai::LazyItems::of({Str("a"), Str("b")});
///   items.size();  // 2
class LazyItems {
 public:
  using Getter = std::function<Item(size_t)>;
  LazyItems() = default;
  LazyItems(size_t n, Getter get) : n_(n), get_(std::move(get)) {}
  /// A sequence over owned items.
  static LazyItems of(std::vector<Item> items);

  size_t size() const noexcept { return n_; }
  Item operator[](size_t i) const;
  /// Same items with `f` applied on access.
  LazyItems map(std::function<Item(const Item&)> f) const;
  /// The subset at `idxs` (indices into this sequence).
  LazyItems subset(std::vector<int64_t> idxs) const;
  /// Training subset when known (see `with_train`), else *this.
  LazyItems train() const;
  /// Copy that reports `train_idxs` as its training subset.
  LazyItems with_train(std::vector<int64_t> train_idxs) const;

 private:
  size_t n_ = 0;
  Getter get_;
  std::shared_ptr<const std::vector<int64_t>> train_idxs_;
};

/// A function from item to item, as registered for one semantic type.
/// Example: `ItemFn upper = [](const Item& x) { return x; };`
using ItemFn = std::function<Item(const Item&)>;

/// Table from semantic type to function with parent-type fallback (fastcore's TypeDispatch).
/// The most specific registered ancestor of the item's type wins. `Fn` is the stored function
/// type (ItemFn for TypeDispatch).
///
/// Example:
///   fastai::TypeDispatch d;
///   d.add(fastai::TensorImageBase::info(), [](const Item& x) { return x; });
///   d.find(fastai::TensorImage::info());  // the TensorImageBase function
template <class Fn>
class BasicTypeDispatch {
 public:
  /// Registers `f` for type `t`, replacing an earlier one for the same type.
  void add(const TypeInfo& t, Fn f) {
    for (auto& e : fns_)
      if (e.first == &t) {
        e.second = std::move(f);
        return;
      }
    fns_.emplace_back(&t, std::move(f));
  }
  /// The function for the nearest ancestor of `t` (t itself first), or nullptr.
  const Fn* find(const TypeInfo& t) const {
    for (const TypeInfo* cur = &t; cur; cur = cur->parent())
      for (const auto& e : fns_)
        if (e.first == cur) return &e.second;
    return nullptr;
  }
  bool empty() const noexcept { return fns_.empty(); }
  /// Registered type names, for messages and repr.
  std::vector<std::string> type_names() const {
    std::vector<std::string> out;
    for (const auto& e : fns_) out.emplace_back(e.first->name());
    return out;
  }

 private:
  std::vector<std::pair<const TypeInfo*, Fn>> fns_;
};
/// Dispatch of item functions by semantic type. Example: see BasicTypeDispatch.
using TypeDispatch = BasicTypeDispatch<ItemFn>;

/// What a transform's before_call drew for one call (a crop box, a flip, a matrix), handed to
/// every encodes of that call: an image and its mask see the same draw, and nothing is kept on
/// the transform or the thread, so any number of threads may call one transform at once.
/// Empty for transforms that draw nothing. Example: `CallState s = FlipDraw{.doit = true};`
using CallState = std::any;

/// Two-argument dispatch on (type of a, type of b), e.g. show_batch on (input type × target
/// type). Lookup walks a's ancestors first, then b's, as fastcore's TypeDispatch does.
///
/// Example:
///   fastai::TypeDispatch2<std::function<void()>> d;
///   d.add(TensorImage::info(), Any::info(), [] {});
template <class Fn>
class TypeDispatch2 {
 public:
  void add(const TypeInfo& a, const TypeInfo& b, Fn f) {
    for (auto& e : fns_)
      if (e.a == &a && e.b == &b) {
        e.f = std::move(f);
        return;
      }
    fns_.push_back({&a, &b, std::move(f)});
  }
  const Fn* find(const TypeInfo& a, const TypeInfo& b) const {
    for (const TypeInfo* ta = &a; ta; ta = ta->parent())
      for (const TypeInfo* tb = &b; tb; tb = tb->parent())
        for (const auto& e : fns_)
          if (e.a == ta && e.b == tb) return &e.f;
    return nullptr;
  }

 private:
  struct Entry {
    const TypeInfo* a;
    const TypeInfo* b;
    Fn f;
  };
  std::vector<Entry> fns_;
};

/// Keyword arguments of Transform.
/// Example: `Transform t({.name = "Aug", .order = 2, .split_idx = 0});`
struct TransformOptions {
  std::string name;              ///< shown in reprs and error messages
  int order = 0;                 ///< Pipelines sort by it
  std::optional<int> split_idx;  ///< 0: train only, 1: valid only, unset: always
  bool whole_tuple = false;      ///< fastai's ItemTransform: receive the whole tuple
};

/// Thrown by describe() for transforms that wrap an unregistered C++ function.
/// Example: `try { p.describe(); } catch (const NotDescribableError& e) { /* says how to register */ }`
class NotDescribableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A transform: per-type `encodes` (applied by operator()) and `decodes` (by `decode`).
/// An item whose type (and ancestors) has no function passes through unchanged; tuples are
/// mapped element by element (recursively) unless `whole_tuple` is set. When a function for a
/// parent type returns the parent type, the result keeps the input's more specific type
/// (fastai's retain_type). A transform with `split_idx` set only acts when called with that
/// split index.
///
/// Built-in transforms subclass it, register their functions in the constructor, override
/// `setup` to learn state from data, and override `describe` (see describe.h).
///
/// Example:
///   struct Double : fastai::Transform {
///     Double() : Transform({.name = "Double"}) {
///       encodes<TensorImage>([](const torch::Tensor& t) { return t * 2; });
///       decodes<TensorImage>([](const torch::Tensor& t) { return t / 2; });
///     }
///   };
///   Item y = Double()(Tuple({TensorImage(img), TensorCategory(lbl)}));  // only the image doubles
class Transform {
 public:
  explicit Transform(TransformOptions options = {});
  /// A transform applying `enc` to every item (and `dec` to decode), like fastai's
  /// Transform(f). Not describable unless built with func_transform (describe.h).
  Transform(ItemFn enc, ItemFn dec = nullptr, TransformOptions options = {});
  virtual ~Transform() = default;
  // Registered functions usually capture `this` (to read state learned in setup), so a copy
  // would call into the original: transforms live behind shared_ptr and are never copied.
  Transform(const Transform&) = delete;
  Transform& operator=(const Transform&) = delete;

  /// A transform written as a value where a shared transform is wanted — `.item_tfms = {Resize(32)}`,
  /// `Pipeline({Resize(8), FlipItem()})` — becomes a shared copy rebuilt from its description
  /// (every built-in transform is describable, learned state included). A transform without a
  /// description (a C++ lambda) throws NotDescribableError: hold it in a std::shared_ptr instead.
  /// Example: `std::vector<std::shared_ptr<Transform>> tfms = {Resize(32), FlipItem(0.5)};`
  operator std::shared_ptr<Transform>() const;  // NOLINT: implicit by design

  /// Encodes `x`, or returns it unchanged when `split_idx` doesn't match this transform's.
  Item operator()(const Item& x, std::optional<int> split_idx = std::nullopt) const;
  /// Decodes `x` (inverse of operator()) under the same split gating.
  Item decode(const Item& x, std::optional<int> split_idx = std::nullopt) const;
  /// Called once per encode call, before the element-wise dispatch, when the split gate lets the
  /// call through (fastai's before_call): draw here the random parameters every element of a
  /// tuple must share (an image and its mask get the same crop) and return them; that call's
  /// encodes receive them as their second argument (see `encodes`). Draw from fastai::rng()
  /// (core/random.h), which the loader seeds per item, so batches do not depend on threads.
  /// Example: `CallState before_call(const Item&, std::optional<int>) const override { return Flip{coin()}; }`
  virtual CallState before_call(const Item& x, std::optional<int> split_idx) const;
  /// Learns state from `items` (already passed through the transforms before this one in its
  /// pipeline). `train_setup`: use only the training items. Default: nothing to learn.
  virtual void setup(const LazyItems& items, bool train_setup);
  /// JSON description: {"type", "name", "order", "split_idx", …state}. Throws
  /// NotDescribableError for transforms that wrap an unregistered function.
  virtual nlohmann::json describe() const;
  /// Registered type name used by describe/rebuild (the class name for built-ins).
  virtual std::string type_name() const { return "Transform"; }
  /// The loss a target encoded by this transform calls for (fastai's `loss_func` attribute on
  /// Categorize & co.), or nullptr. DataLoaders take it from the last target pipeline.
  virtual std::shared_ptr<BaseLoss> loss_func() const { return nullptr; }
  /// How many outputs a model needs for targets encoded by this transform (fastai's `c`: the
  /// vocab's or the codes' length), or nullopt when it does not say. get_c reads it.
  /// Example: `std::optional<int64_t> target_c() const override { return c(); }`
  virtual std::optional<int64_t> target_c() const { return std::nullopt; }
  /// The names of the codes of targets encoded by this transform, in code order, when it names
  /// them (AddMaskCodes: the mask codes), for legends; empty otherwise.
  /// Example: `std::vector<std::string> target_names() const override { return codes_; }`
  virtual std::vector<std::string> target_names() const { return {}; }
  /// "Name: encodes (TensorImage, Str) decodes (TensorImage)".
  std::string repr() const;

  std::string name;
  int order = 0;
  std::optional<int> split_idx;
  bool whole_tuple = false;

  /// Registers an encodes for semantic type T. `f` takes `const T::payload_type&` (or `const
  /// Item&`), optionally followed by `const S&` where S is what before_call returns, and
  /// returns an Item, a semantic value (e.g. TensorMask(t)), or a payload of T's C++ type —
  /// which keeps the input item's type.
  /// Example: `encodes<Image>([](const at::Tensor& x, const Flip& s) { return s.doit ? x.flip({1}) : x; });`
  template <class T, class F>
  Transform& encodes(F f) {
    enc_.add(T::info(), wrap<T>(std::move(f)));
    return *this;
  }
  /// Registers a decodes for T, as `encodes`.
  template <class T, class F>
  Transform& decodes(F f) {
    dec_.add(T::info(), wrap<T>(std::move(f)));
    return *this;
  }

 protected:
  /// The common description fields; subclasses add theirs to it.
  nlohmann::json describe_base() const;
  /// Reads the common fields written by describe_base.
  void apply_base(const nlohmann::json& j);

 private:
  /// An encodes/decodes as stored: the item and the call's state.
  using CallFn = std::function<Item(const Item&, const CallState&)>;
  template <class F>
  struct Signature : Signature<decltype(&F::operator())> {};
  template <class C, class R, class... A>
  struct Signature<R (C::*)(A...) const> {
    using args = std::tuple<std::decay_t<A>...>;
  };
  template <class C, class R, class... A>
  struct Signature<R (C::*)(A...)> : Signature<R (C::*)(A...) const> {};
  template <class R, class... A>
  struct Signature<R (*)(A...)> {
    using args = std::tuple<std::decay_t<A>...>;
  };

  template <class R>
  static Item to_item(const Item& x, R&& r) {
    using D = std::decay_t<R>;
    if constexpr (std::is_same_v<D, Item>) {
      return retain_type(x, std::forward<R>(r));
    } else if constexpr (std::is_convertible_v<D, Item>) {
      return retain_type(x, Item(std::forward<R>(r)));
    } else {
      return Item(x.type(), D(std::forward<R>(r)));  // a bare payload keeps the input's type
    }
  }
  static Item retain_type(const Item& x, Item r);

  template <class T, class F>
  static CallFn wrap(F f) {
    using P = typename T::payload_type;
    if constexpr (!std::is_same_v<T, Any> && std::is_invocable_v<F, const P&>) {
      return [f = std::move(f)](const Item& x, const CallState&) -> Item { return to_item(x, f(x.get<T>())); };
    } else if constexpr (std::is_invocable_v<F, const Item&>) {
      return [f = std::move(f)](const Item& x, const CallState&) -> Item { return to_item(x, f(x)); };
    } else {
      using Args = typename Signature<F>::args;
      static_assert(std::tuple_size_v<Args> == 2,
                    "encodes/decodes function must take (const T::payload_type& or const Item&[, const State&])");
      using S = std::tuple_element_t<1, Args>;
      using X = std::tuple_element_t<0, Args>;
      return [f = std::move(f)](const Item& x, const CallState& s) -> Item {
        const S* state = std::any_cast<S>(&s);
        if (!state) bad_state(typeid(S).name(), s);
        if constexpr (std::is_same_v<X, Item>)
          return to_item(x, f(x, *state));
        else
          return to_item(x, f(x.get<T>(), *state));
      };
    }
  }
  [[noreturn]] static void bad_state(const char* wanted, const CallState& got);
  Item do_call(const BasicTypeDispatch<CallFn>& d, const Item& x, const CallState& s) const;

  BasicTypeDispatch<CallFn> enc_, dec_;
};

/// Convenience: a transform from a function over items. Example: `auto t = make_transform(f);`
std::shared_ptr<Transform> make_transform(ItemFn enc, ItemFn dec = nullptr, TransformOptions options = {});

}  // namespace fastai
