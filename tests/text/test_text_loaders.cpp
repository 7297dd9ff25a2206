// TextDataLoaders, TextBlock and the Tokenizer transform. Parity: real fastai 2.7.18's
// TextDataLoaders.from_df recipe with the same SentencePiece model and shuffling off gives the
// same vocab and the same first batches, as a classifier and as a language model
// (tests/data/reference/text_loaders.json, tools/gen_text_loaders_reference.py). Then folders of
// .txt files, show_batch, describe/rebuild, and bad input named by row, column or file.
#include "fastai/text/loaders.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fastai/core/describe.h"
#include "fastai/core/semantic.h"
#include "fastai/data/csv.h"
#include "fastai/data/transforms.h"
#include "reference.h"
#include "test_config.h"

using namespace fastai;
namespace fs = std::filesystem;

namespace {
using Rows = std::vector<std::vector<int64_t>>;
Rows rows(const at::Tensor& t) {
  Rows out;
  const auto c = t.to(at::kLong).contiguous();
  if (c.dim() == 1) {
    for (int64_t r = 0; r < c.size(0); ++r) out.push_back({c[r].item<int64_t>()});
    return out;
  }
  for (int64_t r = 0; r < c.size(0); ++r) {
    const auto row = c[r].contiguous();
    out.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  }
  return out;
}
const at::Tensor& tens(const Item& x) { return x.payload<at::Tensor>(); }

fs::path ref_dir() { return fs::path(FASTAI_TEST_DATA_DIR) / "reference"; }
SentencePieceTokenizer fastais_model() { return SentencePieceTokenizer::load(ref_dir() / "spm_unigram.model"); }

void expect_batches(TfmdDL& dl, const nlohmann::json& want, const std::string& what) {
  size_t b = 0;
  for (const Item& batch : dl) {
    if (b == want.size()) break;
    ASSERT_EQ(batch.size(), want[b].size()) << what << " batch " << b;
    for (size_t k = 0; k < batch.size(); ++k) {
      Rows w;
      for (const auto& r : want[b][k]) w.push_back(r.is_array() ? r.get<std::vector<int64_t>>() : std::vector<int64_t>{r.get<int64_t>()});
      EXPECT_EQ(rows(tens(batch[k])), w) << what << " batch " << b << " element " << k;
    }
    ++b;
  }
  EXPECT_EQ(b, want.size()) << what;
}

// A folder of .txt files: train/{pos,neg}, valid/{pos,neg}.
struct TextFolder {
  fs::path root = fs::temp_directory_path() / ("fastai_text_folder_" + std::to_string(::getpid()));
  TextFolder() {
    fs::remove_all(root);
    const char* pos[] = {"A wonderful film, I loved it.", "Great acting and a great story!", "Best movie this year."};
    const char* neg[] = {"Dull and far too long.", "I didn't like it at all...", "The worst plot I've seen."};
    for (const char* split : {"train", "valid"})
      for (int i = 0; i < 3; ++i) {
        write(root / split / "pos" / (std::to_string(i) + ".txt"), pos[i]);
        write(root / split / "neg" / (std::to_string(i) + ".txt"), neg[i]);
      }
  }
  ~TextFolder() {
    fs::remove_all(root);
    fs::remove_all(fs::path(root.string() + "_tok"));  // from_folder's token cache beside it
  }
  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST(TextDataLoaders, ClassifierIsFastais) {
  const auto ref = fastai::testing::load_reference("text_loaders.json")["clas"];
  auto dls = TextDataLoaders::from_csv(ref_dir() / "text_loaders.csv", {.text_col = "text",
                                                                        .label_col = "label",
                                                                        .valid_col = "is_valid",
                                                                        .seq_len = ref["seq_len"].get<int64_t>(),
                                                                        .tok = fastais_model(),
                                                                        .bs = ref["bs"].get<int64_t>(),
                                                                        .shuffle = false});
  EXPECT_EQ(text_vocab(dls), ref["vocab"].get<std::vector<std::string>>());
  EXPECT_EQ(dls.train_ds().size(), ref["n_train"].get<size_t>());
  EXPECT_EQ(dls.valid_ds().size(), ref["n_valid"].get<size_t>());
  expect_batches(dls.train(), ref["train"], "train");
  expect_batches(dls.valid(), ref["valid"], "valid");
}

TEST(TextDataLoaders, LanguageModelIsFastais) {
  const auto ref = fastai::testing::load_reference("text_loaders.json")["lm"];
  auto dls = TextDataLoaders::from_csv(ref_dir() / "text_loaders.csv", {.text_col = "text",
                                                                        .valid_col = "is_valid",
                                                                        .is_lm = true,
                                                                        .seq_len = ref["seq_len"].get<int64_t>(),
                                                                        .tok = fastais_model(),
                                                                        .bs = ref["bs"].get<int64_t>(),
                                                                        .shuffle = false});
  EXPECT_EQ(text_vocab(dls), ref["vocab"].get<std::vector<std::string>>());
  EXPECT_EQ(dls.train().size(), ref["n_train_batches"].get<int64_t>());
  EXPECT_EQ(dls.valid().size(), ref["n_valid_batches"].get<int64_t>());
  expect_batches(dls.train(), ref["train"], "train");
  expect_batches(dls.valid(), ref["valid"], "valid");
  // A test set gets windows of its own texts.
  auto test = dls.test_dl({Tuple({Str(std::string(200, 'a') + " b c d e f g h i j k")})}, false, 2);
  EXPECT_GE(test.size(), 1);
  // show_batch decodes both windows as text.
  std::ostringstream out;
  const auto shown = dls.show_batch({}, {.max_n = 2, .out = &out});
  EXPECT_NE(shown.find("| text | text_ |"), std::string::npos) << shown;
  EXPECT_NE(shown.find("▁xxbos"), std::string::npos) << shown;
}

TEST(TextDataLoaders, FromFolderWithTheWordTokenizer) {
  TextFolder folder;
  auto dls = TextDataLoaders::from_folder(folder.root, {.seed = 1, .min_freq = 1, .bs = 4});
  EXPECT_EQ(dls.train_ds().size(), 6u);
  EXPECT_EQ(dls.valid_ds().size(), 6u);
  const auto vocab = text_vocab(dls);
  EXPECT_EQ(vocab[0], "xxunk");
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "n't"), vocab.end()) << "spaCy-style contractions";
  const Item b = dls.valid().one_batch();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(b[0].is<TensorText>());
  EXPECT_EQ(tens(b[0]).size(0), 4);
  std::ostringstream out;
  const auto shown = dls.valid().show_batch({}, {.max_n = 6, .out = &out});
  EXPECT_NE(shown.find("| text | category |"), std::string::npos) << shown;
  EXPECT_NE(shown.find("xxbos xxmaj the worst plot xxmaj i 've seen ."), std::string::npos) << shown;
  EXPECT_NE(shown.find("| neg |"), std::string::npos) << shown;
  // New texts go through the same Tokenizer: a test set of raw strings.
  auto test = dls.test_dl({Tuple({Str("What a great film!")}), Tuple({Str("Bad.")})});
  const Item tb = test.one_batch();
  EXPECT_EQ(tens(tb[0]).size(0), 2) << "texts of different lengths are padded into one batch";
  // Sorted longest first by the test set's own lengths; shorter than one chunk of seq_len, the
  // short text gets its padding (xxpad, 1) behind it, as fastai's pad_chunk does.
  EXPECT_NE(tens(tb[0])[0][-1].item<int64_t>(), 1) << "the longer text first: " << tens(tb[0]);
  EXPECT_EQ(tens(tb[0])[1][-1].item<int64_t>(), 1) << tens(tb[0]);
  // Decoded, the padded text loses its padding again (fastai's Pad_Chunk.decodes).
  std::ostringstream tout;
  const auto tshown = test.show_batch({}, {.max_n = 2, .out = &tout});
  EXPECT_EQ(tshown.find("xxpad"), std::string::npos) << tshown;
  EXPECT_NE(tshown.find("| 1 | xxbos xxmaj xxunk . |"), std::string::npos) << tshown;  // "bad": not in the vocab
}

