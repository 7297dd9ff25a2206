#include "fastai/vision/data.h"

#include <torch/cuda.h>

#include <fstream>
#include <thread>

#include "fastai/data/transforms.h"

namespace fastai {
namespace fs = std::filesystem;

namespace {

// Automatic (-1): when the model computes on the CPU, worker threads only compete with its
// intra-op threads (measured: a PNG epoch of the simple CNN took longer with 2 workers than with
// none), so the loader builds each batch's items on those same threads between steps
// (DataLoaderOptions::parallel_items); with a GPU doing the compute, one worker per core
// (fastai's defaults.cpus, at most 8) loads while it runs.
int workers(int n, const std::optional<c10::Device>& device) {
  if (n >= 0) return n;
  const bool gpu = device ? !device->is_cpu() : torch::cuda::is_available();
  if (!gpu) return 0;
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(hw ? std::min(hw, 8u) : 1u);
}

DataLoadersOptions loader_options(const ImageLoadersOptions& o) {
  return {.bs = o.bs,
          .val_bs = o.val_bs,
          .shuffle = o.shuffle,
          .num_workers = workers(o.num_workers, o.device),
          .seed = o.seed,
          .device = o.device};
}

DataBlockOptions block_options(const ImageLoadersOptions& o, std::vector<Getter> get_y, Splitter splitter) {
  return {.blocks = {ImageBlock(o.img_cls), CategoryBlock({.vocab = o.vocab})},
          .get_y = std::move(get_y),
          .splitter = std::move(splitter),
          .item_tfms = o.item_tfms,
          .batch_tfms = o.batch_tfms};
}

// Files relative to `path` become absolute; the labels come from the item (a Path).
std::vector<Item> file_items(const fs::path& path, const std::vector<fs::path>& fnames) {
  std::vector<Item> items;
  items.reserve(fnames.size());
  for (const auto& f : fnames) items.push_back(Path(f.is_absolute() ? f : path / f));
  return items;
}

DataLoaders from_label_getter(const fs::path& path, const std::vector<fs::path>& fnames, Getter get_y,
                              const ImageLoadersOptions& o) {
  if (fnames.empty()) throw std::invalid_argument("ImageDataLoaders: no files given (under " + path.string() + ")");
  DataBlock dblock(block_options(o, {std::move(get_y)}, RandomSplitter(o.valid_pct.value_or(0.2), o.seed)));
  return dblock.dataloaders(file_items(path, fnames), loader_options(o));
}

}  // namespace

DataLoaders ImageDataLoaders::from_folder(const fs::path& path, ImageLoadersOptions o) {
  if (!fs::is_directory(path))
    throw std::invalid_argument("ImageDataLoaders::from_folder: " + path.string() + " is not a folder");
  Splitter splitter = o.valid_pct ? RandomSplitter(*o.valid_pct, o.seed) : GrandparentSplitter(o.train, o.valid);
  std::vector<std::string> folders;
  if (!o.valid_pct) {
    for (const auto& f : {o.train, o.valid})
      if (!fs::is_directory(path / f))
        throw std::invalid_argument("ImageDataLoaders::from_folder: " + (path / f).string() +
                                    " is not a folder (set .train/.valid, or .valid_pct for a random split)");
    folders = {o.train, o.valid};
  }
  DataBlock dblock(block_options(o, {Getter(parent_label)}, std::move(splitter)));
  auto items = image_files_getter(true, folders)(Item(Path(path)));
  if (items.empty())
    throw std::invalid_argument("ImageDataLoaders::from_folder: no image files under " + path.string());
  return dblock.dataloaders(items, loader_options(o));
}

DataLoaders ImageDataLoaders::from_path_func(const fs::path& path, std::vector<fs::path> fnames,
                                             std::function<std::string(const fs::path&)> label_func,
                                             ImageLoadersOptions o) {
  return from_label_getter(
      path, fnames, Getter([f = std::move(label_func)](const Item& x) { return Item(Str(f(x.get<Path>()))); }), o);
}

DataLoaders ImageDataLoaders::from_name_func(const fs::path& path, std::vector<fs::path> fnames,
                                             std::function<std::string(const std::string&)> label_func,
                                             ImageLoadersOptions o) {
  return from_label_getter(path, fnames, Getter([f = std::move(label_func)](const Item& x) {
                             return Item(Str(f(x.get<Path>().filename().string())));
                           }),
                           o);
}

DataLoaders ImageDataLoaders::from_path_re(const fs::path& path, std::vector<fs::path> fnames, const std::string& pat,
                                           ImageLoadersOptions o) {
  return from_label_getter(path, fnames, Getter(std::make_shared<RegexLabeller>(pat)), o);
}

DataLoaders ImageDataLoaders::from_name_re(const fs::path& path, std::vector<fs::path> fnames, const std::string& pat,
                                           ImageLoadersOptions o) {
  auto re = std::make_shared<RegexLabeller>(pat);
  return from_label_getter(
      path, fnames, Getter([re](const Item& x) { return (*re)(Item(Str(x.get<Path>().filename().string()))); }), o);
}

DataLoaders ImageDataLoaders::from_lists(const fs::path& path, std::vector<fs::path> fnames,
                                         std::vector<std::string> labels, ImageLoadersOptions o) {
  if (fnames.size() != labels.size())
    throw std::invalid_argument("ImageDataLoaders::from_lists: " + std::to_string(fnames.size()) + " files but " +
                                std::to_string(labels.size()) + " labels");
  std::vector<Item> items;
  for (size_t i = 0; i < fnames.size(); ++i)
    items.push_back(Tuple({Path(fnames[i].is_absolute() ? fnames[i] : path / fnames[i]), Str(labels[i])}));
  auto opts =
      block_options(o, {Getter([](const Item& r) { return r[1]; })}, RandomSplitter(o.valid_pct.value_or(0.2), o.seed));
  opts.get_x = {Getter([](const Item& r) { return r[0]; })};
  DataBlock dblock(std::move(opts));
  return dblock.dataloaders(items, loader_options(o));
}

DataLoaders ImageDataLoaders::from_df(const Table& df, const fs::path& path, ImageDfOptions c, ImageLoadersOptions o) {
  const fs::path dir = c.folder.empty() ? path : path / c.folder;
  const std::string pref = (dir / "").string();
  (void)c.fn_col.name(df);  // a wrong column fails here, naming it, rather than at the first batch
  (void)c.label_col.name(df);
  Splitter splitter = c.valid_col ? ColSplitter(*c.valid_col) : RandomSplitter(o.valid_pct.value_or(0.2), o.seed);
  auto opts = block_options(
      o, {Getter(std::make_shared<ColReader>(c.label_col, ColReaderOptions{.label_delim = c.label_delim}))},
      std::move(splitter));
  if (!c.label_delim.empty()) opts.blocks[1] = MultiCategoryBlock({.vocab = o.vocab});
  opts.get_x = {Getter(std::make_shared<ColReader>(c.fn_col, ColReaderOptions{.pref = pref, .suff = c.suff}))};
  DataBlock dblock(std::move(opts));
  return dblock.dataloaders(rows_of(df), loader_options(o));
}

DataLoaders ImageDataLoaders::from_csv(const fs::path& path, const std::string& csv_fname, ImageDfOptions c,
                                       ImageLoadersOptions o) {
  const Table df = read_csv(path / csv_fname);
  try {
    return from_df(df, path, std::move(c), std::move(o));
  } catch (const TableError& e) {
    throw TableError((path / csv_fname).string() + ": " + e.what());
  }
}

DataLoaders SegmentationDataLoaders::from_label_func(const fs::path& path, std::vector<fs::path> fnames,
                                                     std::function<fs::path(const fs::path&)> label_func,
                                                     SegmentationLoadersOptions o) {
  if (fnames.empty())
    throw std::invalid_argument("SegmentationDataLoaders::from_label_func: no files given (under " + path.string() + ")");
  if (!label_func) throw std::invalid_argument("SegmentationDataLoaders::from_label_func: no label_func");
  Splitter splitter = o.splitter ? o.splitter : RandomSplitter(o.valid_pct.value_or(0.2), o.seed);
  DataBlock dblock({.blocks = {ImageBlock(o.img_cls), MaskBlock(o.codes)},
                    .get_y = {Getter([f = std::move(label_func)](const Item& x) { return Item(Path(f(x.get<Path>()))); })},
                    .splitter = std::move(splitter),
                    .item_tfms = o.item_tfms,
                    .batch_tfms = o.batch_tfms});
  return dblock.dataloaders(file_items(path, fnames), {.bs = o.bs,
                                                       .val_bs = o.val_bs,
                                                       .shuffle = o.shuffle,
                                                       .num_workers = workers(o.num_workers, o.device),
                                                       .seed = o.seed,
                                                       .device = o.device});
}

std::vector<std::string> read_codes(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("read_codes: cannot read " + file.string());
  std::vector<std::string> codes;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    codes.push_back(line);
  }
  while (!codes.empty() && codes.back().empty()) codes.pop_back();
  if (codes.empty()) throw std::runtime_error("read_codes: " + file.string() + " has no codes");
  return codes;
}

}  // namespace fastai
