// libfastai_sentencepiece: libsentencepiece behind a C interface (spm_shim.h says why).
#include "spm_shim.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

// Exported by libsentencepiece but not declared in Debian's 0.1.97 headers: the trainer logs
// "Running command: …" at INFO before it reads --minloglevel, so it is set here first.
namespace sentencepiece::logging {
int GetMinLogLevel();
void SetMinLogLevel(int v);
}  // namespace sentencepiece::logging

namespace {
char* copy_out(const std::string& s, size_t* len = nullptr) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  if (len) *len = s.size();
  return p;
}
void set_err(char** err, const std::string& msg) {
  if (err) *err = copy_out(msg);
}
}  // namespace

extern "C" {

void* fastai_spm_load(const char* bytes, size_t n, char** err) {
  try {
    auto* sp = new sentencepiece::SentencePieceProcessor();  // owned by the caller's handle (C interface)
    const auto st = sp->LoadFromSerializedProto(std::string(bytes, n));
    if (!st.ok()) {
      delete sp;
      set_err(err, st.ToString());
      return nullptr;
    }
    return sp;
  } catch (const std::exception& e) {
    set_err(err, e.what());
    return nullptr;
  }
}

void fastai_spm_free(void* model) { delete static_cast<sentencepiece::SentencePieceProcessor*>(model); }

char* fastai_spm_encode(void* model, const char* text, size_t n, size_t* len, char** err) {
  try {
    std::vector<std::string> pieces;
    const auto st =
        static_cast<const sentencepiece::SentencePieceProcessor*>(model)->Encode(std::string_view(text, n), &pieces);
    if (!st.ok()) {
      set_err(err, st.ToString());
      return nullptr;
    }
    std::string out;
    for (const auto& p : pieces) out.append(p).push_back('\0');
    return copy_out(out, len);
  } catch (const std::exception& e) {
    set_err(err, e.what());
    return nullptr;
  }
}

int fastai_spm_piece_size(void* model) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(model)->GetPieceSize();
}

const char* fastai_spm_id_to_piece(void* model, int id, size_t* len) {
  const std::string& p = static_cast<const sentencepiece::SentencePieceProcessor*>(model)->IdToPiece(id);
  *len = p.size();
  return p.data();
}

float fastai_spm_score(void* model, int id) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(model)->GetScore(id);
}

char* fastai_spm_train(const char* args, size_t* len, char** err) {
  try {
    std::string bytes;
    const int level = sentencepiece::logging::GetMinLogLevel();
    sentencepiece::logging::SetMinLogLevel(2);
    const auto st = sentencepiece::SentencePieceTrainer::Train(args, nullptr, &bytes);
    sentencepiece::logging::SetMinLogLevel(level);
    if (!st.ok()) {
      set_err(err, st.ToString());
      return nullptr;
    }
    return copy_out(bytes, len);
  } catch (const std::exception& e) {
    set_err(err, e.what());
    return nullptr;
  }
}

void fastai_spm_free_buffer(char* p) { std::free(p); }
}