TEST(TextDataLoaders, LanguageModelDocumentsRightInTrainAndValid) {
  // BOOKS' layout: documents in train/ and valid/ themselves, no label folders.
  TextFolder folder;
  fs::remove_all(folder.root);
  for (int i = 0; i < 4; ++i) {
    TextFolder::write(folder.root / "train" / (std::to_string(i) + ".txt"), "The cat sat on the mat and then it slept there all day long.");
    TextFolder::write(folder.root / "valid" / (std::to_string(i) + ".txt"), "A dog ran in the park and barked at the birds in the trees.");
  }
  auto dls = TextDataLoaders::from_folder(folder.root, {.is_lm = true, .seq_len = 4, .min_freq = 1, .bs = 2});
  EXPECT_EQ(dls.train_ds().size(), 4u);
  EXPECT_EQ(dls.valid_ds().size(), 4u) << "valid/*.txt validates a language model";
  EXPECT_GE(dls.valid().size(), 1);
}

TEST(TextDataLoaders, BadInputIsNamed) {
  Table df = read_csv(ref_dir() / "text_loaders.csv");
  auto msg = error_of([&] { (void)TextDataLoaders::from_df(df, {.text_col = "review"}); });
  EXPECT_NE(msg.find("review"), std::string::npos) << msg;
  msg = error_of([&] { (void)TextDataLoaders::from_df(df, {.text_col = "text", .label_col = "stars"}); });
  EXPECT_NE(msg.find("stars"), std::string::npos) << msg;

  std::ostringstream csv;
  csv << "text,label\n\"fine text\",a\n\"  \",b\n";
  const fs::path p = fs::temp_directory_path() / ("fastai_bad_text_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(p) << csv.str();
  msg = error_of([&] { (void)TextDataLoaders::from_csv(p, {.text_col = "text", .label_col = "label"}); });
  EXPECT_NE(msg.find("row 1 of column \"text\" is empty"), std::string::npos) << msg;
  fs::remove(p);

  TextFolder folder;
  TextFolder::write(folder.root / "train" / "pos" / "bad.txt", "bad \xff byte");
  msg = error_of([&] { (void)TextDataLoaders::from_folder(folder.root); });
  EXPECT_NE(msg.find("bad.txt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte 4"), std::string::npos) << msg;
  fs::remove(folder.root / "train" / "pos" / "bad.txt");

  fs::create_directories(folder.root / "nothing_here");
  msg = error_of([&] { (void)TextDataLoaders::from_folder(folder.root / "nothing_here"); });
  EXPECT_NE(msg.find("no .txt files"), std::string::npos) << msg;

  // A corpus shorter than one language-model batch.
  msg = error_of([&] { (void)TextDataLoaders::from_folder(folder.root, {.is_lm = true, .bs = 64}); });
  EXPECT_NE(msg.find("fewer than one batch"), std::string::npos) << msg;

  // A label the training set never had.
  TextFolder::write(folder.root / "valid" / "meh" / "0.txt", "Neither here nor there.");
  msg = error_of([&] {
    auto dls = TextDataLoaders::from_folder(folder.root, {.bs = 4});
    for (const Item& b : dls.valid()) (void)b;
  });
  EXPECT_NE(msg.find("meh"), std::string::npos) << msg;
}

TEST(Tokenizer, TransformDescribesAndRebuilds) {
  auto tok = std::make_shared<Tokenizer>();
  const Item toks = (*tok)(Item(Str("Hello WORLD, don't!")));
  ASSERT_TRUE(toks.is<Tokens>());
  EXPECT_EQ(toks.get<Tokens>(),
            (std::vector<std::string>{"xxbos", "xxmaj", "hello", "xxup", "world", ",", "do", "n't", "!"}));
  EXPECT_EQ(tok->decode(toks).get<Str>(), "xxbos xxmaj hello xxup world , do n't !");
  // Tokens pass through (texts tokenized ahead).
  EXPECT_EQ((*tok)(toks).get<Tokens>(), toks.get<Tokens>());
  for (const TextTokenizer& t : {TextTokenizer(), TextTokenizer(BaseTokenizer()), TextTokenizer(fastais_model())}) {
    auto a = std::make_shared<Tokenizer>(t, TokenizerOptions{.rules = {text_rule("lowercase")}});
    auto b = transform_from_description(a->describe());
    const Item x = Str("Some Text, for the tokenizers");
    EXPECT_EQ((*b)(x).get<Tokens>(), (*a)(x).get<Tokens>()) << a->describe().dump().substr(0, 200);
  }
  WordTokenizer custom;
  custom.add_special_case("c++", {"c++"});
  auto c = transform_from_description(Tokenizer(custom, {.rules = {}}).describe());
  EXPECT_EQ((*c)(Item(Str("c++ rocks"))).get<Tokens>(), (std::vector<std::string>{"c++", "rocks"}));
  EXPECT_THROW((void)TextTokenizer::from_description({{"type", "Nope"}}), std::invalid_argument);
}

TEST(TextBlock, InADataBlockOnRawStrings) {
  // fastai's tutorial style: a DataBlock whose items are (text, label) and a TextBlock that
  // tokenizes each text when it is read.
  std::vector<Item> items;
  for (int i = 0; i < 40; ++i)
    items.push_back(Tuple({Str(i % 2 ? "A good, good film." : "Not good. Not good at all, really."),
                           Str(i % 2 ? "pos" : "neg")}));
  DataBlock dblock({.blocks = {TextBlock({.seq_len = 4, .min_freq = 1}), CategoryBlock()},
                    .get_x = {ItemGetter(0)},
                    .get_y = {ItemGetter(1)},
                    .splitter = RandomSplitter(0.25, 42)});
  auto dls = dblock.dataloaders(items, {.bs = 8});
  const Item b = dls.train().one_batch();
  const auto& x = tens(b[0]);
  EXPECT_EQ(x.size(0), 8);
  // The longest batch comes first: "xxbos xxmaj not good . xxmaj not good at all , really ." is 13
  // tokens; the 8-token texts get 4 pads (a whole chunk of seq_len) in front and 1 behind.
  EXPECT_EQ(x.size(1), 13) << x;
  const auto vocab = text_vocab(dls);
  for (int64_t r = 0; r < 8; ++r) {
    const auto row = x[r];
    if (row[12].item<int64_t>() != 1) continue;  // a long text; the short ones end in padding
    EXPECT_EQ(row.slice(0, 0, 4).eq(1).all().item<bool>(), true) << row;
    EXPECT_EQ(vocab[static_cast<size_t>(row[4].item<int64_t>())], "xxbos") << row;
  }
}

TEST(TextBlock, FromDfTokenizesTheRowsOnceAndCountsTheCorpus) {
  // fastai's TextBlock.from_df: rows as items, the text read by the Tokenizer, every row
  // tokenized at set-up (validation rows too), the vocab from the whole corpus' counts.
  Table df = read_csv_string(
      "text,label,is_valid\nA good film.,pos,False\nA bad film.,neg,False\nGood good good.,pos,False\n"
      "Bad.,neg,False\nA rare word: zyzzyva.,pos,True\nzyzzyva zyzzyva zyzzyva,neg,True\n");
  DataBlock dblock({.blocks = {TextBlock::from_df({"text"}, {.min_freq = 2}), CategoryBlock()},
                    .get_y = {ColReader("label")},
                    .splitter = ColSplitter("is_valid")});
  auto dls = dblock.dataloaders(rows_of(df), {.bs = 2, .shuffle = false});
  const auto vocab = text_vocab(dls);
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "zyzzyva"), vocab.end())
      << "a word seen only in validation texts is in the vocab, as fastai's counter makes it";
  const Item b = dls.valid().one_batch();
  EXPECT_EQ(tens(b[0]).size(0), 2);
  auto tok = Tokenizer::from_df({"text"});
  EXPECT_EQ((*tok)(rows_of(df)[3]).get<Tokens>(), (std::vector<std::string>{"xxbos", "xxmaj", "bad", "."}));
  auto again = transform_from_description(tok->describe());
  EXPECT_EQ((*again)(rows_of(df)[3]).get<Tokens>(), (std::vector<std::string>{"xxbos", "xxmaj", "bad", "."}));
  EXPECT_THROW((void)(*std::make_shared<Tokenizer>())(rows_of(df)[0]), std::exception)
      << "a row needs a Tokenizer::from_df";
}

