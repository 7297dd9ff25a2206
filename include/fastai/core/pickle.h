#pragma once
/// Reading (and writing) what Python reads and writes: a small unpickler for plain data (None, bools, ints, floats,
/// strings, bytes, lists, tuples, dicts — fastai's load_pickle, e.g. a vocab's itos list) and
/// torch.save's zip archives of a state_dict (an OrderedDict of tensors, as fastai's pretrained
/// weights are), which libtorch's own torch::pickle_load turns into None. Nothing is executed:
/// only the globals a state_dict uses are understood (collections.OrderedDict,
/// torch._utils._rebuild_tensor_v2 / _rebuild_parameter, torch.*Storage, and libtorch pickle_save's
/// torch.jit._pickle.restore_type_tag); any other is an error
/// naming it.
///
/// Example:
///   auto itos = fastai::load_pickle("itos.pkl").strings();          // ["xxunk", "xxpad", …]
///   for (auto& [name, t] : fastai::load_torch_state_dict("lm.pth")) std::cout << name << t.sizes();
///
/// Thread-safety: free functions on their own data; call them from any thread.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fastai {

/// One unpickled value. Lists and tuples are `List`, dicts are `Dict` (pairs in order).
/// Example: `PickleValue v = load_pickle("x.pkl"); if (v.is_list()) for (auto& e : v.list()) …`
struct PickleValue {
  struct None {};
  using List = std::vector<PickleValue>;
  using Dict = std::vector<std::pair<PickleValue, PickleValue>>;
  /// A Python global (module, name) the reader met and keeps as a value (e.g. a storage type).
  struct Global {
    std::string module, name;
  };
  std::variant<None, bool, int64_t, double, std::string, List, Dict, at::Tensor, Global> v;
  bool bytes = false;  ///< a `std::string` holding Python bytes rather than text

  bool is_none() const { return std::holds_alternative<None>(v); }
  bool is_list() const { return std::holds_alternative<List>(v); }
  bool is_dict() const { return std::holds_alternative<Dict>(v); }
  /// The list's items; throws naming what the value is instead. Example: `v.list().size()`
  const List& list() const;
  /// The dict's items. Example: `for (auto& [k, val] : v.dict()) …`
  const Dict& dict() const;
  /// The string. Example: `v.str() == "xxunk"`
  const std::string& str() const;
  /// The integer. Example: `v.integer() == 3`
  int64_t integer() const;
  /// A list of strings (a vocab). Example: `auto itos = load_pickle(f).strings();`
  std::vector<std::string> strings() const;
  /// What kind of value it is, for error messages ("list", "dict", "str", …).
  std::string kind() const;
};

/// Reads a pickle file (protocols 2–5) of plain data; errors name the file and the opcode or
/// global it cannot read. Example: `auto itos = load_pickle("models/lm_vocab.pkl").strings();`
PickleValue load_pickle(const std::filesystem::path& file);

/// Unpickles bytes; `tensors` gives the data of torch.save's storages by record key
/// ("data/0" …) — empty for a plain pickle. `where` names the source in errors.
/// Example: `auto v = unpickle(bytes, "x.pkl");`
PickleValue unpickle(const std::string& bytes, const std::string& where,
                     const std::function<std::pair<std::shared_ptr<void>, size_t>(const std::string& key)>& storage = {});

/// The tensors of a state_dict written by Python's torch.save (the zip format of torch ≥ 1.6),
/// in the file's order, by name. A checkpoint {"model": state_dict, "opt": …} gives its model's.
/// Errors name the file and what it holds instead.
/// Example: `auto sd = load_torch_state_dict("wt103.pth"); sd[0].first == "0.encoder.weight"`
std::vector<std::pair<std::string, at::Tensor>> load_torch_state_dict(const std::filesystem::path& file);

/// Writes `tensors` as Python's torch.save writes a state_dict (a zip archive torch.load and
/// load_torch_state_dict read), atomically. Example: `save_torch_state_dict("enc.pth", {{"w", w}});`
void save_torch_state_dict(const std::filesystem::path& file,
                           const std::vector<std::pair<std::string, at::Tensor>>& tensors);

/// Writes a list of strings as a pickle (what Python's pickle.dump of a list writes; fastai's
/// save_pickle of a vocab), atomically. Example: `save_pickle_strings("itos.pkl", vocab);`
void save_pickle_strings(const std::filesystem::path& file, const std::vector<std::string>& strings);

}  // namespace fastai
