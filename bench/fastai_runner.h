#pragma once
// Runs one of bench/'s Python scripts under the real fastai beside the project
// (../shared/fastai-src/env.sh), so a benchmark times fastai in the same run as fastai.cpp.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_config.h"

namespace fastai::bench {

/// The stdout lines of `bench/<script> <args>` run by fastai's Python (stderr dropped); empty when
/// ../shared/fastai-src is not beside the project. Arguments must not contain single quotes.
/// Example: `for (auto& l : run_fastai_script("fastai_unet.py", "--seeds 1")) parse(l);`
inline std::vector<std::string> run_fastai_script(const std::string& script, const std::string& args) {
  std::vector<std::string> lines;
  const std::filesystem::path src = std::filesystem::path(FASTAI_BENCH_DIR) / "../../shared/fastai-src";
  if (!std::filesystem::exists(src / "env.sh")) return lines;
  const std::string cmd = "bash -c '. " + src.string() + "/env.sh && $PY " + FASTAI_BENCH_DIR + "/" + script + " " +
                          args + " 2>/dev/null'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return lines;
  char line[4096];
  while (fgets(line, sizeof line, pipe.get())) lines.emplace_back(line);
  return lines;
}

}  // namespace fastai::bench
