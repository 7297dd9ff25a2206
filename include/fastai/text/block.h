#pragma once
/// fastai's TextBlock (text/data.py): texts through a Tokenizer, Numericalize (and reverse_text
/// for a backwards model), loaded either as a language model (LMDataLoader: the texts as bs
/// streams, windows of seq_len) or for classification (SortedDL: batches of texts of similar
/// length, padded by chunks of seq_len with pad_input_chunk, the longest batch first). Also the
/// text show_batch: a table of the decoded texts, cut at 150 words (fastai's trunc_at), with
/// their labels.
///
/// Example (fastai's text tutorial, classifier half):
///   DataBlock dblock({.blocks = {TextBlock({.vocab = lm_vocab}), CategoryBlock()},
///                     .get_x = {ItemGetter(0)}, .get_y = {ItemGetter(1)}, .splitter = RandomSplitter(0.1, 42)});
///   auto dls = dblock.dataloaders(items, {.bs = 64});   // items: Tuple(Str text, Str label)
///   dls.show_batch();
///
/// Thread-safety: as any DataBlock and its loaders (data/block.h, data/load.h).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fastai/data/block.h"
#include "fastai/text/data.h"
#include "fastai/text/sorted_loader.h"
#include "fastai/text/tokenizer.h"

namespace fastai {

/// TextBlock's keyword arguments (fastai's, with Tokenizer's tok and rules).
/// Example: `TextBlock({.is_lm = true, .seq_len = 72})`
struct TextBlockOptions {
  /// fastai's tok_tfm: a Tokenizer transform to use as it is (e.g. Tokenizer::from_folder's);
  /// when unset, one is made from `tok` and `tok_options`.
  std::shared_ptr<Tokenizer> tok_tfm;
  TextTokenizer tok = {};                           ///< default: WordTokenizer
  TokenizerOptions tok_options = {};                ///< rules, post-rules, sep
  std::optional<std::vector<std::string>> vocab;    ///< the text vocab (default: learned, make_vocab)
  bool is_lm = false;                               ///< language-model loaders, else sorted + padded
  int64_t seq_len = 72;                             ///< LM window / padding chunk
  bool backwards = false;                           ///< reverse_text after Numericalize
  int64_t min_freq = 3;                             ///< make_vocab's
  int64_t max_vocab = 60000;                        ///< make_vocab's
  /// Counts to make the vocab from (TextDataLoaders passes the whole corpus', as fastai's
  /// tokenizer counter); default: the training items' tokens.
  std::shared_ptr<const TokenCounter> counter;
};

/// fastai's TextBlock; see the file comment. A TransformBlock (it converts to one), with fastai's
/// two constructors for a table's rows and for a folder's files.
/// Example: `DataBlock({.blocks = {TextBlock({.is_lm = true})}, .get_x = {ItemGetter(0)}})`
struct TextBlock {
  explicit TextBlock(TextBlockOptions options = {});
  /// fastai's TextBlock.from_df: Tokenizer::from_df(text_cols) — the items are the table's rows
  /// (rows_of(df)), no get_x; every row is tokenized once on threads when the data is set up.
  /// Example: `DataBlock({.blocks = {TextBlock::from_df({"text"}), CategoryBlock()}, .get_y = {ColReader("label")}, .splitter = ColSplitter()})`
  static TextBlock from_df(std::vector<Col> text_cols, TextBlockOptions options = {}, int n_workers = 2);
  /// fastai's TextBlock.from_folder: Tokenizer::from_folder(path) — the folder is tokenized (or
  /// its cache found) now; the items are its files (get_text_files).
  /// Example: `DataBlock({.blocks = {TextBlock::from_folder(path), CategoryBlock()}, .get_items = …, .get_y = {parent_label}})`
  static TextBlock from_folder(const std::filesystem::path& path, TextBlockOptions options = {}, int n_workers = 2);
  /// The block itself, so `.blocks = {TextBlock(…), CategoryBlock()}` reads as fastai's.
  /// Example: `TransformBlock b = TextBlock({.is_lm = true});`
  operator TransformBlock() const { return block; }  // NOLINT: a block is what DataBlock takes
  /// Its type transforms (Tokenizer, Numericalize[, reverse_text]) and loaders' kind.
  TransformBlock block;
};

/// pad_input_chunk as a before_batch transform (what TextBlock's classifier loaders use);
/// describable. Its decode leaves the padding in, as fastai's show_batch shows it.
/// Example: `TfmdDL dl(dsets.train(), {.bs = 8, .before_batch = {std::make_shared<PadInputChunk>()}});`
class PadInputChunk : public Transform {
 public:
  explicit PadInputChunk(PadChunkOptions options = {});
  std::string type_name() const override { return "PadInputChunk"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<PadInputChunk> from_description(const nlohmann::json& j);

 private:
  PadChunkOptions o_;
};

/// The classifier loaders of TextBlock: DataLoaders::from_dsets plus PadInputChunk, then each
/// loader sorted by text length (make_sorted). Example: `TransformBlock b{.dl_type = sorted_dl_type({})};`
DlType sorted_dl_type(PadChunkOptions options = {});
/// The language-model loaders of TextBlock: each split's texts numericalized once, then
/// lm_dataloader windows (training: documents shuffled each epoch). Decoded as texts.
/// Example: `TransformBlock b{.dl_type = lm_dl_type(72)};`
DlType lm_dl_type(int64_t seq_len = 72);

}  // namespace fastai
