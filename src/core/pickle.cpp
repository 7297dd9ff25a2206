#include "fastai/core/pickle.h"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <cstring>

#include "fastai/core/atomic_file.h"
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace fastai {

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + ": " + what);
}

std::string hex(unsigned char c) {
  std::ostringstream s;
  s << "0x" << std::hex << static_cast<int>(c);
  return s.str();
}

std::optional<at::ScalarType> storage_dtype(const std::string& name) {
  static const std::map<std::string, at::ScalarType> types{
      {"FloatStorage", at::kFloat},   {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort},   {"CharStorage", at::kChar},     {"ByteStorage", at::kByte},
      {"BoolStorage", at::kBool},     {"float32", at::kFloat},        {"float64", at::kDouble},
      {"float16", at::kHalf},         {"bfloat16", at::kBFloat16},    {"int64", at::kLong},
      {"int32", at::kInt},            {"int16", at::kShort},          {"int8", at::kChar},
      {"uint8", at::kByte},           {"bool", at::kBool}};
  auto it = types.find(name);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

using Ptr = std::shared_ptr<PickleValue>;
using StorageFn = std::function<std::pair<std::shared_ptr<void>, size_t>(const std::string&)>;

// The pickle machine: a stack of values (shared so memoized containers see later SETITEMS /
// APPENDS), marks, and a memo.
class Machine {
 public:
  Machine(const std::string& bytes, std::string where, StorageFn storage)
      : b_(bytes), where_(std::move(where)), storage_(std::move(storage)) {}

  PickleValue run() {
    while (true) {
      const unsigned char op = byte();
      switch (op) {
        case 0x80: byte(); break;                   // PROTO
        case 0x95: take(8); break;                  // FRAME
        case '.': return *pop();                    // STOP
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case 'N': push(PickleValue{}); break;
        case 0x88: push(PickleValue{.v = true}); break;
        case 0x89: push(PickleValue{.v = false}); break;
        case 'J': push(integer(static_cast<int32_t>(le(4)))); break;
        case 'K': push(integer(static_cast<int64_t>(le(1)))); break;
        case 'M': push(integer(static_cast<int64_t>(le(2)))); break;
        case 0x8a: {  // LONG1: little-endian two's complement
          const size_t n = byte();
          if (n > 8) fail(where_, "an integer of " + std::to_string(n) + " bytes does not fit 64 bits");
          uint64_t u = n ? le(n) : 0;
          if (n && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~uint64_t{0} << (8 * n);
          push(integer(static_cast<int64_t>(u)));
          break;
        }
        case 'G': {  // BINFLOAT: big-endian double
          const std::string s = take(8);
          uint64_t u = 0;
          for (unsigned char c : s) u = (u << 8) | c;
          double d;
          std::memcpy(&d, &u, 8);
          push(PickleValue{.v = d});
          break;
        }
        case 'X': push(text(take(le(4)))); break;     // BINUNICODE
        case 0x8c: push(text(take(byte()))); break;   // SHORT_BINUNICODE
        case 0x8d: push(text(take(le(8)))); break;    // BINUNICODE8
        case 'T': push(text(take(le(4)), true)); break;  // BINSTRING
        case 'U': push(text(take(byte()), true)); break;  // SHORT_BINSTRING
        case 'B': push(text(take(le(4)), true)); break;  // BINBYTES
        case 'C': push(text(take(byte()), true)); break;  // SHORT_BINBYTES
        case 0x8e: push(text(take(le(8)), true)); break;  // BINBYTES8
        case '}': push(PickleValue{.v = PickleValue::Dict{}}); break;
        case ']': push(PickleValue{.v = PickleValue::List{}}); break;
        case ')': push(PickleValue{.v = PickleValue::List{}}); break;
        case 't': push(PickleValue{.v = since_mark()}); break;
        case 'l': push(PickleValue{.v = since_mark()}); break;  // LIST
        case 0x85: tuple(1); break;
        case 0x86: tuple(2); break;
        case 0x87: tuple(3); break;
        case 'a': {  // APPEND
          PickleValue x = *pop();
          list_of(*top()).push_back(std::move(x));
          break;
        }
        case 'e': {  // APPENDS
          auto items = since_mark();
          auto& l = list_of(*top());
          for (auto& x : items) l.push_back(std::move(x));
          break;
        }
        case 's': {  // SETITEM
          PickleValue val = *pop(), key = *pop();
          dict_of(*top()).emplace_back(std::move(key), std::move(val));
          break;
        }
        case 'u': {  // SETITEMS
          auto items = since_mark();
          auto& d = dict_of(*top());
          for (size_t i = 0; i + 1 < items.size(); i += 2) d.emplace_back(std::move(items[i]), std::move(items[i + 1]));
          break;
        }
        case 'q': memo_[le(1)] = top(); break;   // BINPUT
        case 'r': memo_[le(4)] = top(); break;   // LONG_BINPUT
        case 0x94: memo_[memo_.size()] = top(); break;  // MEMOIZE
        case 'h': stack_.push_back(memo(le(1))); break;  // BINGET
        case 'j': stack_.push_back(memo(le(4))); break;  // LONG_BINGET
        case 'c': {  // GLOBAL "module\nname\n"
          std::string module = line(), name = line();
          push(PickleValue{.v = PickleValue::Global{module, name}});
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const std::string name = pop()->str(), module = pop()->str();
          push(PickleValue{.v = PickleValue::Global{module, name}});
          break;
        }
        case 'R': {  // REDUCE
          PickleValue args = *pop(), fn = *pop();
          push(reduce(fn, args));
          break;
        }
        case 0x81: {  // NEWOBJ
          PickleValue args = *pop(), cls = *pop();
          push(reduce(cls, args));
          break;
        }
        case 'b': pop(); break;  // BUILD: the state (an OrderedDict's _metadata) is not needed
        case 'Q': {              // BINPERSID: torch.save's storage reference
          PickleValue pid = *pop();
          push(persistent(pid));
          break;
        }
        default: fail(where_, "unsupported pickle opcode " + hex(op) + " at byte " + std::to_string(pos_ - 1));
      }
    }
  }

 private:
  unsigned char byte() {
    if (pos_ >= b_.size()) fail(where_, "the pickle ends early (no STOP); the file is truncated");
    return static_cast<unsigned char>(b_[pos_++]);
  }
  std::string take(size_t n) {
    if (n > b_.size() - pos_) fail(where_, "the pickle ends early (a value runs past the end); the file is truncated");
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint64_t le(size_t n) {
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i) u |= static_cast<uint64_t>(byte()) << (8 * i);
    return u;
  }
  std::string line() {
    const auto end = b_.find('\n', pos_);
    if (end == std::string::npos) fail(where_, "a GLOBAL without its end of line");
    std::string s = b_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  static PickleValue integer(int64_t i) { return PickleValue{.v = i}; }
  static PickleValue text(std::string s, bool bytes = false) { return PickleValue{.v = std::move(s), .bytes = bytes}; }
  void push(PickleValue v) { stack_.push_back(std::make_shared<PickleValue>(std::move(v))); }
  Ptr pop() {
    if (stack_.empty()) fail(where_, "the pickle pops an empty stack");
    Ptr p = stack_.back();
    stack_.pop_back();
    return p;
  }
  const Ptr& top() {
    if (stack_.empty()) fail(where_, "the pickle reads an empty stack");
    return stack_.back();
  }
  Ptr memo(uint64_t k) {
    auto it = memo_.find(k);
    if (it == memo_.end()) fail(where_, "the pickle reads memo " + std::to_string(k) + ", never stored");
    return it->second;
  }
  PickleValue::List since_mark() {
    if (marks_.empty()) fail(where_, "the pickle has no MARK where it needs one");
    const size_t m = marks_.back();
    marks_.pop_back();
    PickleValue::List items;
    for (size_t i = m; i < stack_.size(); ++i) items.push_back(*stack_[i]);
    stack_.resize(m);
    return items;
  }
  void tuple(size_t n) {
    if (stack_.size() < n) fail(where_, "the pickle builds a tuple from too few values");
    PickleValue::List items;
    for (size_t i = stack_.size() - n; i < stack_.size(); ++i) items.push_back(*stack_[i]);
    stack_.resize(stack_.size() - n);
    push(PickleValue{.v = std::move(items)});
  }
  PickleValue::List& list_of(PickleValue& v) {
    if (!v.is_list()) fail(where_, "the pickle appends to a " + v.kind());
    return std::get<PickleValue::List>(v.v);
  }
  PickleValue::Dict& dict_of(PickleValue& v) {
    if (!v.is_dict()) fail(where_, "the pickle sets an item of a " + v.kind());
    return std::get<PickleValue::Dict>(v.v);
  }

  PickleValue reduce(const PickleValue& fn, const PickleValue& args) {
    const auto* g = std::get_if<PickleValue::Global>(&fn.v);
    if (!g) fail(where_, "the pickle calls a " + fn.kind() + ", not a global");
    const std::string full = g->module + "." + g->name;
    const auto& a = args.list();
    if (full == "collections.OrderedDict" || full == "builtins.dict") return PickleValue{.v = PickleValue::Dict{}};
    if (full == "torch._utils._rebuild_tensor_v2" || full == "torch._utils._rebuild_tensor") {
      if (a.size() < 4) fail(where_, full + " with " + std::to_string(a.size()) + " arguments");
      const auto* storage = std::get_if<at::Tensor>(&a[0].v);
      if (!storage) fail(where_, full + " without a storage");
      std::vector<int64_t> size, stride;
      for (const auto& x : a[2].list()) size.push_back(x.integer());
      for (const auto& x : a[3].list()) stride.push_back(x.integer());
      return PickleValue{.v = storage->as_strided(size, stride, a[1].integer()).clone()};
    }
    if (full == "torch.jit._pickle.restore_type_tag") {  // libtorch's pickle_save wraps typed containers
      if (a.empty()) fail(where_, full + " without a value");
      return a[0];
    }
    if (full == "torch._utils._rebuild_parameter" || full == "torch._utils._rebuild_parameter_with_state") {
      if (a.empty() || !std::holds_alternative<at::Tensor>(a[0].v)) fail(where_, full + " without a tensor");
      return a[0];
    }
    fail(where_, "the pickle needs the Python global " + full +
                     ", which this reader does not run (it reads plain data and state_dicts of tensors)");
  }

  PickleValue persistent(const PickleValue& pid) {
    const auto& t = pid.list();
    if (t.size() < 5 || t[0].str() != "storage")
      fail(where_, "a persistent id that is not torch.save's ('storage', type, key, location, numel)");
    const auto* g = std::get_if<PickleValue::Global>(&t[1].v);
    const auto dtype = g ? storage_dtype(g->name) : std::nullopt;
    if (!dtype) fail(where_, "a storage of type " + (g ? g->module + "." + g->name : t[1].kind()) + ", not a tensor type this reader knows");
    const std::string key = t[2].str();
    if (auto it = storages_.find(key); it != storages_.end()) return PickleValue{.v = it->second};
    if (!storage_) fail(where_, "a tensor storage in a plain pickle (a torch.save file is a zip archive)");
    const int64_t numel = t[4].integer();
    auto [data, nbytes] = storage_("data/" + key);
    const size_t want = static_cast<size_t>(numel) * at::elementSize(*dtype);
    if (nbytes < want)
      fail(where_, "storage " + key + " has " + std::to_string(nbytes) + " bytes, " + std::to_string(want) + " needed");
    at::Tensor s = at::from_blob(data.get(), {numel}, at::TensorOptions().dtype(*dtype)).clone();
    storages_[key] = s;
    return PickleValue{.v = s};
  }

  const std::string& b_;
  std::string where_;
  StorageFn storage_;
  size_t pos_ = 0;
  std::vector<Ptr> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, Ptr> memo_;
  std::map<std::string, at::Tensor> storages_;
};

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

const PickleValue::List& PickleValue::list() const {
  if (!is_list()) throw std::runtime_error("pickle: a list or tuple was expected, this is a " + kind());
  return std::get<List>(v);
}
const PickleValue::Dict& PickleValue::dict() const {
  if (!is_dict()) throw std::runtime_error("pickle: a dict was expected, this is a " + kind());
  return std::get<Dict>(v);
}
const std::string& PickleValue::str() const {
  if (!std::holds_alternative<std::string>(v)) throw std::runtime_error("pickle: a str was expected, this is a " + kind());
  return std::get<std::string>(v);
}
int64_t PickleValue::integer() const {
  if (!std::holds_alternative<int64_t>(v)) throw std::runtime_error("pickle: an int was expected, this is a " + kind());
  return std::get<int64_t>(v);
}
std::vector<std::string> PickleValue::strings() const {
  std::vector<std::string> r;
  for (const auto& x : list()) r.push_back(x.str());
  return r;
}
std::string PickleValue::kind() const {
  static const char* names[] = {"None", "bool", "int", "float", "str", "list", "dict", "tensor", "global"};
  if (bytes) return "bytes";
  return names[v.index()];
}

PickleValue unpickle(const std::string& bytes, const std::string& where, const StorageFn& storage) {
  return Machine(bytes, where, storage).run();
}

PickleValue load_pickle(const std::filesystem::path& file) {
  const std::string bytes = read_all(file);
  if (bytes.size() >= 4 && bytes.compare(0, 4, "PK\x03\x04") == 0)
    throw std::runtime_error(file.string() + ": a zip archive (torch.save's format), not a plain pickle: "
                             "read it with load_torch_state_dict");
  return unpickle(bytes, file.string());
}

std::vector<std::pair<std::string, at::Tensor>> load_torch_state_dict(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw std::runtime_error(file.string() + ": no such file");
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(file.string());
  } catch (const std::exception&) {
    throw std::runtime_error(file.string() + ": not a torch.save zip archive (saved by torch < 1.6, or not a torch file)");
  }
  if (!reader->hasRecord("data.pkl")) throw std::runtime_error(file.string() + ": a zip archive without data.pkl (a TorchScript module?)");
  auto [pkl, n] = reader->getRecord("data.pkl");
  const std::string bytes(static_cast<const char*>(pkl.get()), n);
  PickleValue v = unpickle(bytes, file.string(), [&](const std::string& key) -> std::pair<std::shared_ptr<void>, size_t> {
    if (!reader->hasRecord(key)) throw std::runtime_error(file.string() + ": the archive has no record " + key);
    auto [ptr, size] = reader->getRecord(key);
    auto holder = std::make_shared<at::DataPtr>(std::move(ptr));
    return {std::shared_ptr<void>(holder, holder->get()), size};
  });
  if (!v.is_dict()) throw std::runtime_error(file.string() + ": holds a " + v.kind() + ", not a state_dict");
  // A checkpoint saved with its optimizer ({"model": …, "opt": …}): fastai reads the model's.
  for (const auto& [k, val] : v.dict())
    if (std::holds_alternative<std::string>(k.v) && k.str() == "model" && val.is_dict()) {
      v = val;
      break;
    }
  std::vector<std::pair<std::string, at::Tensor>> sd;
  for (const auto& [k, val] : v.dict()) {
    const auto* t = std::get_if<at::Tensor>(&val.v);
    if (!t) throw std::runtime_error(file.string() + ": entry " + (std::holds_alternative<std::string>(k.v) ? k.str() : k.kind()) + " is a " + val.kind() + ", not a tensor");
    sd.emplace_back(k.str(), *t);
  }
  return sd;
}

namespace {
void write_bytes(const std::filesystem::path& file, const char* data, size_t n) {
  write_atomically(file, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(data, static_cast<std::streamsize>(n));
    out.flush();
    if (!out) throw std::runtime_error("writing " + file.string() + " failed (disk full?)");
  });
}
}  // namespace

void save_torch_state_dict(const std::filesystem::path& file,
                           const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  c10::Dict<std::string, at::Tensor> d;
  for (const auto& [k, v] : tensors) d.insert(k, v.detach().contiguous().cpu());
  const std::vector<char> bytes = torch::pickle_save(d);
  write_bytes(file, bytes.data(), bytes.size());
}

void save_pickle_strings(const std::filesystem::path& file, const std::vector<std::string>& strings) {
  // Protocol 2: PROTO 2, EMPTY_LIST, then MARK, BINUNICODE… APPENDS in runs of 1000 (as Python), STOP.
  std::string b = "\x80\x02]";
  auto u32 = [&b](uint32_t n) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  };
  for (size_t i = 0; i < strings.size(); i += 1000) {
    b.push_back('(');
    for (size_t k = i; k < std::min(strings.size(), i + 1000); ++k) {
      b.push_back('X');
      u32(static_cast<uint32_t>(strings[k].size()));
      b += strings[k];
    }
    b.push_back('e');
  }
  b.push_back('.');
  write_bytes(file, b.data(), b.size());
}

}  // namespace fastai
