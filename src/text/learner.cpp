#include "fastai/text/learner.h"

#include <ATen/ATen.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "fastai/core/atomic_file.h"
#include "fastai/core/json.h"
#include "fastai/core/pickle.h"
#include "fastai/core/semantic.h"
#include "fastai/data/external.h"
#include "fastai/data/get_c.h"
#include "fastai/text/core.h"
#include "fastai/text/loaders.h"
#include "model_spec.h"
#include "unicode.h"

namespace fastai {

namespace fs = std::filesystem;

namespace {


// fastai's clean_raw_keys: old files keep the dropped copy "….module.weight_hh_l0" beside
// "….weight_hh_l0_raw"; the raw one is the weight.
StateDict clean_raw_keys(StateDict sd) {
  std::map<std::string, bool> names;
  for (const auto& [k, v] : sd) names[k] = true;
  StateDict out;
  for (auto& [k, v] : sd) {
    const auto m = k.rfind(".module.");
    if (m != std::string::npos) {
      const std::string raw = k.substr(0, m) + "." + k.substr(m + 8) + "_raw";
      if (names.count(raw)) continue;
    }
    out.emplace_back(k, std::move(v));
  }
  return out;
}

// Copies `sd` into `m` by name after checking every name and shape (nothing is copied on an
// error). Keys of `sd` the module does not have are ignored only when `ignore_extra`.
int64_t index_of(const std::vector<std::string>& vocab, const std::string& tok) {
  for (size_t i = 0; i < vocab.size(); ++i)
    if (vocab[i] == tok) return static_cast<int64_t>(i);
  return -1;
}

}  // namespace

// ---------------------------------------------------------------- TextLearner

TextLearner::TextLearner(DataLoaders dls, Model model, TextLearnerOptions o)
    : Learner(std::move(dls), std::move(model), learner_options(o)) {
  add_cbs(rnn_cbs(o.alpha, o.beta));
}

TextLearner::TextLearner(Learner&& learn, double alpha, double beta) : Learner(std::move(learn)) {
  (void)encoder();  // a learner over another model is refused here, naming it
  moms = TextLearnerOptions::default_moms;
  add_cbs(rnn_cbs(alpha, beta));
}

AWD_LSTM TextLearner::encoder() const {
  if (auto lm = model.as<SequentialRNNImpl>()) return lm->encoder;
  if (auto clas = model.as<TextClassifierImpl>()) return clas->encoder->module;
  throw std::invalid_argument("TextLearner: the model (" + model->name() +
                              ") is neither a SequentialRNN nor a TextClassifier, so it has no AWD_LSTM encoder");
}

fs::path TextLearner::save_encoder(const std::string& name) {
  const fs::path file = model_file(name);
  save_state_dict(*encoder(), file);
  return file;
}

TextLearner& TextLearner::load_encoder(const std::string& name) {
  const fs::path file = model_file(name);
  if (!fs::exists(file))
    throw std::runtime_error("load_encoder: " + file.string() + " does not exist (save_encoder writes it)");
  load_state_dict(*encoder(), clean_raw_keys(load_torch_state_dict(file)), {.where = "load_encoder: " + file.string()});
  freeze();
  return *this;
}

TextLearner& TextLearner::load_pretrained(const fs::path& wgts_file, const fs::path& vocab_file) {
  const auto old_vocab = load_pickle(vocab_file).strings();
  StateDict wgts = match_embeds(clean_raw_keys(load_torch_state_dict(wgts_file)), old_vocab, text_vocab(dls));
  const std::string where = "load_pretrained: " + wgts_file.string();
  if (model.as<SequentialRNNImpl>()) {
    load_state_dict(*model, wgts, {.where = where});
  } else {
    StateDict enc;  // the language model's "0.…" is the classifier's encoder
    for (auto& [k, v] : wgts)
      if (k.rfind("0.", 0) == 0) enc.emplace_back(k.substr(2), std::move(v));
    load_state_dict(*encoder(), enc, {.where = where});
  }
  freeze();
  return *this;
}

// ---------------------------------------------------------------- generation

std::vector<std::string> decode_spec_tokens(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  std::string rule;
  std::optional<int64_t> arg;
  for (const auto& t : tokens) {
    if (t == TK_MAJ || t == TK_UP || t == TK_REP || t == TK_WREP) {
      rule = t;
    } else if (rule.empty()) {
      out.push_back(t);
    } else if (rule == TK_MAJ) {
      // Python's t[:1].upper() + t[1:].lower(), on characters, not bytes.
      const std::u32string u = text_detail::utf8_to_u32(t, "a token");
      out.push_back(text_detail::u32_to_utf8(text_detail::upper(u.substr(0, 1)) + text_detail::lower(u.substr(std::min<size_t>(1, u.size())))));
      rule.clear();
    } else if (rule == TK_UP) {
      out.push_back(text_detail::u32_to_utf8(text_detail::upper(text_detail::utf8_to_u32(t, "a token"))));
      rule.clear();
    } else if (!arg) {
      try {
        size_t used = 0;
        arg = std::stoll(t, &used);
        if (used != t.size()) throw std::invalid_argument(t);
      } catch (const std::exception&) {
        rule.clear();
        arg.reset();
      }
    } else {
      // fastai keeps the rule and count: every following token repeats until the next rule.
      if (rule == TK_REP) {
        std::string w;
        for (int64_t i = 0; i < *arg; ++i) w += t;
        out.push_back(w);
      } else {
        for (int64_t i = 0; i < *arg; ++i) out.push_back(t);
      }
    }
  }
  return out;
}

std::string LMLearner::predict(const std::string& text, LMPredictOptions o) {
  if (o.n_words < 0) throw std::invalid_argument("LMLearner::predict: n_words is " + std::to_string(o.n_words));
  if (o.temperature <= 0) throw std::invalid_argument("LMLearner::predict: temperature must be positive, got " + std::to_string(o.temperature));
  const auto& ds = (dls.size() > 1 ? dls.valid() : dls.train()).datasets();  // an exported one has one loader
  if (!ds) throw std::logic_error("LMLearner::predict: the loaders have no datasets to tokenize the prompt with");
  const Datasets test = ds->test_set({Tuple({Str(text)})}, false);
  const Item s = test[0];
  const at::Tensor prompt = (s.is_tuple() ? s[0] : s).payload<at::Tensor>().to(at::kLong).flatten();
  if (prompt.numel() == 0)
    throw std::invalid_argument("LMLearner::predict: the prompt \"" + text +
                                "\" has no tokens (the tokenizer's rules add xxbos; without them give some text)");
  const auto vocab = text_vocab(dls);
  const int64_t unk = index_of(vocab, UNK);
  auto* rnn = dynamic_cast<RNNModel*>(model.module().get());
  if (!rnn) throw std::invalid_argument("LMLearner::predict: the model is not an RNNModel");
  const bool was_training = model->is_training();
  model->eval();
  at::NoGradGuard no_grad;
  std::vector<int64_t> ids(prompt.data_ptr<int64_t>(), prompt.data_ptr<int64_t>() + prompt.numel());
  // The hidden state carries the prompt forward, so each new word costs one step (fastai re-reads
  // the whole sequence from a reset state each time: the same numbers in eval mode).
  rnn->reset();
  const auto params = model->parameters();
  at::Tensor next_in = prompt.unsqueeze(0).to(params.empty() ? at::Device(at::kCPU) : params[0].device());
  for (int64_t w = 0; w < o.n_words; ++w) {
    if (o.only_last_word) rnn->reset();
    at::Tensor logits = model({next_in});
    at::Tensor res = at::softmax(logits[0][-1].to(at::kFloat), -1).cpu();
    if (o.no_unk && unk >= 0) res[unk] = 0.0;
    if (o.min_p) {
      if ((res >= *o.min_p).sum().item<int64_t>() == 0)
        std::cerr << "LMLearner::predict: no token has probability >= " << *o.min_p << "; try a lower min_p\n";
      else
        res.masked_fill_(res < *o.min_p, 0.0);
    }
    if (o.temperature != 1.0) res.pow_(1.0 / o.temperature);
    const int64_t idx = at::multinomial(res, 1).item<int64_t>();
    ids.push_back(idx);
    next_in = at::tensor({idx}, at::kLong).view({1, 1}).to(next_in.device());
  }
  rnn->reset();
  model->train(was_training);
  std::vector<std::string> toks;
  for (int64_t i : ids) {
    const std::string& t = vocab.at(static_cast<size_t>(i));
    if (t != BOS && t != PAD) toks.push_back(t);
  }
  std::ostringstream out;
  const auto words = decode_spec_tokens(toks);
  for (size_t i = 0; i < words.size(); ++i) out << (i ? " " : "") << words[i];
  return out.str();
}

// ---------------------------------------------------------------- pretrained weights

StateDict match_embeds(StateDict wgts, const std::vector<std::string>& old_vocab,
                       const std::vector<std::string>& new_vocab) {
  auto find = [&](const std::string& k) -> at::Tensor* {
    for (auto& [name, t] : wgts)
      if (name == k) return &t;
    return nullptr;
  };
  at::Tensor* enc = find("0.encoder.weight");
  if (!enc) throw std::runtime_error("match_embeds: the weights have no '0.encoder.weight' (not a language model's?)");
  if (enc->size(0) != static_cast<int64_t>(old_vocab.size()))
    throw std::runtime_error("match_embeds: the embedding has " + std::to_string(enc->size(0)) + " rows but the vocab " +
                             std::to_string(old_vocab.size()) + " tokens (weights and vocab of different models?)");
  std::map<std::string, int64_t> o2i;
  // The last row of a repeated token, as fastai's {w: i for i, w in enumerate(old_vocab)}
  // (the xxfake padding of a vocab repeats).
  for (size_t i = 0; i < old_vocab.size(); ++i) o2i.insert_or_assign(old_vocab[i], static_cast<int64_t>(i));
  std::vector<int64_t> rows(new_vocab.size());
  for (size_t i = 0; i < new_vocab.size(); ++i) {
    auto it = o2i.find(new_vocab[i]);
    rows[i] = it == o2i.end() ? -1 : it->second;
  }
  const at::Tensor idx = at::tensor(rows, at::kLong);
  const at::Tensor known = idx >= 0;
  auto remap = [&](const at::Tensor& w) {
    const at::Tensor mean = w.mean(0, /*keepdim=*/true);
    at::Tensor picked = w.index_select(0, idx.clamp_min(0));
    const at::Tensor mask = w.dim() == 2 ? known.unsqueeze(1) : known;
    return at::where(mask, picked, w.dim() == 2 ? mean.expand_as(picked) : mean.expand_as(picked));
  };
  const at::Tensor new_wgts = remap(*enc);
  *enc = new_wgts;
  if (at::Tensor* dp = find("0.encoder_dp.emb.weight")) *dp = new_wgts.clone();
  if (at::Tensor* dec = find("1.decoder.weight")) *dec = new_wgts.clone();
  else wgts.emplace_back("1.decoder.weight", new_wgts.clone());
  if (at::Tensor* bias = find("1.decoder.bias")) *bias = remap(*bias);
  return wgts;
}

fs::path pretrained_lm_dir(bool backwards) {
  return fastai_home() / "models" / (backwards ? "awd_lstm_books_bwd" : "awd_lstm_books");
}

namespace {

// The pretrained files: (weights, vocab, config.json or empty) — given, or in pretrained_lm_dir().
struct PretrainedFiles {
  fs::path wgts, vocab, config;
};

PretrainedFiles pretrained_files(const fs::path& model_dir, bool backwards,
                                 const std::optional<std::pair<fs::path, fs::path>>& fnames, const char* who) {
  if (fnames) {
    auto resolve = [&](fs::path f, const char* ext) {
      if (!f.has_extension()) f += ext;
      return f.is_absolute() ? f : model_dir / f;
    };
    PretrainedFiles p{resolve(fnames->first, ".pth"), resolve(fnames->second, ".pkl"), {}};
    for (const auto& f : {p.wgts, p.vocab})
      if (!fs::exists(f)) throw std::runtime_error(std::string(who) + ": pretrained_fnames: " + f.string() + " does not exist");
    return p;
  }
  const fs::path dir = pretrained_lm_dir(backwards);
  PretrainedFiles p{dir / (backwards ? "lstm_bwd.pth" : "lstm_fwd.pth"), dir / "itos.pkl", dir / "config.json"};
  if (!fs::exists(p.wgts) || !fs::exists(p.vocab))
    throw std::runtime_error(std::string(who) + ": no pretrained AWD-LSTM weights in " + dir.string() +
                             " (there is no WikiText-103 download here). Make them with `build/examples/pretrain_lm" +
                             (backwards ? " --backwards" : "") +
                             "` (trains on URLs::BOOKS and stores them there), or pass .pretrained = false");
  return p;
}

// The sizes stored beside pretrained weights (emb_sz, n_hid, n_layers).
template <class Config>
Config with_stored_sizes(Config c, const fs::path& config_json) {
  if (config_json.empty() || !fs::exists(config_json)) return c;
  std::ifstream in(config_json);
  const auto j = nlohmann::json::parse(in);
  c.emb_sz = j.at("emb_sz").get<int64_t>();
  c.n_hid = j.at("n_hid").get<int64_t>();
  c.n_layers = j.at("n_layers").get<int64_t>();
  return c;
}

template <class From>
TextLearnerOptions text_options(From&& from_) {
  TextLearnerOptions to;
  to.alpha = from_.alpha;
  to.beta = from_.beta;
  auto& from = from_;
  FASTAI_LEARNER_OPTIONS(FASTAI_COPY_OPTION)
  return to;
}

}  // namespace

LMLearner language_model_learner(DataLoaders dls, LanguageModelLearnerOptions o) {
  const auto vocab = text_vocab(dls);
  TextLearnerOptions to = text_options(o);
  if (!to.loss_func) to.loss_func = CrossEntropyLossFlat();
  if (!to.splitter) to.splitter = awd_lstm_lm_split;
  const bool pretrained = o.pretrained || o.pretrained_fnames;
  std::optional<PretrainedFiles> files;
  if (pretrained) {
    // pretrained_fnames are names under path/model_dir, as fastai's.
    files = pretrained_files(to.path / to.model_dir, o.backwards, o.pretrained_fnames, "language_model_learner");
  }
  AWDLSTMLMConfig config = o.config ? *o.config : with_stored_sizes(AWDLSTMLMConfig{}, files ? files->config : fs::path{});
  const auto vocab_sz = static_cast<int64_t>(vocab.size());
  LMLearner learn(std::move(dls), get_language_model(vocab_sz, config, o.drop_mult), std::move(to));
  learn.model_spec = text_detail::language_model_spec(vocab_sz, config, o.drop_mult);
  if (files) learn.load_pretrained(files->wgts, files->vocab);
  return learn;
}

TextLearner text_classifier_learner(DataLoaders dls, TextClassifierLearnerOptions o) {
  const auto vocab = text_vocab(dls);
  const auto n_out = o.n_out ? o.n_out : get_c(dls);
  if (!n_out || *n_out <= 0)
    throw std::invalid_argument("text_classifier_learner: cannot tell the number of classes from the loaders; pass {.n_out = …}");
  TextLearnerOptions to = text_options(o);
  if (!to.splitter) to.splitter = awd_lstm_clas_split;
  std::optional<PretrainedFiles> files;
  if (o.pretrained) {
    files = pretrained_files(to.path / to.model_dir, o.backwards, std::nullopt, "text_classifier_learner");
  }
  AWDLSTMClasConfig config = o.config ? *o.config : with_stored_sizes(AWDLSTMClasConfig{}, files ? files->config : fs::path{});
  const TextClassifierOptions mo{.seq_len = o.seq_len,
                                 .config = config,
                                 .drop_mult = o.drop_mult,
                                 .lin_ftrs = o.lin_ftrs,
                                 .ps = o.ps,
                                 .pad_idx = 1,
                                 .max_len = o.max_len,
                                 .y_range = o.y_range};
  const auto vocab_sz = static_cast<int64_t>(vocab.size());
  TextLearner learn(std::move(dls), get_text_classifier(vocab_sz, *n_out, mo), std::move(to));
  learn.model_spec = text_detail::text_classifier_spec(vocab_sz, *n_out, mo);
  if (files) learn.load_pretrained(files->wgts, files->vocab);
  return learn;
}

}  // namespace fastai
