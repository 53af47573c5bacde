# The photo unit (photo.hpp): placing, turning, resampling and compositing a
# decoded photo. It depends on nothing outside these files and the C++
# standard library, so the WebAssembly module the member page frames photos
# with (bindings/wasm) is built from exactly these sources.
set(KHUNG_PHOTO_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/src/composite.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/image.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/orientation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/photo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/resample.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/warp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/window.cpp)
