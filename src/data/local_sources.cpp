#include "local_sources.h"

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace fastai::data_detail {
namespace fs = std::filesystem;
namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

void rscript_export(const std::string& name, const std::string& pkg, const std::string& expr, const fs::path& out) {
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0)
    throw std::runtime_error("untar_data(" + name + "): needs R's Rscript and the R package '" + pkg +
                             "': apt-get install r-base-core r-cran-" + pkg + " (scripts/setup.sh installs them)");
  const std::string cmd = "Rscript -e " + shell_quote(expr) + " " + shell_quote(out.string()) + " 2>&1";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(out))
    throw std::runtime_error("untar_data(" + name + "): Rscript could not export it from r-cran-" + pkg +
                             " (is it installed? scripts/setup.sh installs it)");
}

void export_r_dataset(const fs::path& dest, const std::string& pkg, const std::string& name, const std::string& file,
                      const std::string& columns) {
  const std::string df = "as.data.frame(" + name + ")" + (columns.empty() ? "" : "[, " + columns + "]");
  rscript_export(name, pkg,
                 "suppressMessages(library(" + pkg + ")); data(" + name + "); write.csv(" + df + ", " +
                     "file=commandArgs(TRUE)[1], row.names=FALSE)",
                 dest / (file.empty() ? name + ".csv" : file));
}

fs::path npm_package(const std::string& name, const std::string& pkg) {
  std::vector<fs::path> roots;
  if (const char* r = std::getenv("FASTAI_NPM_ROOT")) roots.emplace_back(r);
  roots.emplace_back("/usr/local/lib/node_modules");
  roots.emplace_back("/usr/lib/node_modules");
  for (const auto& r : roots)
    if (fs::exists(r / pkg / "package.json")) return r / pkg;
  throw std::runtime_error("untar_data(" + name + "): the npm package " + pkg + " is not installed: npm install -g " +
                           pkg + " (scripts/setup.sh does), or set FASTAI_NPM_ROOT");
}

}  // namespace fastai::data_detail
