# -DFASTAI_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target built
# here. Applied globally (not per target) so the shared PCH keeps matching flags.
if(FASTAI_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
