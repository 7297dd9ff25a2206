// make_vocab and Numericalize against real fastai 2.7.18 (tests/data/reference/numericalize.json,
// tools/gen_numericalize_reference.py), on fastai's own token streams of text_rules.json.
#include "fastai/text/data.h"

#include <gtest/gtest.h>

#include "fastai/core/describe.h"
#include "fastai/core/pipeline.h"
#include "reference.h"
#include "test_util.h"

using namespace fastai;

namespace {
std::vector<std::vector<std::string>> docs() {
  std::vector<std::vector<std::string>> out;
  const auto ref = fastai::testing::load_reference("text_rules.json");  // not in the for: it would dangle
  for (const auto& c : ref["cases"]) out.push_back(c["tokens"].get<std::vector<std::string>>());
  return out;
}
using Strings = std::vector<std::string>;
}  // namespace

TEST(Numericalize, MakeVocabIsFastais) {
  const auto ref = fastai::testing::load_reference("numericalize.json");
  TokenCounter count;
  for (const auto& d : docs()) count.update(d);
  EXPECT_EQ(make_vocab(count), ref["vocab_default"].get<Strings>());
  EXPECT_EQ(make_vocab(count, 1, 30), ref["vocab_min1_max30"].get<Strings>());
  EXPECT_EQ(make_vocab(count, 2, 60000, Strings{"xxunk", "xxpad", "a", "xxnew"}),
            ref["vocab_min2_specials"].get<Strings>());
  TokenCounter x;
  x.update(Strings(5, "x"));
  const auto exact = make_vocab(x, 1, 60000, Strings{"a", "b", "c", "d", "e", "f", "g"});
  EXPECT_EQ(exact, ref["vocab_exact_multiple"].get<Strings>());
  EXPECT_EQ(exact.size(), 16u) << "8 tokens already: fastai still adds 8 xxfake";
}

TEST(Numericalize, SetupEncodeDecodeAreFastais) {
  const auto ref = fastai::testing::load_reference("numericalize.json");
  const auto all = docs();
  const size_t n_train = ref["n_train_docs"].get<size_t>();
  std::vector<Item> train;
  for (size_t i = 0; i < n_train; ++i) train.push_back(Tokens(all[i]));
  auto num = std::make_shared<Numericalize>();
  Pipeline p;
  p.add(num, LazyItems::of(train));
  EXPECT_EQ(num->vocab(), ref["numericalize_vocab"].get<Strings>());
  for (size_t k = 0; k < ref["encoded"].size(); ++k) {
    const Item ids = p(Tokens(all[n_train + k]));
    ASSERT_TRUE(ids.is<TensorText>());
    const auto& t = ids.get<TensorText>();
    EXPECT_EQ(std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel()),
              ref["encoded"][k].get<std::vector<int64_t>>())
        << "doc " << n_train + k;
    EXPECT_EQ(p.decode(ids).get<Tokens>(), ref["decoded"][k].get<Strings>());
  }
  // The description rebuilds the same transform (an export carries the vocab).
  auto again = std::dynamic_pointer_cast<Numericalize>(transform_from_description(num->describe()));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->vocab(), num->vocab());
  EXPECT_EQ(again->id_of("never-seen-token"), 0);
  EXPECT_EQ(again->id_of("xxfake"), 0) << "a learned vocab leaves xxfake out of the lookup";
  // A vocab given to the constructor maps xxfake to its last index, as fastai's dict does, also rebuilt.
  Numericalize given(Strings{"xxunk", "a", "xxfake", "xxfake"});
  EXPECT_EQ(given.id_of("xxfake"), 3);
  auto given_again = std::dynamic_pointer_cast<Numericalize>(transform_from_description(given.describe()));
  EXPECT_EQ(given_again->id_of("xxfake"), 3);
}

TEST(Numericalize, BadInputSaysWhat) {
  Numericalize num;
  EXPECT_THROW_WITH(num.vocab(), std::logic_error, "no vocab");
  EXPECT_THROW_WITH(num.setup(LazyItems::of({Tokens(Strings{"a"}), Str("raw text")}), false), std::invalid_argument,
                    "item 1", "not Tokens");
  Numericalize fixed(Strings{"xxunk", "a"});
  EXPECT_THROW_WITH(fixed.decode(TensorText(at::tensor(std::vector<int64_t>{1, 7}))), std::exception, "id 7",
                    "2 tokens");
}

// fastai's reverse_text is x.flip(0); as a registered function it is a describable transform.
TEST(Numericalize, ReverseTextFlipsAndKeepsTheType) {
  const Item ids = TensorText(at::tensor(std::vector<int64_t>{2, 7, 9, 4}, at::kLong));
  const Item back = reverse_text(ids);
  ASSERT_TRUE(back.is<TensorText>());
  const auto& t = back.get<TensorText>();
  EXPECT_EQ(std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel()),
            (std::vector<int64_t>{4, 9, 7, 2}));
  auto tfm = transform_from_description(func_transform("reverse_text")->describe());
  EXPECT_TRUE(at::equal((*tfm)(ids).get<TensorText>(), t));
  EXPECT_THROW((void)reverse_text(Item(Int(3))), TypeError);
}
