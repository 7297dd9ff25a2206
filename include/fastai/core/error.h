#pragma once
/// Errors that keep their type, and the original exception, through the layers above them.
///
/// A layer that catches an error to say where it happened (a pipeline names the transform, a
/// Datasets the item, a DataLoader the batch, the Learner the callback) rethrows through
/// `rethrow_in_context`: an ItemError (ImageError, TableError, …) comes out as the same type
/// with the context in front of its message, anything else as the layer's own error type; in
/// both cases the exception caught is nested (std::rethrow_if_nested reaches it). So
///   try { learn.fit(1); } catch (const ImageError& e) { std::cout << e.file(); }
/// works through every layer, and e.what() reads "DataLoader: building batch 0 failed at item 7:
/// … transform \"PILImage\" failed to encode …: /data/cat7.png: cannot decode the image …".
///
/// Thread-safety: these are exception types and free functions with no shared state.
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace fastai {

/// An error about one thing the library read — an image file, a table's rows or columns — that
/// keeps its C++ type through the layers above. Derive from it and declare
/// FASTAI_ITEM_ERROR(YourError) in the class (a class derived from one declares it again).
/// Example:
///   class AudioError : public ItemError {
///    public:
///     using ItemError::ItemError;
///     FASTAI_ITEM_ERROR(AudioError)
///   };
class ItemError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  /// Throws a copy of this error (its own most-derived type) whose message is `context` then
  /// this one's, with the exception being handled nested. Call from a catch handler.
  /// Example: `catch (const ItemError& e) { e.rethrow_with_context("batch 3: "); }`
  [[noreturn]] virtual void rethrow_with_context(const std::string& context) const = 0;
};

namespace detail {
template <class E>
[[noreturn]] void rethrow_copy_with_context(const E& e, const std::string& context) {
  E copy(e);  // keeps every member (ImageError's file)
  static_cast<std::runtime_error&>(copy) = std::runtime_error(context + e.what());
  std::throw_with_nested(std::move(copy));
}
}  // namespace detail

/// Implements ItemError::rethrow_with_context for class T (inside T's declaration).
/// Example: `class ImageError : public ItemError { … FASTAI_ITEM_ERROR(ImageError) };`
#define FASTAI_ITEM_ERROR(T)                                                          \
  [[noreturn]] void rethrow_with_context(const std::string& context) const override { \
    ::fastai::detail::rethrow_copy_with_context<T>(*this, context);                   \
  }

/// Call inside a catch handler: rethrows the exception being handled with `context` in front of
/// its message — as its own type when it is an ItemError, else as E — with it nested. Exceptions
/// not derived from std::exception pass unchanged.
/// Example:
///   try { return do_item(i); }
///   catch (...) { rethrow_in_context<DataLoaderError>("DataLoader: batch 3, item 7: "); }
template <class E>
[[noreturn]] void rethrow_in_context(const std::string& context) {
  try {
    throw;
  } catch (const ItemError& e) {
    e.rethrow_with_context(context);
  } catch (const std::exception& e) {
    std::throw_with_nested(E(context + e.what()));
  }
  throw;  // not reached: every path above throws (this keeps [[noreturn]] visibly true)
}

}  // namespace fastai
