#include "fastai/data/core.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "fastai/core/describe.h"
#include "fastai/data/transforms.h"
#include "test_util.h"

using namespace fastai;

namespace {
std::vector<Item> strs(std::initializer_list<const char*> v) {
  std::vector<Item> out;
  for (const char* s : v) out.push_back(Str(s));
  return out;
}
}  // namespace

TEST(TfmdLists, LazyWithSplitsAndVocabFromTrainingItemsOnly) {
  auto cat = std::make_shared<Categorize>();
  TfmdLists tl(strs({"dog", "cat", "dog", "bird", "emu"}), {cat}, {.splits = {{0, 1, 2, 3}, {4}}});
  EXPECT_EQ(cat->vocab().items(), (std::vector<std::string>{"bird", "cat", "dog"}));  // "emu" is valid-only
  EXPECT_EQ(tl.size(), 5u);
  EXPECT_EQ(tl[0].get<TensorCategory>().item<int64_t>(), 2);
  auto train = tl.train(), valid = tl.valid();
  EXPECT_EQ(train.size(), 4u);
  EXPECT_EQ(train.split_idx(), 0);
  EXPECT_EQ(valid.split_idx(), 1);
  EXPECT_EQ(train[3].get<TensorCategory>().item<int64_t>(), 0);
  EXPECT_EQ(train.raw(1).get<Str>(), "cat");
  // The valid-only label was never seen in training: a clear error naming item and label.
  EXPECT_THROW_WITH(valid[0], TransformError, "item 0", "Categorize", "\"emu\"", "not seen in training");
  EXPECT_EQ(tl.decode(tl[1]).get<Category>(), "cat");
  EXPECT_THROW_WITH(tl.subset(2), std::out_of_range, "subset 2", "2 splits");
  EXPECT_THROW_WITH(TfmdLists(strs({"a"}), {}, {.splits = {{0, 3}}}), std::out_of_range, "index 3");
}

TEST(TfmdLists, SplitIdxGatesTrainOnlyTransforms) {
  auto aug = make_transform([](const Item& x) { return Item(Str(x.get<Str>() + "+aug")); }, nullptr,
                            {.name = "Aug", .split_idx = 0});
  TfmdLists tl(strs({"a", "b"}), {aug}, {.splits = {{0}, {1}}});
  EXPECT_EQ(tl.train()[0].get<Str>(), "a+aug");
  EXPECT_EQ(tl.valid()[0].get<Str>(), "b");
  EXPECT_EQ(tl[0].get<Str>(), "a");  // no split: split-specific transforms skip
}

TEST(Datasets, TuplesFromSeveralPipelinesWithNInpAndDecode) {
  register_function("upper", [](const Item& x) {
    std::string s = x.get<Str>();
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Item(Str(s));
  });
  auto cat = std::make_shared<Categorize>();
  Datasets ds(strs({"x", "y", "x"}), {{func_transform("upper")}, {cat}}, {.splits = {{0, 1}, {2}}});
  EXPECT_EQ(ds.n_inp(), 1);
  Item xy = ds[1];
  ASSERT_TRUE(xy.is_tuple());
  EXPECT_EQ(xy[0].get<Str>(), "Y");
  EXPECT_EQ(xy[1].get<TensorCategory>().item<int64_t>(), 1);
  EXPECT_EQ(ds.decode(xy)[1].get<Category>(), "y");
  EXPECT_EQ(ds.valid().size(), 1u);
  EXPECT_EQ(ds.valid()[0][1].get<TensorCategory>().item<int64_t>(), 0);
  EXPECT_EQ(ds.n_subsets(), 2u);
  // test_set: the input pipeline only, validation behaviour, no labels needed.
  auto test = ds.test_set(strs({"q"}));
  EXPECT_EQ(test[0].size(), 1u);
  EXPECT_EQ(test[0][0].get<Str>(), "Q");
  EXPECT_EQ(test.split_idx(), 1);
}

