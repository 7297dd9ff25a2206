#include "fastai/export.h"

#include <torch/torch.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fastai/core/atomic_file.h"
#include "fastai/core/describe.h"
#include "fastai/core/registry.h"
#include "fastai/layers.h"

namespace fastai {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

Registry<ModelBuilder, ExportError>& builders() {
  static Registry<ModelBuilder, ExportError> r("model builder", "register_model_builder(name, f) for your model");
  return r;
}
Registry<LoadersBuilder, ExportError>& loaders_builders() {
  static Registry<LoadersBuilder, ExportError> r("loaders builder",
                                                 "register_loaders_builder(name, f); is the application linked in?");
  return r;
}

constexpr char kMagic[16] = {'F', 'A', 'S', 'T', 'A', 'I', 'C', 'P', 'P', '-', 'E', 'X', 'P', 'O', 'R', 'T'};
// 2: losses describe their options; transforms describe their constructor arguments by name.
constexpr uint32_t kVersion = 2;
constexpr size_t kHeader = sizeof(kMagic) + sizeof(uint32_t) + sizeof(uint64_t);

const bool registered = [] {
  register_model_builder("simple_cnn", [](const json& j) { return Model(simple_cnn(j.value("n_out", int64_t{10}))); });
  return true;
}();

void describe_pipelines(TfmdDL& ref, json& meta);
void write_export(Learner& learn, const json& meta, const fs::path& file);
DataLoaders pipelines_from(const json& meta, std::optional<c10::Device> device);
}  // namespace

void register_loaders_builder(const std::string& name, LoadersBuilder builder) {
  loaders_builders().add(name, std::move(builder));
}

void register_model_builder(const std::string& name, ModelBuilder builder) { builders().add(name, std::move(builder)); }

Model build_model(const json& spec) { return builders().get(spec.value("builder", ""))(spec); }

void export_learner(Learner& learn, const fs::path& file) {
  if (learn.model_spec.empty())
    throw std::invalid_argument(
        "export_learner: the model was not made by a registered builder (vision_learner, simple_cnn…), so a fresh "
        "process could not rebuild it; register_model_builder(\"mine\", f) for your model and pass "
        "Model(net).with_spec(R\"({\"builder\": \"mine\"})\") to the Learner");
  TfmdDL& ref = learn.dls.size() > 1 ? learn.dls.valid() : learn.dls.train();
  json meta;
  meta["format"] = kVersion;
  meta["model"] = json::parse(learn.model_spec);
  if (!learn.dls.inference_spec.empty()) {
    meta["loaders"] = json::parse(learn.dls.inference_spec);
  } else {
    describe_pipelines(ref, meta);
  }
  meta["loss"] = learn.loss_func->describe();
  meta["batch_types"] = json::array();
  for (const auto* t : learn.known_batch_types()) meta["batch_types"].push_back(std::string(t->name()));
  write_export(learn, meta, file);
}

namespace {
// The inference pipelines of loaders over Datasets: input pipelines, what decoding a target
// needs, and the loader's three pipelines.
void describe_pipelines(TfmdDL& ref, json& meta) {
  if (!ref.datasets())
    throw std::invalid_argument(
        "export_learner: the loaders were not built from Datasets (e.g. from_tensors): there is no "
        "inference pipeline to export");
  const Datasets& ds = *ref.datasets();
  meta["n_inp"] = ds.n_inp();
  meta["inputs"] = json::array();
  for (int i = 0; i < ds.n_inp(); ++i) {
    try {
      meta["inputs"].push_back(ds.tls()[static_cast<size_t>(i)].tfms().describe());
    } catch (const std::exception& e) {
      throw std::invalid_argument(std::string("export_learner: input pipeline ") + std::to_string(i) +
                                  " cannot be described (" + e.what() +
                                  "); use registered functions (register_function + func_transform) for getters");
    }
  }
  // Targets: only what decoding a prediction needs; getters that read labels from raw items are
  // not needed for inference and are left out when they cannot be described.
  meta["targets"] = json::array();
  for (size_t t = static_cast<size_t>(ds.n_inp()); t < ds.tls().size(); ++t) {
    json tf = json::array();
    for (const auto& tfm : ds.tls()[t].tfms().transforms()) {
      try {
        tf.push_back(tfm->describe());
      } catch (const std::exception&) {
      }
    }
    meta["targets"].push_back(tf);
  }
  meta["after_item"] = ref.after_item_tfms().describe();
  meta["before_batch"] = ref.before_batch_tfms().describe();
  meta["after_batch"] = ref.after_batch_tfms().describe();
}

void write_export(Learner& learn, const json& meta, const fs::path& file) {
  torch::serialize::OutputArchive ar, m;
  save_model_state(learn.model, m);
  ar.write("model", m);
  ar.write("meta", c10::IValue(meta.dump()));
  std::string bytes;
  ar.save_to([&bytes](const void* data, size_t n) {
    bytes.append(static_cast<const char*>(data), n);
    return n;
  });
  const uint32_t crc =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  const uint64_t len = bytes.size();
  write_atomically(file, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(&kVersion), sizeof kVersion);
    out.write(reinterpret_cast<const char*>(&len), sizeof len);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.write(reinterpret_cast<const char*>(&crc), sizeof crc);
    out.flush();
    if (!out) throw std::runtime_error("export_learner: writing " + file.string() + " failed (disk full?)");
  });
}
}  // namespace

