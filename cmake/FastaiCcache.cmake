# Compile through ccache when it is installed. The sloppiness settings let ccache cache
# translation units that use the precompiled header (ccache otherwise refuses them); the base
# directory makes paths inside the checkout relative, so a second clone (CI's fresh clone)
# hits the cache the first one filled.
find_program(FASTAI_CCACHE ccache)
if(FASTAI_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      "CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}"
      ${FASTAI_CCACHE})
  message(STATUS "fastai: compiling through ccache (${FASTAI_CCACHE})")
endif()
