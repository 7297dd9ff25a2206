// Table, read_csv (libcsv), write_csv and read_arff: pandas' reading behaviour on edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "fastai/data/csv.h"
#include "fastai/data/table.h"
#include "test_util.h"

using namespace fastai;
using fastai::testing::TempDir;

TEST(Csv, InfersIntFloatAndStringColumnsLikePandas) {
  Table t = read_csv_string("a,b,c,d\n1,2.5,x,3\n2,,y,4\n3,1e3,z,\n");
  EXPECT_EQ(t.n_rows(), 3u);
  EXPECT_EQ(t.names(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(t["a"].type, ColType::Int);
  EXPECT_EQ(t["b"].type, ColType::Float);  // a missing cell makes pandas use float
  EXPECT_TRUE(std::isnan(t["b"].num[1]));
  EXPECT_DOUBLE_EQ(t["b"].num[2], 1000.0);
  EXPECT_EQ(t["c"].type, ColType::String);
  EXPECT_EQ(t["d"].type, ColType::Float);  // ints with a missing value
  EXPECT_EQ(t["d"].n_missing(), 1u);
}

TEST(Csv, QuotedFieldsWithSeparatorsNewlinesAndQuotes) {
  Table t = read_csv_string("name,note\n\"Smith, J\",\"line1\nline2\"\n\"say \"\"hi\"\"\",plain\n");
  ASSERT_EQ(t.n_rows(), 2u);
  EXPECT_EQ(t["name"].str[0], "Smith, J");
  EXPECT_EQ(t["note"].str[0], "line1\nline2");
  EXPECT_EQ(t["name"].str[1], "say \"hi\"");
  EXPECT_EQ(t["note"].str[1], "plain");
}

TEST(Csv, CrlfAndByteOrderMark) {
  Table t = read_csv_string("\xEF\xBB\xBFx,y\r\n1,a\r\n2,b\r\n");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"x", "y"}));  // the BOM is not part of "x"
  EXPECT_EQ(t["x"].type, ColType::Int);
  EXPECT_EQ(t["y"].str[1], "b");  // no stray \r
}

TEST(Csv, EmptyAndNaCellsAreMissing) {
  Table t = read_csv_string("s,n\nNA,NA\n,1\nfoo,nan\n");
  EXPECT_EQ(t["s"].type, ColType::String);
  EXPECT_TRUE(t["s"].is_missing(0));
  EXPECT_TRUE(t["s"].is_missing(1));
  EXPECT_FALSE(t["s"].is_missing(2));
  EXPECT_EQ(t["n"].type, ColType::Float);
  EXPECT_EQ(t["n"].n_missing(), 2u);
}

TEST(Csv, WrongFieldCountNamesTheLine) {
  // The bad record starts on line 4 (the quoted field of line 2 spans two lines).
  EXPECT_THROW_WITH(read_csv_string("a,b\n\"x\ny\",1\n2,3,4\n", {}, "data.csv"), CsvError, "data.csv:4",
                    "3 fields, expected 2");
}

TEST(Csv, DtypeOverridesAndDates) {
  Table t = read_csv_string("zip,when,v\n01234,2020-03-01,1\n98765,2021-12-31 06:30:00,2\n",
                            {.dtypes = {{"zip", ColType::String}, {"v", ColType::Float}}, .parse_dates = {"when"}});
  EXPECT_EQ(t["zip"].str[0], "01234");  // kept as text, leading zero intact
  EXPECT_EQ(t["v"].type, ColType::Float);
  EXPECT_EQ(t["when"].type, ColType::Date);
  EXPECT_DOUBLE_EQ(t["when"].num[0], 1583020800.0);  // 2020-03-01T00:00:00Z
  EXPECT_EQ(t["when"].cell(1), "2021-12-31 06:30:00");
  EXPECT_THROW_WITH(read_csv_string("a\nx\n", {.dtypes = {{"a", ColType::Float}}}), CsvError, "'a'",
                    "'x' is not a number");
  EXPECT_THROW_WITH(read_csv_string("a\n1\n", {.dtypes = {{"nope", ColType::Float}}}), CsvError, "'nope'");
}

TEST(Csv, MissingFileNamesIt) {
  EXPECT_THROW_WITH(read_csv("/nonexistent/x.csv"), CsvError, "/nonexistent/x.csv", "does not exist");
}

TEST(Csv, WriteThenReadRoundTrips) {
  TempDir dir;
  Table t;
  t.add(Column::numbers("x", {1.5, std::nan(""), -2}));
  t.add(Column::strings("s", {"a,b", "q\"uote", ""}, {0, 0, 1}));
  write_csv(t, dir / "t.csv");
  Table r = read_csv(dir / "t.csv");
  EXPECT_DOUBLE_EQ(r["x"].num[0], 1.5);
  EXPECT_TRUE(std::isnan(r["x"].num[1]));
  EXPECT_EQ(r["s"].str[0], "a,b");
  EXPECT_EQ(r["s"].str[1], "q\"uote");
  EXPECT_TRUE(r["s"].is_missing(2));
}

TEST(Table, SelectTakeConcatAndErrors) {
  Table t;
  t.add(Column::numbers("x", {1, 2, 3}));
  t.add(Column::strings("y", {"a", "b", "c"}));
  Table s = t.take({2, 0});
  EXPECT_EQ(s["y"].str, (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(t.select({"y"}).n_cols(), 1u);
  EXPECT_EQ(t.concat(s).n_rows(), 5u);
  EXPECT_THROW_WITH(t["z"], TableError, "no column 'z'", "x, y");
  EXPECT_THROW_WITH(t.add(Column::numbers("w", {1})), TableError, "'w' has 1 rows", "3");
  EXPECT_THROW_WITH(t.take({7}), TableError, "row 7");
  EXPECT_NE(t.to_string().find("b"), std::string::npos);
}

TEST(Arff, ReadsNominalNumericQuotedAndMissing) {
  TempDir dir;
  std::ofstream(dir / "w.arff") << "% comment\n@relation weather\n@attribute outlook {sunny, 'over cast'}\n"
                                   "@attribute temp numeric\n@attribute 'hum id' integer\n@attribute play {yes,no}\n"
                                   "@data\nsunny,85,85,no\n'over cast', ?, 90 ,yes\n";
  Table t = read_arff(dir / "w.arff");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"outlook", "temp", "hum id", "play"}));
  EXPECT_EQ(t["outlook"].str[1], "over cast");
  EXPECT_EQ(t["temp"].type, ColType::Float);
  EXPECT_TRUE(std::isnan(t["temp"].num[1]));
  EXPECT_EQ(t["hum id"].type, ColType::Int);
  EXPECT_DOUBLE_EQ(t["hum id"].num[1], 90);
  std::ofstream(dir / "bad.arff") << "@relation r\n@attribute a numeric\n@data\n{0 1}\n";
  EXPECT_THROW_WITH(read_arff(dir / "bad.arff"), CsvError, "bad.arff:4", "sparse");
}
