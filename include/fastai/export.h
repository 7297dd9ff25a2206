#pragma once
/// Learner export and load_learner (fastai's learn.export / load_learner), without pickle: ONE
/// file holds the weights, the model's description (rebuilt by a registered builder), the
/// inference pipeline's description (every transform describes itself, learned state included:
/// vocab, normalisation statistics) and the loss; load_learner rebuilds all of it in a fresh
/// process with no user code. The file is checksummed: a truncated or modified export is
/// refused with a message saying so.
///
/// Thread-safety: export_learner may record the learner's batch types: run it while no other thread
/// uses the learner. load_learner is safe from any thread and returns an independent learner
/// whose inference may be called from many threads (learner.h). The builder registries are locked.
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fastai/learner.h"

namespace fastai {

/// Builds a model from its description ({"builder": name, …}). Register one for your own model
/// type to make learners using it exportable.
/// Example: `register_model_builder("my_net", [](const nlohmann::json& j) { return Model(MyNet(j["width"])); });`
using ModelBuilder = std::function<Model(const nlohmann::json& spec)>;
void register_model_builder(const std::string& name, ModelBuilder builder);
/// Builds the model `spec` describes; throws naming the builder when it is not registered.
/// Example: `Model m = build_model(nlohmann::json::parse(learn.model_spec));`
Model build_model(const nlohmann::json& spec);

/// Rebuilds inference loaders from DataLoaders::inference_spec ({"builder": name, …}), for
/// applications whose loaders are not over Datasets (tabular registers "tabular").
/// Example: `register_loaders_builder("mine", [](const nlohmann::json& j, auto device) { return make_dls(j); });`
using LoadersBuilder = std::function<DataLoaders(const nlohmann::json& spec, std::optional<c10::Device> device)>;
void register_loaders_builder(const std::string& name, LoadersBuilder builder);
/// Builds the loaders `spec` describes with its registered builder; throws ExportError naming it
/// when none is registered. Example: `auto dls = build_loaders(nlohmann::json::parse(dls.inference_spec));`
DataLoaders build_loaders(const nlohmann::json& spec, std::optional<c10::Device> device = std::nullopt);

/// Thrown by load_learner for a file that is not a complete, unmodified export.
/// Example: `catch (const ExportError& e) { std::cerr << e.what(); }`
class ExportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `learn` for inference to `file` atomically (fastai's learn.export). Reads one batch to
/// record the batch's semantic types when learn.batch_types is not known yet. Needs a model built
/// by a registered builder (vision_learner, simple_cnn, …: learn.model_spec set) and loaders built
/// from Datasets with describable input transforms; errors name what cannot be described.
/// Example: `export_learner(learn, "export.fai");`
void export_learner(Learner& learn, const std::filesystem::path& file);

/// Rebuilds an exported Learner for inference: predict(item), get_preds on test_dl(items).
/// Example: `auto learn = load_learner("export.fai"); auto [label, idx, probs] = learn.predict(Path("x.png"));`
Learner load_learner(const std::filesystem::path& file, std::optional<c10::Device> device = std::nullopt);

}  // namespace fastai
