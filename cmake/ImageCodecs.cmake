# libjpeg-turbo, libpng and zlib for the image decoding ops (ops/image/decode_*.cc,
# extract_jpeg_shape.cc and the kernel they share, image_codecs.cc; docs/ops/image_decode.md):
# the libraries TF's own decoders wrap, from Debian's -dev packages (libjpeg62-turbo-dev,
# libpng-dev, zlib1g-dev: `make system-deps`; the aarch64 sysroot's from tools/aarch64/setup.sh),
# linked statically (their archives are position-independent) so the wheel needs nothing of
# the machine. Their symbols stay local: the op libraries' version scripts export only
# opbridge's C interface (cmake/OpbridgeFunctions.cmake), so two libraries (ours, TF's own
# libjpeg/libpng/zlib, an app's) never bind to each other's copies.
#
# Only the codec files get the headers, and the archives are linked only when one of them is
# built: a selective build without an image decoding op links none.
#
# giflib (Debian's libgif-dev, the GIF decoder TF wraps too) goes only into builds with an op that
# decodes GIF with it, DecodeGif or DecodeImage (their decoder, gif_codec.cc, a helper): the other
# image ops refuse a GIF, so a build of DecodePng alone links no giflib.
include_guard(GLOBAL)

# The op files among <sources> whose ops decode GIF (gif_codec.cc's callers).
function(opbridge_gif_sources out)
  set(_gif)
  foreach(_src IN LISTS ARGN)
    if(_src MATCHES "/ops/image/decode_(gif|image)\\.cc$")
      list(APPEND _gif "${_src}")
    endif()
  endforeach()
  set(${out} "${_gif}" PARENT_SCOPE)
endfunction()

