#include "fastai/core/item.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/core/semantic.h"
#include "test_util.h"

using namespace fastai;

FASTAI_SEMANTIC_SUBTYPE(TensorDepth, TensorImageBase);  // a user-defined type

TEST(Item, SemanticTypesFormATreeWithParentFallback) {
  Item x = TensorImageBW(torch::zeros({1, 4, 4}));
  EXPECT_TRUE(x.is<TensorImageBW>());
  EXPECT_TRUE(x.is<TensorImage>());
  EXPECT_TRUE(x.is<TensorImageBase>());
  EXPECT_TRUE(x.is<TensorBase>());
  EXPECT_TRUE(x.is<Any>());
  EXPECT_FALSE(x.is<TensorMask>());
  EXPECT_EQ(x.type().lineage(), "TensorImageBW \u2192 TensorImage \u2192 TensorImageBase \u2192 TensorBase \u2192 Any");
  EXPECT_TRUE(TensorBBox::info().is_a(TensorPoint::info()));
  EXPECT_TRUE(TensorMultiCategory::info().is_a(TensorCategory::info()));
  EXPECT_TRUE(Category::info().is_a(Str::info()));
}

TEST(Item, UserTypesAreFirstClass) {
  Item d = TensorDepth(torch::ones({1, 2, 2}));
  EXPECT_TRUE(d.is<TensorImageBase>());
  EXPECT_FALSE(d.is<TensorImage>());
  EXPECT_EQ(find_type("TensorDepth"), &TensorDepth::info());
  EXPECT_EQ(find_type("TensorImage"), &TensorImage::info());  // built-ins are known by name
  EXPECT_EQ(find_type("NoSuchType"), nullptr);
}

TEST(Item, GetChecksTypeAndNamesBoth) {
  Item s = Category("cat");
  EXPECT_EQ(s.get<Str>(), "cat");
  EXPECT_EQ(s.get<Category>(), "cat");
  EXPECT_THROW_WITH(s.get<TensorBase>(), TypeError, "TensorBase", "Category \u2192 Str");
  EXPECT_THROW_WITH(Item().type(), TypeError, "empty");
}

TEST(Item, RetagKeepsPayloadAndRefusesOtherPayloads) {
  auto t = torch::arange(4);
  Item x = TensorBase(t);
  Item m = x.retag(TensorMask::info());
  EXPECT_TRUE(m.is<TensorMask>());
  EXPECT_TRUE(m.get<TensorMask>().is_same(t));  // no copy
  EXPECT_THROW_WITH(x.retag(Str::info()), TypeError, "payloads differ");
}

TEST(Item, TuplesHoldItems) {
  Item xy = Tuple({TensorImage(torch::zeros({3, 2, 2})), TensorCategory(torch::tensor(3))});
  ASSERT_TRUE(xy.is_tuple());
  EXPECT_EQ(xy.size(), 2u);
  EXPECT_TRUE(xy[1].is<TensorCategory>());
  EXPECT_THROW_WITH(xy[2], std::out_of_range, "tuple index 2", "2 items");
  EXPECT_EQ(xy.repr(), "Tuple(TensorImage(Float [3, 2, 2]), TensorCategory(Long [] 3))");
  EXPECT_EQ(Item(Str("hi")).repr(), "Str(\"hi\")");
  EXPECT_EQ(Item().repr(), "None");
}

TEST(Item, CopiesSharePayloadsAndPayloadAccessChecksTheCppType) {
  // A loader copies every item it reads (a path per image); a copy must not duplicate the payload.
  Item p = Path(std::filesystem::path("/data/train/cat/001.png"));
  Item q = p;
  EXPECT_EQ(&p.get<Path>(), &q.get<Path>());
  Item xy = Tuple({p, Category("cat")});
  Item xy2 = xy;
  EXPECT_EQ(&xy.elements(), &xy2.elements());
  EXPECT_EQ(q.payload<std::filesystem::path>().filename(), "001.png");
  EXPECT_THROW_WITH(q.payload<std::string>(), TypeError, "does not hold a payload of C++ type");
  EXPECT_THROW_WITH(Item().payload<std::string>(), TypeError, "None");
}

TEST(Item, ConflictingRedeclarationIsAnError) {
  EXPECT_THROW_WITH(fastai::detail::register_type("TensorImage", &Str::info(), typeid(std::string)), TypeError,
                    "declared twice");
  EXPECT_THROW_WITH(Item(Str::info(), 3.0), TypeError, "cannot make a Str item");
}
