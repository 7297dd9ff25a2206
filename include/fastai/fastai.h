#pragma once
/// Everything fastai.cpp has so far, in one include (the `from fastai.basics import *` of C++).
/// Applications get their own umbrellas (fastai/vision/all.h, …) as they land.
///
/// Example:
///   #include <fastai/fastai.h>
///   auto train = fastai::load_mnist_idx(fastai::fashion_mnist_dir(), "train");
#include "fastai/core/atomic_file.h"
#include "fastai/core/describe.h"
#include "fastai/core/item.h"
#include "fastai/core/pipeline.h"
#include "fastai/core/progress.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/core/semantic.h"
#include "fastai/core/show.h"
#include "fastai/core/threads.h"
#include "fastai/core/torch_core.h"
#include "fastai/core/transform.h"
#include "fastai/data/block.h"
#include "fastai/data/core.h"
#include "fastai/data/external.h"
#include "fastai/data/idx.h"
#include "fastai/data/load.h"
#include "fastai/data/transforms.h"
#include "fastai/losses.h"
#include "fastai/metrics.h"
#include "fastai/optimizer.h"
#include "fastai/version.h"
