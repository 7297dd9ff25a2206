// Rows of a Table as items: ColReader (fastai's getters over DataFrame rows) and ColSplitter.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"
#include "fastai/data/block.h"
#include "fastai/data/csv.h"
#include "fastai/data/df.h"
#include "test_util.h"

using namespace fastai;

namespace {
Table labels() {
  return read_csv_string("name,label,tags,is_valid,n\na.png,cat,x y,False,1\nb.png,dog,y,True,2\nc.png,cat,,False,3\n");
}
}  // namespace

TEST(ColReader, ReadsColumnsByNameOrIndexWithPrefSuffAndDelim) {
  auto items = rows_of(labels());
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].get<Row>().index, 1u);
  EXPECT_EQ(ColReader("label")(items[1]).get<Str>(), "dog");
  EXPECT_EQ(ColReader(0)(items[0]).get<Str>(), "a.png");
  EXPECT_EQ(ColReader("n")(items[2]).get<Str>(), "3");  // numbers as text
  Item p = ColReader("name", {.pref = "/data/train/", .suff = ".bak"})(items[0]);
  ASSERT_TRUE(p.is<Path>());
  EXPECT_EQ(p.get<Path>(), std::filesystem::path("/data/train/a.png.bak"));
  EXPECT_EQ(ColReader("tags", {.label_delim = " "})(items[0]).get<MultiCategory>(),
            (std::vector<std::string>{"x", "y"}));
  Item both = ColReader(std::vector<Col>{"name", "label"})(items[1]);
  ASSERT_TRUE(both.is_tuple());
  EXPECT_EQ(both[1].get<Str>(), "dog");
  // Not a row: passes through (predict on a file path skips the reader).
  EXPECT_EQ(ColReader("name")(Item(Path("x.png"))).get<Path>(), std::filesystem::path("x.png"));
  EXPECT_THROW_WITH(ColReader("nope")(items[0]), TableError, "'nope'", "name, label");
  EXPECT_THROW_WITH(ColReader(9)(items[0]), TableError, "column 9");
  EXPECT_THROW_WITH(ColReader("tags")(items[2]), TableError, "'tags'", "row 2");
}

TEST(ColReader, DescribesAndRebuilds) {
  auto r = std::make_shared<ColReader>("name", ColReaderOptions{.pref = "imgs/", .suff = ".png"});
  auto back = transform_from_description(nlohmann::json::parse(r->describe().dump()));
  auto items = rows_of(labels());
  EXPECT_EQ((*back)(items[2]).get<Path>(), (*r)(items[2]).get<Path>());
}

TEST(ColSplitter, ValidWhereTheColumnIsTrue) {
  auto items = rows_of(labels());
  auto s = ColSplitter()(items);
  EXPECT_EQ(s[0], (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(s[1], (std::vector<int64_t>{1}));
  auto by_number = ColSplitter("n")(items);  // non-zero numbers are true
  EXPECT_EQ(by_number[1].size(), 3u);
  EXPECT_THROW_WITH(ColSplitter()(std::vector<Item>{Str("x")}), std::invalid_argument, "item 0", "rows_of");
}

TEST(ColReader, GettersWrittenAsValuesReadTheColumns) {
  // docs/data.md's form: `.get_x = {ColReader("name", {.pref = …})}, .get_y = {ColReader("label")}`
  DataBlock dblock({.blocks = {TransformBlock{}, CategoryBlock()},
                    .get_x = {ColReader("name", {.pref = "imgs/"})},
                    .get_y = {ColReader("label")},
                    .splitter = ColSplitter()});
  auto dsets = dblock.datasets(rows_of(labels()));
  EXPECT_EQ(dsets.train()[0][0].get<Path>(), "imgs/a.png");
  EXPECT_EQ(dsets.train()[0][1].get<TensorCategory>().item<int64_t>(), 0);  // "cat"
  EXPECT_EQ(dsets.valid().size(), 1u);
}
