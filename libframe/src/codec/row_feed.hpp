#pragma once
// Rows of a photo handed from the thread that decodes it to one that
// resamples it as they come (load_and_render): the resampling of the top of
// the photo overlaps the decoding of the rest.

#include "codec/codecs.hpp"
#include "khung/image.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace khung::detail {

class RowFeed {
 public:
  // The stored pixels, allocated by the decoder before start(); the feed
  // owns them so that they outlive both threads' use.
  Image image;
  // What the decoder planned, set before start() or fail() once the header
  // is read (scale 0/0 until then): the JPEG's size as stored, its EXIF
  // orientation and the reduction it is decoded at, so that the reader can
  // tell whether this decode is the one it wants.
  struct Plan {
    Size stored;
    int orientation = 1;
    ScaleFactor scale{0, 0};
  } plan;
  // The colour conversion to sRGB the rows still need (null: none), set
  // before start(): the reader applies it to what it draws from them.
  std::shared_ptr<const ColorConversion> conversion;

  // Decoder: `image` is allocated (its EXIF orientation given); then rows
  // [0, n) are final; or it gave up (the reader must stop using `image`
  // at its next wait; the decoder's result says why).
  void start(int orientation);
  void rows(int n);
  void fail();

  // Reader: waits for start(); false when the decoder gave up first.
  bool wait_start(int& orientation);
  // Waits until rows [0, n) are final; false when the decoder gave up.
  bool wait_rows(int n);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int orientation_ = 1, rows_ = 0;
  bool started_ = false, failed_ = false;
};

}  // namespace khung::detail
