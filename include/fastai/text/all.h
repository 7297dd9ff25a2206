#pragma once
/// Everything for text (fastai's `from fastai.text.all import *`): the basics plus fastai.text's
/// parts built so far (the rules, special tokens and BaseTokenizer of text/core.h; make_vocab and
/// Numericalize of text/data.h).
///   #include <fastai/text/all.h>
///
/// Thread-safety: see each header.
#include "fastai/fastai.h"
#include "fastai/text/core.h"
#include "fastai/text/data.h"
