# The photo unit (photo.hpp): placing, turning, resampling and compositing a
# decoded photo. It depends on nothing outside these files and the C++
# standard library, so the WebAssembly module the member page frames photos
# with (bindings/wasm) is built from exactly these sources.
set(KHUNG_PHOTO_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/composite.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/support/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/image.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/orientation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/photo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/resample.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/warp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo/window.cpp)
