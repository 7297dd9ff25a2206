# Debian's libdeflate (libdeflate-dev): the fast inflate behind the PNG fast path
# (src/vision/png.cpp). Found directly, like libcsv, as a private dependency of libfastai.
find_path(FASTAI_DEFLATE_INCLUDE_DIR libdeflate.h REQUIRED)
find_library(FASTAI_DEFLATE_LIBRARY NAMES deflate REQUIRED)
if(NOT TARGET fastai_deflate)
  add_library(fastai_deflate INTERFACE IMPORTED)
  set_target_properties(fastai_deflate PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${FASTAI_DEFLATE_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES ${FASTAI_DEFLATE_LIBRARY})
endif()
message(STATUS "libdeflate: ${FASTAI_DEFLATE_LIBRARY}")
