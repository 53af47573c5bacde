// The photo module's native twin, for tests/wasm/frame_test.mjs: the same
// library calls as bindings/wasm/module.cpp (frame_between, then
// flatten_onto_white), with the layers and the photo read from PNG files.
//   native_frame UNDER.png OVER.png PHOTO.png auto|circle|rect X Y W H RADIUS ZOOM DX DY ROTATE WIDTH|- 0|1 OUT.png

#include "khung/codec.hpp"
#include "khung/photo.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  if (argc != 17) {
    std::cerr << "usage: native_frame UNDER.png OVER.png PHOTO.png auto|circle|rect X Y W H RADIUS ZOOM DX DY "
                 "ROTATE WIDTH|- FLATTEN OUT.png\n";
    return 2;
  }
  try {
    const std::string shape = argv[4], width = argv[14];
    const khung::Image under = khung::read_image(argv[1]);
    const khung::Image over = khung::read_image(argv[2]);
    const khung::Image photo = khung::read_image(argv[3]);
    const khung::Rect box{std::atoi(argv[5]), std::atoi(argv[6]), std::atoi(argv[7]), std::atoi(argv[8])};
    const khung::WindowMask window = shape == "auto"     ? khung::find_window(over)
                                     : shape == "circle" ? khung::circle_window(box)
                                                         : khung::rect_window(box, std::strtof(argv[9], nullptr));
    khung::Placement placement;
    placement.zoom = std::strtof(argv[10], nullptr);
    placement.offset_x = std::strtof(argv[11], nullptr);
    placement.offset_y = std::strtof(argv[12], nullptr);
    placement.rotate = std::strtof(argv[13], nullptr);
    std::optional<int> output_width;
    if (width != "-") output_width = std::atoi(width.c_str());
    khung::Image out = khung::frame_between(under, photo, window, over, placement, output_width);
    if (std::string(argv[15]) == "1") khung::flatten_onto_white(out);
    khung::save_image(out, argv[16]);
  } catch (const std::exception& e) {
    std::cerr << "khung: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
