#pragma once
/// Scoped state: fastai's `replacing_yield` as RAII. Whatever a scope changes on an object (a
/// learner's logger, a loss's reduction, a loader's random state) is put back when the scope
/// ends, normally or by an exception, with the restore written once.
///
/// Example:
///   {
///     auto quiet = replacing(learn.logger, nullptr);   // no epoch table in this scope
///     auto keep = saving(learn.xb, learn.yb, learn.pred);  // restored as they are now
///     learn.fit(1);
///   }                                                  // logger, xb, yb, pred are back
///
/// Thread-safety: A scope guard restores on the thread that made it; it does not synchronise: guard only
/// state no other thread uses meanwhile.
#include <tuple>
#include <utility>

namespace fastai {

/// Holds references to variables and the values they had; writes those values back on
/// destruction. Move-only. Made by `saving` and `replacing`.
/// Example: `Saved<int, bool> s(i, flag);`
template <class... T>
class [[nodiscard]] Saved {
 public:
  explicit Saved(T&... refs) : refs_(refs...), values_(refs...) {}
  Saved(const Saved&) = delete;
  Saved& operator=(const Saved&) = delete;
  Saved(Saved&& o) noexcept : refs_(o.refs_), values_(std::move(o.values_)), active_(std::exchange(o.active_, false)) {}
  Saved& operator=(Saved&&) = delete;
  ~Saved() {
    if (active_) restore();
  }
  /// Writes the saved values back now (the destructor then does nothing).
  /// Example: `s.restore();`
  void restore() {
    active_ = false;
    std::apply([this](auto&... r) { std::apply([&](auto&... v) { ((r = std::move(v)), ...); }, values_); }, refs_);
  }
  /// Keeps the current values: nothing is written back. Example: `s.dismiss();`
  void dismiss() noexcept { active_ = false; }

 private:
  std::tuple<T&...> refs_;
  std::tuple<T...> values_;
  bool active_ = true;
};

/// Saves the current values of `refs…`; they are written back when the result goes out of scope.
/// Example: `auto keep = saving(learn.dl, learn.iter, learn.training);`
template <class... T>
Saved<T...> saving(T&... refs) {
  return Saved<T...>(refs...);
}

/// Sets `ref` to `value` for the scope of the result, then puts the old value back (fastai's
/// replacing_yield). Example: `auto none = replacing(loss->reduction, Reduction::none);`
template <class T, class V>
Saved<T> replacing(T& ref, V&& value) {
  Saved<T> s(ref);
  ref = std::forward<V>(value);
  return s;
}

}  // namespace fastai
