#pragma once
/// Everything for text (fastai's `from fastai.text.all import *`): the basics plus fastai.text's
/// parts built so far (the rules, special tokens and BaseTokenizer of text/core.h; make_vocab and
/// Numericalize of text/data.h; SentencePieceTokenizer of text/sentencepiece.h; lm_dataloader of text/lm_loader.h;
/// tokenize_texts of text/tokenize.h; make_sorted and pad_input_chunk of text/sorted_loader.h;
/// WordTokenizer of text/word_tokenizer.h; the Tokenizer transform of text/tokenizer.h; TextBlock of
/// text/block.h; TextDataLoaders of text/loaders.h; AWD_LSTM of text/models/awdlstm.h;
/// get_language_model of text/models/core.h).
///   #include <fastai/text/all.h>
///
/// Thread-safety: see each header.
#include "fastai/fastai.h"
#include "fastai/text/block.h"
#include "fastai/text/core.h"
#include "fastai/text/data.h"
#include "fastai/text/lm_loader.h"
#include "fastai/text/learner.h"
#include "fastai/text/loaders.h"
#include "fastai/text/models/awdlstm.h"
#include "fastai/text/models/classifier.h"
#include "fastai/text/models/core.h"
#include "fastai/text/sentencepiece.h"
#include "fastai/text/sorted_loader.h"
#include "fastai/text/tokenize.h"
#include "fastai/text/tokenizer.h"
#include "fastai/text/word_tokenizer.h"
