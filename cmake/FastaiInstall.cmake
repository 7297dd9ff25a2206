# install(): headers, the library and an exported CMake package, so a user's project does
#   find_package(fastai REQUIRED)
#   target_link_libraries(app PRIVATE fastai::fastai)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS fastai EXPORT fastaiTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# SentencePieceTokenizer's run-time module, found beside libfastai (src/text/spm_shim.h)
install(TARGETS fastai_sentencepiece LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fastai DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/fastai/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fastai)
install(EXPORT fastaiTargets NAMESPACE fastai:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fastai)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/fastaiConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fastaiConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fastai)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fastaiConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fastaiConfig.cmake ${PROJECT_BINARY_DIR}/fastaiConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fastai)
