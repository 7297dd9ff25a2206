# Debian's libcsv (libcsv-dev): a small, well-tested CSV tokenizer used by read_csv. The package
# ships no CMake or pkg-config files, so the header and library are found directly.
find_path(FASTAI_CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(FASTAI_CSV_LIBRARY NAMES csv REQUIRED)
if(NOT TARGET fastai_csv)
  add_library(fastai_csv INTERFACE IMPORTED)
  set_target_properties(fastai_csv PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${FASTAI_CSV_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES ${FASTAI_CSV_LIBRARY})
endif()
message(STATUS "libcsv: ${FASTAI_CSV_LIBRARY}")
