#include "batch/row_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace khung::detail {
namespace {

constexpr std::size_t kChunkBytes = 64u << 10;

}  // namespace

std::string megabytes(std::size_t bytes) { return std::to_string(bytes >> 20) + " MB"; }

std::string data_prefix(const std::filesystem::path& path) { return "data '" + path.string() + "': "; }

void fail_at_line(const std::filesystem::path& path, std::size_t line, const std::string& why) {
  throw Error(ErrorCode::InvalidArgument, data_prefix(path) + "line " + std::to_string(line) + ": " + why);
}

std::size_t line_at(std::string_view text, std::size_t offset, std::size_t first) {
  offset = std::min(offset, text.size());
  return first +
         static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

ByteReader::ByteReader(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::Io, data_prefix(path) + "is a folder, not a file");
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (!file_) throw Error(ErrorCode::Io, data_prefix(path) + std::strerror(errno));
}

void ByteReader::skip(std::size_t n) {
  fill(n);
  pos_ = std::min(pos_ + n, buf_.size());
}

bool ByteReader::fill(std::size_t need) {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  while (buf_.size() < need && !eof_) {
    std::size_t old = buf_.size();
    buf_.resize(old + kChunkBytes);
    std::size_t n = std::fread(buf_.data() + old, 1, kChunkBytes, file_.get());
    buf_.resize(old + n);
    if (n < kChunkBytes) {
      if (std::ferror(file_.get())) throw Error(ErrorCode::Io, data_prefix(path_) + std::strerror(errno));
      eof_ = true;
    }
  }
  return buf_.size() >= need;
}

void skip_byte_order_mark(ByteReader& in, const std::filesystem::path& path) {
  int b0 = in.peek(0), b1 = in.peek(1), b2 = in.peek(2), b3 = in.peek(3);
  if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF))
    throw Error(ErrorCode::InvalidArgument,
                data_prefix(path) + "the file is UTF-16 text; save it as CSV UTF-8 or JSON");
  if ((b0 == 'P' && b1 == 'K' && b2 == 3 && b3 == 4) || (b0 == 0xD0 && b1 == 0xCF && b2 == 0x11 && b3 == 0xE0))
    throw Error(ErrorCode::InvalidArgument,
                data_prefix(path) + "the file is a spreadsheet workbook, not text; save it as CSV UTF-8");
  if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) in.skip(3);
}

}  // namespace khung::detail
