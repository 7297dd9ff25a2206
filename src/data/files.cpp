#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "fastai/data/transforms.h"

namespace fastai {
namespace fs = std::filesystem;

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
bool hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string()[0] == '.'; }

bool wanted(const fs::path& p, const std::set<std::string>& exts) {
  if (hidden(p)) return false;
  return exts.empty() || exts.count(lower(p.extension().string())) > 0;
}

void walk(const fs::path& dir, const GetFilesOptions& o, bool top, std::vector<fs::path>& out) {
  std::vector<fs::path> files, dirs;
  for (const auto& e : fs::directory_iterator(dir, fs::directory_options::follow_directory_symlink)) {
    if (e.is_directory()) {
      if (hidden(e.path())) continue;
      if (top && !o.folders.empty() &&
          std::find(o.folders.begin(), o.folders.end(), e.path().filename().string()) == o.folders.end())
        continue;
      dirs.push_back(e.path());
    } else if (e.is_regular_file() && wanted(e.path(), o.extensions)) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  // fastai skips the top folder's own files when folders are given (unless "." is among them).
  const bool take_files =
      !(top && !o.folders.empty() && std::find(o.folders.begin(), o.folders.end(), ".") == o.folders.end());
  if (take_files) out.insert(out.end(), files.begin(), files.end());
  if (o.recurse)
    for (const auto& d : dirs) walk(d, o, false, out);
}
}  // namespace

std::vector<fs::path> get_files(const fs::path& path, const GetFilesOptions& options) {
  if (!fs::exists(path)) throw std::runtime_error("get_files: " + path.string() + " does not exist");
  if (!fs::is_directory(path)) throw std::runtime_error("get_files: " + path.string() + " is not a directory");
  GetFilesOptions o = options;
  std::set<std::string> exts;
  for (const auto& e : o.extensions) exts.insert(lower(e));
  o.extensions = exts;
  std::vector<fs::path> out;
  if (o.recurse) {
    walk(path, o, true, out);
  } else {
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file() && wanted(e.path(), o.extensions)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
  }
  return out;
}

const std::set<std::string>& image_extensions() {
  static const std::set<std::string> exts{".png",  ".jpg", ".jpeg", ".jpe", ".bmp", ".gif", ".tif", ".tiff",
                                          ".webp", ".ppm", ".pgm",  ".pbm", ".pnm", ".ico", ".svg", ".jp2"};
  return exts;
}

std::vector<fs::path> get_image_files(const fs::path& path, bool recurse, std::vector<std::string> folders) {
  return get_files(path, {.extensions = image_extensions(), .recurse = recurse, .folders = std::move(folders)});
}

std::vector<fs::path> get_text_files(const fs::path& path, bool recurse, std::vector<std::string> folders) {
  return get_files(path, {.extensions = {".txt"}, .recurse = recurse, .folders = std::move(folders)});
}

std::vector<Item> path_items(const std::vector<fs::path>& paths) {
  std::vector<Item> out;
  out.reserve(paths.size());
  for (const auto& p : paths) out.push_back(Path(p));
  return out;
}

}  // namespace fastai
