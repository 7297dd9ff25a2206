# Debian libraries that ship no CMake or pkg-config files we rely on, found directly and wrapped
# as imported targets (private dependencies of libfastai):
#   fastai_csv     — libcsv (libcsv-dev): the CSV tokenizer behind read_csv
#   fastai_deflate — libdeflate (libdeflate-dev): the inflate behind the PNG fast path
#   fastai_dnnl    — oneDNN (libdnnl-dev; libtorch already loads its libdnnl.so.2): products
#                    with the weight packed once (src/packed_matmul.h: the LSTM's steps, the decoder)
function(fastai_import_library target header library)
  string(TOUPPER ${target} var)
  find_path(${var}_INCLUDE_DIR ${header} REQUIRED)
  find_library(${var}_LIBRARY NAMES ${library} REQUIRED)
  if(NOT TARGET ${target})
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES ${${var}_INCLUDE_DIR}
      INTERFACE_LINK_LIBRARIES ${${var}_LIBRARY})
  endif()
  message(STATUS "${target}: ${${var}_LIBRARY}")
endfunction()

fastai_import_library(fastai_csv csv.h csv)
fastai_import_library(fastai_deflate libdeflate.h deflate)
fastai_import_library(fastai_dnnl oneapi/dnnl/dnnl.hpp dnnl)
# fastai_sentencepiece_lib/_train — libsentencepiece (libsentencepiece-dev), linked only into
# the run-time module libfastai_sentencepiece (src/CMakeLists.txt says why)
fastai_import_library(fastai_sentencepiece_lib sentencepiece_processor.h sentencepiece)
fastai_import_library(fastai_sentencepiece_train sentencepiece_trainer.h sentencepiece_train)
