#pragma once
/// Atomic file replacement: everything the library writes to disk (checkpoints, exports,
/// caches, data sets it materialises) goes through here, so an interrupted run never destroys
/// the previous good file.
///
/// Thread-safety: Safe from any thread; each write uses its own temporary file (pid + counter), and of two
/// writes to one target the later rename wins, both complete.
#include <filesystem>
#include <functional>

namespace fastai {

/// Calls `write(tmp)` to produce the new contents at a temporary path beside `target`, flushes
/// it to disk, then renames it over `target` in one step. If `write` throws, the temporary file
/// is removed, `target` is untouched and the exception propagates. Parent directories are
/// created when missing.
///
/// Example:
///   fastai::write_atomically("model.pt", [&](const std::filesystem::path& tmp) {
///     torch::save(model, tmp.string());
///   });
void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path& tmp)>& write);

}  // namespace fastai
