#pragma once
// The C interface of libfastai_sentencepiece (src/text/spm_shim.cpp), internal to the library.
// Why a separate module: Debian's libsentencepiece carries its own protobuf-lite and exports all
// of it; linked into a process that also has libtorch's libprotobuf.so.32, the latter's start-up
// code binds to sentencepiece's copies and crashes before main. So libfastai dlopens this module
// with RTLD_LOCAL | RTLD_DEEPBIND: its protobuf stays private, and libprotobuf keeps its own.
// Every function catches its exceptions; errors come back as malloc'd messages in *err.
#include <cstddef>

extern "C" {
void* fastai_spm_load(const char* bytes, size_t n, char** err);
void fastai_spm_free(void* model);
// The pieces of `text`, each followed by a NUL, in one malloc'd buffer of *len bytes.
char* fastai_spm_encode(void* model, const char* text, size_t n, size_t* len, char** err);
int fastai_spm_piece_size(void* model);
const char* fastai_spm_id_to_piece(void* model, int id, size_t* len);
float fastai_spm_score(void* model, int id);
// Trains with sentencepiece's command-line `args`; returns the serialized model (malloc'd).
char* fastai_spm_train(const char* args, size_t* len, char** err);
void fastai_spm_free_buffer(char* p);
}