TEST(Splitters, RandomSplitterMatchesPyTorchPermutation) {
  // torch.manual_seed(42); torch.randperm(10) == [2, 6, 1, 8, 4, 5, 0, 9, 3, 7]
  std::vector<Item> items(10, Int(0));
  auto s = RandomSplitter(0.2, 42)(items);
  EXPECT_EQ(s[1], (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(s[0], (std::vector<int64_t>{1, 8, 4, 5, 0, 9, 3, 7}));
  auto s2 = RandomSplitter(0.2)(items);
  EXPECT_EQ(s2[0].size() + s2[1].size(), 10u);
  auto sub = RandomSubsetSplitter(0.5, 0.2, 42)(items);
  EXPECT_EQ(sub[0], (std::vector<int64_t>{2, 6, 1, 8, 4}));
  EXPECT_EQ(sub[1], (std::vector<int64_t>{5, 0}));
}

TEST(Splitters, IndexFuncMaskGrandparentFileAndTrainTest) {
  std::vector<Item> items;
  for (const char* p : {"/d/train/cat/1.png", "/d/valid/cat/2.png", "/d/train/dog/3.png", "/d/test/dog/4.png"})
    items.push_back(Path(p));
  EXPECT_EQ(IndexSplitter({1, 3})(items), (Splits{{0, 2}, {1, 3}}));
  EXPECT_EQ(GrandparentSplitter()(items), (Splits{{0, 2}, {1}}));
  EXPECT_EQ(GrandparentSplitter("train", "test")(items), (Splits{{0, 2}, {3}}));
  EXPECT_EQ(FuncSplitter([](const Item& x) { return x.get<Path>().stem() == "3"; })(items), (Splits{{0, 1, 3}, {2}}));
  EXPECT_EQ(MaskSplitter({true, false, false, true})(items), (Splits{{1, 2}, {0, 3}}));
  EXPECT_THROW_WITH(MaskSplitter({true})(items), std::invalid_argument, "1 entries for 4 items");
  EXPECT_THROW_WITH(IndexSplitter({9})(items), std::out_of_range, "9");
  fastai::testing::TempDir dir;
  { std::ofstream(dir / "valid.txt") << "2.png\n4.png\n"; }
  EXPECT_EQ(FileSplitter(dir / "valid.txt")(items), (Splits{{0, 2}, {1, 3}}));
  std::vector<Item> many(100, Int(0));
  std::vector<std::string> strat;
  for (int i = 0; i < 100; ++i) strat.push_back(i < 80 ? "a" : "b");
  auto tt = TrainTestSplitter(0.25, 1, strat)(many);
  EXPECT_EQ(tt[1].size(), 25u);
  EXPECT_EQ(std::count_if(tt[1].begin(), tt[1].end(), [](int64_t i) { return i >= 80; }), 5);  // 20 % of 25
  EXPECT_EQ(TrainTestSplitter(0.25)(many)[1].size(), 25u);
}

TEST(Labellers, ParentLabelAndRegex) {
  EXPECT_EQ(parent_label(Path("/data/train/cat/1.png")).get<Str>(), "cat");
  // The same answer as parent_path().filename() on the odd shapes a path can take.
  for (const char* p : {"/data/train/cat/1.png", "cat/1.png", "1.png", "/1.png", "/", "", "a//b/1.png", "a/b//1.png",
                        "a/b/", "./1.png", "../x/1.png", "a/./1.png", "a/../1.png", "//srv/share/cat/1.png"}) {
    const std::filesystem::path path(p);
    EXPECT_EQ(parent_label(Path(path)).get<Str>(), path.parent_path().filename().string()) << p;
    EXPECT_EQ(parent_label(Str(p)).get<Str>(), path.parent_path().filename().string()) << p;
  }
  RegexLabeller re(R"(([a-z_]+)_\d+\.jpg$)");
  EXPECT_EQ(re(Path("/pets/great_pyrenees_173.jpg")).get<Str>(), "great_pyrenees");
  EXPECT_THROW_WITH(re(Path("/pets/x.png")), std::runtime_error, "failed to find", "x.png");
  EXPECT_THROW_WITH(RegexLabeller("(unclosed"), std::invalid_argument, "invalid pattern");
}

TEST(GetFiles, ExtensionsRecurseFoldersAndHiddenFiles) {
  fastai::testing::TempDir dir;
  for (const char* f : {"train/a/1.png", "train/a/2.JPG", "train/b/3.txt", "valid/a/4.png", ".hidden/5.png",
                        "train/.x.png", "top.png"}) {
    auto p = dir.path / f;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << "x";
  }
  auto names = [&](const std::vector<std::filesystem::path>& v) {
    std::vector<std::string> out;
    for (const auto& p : v) out.push_back(std::filesystem::relative(p, dir.path).string());
    return out;
  };
  EXPECT_EQ(names(get_image_files(dir.path)),
            (std::vector<std::string>{"top.png", "train/a/1.png", "train/a/2.JPG", "valid/a/4.png"}));
  EXPECT_EQ(names(get_image_files(dir.path, true, {"train"})),
            (std::vector<std::string>{"train/a/1.png", "train/a/2.JPG"}));
  EXPECT_EQ(names(get_text_files(dir.path)), (std::vector<std::string>{"train/b/3.txt"}));
  EXPECT_EQ(names(get_files(dir.path, {.recurse = false})), (std::vector<std::string>{"top.png"}));
  EXPECT_THROW_WITH(get_files(dir.path / "nope"), std::runtime_error, "nope", "does not exist");
}
