// Pretrains an AWD-LSTM language model on URLs::BOOKS (the WikiText-103 stand-in: ~4 M words of
// English from five public-domain sources) and stores it where `pretrained = true` finds it:
// pretrained_lm_dir() gets lstm_fwd.pth (the model's state_dict, as fastai's torch.save), itos.pkl
// (the vocab, pickled) and config.json (emb_sz, n_hid, n_layers and how it was trained), each
// written atomically. Python fastai reads the same two files with pretrained_fnames.
//
//   build/examples/pretrain_lm                       # the default config (docs/text.md: its time)
//   build/examples/pretrain_lm --epochs 1 --max-vocab 8000 --emb 200 --hid 400 --layers 2
//   build/examples/pretrain_lm --backwards           # lstm_bwd.pth, for a backwards classifier
//   build/examples/pretrain_lm --dest /tmp/lm        # somewhere else
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <fastai/core/atomic_file.h>
#include <fastai/core/pickle.h>
#include <fastai/text/all.h>

using namespace fastai;
namespace fs = std::filesystem;

namespace {

// Every option: what it sets and its default, one line each (also the --help text).
struct Args {
  int64_t epochs = 2;         // --epochs: fit_one_cycle epochs over BOOKS' train folder
  double lr = 5e-3;           // --lr: the one-cycle peak learning rate
  int64_t emb = 200;          // --emb: emb_sz
  int64_t hid = 400;          // --hid: n_hid
  int64_t layers = 2;         // --layers: n_layers
  int64_t bs = 64;            // --bs: batch size
  int64_t seq_len = 72;       // --seq-len: bptt
  int64_t max_vocab = 15000;  // --max-vocab: the vocab's size cap (the decoder's cost grows with it)
  double drop_mult = 0.3;     // --drop-mult: every dropout scaled (WikiText's small data wants little)
  bool bf16 = true;           // --fp32: train in fp32 instead of bf16 mixed precision
  bool backwards = false;     // --backwards: a backwards model (reversed texts)
  uint64_t seed = 42;         // --seed
  fs::path dest;              // --dest: default pretrained_lm_dir(backwards)
};

constexpr const char* kUsage =
    "usage: pretrain_lm [--epochs 2] [--lr 5e-3] [--emb 200] [--hid 400] [--layers 2] [--bs 64] [--seq-len 72]\n"
    "                   [--max-vocab 15000] [--drop-mult 0.3] [--fp32] [--backwards] [--seed 42] [--dest DIR]\n";

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value\n" + kUsage);
      return argv[++i];
    };
    auto number = [&](auto& field) {
      const std::string v = value();
      size_t used = 0;
      try {
        if constexpr (std::is_floating_point_v<std::decay_t<decltype(field)>>) field = std::stod(v, &used);
        else field = static_cast<std::decay_t<decltype(field)>>(std::stoll(v, &used));
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty()) throw std::invalid_argument(k + " takes a number, got '" + v + "'");
    };
    if (k == "--epochs") number(a.epochs);
    else if (k == "--lr") number(a.lr);
    else if (k == "--emb") number(a.emb);
    else if (k == "--hid") number(a.hid);
    else if (k == "--layers") number(a.layers);
    else if (k == "--bs") number(a.bs);
    else if (k == "--seq-len") number(a.seq_len);
    else if (k == "--max-vocab") number(a.max_vocab);
    else if (k == "--drop-mult") number(a.drop_mult);
    else if (k == "--seed") number(a.seed);
    else if (k == "--fp32") a.bf16 = false;
    else if (k == "--backwards") a.backwards = true;
    else if (k == "--dest") a.dest = value();
    else if (k == "--help" || k == "-h") std::cout << kUsage, std::exit(0);
    else throw std::invalid_argument("unknown option " + k + "\n" + kUsage);
  }
  if (a.dest.empty()) a.dest = pretrained_lm_dir(a.backwards);
  return a;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  set_seed(a.seed);
  const fs::path books = untar_data(URLs::BOOKS);
  const auto start = std::chrono::steady_clock::now();
  auto dls = TextDataLoaders::from_folder(books, {.seed = a.seed,
                                                  .is_lm = true,
                                                  .seq_len = a.seq_len,
                                                  .backwards = a.backwards,
                                                  .max_vocab = a.max_vocab,
                                                  .bs = a.bs});
  const auto vocab = text_vocab(dls);
  std::cout << "BOOKS: " << dls.train().size() << " train batches, " << dls.valid().size() << " valid batches of "
            << a.bs << "x" << a.seq_len << " tokens; vocab " << vocab.size() << "\n";
  const AWDLSTMLMConfig config{.emb_sz = a.emb, .n_hid = a.hid, .n_layers = a.layers};
  auto learn = language_model_learner(dls, {.config = config,
                                            .drop_mult = a.drop_mult,
                                            .backwards = a.backwards,
                                            .pretrained = false,
                                            .metrics = {accuracy, MetricSpec([] { return Perplexity(); })},
                                            .path = a.dest});
  if (a.bf16) learn.to_bf16();
  learn.fit_one_cycle(a.epochs, a.lr);
  const auto valid = learn.validate();
  const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60;

  // The whole language model's state_dict (fastai's lstm_fwd.pth holds the same names).
  std::vector<std::pair<std::string, at::Tensor>> sd;
  for (const auto& p : learn.model->named_parameters()) sd.emplace_back(p.key(), p.value().detach().cpu());
  for (const auto& b : learn.model->named_buffers()) sd.emplace_back(b.key(), b.value().detach().cpu());
  fs::create_directories(a.dest);
  save_torch_state_dict(a.dest / (a.backwards ? "lstm_bwd.pth" : "lstm_fwd.pth"), sd);
  save_pickle_strings(a.dest / "itos.pkl", vocab);
  const nlohmann::json info{{"emb_sz", a.emb},          {"n_hid", a.hid},     {"n_layers", a.layers},
                            {"epochs", a.epochs},       {"lr", a.lr},         {"bs", a.bs},
                            {"seq_len", a.seq_len},     {"drop_mult", a.drop_mult},
                            {"max_vocab", a.max_vocab}, {"bf16", a.bf16},     {"seed", a.seed},
                            {"valid_loss", valid[0]},   {"valid_accuracy", valid[1]},
                            {"valid_perplexity", valid[2]}, {"minutes", minutes}};
  write_atomically(a.dest / "config.json", [&](const fs::path& tmp) { std::ofstream(tmp) << info.dump(2) << "\n"; });
  std::printf("valid loss %.4f, accuracy %.4f, perplexity %.2f after %.1f min; weights in %s\n", valid[0], valid[1],
              valid[2], minutes, a.dest.string().c_str());
  std::printf("next: language_model_learner(dls_lm, {.drop_mult = 0.3}) finds them (pretrained = true)\n");
  return 0;
} catch (const std::exception& e) {
  std::cerr << "pretrain_lm: " << e.what() << "\n";
  return 1;
}
