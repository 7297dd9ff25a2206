#pragma once
// spaCy's English tokenizer exceptions as a table (internal to the library; en_exceptions.cpp).
#include <string>
#include <unordered_map>
#include <vector>

namespace fastai::text_detail {

// A chunk (UTF-8) -> the tokens it always becomes.
using SpecialCases = std::unordered_map<std::string, std::vector<std::string>>;

// spaCy's BASE_EXCEPTIONS updated with its English TOKENIZER_EXCEPTIONS.
SpecialCases english_special_cases();

}  // namespace fastai::text_detail
