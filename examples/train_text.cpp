// The paper's text example, ULMFiT, on URLs::FINE_FOODS (5,000 Amazon fine-food reviews, "great"
// or "other"; the package's testing_data is the validation set): fine-tune the BOOKS-pretrained
// AWD-LSTM language model on the reviews' texts, then train a classifier on its encoder with
// gradual unfreezing — fastai's tutorial schedule, step for step.
//
//   build/examples/pretrain_lm            # once: the pretrained weights (docs/text.md)
//   build/examples/train_text             # seed 42
//   build/examples/train_text --seed 7 --lm-epochs 4
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include <fastai/data/csv.h>
#include <fastai/text/all.h>
#include <fastai/text/tokenize_files.h>

using namespace fastai;

namespace {

struct Args {
  uint64_t seed = 42;      // --seed: training seed (the LM's random 10% split too)
  int64_t lm_epochs = 4;   // --lm-epochs: unfrozen LM fine-tuning epochs (fastai's tutorial: 10)
  bool bf16 = true;        // --fp32: train in fp32 instead of bf16 mixed precision
  bool pretrained = true;  // --no-pretrained: start from random weights (no pretrain_lm needed)
  std::string dump_tokens; // --dump-tokens FILE: write the reviews' tokens as a CSV (for fastai's side) and stop
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
      return std::string(argv[++i]);
    };
    auto whole = [&](const std::string& v) {
      size_t used = 0;
      long long n = -1;
      try {
        n = std::stoll(v, &used);
      } catch (const std::exception&) {
      }
      if (used != v.size() || n < 0) throw std::invalid_argument(k + " takes a whole number, got '" + v + "'");
      return n;
    };
    if (k == "--seed") a.seed = static_cast<uint64_t>(whole(value()));
    else if (k == "--lm-epochs") a.lm_epochs = whole(value());
    else if (k == "--fp32") a.bf16 = false;
    else if (k == "--no-pretrained") a.pretrained = false;
    else if (k == "--dump-tokens") a.dump_tokens = value();
    else throw std::invalid_argument("unknown option " + k +
                                     " (usage: train_text [--seed 42] [--lm-epochs 4] [--fp32] [--no-pretrained] [--dump-tokens FILE])");
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  set_seed(a.seed);
  const auto path = untar_data(URLs::FINE_FOODS);
  const Table df = read_csv(path / "reviews.csv");
  if (!a.dump_tokens.empty()) {
    // The same tokens for fastai's side of the bench (bench/fastai_ulmfit.py): spaCy, fastai's
    // default tokenizer, is not in Debian; ours follows it and fastai's rules.
    const auto res = tokenize_df(df, {"text"});
    std::vector<std::string> joined;
    for (const auto& toks : res.tokens) {
      std::string j;
      for (const auto& t : toks) j += (j.empty() ? "" : " ") + t;
      joined.push_back(std::move(j));
    }
    Table out({Column::strings("text", joined)});
    out.add(df["label"]);
    out.add(df["is_valid"]);
    write_csv(out, a.dump_tokens);
    std::cout << "wrote " << joined.size() << " tokenized reviews to " << a.dump_tokens << "\n";
    return 0;
  }

  // Each phase's wall time, as bench/fastai_ulmfit.py times fastai's (bench_text_learner --ulmfit compares).
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  const auto t_lm = clock::now();

  // 1. Fine-tune the language model on every review's text (labels unused), 10% validating.
  auto dls_lm = TextDataLoaders::from_df(df, {.text_col = "text", .valid_pct = 0.1, .seed = a.seed, .is_lm = true});
  dls_lm.show_batch({}, {.max_n = 2});
  auto learn = language_model_learner(dls_lm, {.drop_mult = 0.3,
                                               .pretrained = a.pretrained,
                                               .metrics = {accuracy, MetricSpec([] { return Perplexity(); })},
                                               .path = path});
  if (a.bf16) learn.to_bf16();
  learn.fit_one_cycle(1, 2e-2);
  learn.unfreeze();
  const auto t_lm_unfrozen = clock::now();
  learn.fit_one_cycle(a.lm_epochs, 2e-3);
  const double lm_epoch_s = since(t_lm_unfrozen) / static_cast<double>(std::max<int64_t>(a.lm_epochs, 1));
  const double lm_perplexity = learn.validate()[2];
  learn.save_encoder("finetuned");
  const double lm_seconds = since(t_lm);
  std::cout << learn.predict("I liked this tea because", {.n_words = 30, .temperature = 0.75}) << "\n";

  // 2. The classifier on the language model's vocab and fine-tuned encoder, gradually unfrozen.
  const auto t_clas = clock::now();
  auto dls = TextDataLoaders::from_df(df, {.text_col = "text", .label_col = "label", .valid_col = "is_valid",
                                           .seed = a.seed, .text_vocab = text_vocab(dls_lm)});
  // pretrained: the stored sizes (config.json), as the LM; load_encoder then puts the fine-tuned weights in.
  auto clas = text_classifier_learner(dls, {.pretrained = a.pretrained, .drop_mult = 0.5, .metrics = {accuracy}, .path = path});
  if (a.bf16) clas.to_bf16();
  clas.load_encoder("finetuned");
  clas.fit_one_cycle(1, 2e-2);
  clas.freeze_to(-2);
  clas.fit_one_cycle(1, Slice{1e-2 / std::pow(2.6, 4), 1e-2});
  clas.freeze_to(-3);
  clas.fit_one_cycle(1, Slice{5e-3 / std::pow(2.6, 4), 5e-3});
  clas.unfreeze();
  const auto t_clas_unfrozen = clock::now();
  clas.fit_one_cycle(2, Slice{1e-3 / std::pow(2.6, 4), 1e-3});
  const double clas_epoch_s = since(t_clas_unfrozen) / 2;
  const auto v = clas.validate();
  const double clas_seconds = since(t_clas);

  clas.show_results(1, {.max_n = 4});
  ClassificationInterpretation::from_learner(clas).show_top_losses(5, {}, 40);
  const auto file = path / "models" / "fine_foods_classifier.fai";
  export_learner(clas, file);
  // The same keys as bench/fastai_ulmfit.py's line; *_epoch_s: the unfrozen epochs' mean.
  std::printf("RESULT ulmfit_fine_foods seed=%llu valid_accuracy=%.4f valid_loss=%.4f lm_perplexity=%.3f "
              "lm_seconds=%.1f clas_seconds=%.1f lm_epoch_s=%.1f clas_epoch_s=%.1f\n",
              static_cast<unsigned long long>(a.seed), v[1], v[0], lm_perplexity, lm_seconds, clas_seconds, lm_epoch_s,
              clas_epoch_s);
  std::printf("exported to %s: build/examples/fastai_predict %s \"This tea is wonderful\"\n", file.c_str(), file.c_str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "train_text: " << e.what() << "\n";
  return 1;
}