TEST(TextBlock, FromFolder) {
  TextFolder folder;
  DataBlock dblock({.blocks = {TextBlock::from_folder(folder.root, {.min_freq = 1}), CategoryBlock()},
                    .get_items = [&](const Item&) { return path_items(get_text_files(folder.root)); },
                    .get_y = {parent_label},
                    .splitter = GrandparentSplitter("train", "valid")});
  auto dls = dblock.dataloaders(Item(Path(folder.root)), {.bs = 3});
  EXPECT_EQ(dls.train_ds().size(), 6u);
  EXPECT_TRUE(fs::exists(fs::path(folder.root.string() + "_tok") / "counter.json")) << "tokenized into the cache";
  const Item b = dls.train().one_batch();
  EXPECT_EQ(tens(b[0]).size(0), 3);
}

TEST(TextDataLoaders, LabelDelimGivesAMultiLabelTarget) {
  Table df = read_csv_string(
      "text,tags,is_valid\nsweet and cheap,taste;price,False\nsweet,taste,False\ncheap,price,False\n"
      "sweet cheap good,taste;price,False\ngood,taste,True\ncheap again,price;taste,True\n");
  auto dls = TextDataLoaders::from_df(df, {.text_col = "text", .label_col = "tags", .label_delim = ";",
                                           .valid_col = "is_valid", .min_freq = 1, .bs = 2});
  const Item b = dls.valid().one_batch();
  EXPECT_EQ(tens(b[1]).sizes(), (c10::IntArrayRef{2, 2})) << "one-hot over {price, taste}";
  EXPECT_EQ(tens(b[1]).sum().item<float>(), 3.0f) << "taste; price+taste";
}
