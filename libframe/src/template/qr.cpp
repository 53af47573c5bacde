#include "khung/qr.hpp"

#include "khung/error.hpp"
#include "photo/composite.hpp"
#include "template/template_data.hpp"

#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <memory>
#include <new>
#include <string>

namespace khung {
namespace {

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

QRecLevel to_qrencode(QrLevel level) {
  switch (level) {
    case QrLevel::L: return QR_ECLEVEL_L;
    case QrLevel::M: return QR_ECLEVEL_M;
    case QrLevel::Q: return QR_ECLEVEL_Q;
    case QrLevel::H: return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

std::string too_long(std::size_t bytes, QrLevel level) {
  return "the QR data is " + std::to_string(bytes) + " bytes, more than a QR code holds at level " +
         qr_level_name(level) + " (" + std::to_string(qr_capacity(level)) + " bytes)";
}

}  // namespace

const detail::EnumName<QrLevel> detail::kQrLevels[4] = {
    {"L", QrLevel::L}, {"M", QrLevel::M}, {"Q", QrLevel::Q}, {"H", QrLevel::H}};

const char* qr_level_name(QrLevel level) { return detail::enum_name<QrLevel>(detail::kQrLevels, level); }

std::size_t qr_capacity(QrLevel level) {
  // ISO/IEC 18004, version 40 in byte mode: the data codewords less the
  // 4-bit mode indicator and the 16-bit character count.
  switch (level) {
    case QrLevel::L: return 2953;
    case QrLevel::M: return 2331;
    case QrLevel::Q: return 1663;
    case QrLevel::H: return 1273;
  }
  return 0;
}

QrCode encode_qr(std::string_view data, QrLevel level) {
  if (data.empty()) throw Error(ErrorCode::InvalidArgument, "the QR data is empty");
  // Checked here too, so that the message never depends on errno.
  if (data.size() > qr_capacity(level)) throw Error(ErrorCode::Layout, too_long(data.size(), level));
  // The whole text in 8-bit byte mode: UTF-8 goes in byte for byte (no
  // Kanji or other reinterpretation), which phones' readers take as UTF-8.
  errno = 0;
  std::unique_ptr<QRcode, QrcodeFree> code(QRcode_encodeData(static_cast<int>(data.size()),
                                                             reinterpret_cast<const unsigned char*>(data.data()), 0,
                                                             to_qrencode(level)));
  if (!code) {
    if (errno == ERANGE) throw Error(ErrorCode::Layout, too_long(data.size(), level));
    if (errno == ENOMEM) throw std::bad_alloc();
    throw Error(ErrorCode::InvalidArgument, "the QR data could not be encoded (libqrencode: error " +
                                                std::to_string(errno) + ")");
  }
  QrCode out;
  out.size = code->width;
  out.modules.resize(static_cast<std::size_t>(out.size) * out.size);
  // libqrencode's bit 0 of each byte is the module's colour (1: dark); the
  // other bits say what the module belongs to.
  for (std::size_t i = 0; i < out.modules.size(); ++i) out.modules[i] = code->data[i] & 1;
  return out;
}

QrPlacement place_qr(const QrCode& code, const Rect& box, int quiet_zone) {
  const int modules = code.size + 2 * quiet_zone;
  const int px = modules > 0 ? std::min(box.width, box.height) / modules : 0;
  if (px < 1) return {{box.x, box.y, 0, 0}, 0};
  const int side = px * modules;
  return {{box.x + (box.width - side) / 2, box.y + (box.height - side) / 2, side, side}, px};
}

std::string qr_fit_problem(const QrCode& code, const Rect& box, int quiet_zone) {
  if (place_qr(code, box, quiet_zone).module_px >= 1) return {};
  const std::string need = std::to_string(code.size + 2 * quiet_zone);
  return "the QR code needs a box of at least " + need + "x" + need + " px (" + std::to_string(code.size) +
         " modules and a quiet zone of " + std::to_string(quiet_zone) + " on each side, 1 px each); the box is " +
         std::to_string(box.width) + "x" + std::to_string(box.height) + " px";
}

QrPlacement draw_qr(Image& canvas, const QrCode& code, const Rect& box, const QrStyle& style) {
  const QrPlacement at = place_qr(code, box, style.quiet_zone);
  if (at.module_px < 1) throw Error(ErrorCode::Layout, qr_fit_problem(code, box, style.quiet_zone));
  const int x0 = std::max(at.square.x, 0), y0 = std::max(at.square.y, 0);
  const int x1 = std::min(at.square.right(), canvas.width()), y1 = std::min(at.square.bottom(), canvas.height());
  if (x0 >= x1 || y0 >= y1) return at;
  const unsigned opacity = static_cast<unsigned>(std::lround(std::clamp(style.opacity, 0.0f, 1.0f) * 255));
  const Color colors[2] = {style.background, style.color};
  std::vector<std::uint8_t> row(static_cast<std::size_t>(x1 - x0) * 4);
  for (int y = y0; y < y1; ++y) {
    // Whole pixels per module: every pixel belongs to exactly one module.
    const int my = (y - at.square.y) / at.module_px - style.quiet_zone;
    std::uint8_t* p = row.data();
    for (int x = x0; x < x1; ++x, p += 4) {
      const int mx = (x - at.square.x) / at.module_px - style.quiet_zone;
      const bool inside = mx >= 0 && my >= 0 && mx < code.size && my < code.size;
      const Color& c = colors[inside && code.dark(mx, my) ? 1 : 0];
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
      p[3] = c.a;
    }
    detail::composite_row(canvas.row(y) + 4 * x0, row.data(), x1 - x0, opacity);
  }
  return at;
}

}  // namespace khung