Learner load_learner(const fs::path& file, std::optional<c10::Device> device) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in)
    throw ExportError("load_learner: " + file.string() + (fs::exists(file) ? " cannot be opened" : " does not exist"));
  const auto size = static_cast<size_t>(in.tellg());
  std::string data(size, '\0');
  in.seekg(0);
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (size < kHeader || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
    throw ExportError("load_learner: " + file.string() + " is not a fastai.cpp export (wrong header)");
  uint32_t version = 0;
  uint64_t len = 0;
  std::memcpy(&version, data.data() + sizeof kMagic, sizeof version);
  std::memcpy(&len, data.data() + sizeof kMagic + sizeof version, sizeof len);
  if (version != kVersion)
    throw ExportError("load_learner: " + file.string() + " has export format " + std::to_string(version) +
                      "; this build reads " + std::to_string(kVersion) + " (export the learner again with this build)");
  if (size != kHeader + len + sizeof(uint32_t))
    throw ExportError("load_learner: " + file.string() + " is truncated or has extra bytes (" + std::to_string(size) +
                      " bytes, expected " + std::to_string(kHeader + len + sizeof(uint32_t)) + ")");
  uint32_t crc = 0;
  std::memcpy(&crc, data.data() + kHeader + len, sizeof crc);
  const auto actual =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data() + kHeader), static_cast<uInt>(len)));
  if (crc != actual)
    throw ExportError("load_learner: " + file.string() + " is corrupt or was modified (checksum mismatch)");

  torch::serialize::InputArchive ar;
  ar.load_from(data.data() + kHeader, static_cast<size_t>(len));
  c10::IValue meta_v;
  ar.read("meta", meta_v);
  const json meta = json::parse(meta_v.toStringRef());
  Model model = build_model(meta.at("model"));
  torch::serialize::InputArchive m;
  ar.read("model", m);
  load_model_state(model, m, file.string(), true);

  DataLoaders dls = meta.contains("loaders") ? build_loaders(meta.at("loaders"), device) : pipelines_from(meta, device);
  Learner learn(std::move(dls), model, {.loss_func = loss_from_description(meta.at("loss"))});
  learn.model_spec = meta.at("model").dump();
  for (const auto& n : meta.at("batch_types")) {
    const auto* t = find_type(n.get<std::string>());
    if (!t)
      throw ExportError("load_learner: the export uses semantic type '" + n.get<std::string>() +
                        "', unknown in this program");
    learn.batch_types.push_back(t);
  }
  learn.model->eval();
  return learn;
}

DataLoaders build_loaders(const json& spec, std::optional<c10::Device> device) {
  return loaders_builders().get(spec.value("builder", ""), "load_learner")(spec, device);
}

namespace {

DataLoaders pipelines_from(const json& meta, std::optional<c10::Device> device) {
  std::vector<TfmdLists> tls;
  for (const auto& p : meta.at("inputs"))
    tls.push_back(TfmdLists::from_pipeline({}, Pipeline::from_description(p), {.split_idx = 1}));
  for (const auto& t : meta.at("targets")) {
    std::vector<std::shared_ptr<Transform>> tfms;
    for (const auto& d : t) tfms.push_back(transform_from_description(d));
    Pipeline p(tfms);
    p.split_idx = 1;
    tls.push_back(TfmdLists::from_pipeline({}, p, {.split_idx = 1}));
  }
  Datasets ds(std::move(tls), meta.at("n_inp").get<int>());
  auto pipe = [](const json& j) { return Pipeline::from_description(j).transforms(); };
  TfmdDL dl(ds, {.bs = 64,
                 .after_item = pipe(meta.at("after_item")),
                 .before_batch = pipe(meta.at("before_batch")),
                 .after_batch = pipe(meta.at("after_batch")),
                 .do_setup = false});
  dl.after_item_tfms().split_idx = dl.before_batch_tfms().split_idx = dl.after_batch_tfms().split_idx = 1;
  return DataLoaders({dl}, device);
}
}  // namespace

}  // namespace fastai
