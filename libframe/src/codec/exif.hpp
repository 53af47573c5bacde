#pragma once
// A deliberately small EXIF reader: the orientation tag (0x0112) of IFD0 and
// nothing else, so a hostile block has little to work with.

#include <cstdint>
#include <span>

namespace khung::detail {

// `tiff` is an EXIF block from its TIFF header on ("II*\0" or "MM\0*"), i.e.
// a JPEG APP1 payload after its "Exif\0\0" prefix. Returns the orientation
// 1..8, or 1 when the block is malformed, truncated, or has no valid tag.
// Reads only inside `tiff`, follows no IFD links, so it cannot loop.
int read_exif_orientation(std::span<const std::uint8_t> tiff);

}  // namespace khung::detail
