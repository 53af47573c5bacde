#pragma once
// QR codes: data encoded with libqrencode in 8-bit byte mode (so UTF-8 text,
// Vietnamese included, reaches a phone byte for byte) and drawn as exact
// pixel squares, for the `qr` template layer.
//
//   QrCode code = encode_qr("https://khung.congdoan.vn/", QrLevel::M);
//   draw_qr(canvas, code, {100, 100, 400, 400}, QrStyle{});

#include "khung/color.hpp"
#include "khung/image.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

// Error correction: the share of the code that may be damaged and still
// read (about 7%, 15%, 25%, 30%). More correction, more modules.
enum class QrLevel { L, M, Q, H };

// "L", "M", "Q", "H".
const char* qr_level_name(QrLevel level);

// The most bytes of data one QR code holds at `level` in byte mode (the
// largest code, version 40): L 2953, M 2331, Q 1663, H 1273.
std::size_t qr_capacity(QrLevel level);

// A QR code's modules, without the quiet zone: `size` x `size`, row by row.
struct QrCode {
  int size = 0;                       // modules a side: 21 (version 1) to 177 (version 40)
  std::vector<std::uint8_t> modules;  // 1 dark, 0 light
  bool empty() const { return size == 0; }
  bool dark(int x, int y) const { return modules[static_cast<std::size_t>(y) * size + x] != 0; }
};

// The smallest QR code of `data` (bytes as given, byte mode) at `level`.
// Throws Error(Layout) for data over qr_capacity ("the QR data is 3100
// bytes, more than a QR code holds at level H (1273 bytes)") and
// Error(InvalidArgument) for empty data ("the QR data is empty").
QrCode encode_qr(std::string_view data, QrLevel level);

// How a code is drawn.
struct QrStyle {
  Color color{0, 0, 0, 255};            // dark modules
  Color background{255, 255, 255, 255};  // light modules and the quiet zone
  int quiet_zone = 4;                   // light modules around the code, 0..10
  float opacity = 1;                    // 0..1
};

// Where a code goes in a box: a square centred in it, quiet zone included,
// at the largest whole number of pixels per module that fits (module_px 0
// when even 1 px per module does not fit).
struct QrPlacement {
  Rect square;
  int module_px = 0;
};
QrPlacement place_qr(const QrCode& code, const Rect& box, int quiet_zone);

// Why `code` cannot be drawn in `box` (too small for 1 px per module,
// quiet zone included): "the QR code needs a box of at least 37x37 px (29
// modules and a quiet zone of 4 on each side, 1 px each); the box is 30x30
// px". Empty when it fits.
std::string qr_fit_problem(const QrCode& code, const Rect& box, int quiet_zone);

// Draws `code` in `box` (place_qr) with source-over: every module an exact
// square of whole pixels, no anti-aliasing, so only the two colours appear
// (with opaque colours and opacity 1). Clipped to the canvas. Throws
// Error(Layout) with qr_fit_problem's words when the box is too small.
// Returns where it drew.
QrPlacement draw_qr(Image& canvas, const QrCode& code, const Rect& box, const QrStyle& style);

}  // namespace khung
