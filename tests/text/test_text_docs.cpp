// docs/text.md's code blocks are compiled into this executable (tests/doc_snippets.cmake makes
// text_docs_snippets.cpp from them); this checks the extraction found them all, so a block
// that stopped being extracted cannot pass unnoticed.
#include <gtest/gtest.h>

int doc_snippets_text();

TEST(Docs, EveryTextSnippetIsCompiled) { EXPECT_EQ(doc_snippets_text(), 7); }