# giflib's static archive for the op libraries of <name>. Its header is in the compiler's (or the
# sysroot's) own include directory. giflib references no libc stream (no objcopy needed).
function(opbridge_link_gif name)
  find_path(OPBRIDGE_GIF_INCLUDE_DIR gif_lib.h)
  find_library(OPBRIDGE_GIF_LIBRARY NAMES libgif.a)
  if(NOT OPBRIDGE_GIF_INCLUDE_DIR OR NOT OPBRIDGE_GIF_LIBRARY)
    message(FATAL_ERROR "opbridge: DecodeGif and DecodeImage need libgif-dev (gif_lib.h and libgif.a; "
                        "`make system-deps`, or tools/aarch64/setup.sh for the aarch64 sysroot)")
  endif()
  if(NOT OPBRIDGE_GIF_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    set_property(SOURCE ${CMAKE_SOURCE_DIR}/ops/image/gif_codec.cc APPEND PROPERTY COMPILE_OPTIONS
                 -isystem ${OPBRIDGE_GIF_INCLUDE_DIR})
  endif()
  message(STATUS "opbridge: GIF codec ${OPBRIDGE_GIF_LIBRARY}")
  foreach(_lib ${name}_tflite ${name}_tf)
    if(TARGET ${_lib})
      target_link_libraries(${_lib} PRIVATE ${OPBRIDGE_GIF_LIBRARY})
    endif()
  endforeach()
endfunction()

# The image decoding op files among <sources> (not their shared kernel, image_codecs.cc,
# which registers no op: a selective build's helper).
function(opbridge_codec_sources out)
  set(_codec)
  foreach(_src IN LISTS ARGN)
    if(_src MATCHES "/ops/image/(decode_[a-z_]+|extract_jpeg_shape)\\.cc$")
      list(APPEND _codec "${_src}")
    endif()
  endforeach()
  set(${out} "${_codec}" PARENT_SCOPE)
endfunction()

# Finds the headers and static archives (in the cross build, the sysroot's: the toolchain file
# searches libraries there only) and gives them to <codec_sources> and the op libraries of <name>.
function(opbridge_link_image_codecs name)
  find_path(OPBRIDGE_JPEG_INCLUDE_DIR jpeglib.h)
  find_path(OPBRIDGE_JCONFIG_INCLUDE_DIR jconfig.h)
  find_path(OPBRIDGE_PNG_INCLUDE_DIR png.h PATH_SUFFIXES libpng16)
  find_library(OPBRIDGE_JPEG_LIBRARY NAMES libjpeg.a)
  find_library(OPBRIDGE_PNG_LIBRARY NAMES libpng16.a libpng.a)
  find_library(OPBRIDGE_ZLIB_LIBRARY NAMES libz.a)
  foreach(_v OPBRIDGE_JPEG_INCLUDE_DIR OPBRIDGE_JCONFIG_INCLUDE_DIR OPBRIDGE_PNG_INCLUDE_DIR
             OPBRIDGE_JPEG_LIBRARY OPBRIDGE_PNG_LIBRARY OPBRIDGE_ZLIB_LIBRARY)
    if(NOT ${_v})
      message(FATAL_ERROR "opbridge: the image decoding ops need libjpeg62-turbo-dev, libpng-dev and zlib1g-dev "
                          "(static archives and headers; `make system-deps`, or tools/aarch64/setup.sh for the "
                          "aarch64 sysroot): ${_v} not found")
    endif()
  endforeach()
  # Directories the compiler searches anyway are not repeated: -isystem /usr/include would
  # reorder the system directories and break libstdc++'s #include_next.
  set(_dirs)
  foreach(_dir IN ITEMS ${OPBRIDGE_JPEG_INCLUDE_DIR} ${OPBRIDGE_JCONFIG_INCLUDE_DIR} ${OPBRIDGE_PNG_INCLUDE_DIR})
    if(NOT _dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
      list(APPEND _dirs ${_dir})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _dirs)
  set(_opts)
  foreach(_dir IN LISTS _dirs)
    list(APPEND _opts -isystem ${_dir})
  endforeach()
  if(_opts)
    set_property(SOURCE ${ARGN} APPEND PROPERTY COMPILE_OPTIONS ${_opts})
  endif()
  # Debian compiles its archives as position-independent executables' code, not a shared
  # library's: a reference to data of their own (libpng's sRGB tables) may be PC-relative, as the
  # version script makes those symbols local, but libpng's and libjpeg's default message
  # printers read libc's `stderr` PC-relative, which no shared library may do (gold: "requires
  # dynamic R_X86_64_PC32 reloc against 'stderr'"). Copies of the two archives in the build tree
  # read opbridge_codec_stderr instead, a hidden variable of image_codecs.cc set to stderr (those
  # printers never run: the kernels install their own handlers).
  if(NOT CMAKE_OBJCOPY)
    message(FATAL_ERROR "opbridge: the image codecs need objcopy (binutils) for the target")
  endif()
  set(_archives)
  foreach(_lib IN ITEMS ${OPBRIDGE_PNG_LIBRARY} ${OPBRIDGE_JPEG_LIBRARY})
    get_filename_component(_name ${_lib} NAME)
    set(_copy ${CMAKE_BINARY_DIR}/image_codecs/${_name})
    add_custom_command(OUTPUT ${_copy}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/image_codecs
                       COMMAND ${CMAKE_OBJCOPY} --redefine-sym stderr=opbridge_codec_stderr ${_lib} ${_copy}
                       DEPENDS ${_lib}
                       COMMENT "opbridge: ${_name} without references to libc's stderr")
    list(APPEND _archives ${_copy})
  endforeach()
  add_custom_target(${name}_image_codec_archives DEPENDS ${_archives})
  list(GET _archives 0 _png)
  list(GET _archives 1 _jpeg)
  message(STATUS "opbridge: image codecs ${OPBRIDGE_JPEG_LIBRARY} ${OPBRIDGE_PNG_LIBRARY} ${OPBRIDGE_ZLIB_LIBRARY}")
  # libpng needs zlib, so zlib comes after it. In the TF op library, libtensorflow_framework
  # (earlier on its link line) exports zlib's functions, which libpng's then bind to; that
  # library never runs these kernels (TF runs its own).
  foreach(_lib ${name}_tflite ${name}_tf)
    if(TARGET ${_lib})  # no _tf in a cross build (OPBRIDGE_TF_LIBRARY)
      add_dependencies(${_lib} ${name}_image_codec_archives)
      target_link_libraries(${_lib} PRIVATE ${_png} ${_jpeg} ${OPBRIDGE_ZLIB_LIBRARY})
    endif()
  endforeach()
endfunction()
