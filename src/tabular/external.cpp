// Tabular and collaborative-filtering data sets for untar_data (collab builds on tabular), made
// from Debian and npm packages with no network: R data sets through Rscript, npm and weka files copied.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "fastai/data/external.h"
#include "../data/local_sources.h"

namespace fastai {
namespace fs = std::filesystem;
using data_detail::export_r_dataset;
namespace {

fs::path find_first(const std::vector<fs::path>& candidates) {
  for (const auto& c : candidates)
    if (!c.empty() && fs::exists(c)) return c;
  return {};
}

void make_diamonds(const fs::path& dest) {
  fs::copy_file(data_detail::npm_package(URLs::DIAMONDS, "@observablehq/sample-datasets") / "diamonds.csv",
                dest / "diamonds.csv");
}

void make_credit_g(const fs::path& dest) {
  std::vector<fs::path> c;
  if (const char* d = std::getenv("FASTAI_WEKA_DIR")) c.push_back(fs::path(d) / "credit-g.arff");
  c.push_back("/usr/local/share/fastai/weka/credit-g.arff");
  c.push_back("/usr/share/doc/weka/examples/credit-g.arff");
  const fs::path src = find_first(c);
  if (src.empty())
    throw std::runtime_error(
        "untar_data(credit_g): credit-g.arff not found: scripts/setup.sh extracts it from Debian's weka "
        "package into /usr/local/share/fastai/weka (or set FASTAI_WEKA_DIR)");
  fs::copy_file(src, dest / "credit-g.arff");
}

const bool registered = [] {
  register_dataset(URLs::CREDIT_DATA, [](const fs::path& d) { export_r_dataset(d, "modeldata", "credit_data"); });
  register_dataset(URLs::WA_CHURN, [](const fs::path& d) { export_r_dataset(d, "modeldata", "wa_churn"); });
  register_dataset(URLs::PENGUINS, [](const fs::path& d) { export_r_dataset(d, "modeldata", "penguins"); });
  register_dataset(URLs::SCAT, [](const fs::path& d) { export_r_dataset(d, "modeldata", "scat"); });
  register_dataset(URLs::DIAMONDS, make_diamonds);
  register_dataset(URLs::ML_LATEST_SMALL, [](const fs::path& d) {
    export_r_dataset(d, "dslabs", "movielens", "ratings.csv", "c('userId', 'movieId', 'rating', 'timestamp', 'title')");
  });
  register_dataset(URLs::INSTEVAL, [](const fs::path& d) {
    export_r_dataset(d, "lme4", "InstEval", "insteval.csv", "c('s', 'd', 'y', 'studage', 'lectage', 'service', 'dept')");
  });
  register_dataset(URLs::CREDIT_G, make_credit_g);
  return true;
}();

}  // namespace
}  // namespace fastai
