#pragma once
/// Everything for vision (fastai's `from fastai.vision.all import *`): the basics plus images,
/// ImageBlock, ImageDataLoaders, untar_data.
///
/// Example:
///   #include <fastai/vision/all.h>
///   auto dls = fastai::ImageDataLoaders::from_folder(fastai::untar_data(fastai::URLs::FASHION_MNIST), {.valid =
///   "test"});
///
/// Thread-safety: See each header.
#include "fastai/fastai.h"
#include "fastai/vision/augment.h"
#include "fastai/vision/batch_augment.h"
#include "fastai/vision/cam.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"
#include "fastai/vision/learner.h"
#include "fastai/vision/unet_learner.h"
#include "fastai/vision/models/resnet.h"
#include "fastai/vision/models/unet.h"
#include "fastai/vision/models/xresnet.h"
#include "fastai/vision/points.h"
#include "fastai/vision/show.h"
