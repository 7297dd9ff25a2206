# OpenCV's core, imgproc and imgcodecs, from Debian's libopencv-{core,imgproc,imgcodecs}-dev.
# Those packages ship no CMake config (libopencv-dev, which does, pulls in ~150 packages), so
# the three libraries are found directly and wrapped in one imported target.
find_path(FASTAI_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
set(_fastai_cv_libs)
foreach(_m core imgproc imgcodecs)
  find_library(FASTAI_OPENCV_${_m} NAMES opencv_${_m} REQUIRED)
  list(APPEND _fastai_cv_libs ${FASTAI_OPENCV_${_m}})
endforeach()
if(NOT TARGET fastai_opencv)
  add_library(fastai_opencv INTERFACE IMPORTED)
  set_target_properties(fastai_opencv PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${FASTAI_OPENCV_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${_fastai_cv_libs}")
endif()
message(STATUS "OpenCV: ${FASTAI_OPENCV_INCLUDE_DIR}")
