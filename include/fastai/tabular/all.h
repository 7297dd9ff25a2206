#pragma once
/// Everything for tabular data (fastai's `from fastai.tabular.all import *`).
///   #include <fastai/tabular/all.h>
///
/// Thread-safety: See each header.
#include "fastai/data/csv.h"
#include "fastai/data/table.h"
#include "fastai/fastai.h"
#include "fastai/tabular/core.h"
#include "fastai/tabular/data.h"
#include "fastai/tabular/learner.h"
#include "fastai/tabular/model.h"
#include "fastai/tabular/procs.h"
