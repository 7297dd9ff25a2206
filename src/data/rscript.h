#pragma once
// Running R to materialise a data set from a Debian r-cran-* package (internal to the library:
// the tabular, collab and text data sets of untar_data).
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

}  // namespace fastai::data_detail
