# -DFASTAI_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target built
# here. Applied globally (not per target) so the shared PCH keeps matching flags.
if(FASTAI_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# -DFASTAI_SANITIZE_THREAD=ON: ThreadSanitizer (scripts/tsan.sh builds and runs the threaded
# tests with it). libtorch and libgomp are not instrumented: run with one intra-op thread, or
# TSan reports OpenMP's own synchronisation, which it cannot see, as races.
if(FASTAI_SANITIZE_THREAD)
  if(FASTAI_SANITIZE)
    message(FATAL_ERROR "FASTAI_SANITIZE (address) and FASTAI_SANITIZE_THREAD cannot be combined")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -O1 -g)
  add_link_options(-fsanitize=thread)
endif()
