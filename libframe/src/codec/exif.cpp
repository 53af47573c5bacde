#include "codec/exif.hpp"

#include <cstddef>

namespace khung::detail {

namespace {

class TiffReader {
 public:
  TiffReader(std::span<const std::uint8_t> data, bool big_endian) : data_(data), big_endian_(big_endian) {}

  bool has(std::size_t offset, std::size_t count) const {
    return offset <= data_.size() && count <= data_.size() - offset;
  }
  // Callers check has(offset, 2 or 4) first.
  std::uint32_t u16(std::size_t offset) const {
    std::uint32_t a = data_[offset], b = data_[offset + 1];
    return big_endian_ ? (a << 8 | b) : (b << 8 | a);
  }
  std::uint32_t u32(std::size_t offset) const {
    std::uint32_t hi = u16(offset), lo = u16(offset + 2);
    return big_endian_ ? (hi << 16 | lo) : (lo << 16 | hi);
  }

 private:
  std::span<const std::uint8_t> data_;
  bool big_endian_;
};

constexpr std::uint32_t kOrientationTag = 0x0112;
constexpr std::uint32_t kTypeShort = 3, kTypeLong = 4;
constexpr std::size_t kEntrySize = 12;

}  // namespace

int read_exif_orientation(std::span<const std::uint8_t> tiff) {
  if (tiff.size() < 8) return 1;
  bool big_endian;
  if (tiff[0] == 'I' && tiff[1] == 'I')
    big_endian = false;
  else if (tiff[0] == 'M' && tiff[1] == 'M')
    big_endian = true;
  else
    return 1;
  TiffReader in(tiff, big_endian);
  if (in.u16(2) != 42) return 1;
  std::size_t ifd = in.u32(4);
  if (!in.has(ifd, 2)) return 1;
  // The entry count is untrusted: visit only the entries that are present.
  std::size_t count = in.u16(ifd);
  std::size_t present = (tiff.size() - ifd - 2) / kEntrySize;
  if (count > present) count = present;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t entry = ifd + 2 + i * kEntrySize;
    if (in.u16(entry) != kOrientationTag) continue;
    std::uint32_t type = in.u16(entry + 2), n = in.u32(entry + 4);
    // A single SHORT (or, from lax writers, LONG) sits in the value field
    // itself, left-aligned; anything else is not a usable orientation.
    std::uint32_t value = 0;
    if (type == kTypeShort && n == 1)
      value = in.u16(entry + 8);
    else if (type == kTypeLong && n == 1)
      value = in.u32(entry + 8);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace khung::detail
