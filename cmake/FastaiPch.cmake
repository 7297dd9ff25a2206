# One precompiled header (libtorch's heavy headers) built once in fastai_pch and reused by
# every target through REUSE_FROM. Including <torch/torch.h> costs ~12 s per translation
# unit; with the PCH it is paid once per build.
add_library(fastai_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cpp)
target_link_libraries(fastai_pch PUBLIC torch)
if(FASTAI_USE_PCH)
  target_precompile_headers(fastai_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/fastai_pch.h)
endif()

# fastai_use_pch(target): reuse the shared PCH (no-op when FASTAI_USE_PCH is OFF).
function(fastai_use_pch target)
  if(FASTAI_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM fastai_pch)
  endif()
endfunction()
