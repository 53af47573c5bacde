# The native build's copy of the `wasm` build: khung-photo.wasm and
# khung-photo.js in ${CMAKE_BINARY_DIR}/wasm, configured with emscripten's
# toolchain file and rebuilt with the native build (the HTTP service embeds
# them). Included from the root CMakeLists.txt when KHUNG_BUILD_WASM is on.
include(ExternalProject)

# Debian's em++ is a link to /usr/share/emscripten/em++; the toolchain file
# is beside it.
get_filename_component(KHUNG_EMSCRIPTEN_ROOT "${KHUNG_EMCC}" REALPATH)
get_filename_component(KHUNG_EMSCRIPTEN_ROOT "${KHUNG_EMSCRIPTEN_ROOT}" DIRECTORY)
set(KHUNG_EMSCRIPTEN_TOOLCHAIN "${KHUNG_EMSCRIPTEN_ROOT}/cmake/Modules/Platform/Emscripten.cmake")
if(NOT EXISTS "${KHUNG_EMSCRIPTEN_TOOLCHAIN}")
  message(FATAL_ERROR "KHUNG_BUILD_WASM: no ${KHUNG_EMSCRIPTEN_TOOLCHAIN} beside ${KHUNG_EMCC}; "
                      "install Debian's emscripten or configure with -DKHUNG_BUILD_WASM=OFF")
endif()

set(KHUNG_WASM_DIR "${CMAKE_BINARY_DIR}/wasm")
set(KHUNG_WASM_FILES "${KHUNG_WASM_DIR}/khung-photo.wasm" "${KHUNG_WASM_DIR}/khung-photo.js")
ExternalProject_Add(khung_wasm
  SOURCE_DIR "${PROJECT_SOURCE_DIR}"
  BINARY_DIR "${KHUNG_WASM_DIR}"
  CMAKE_ARGS "-DCMAKE_TOOLCHAIN_FILE=${KHUNG_EMSCRIPTEN_TOOLCHAIN}" -DCMAKE_BUILD_TYPE=Release
             "-DKHUNG_WERROR=${KHUNG_WERROR}"
  # The sub-build knows its own sources: asking it each time costs a quick make.
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS ${KHUNG_WASM_FILES})
