#pragma once
// Drawing a photo that is still as stored, EXIF orientation not yet applied.

#include "khung/photo.hpp"

namespace khung::detail {

// draw_photo of apply_orientation(stored, orientation), with the turn folded
// into the resampling when the placement is upright and centred (no pass
// over the photo to turn it, no second copy); else it turns it first.
// `stored` is opaque when orientation > 1 (only JPEG carries one).
void draw_stored_photo(Image& canvas, Image stored, int orientation, const WindowMask& window,
                       const Placement& placement);

class RowFeed;

// The same, for a photo still arriving in feed.image: the resampling takes
// rows as the feed makes them ready. False when the feed's decoder gave up
// (nothing is drawn then; the decoder's result says why).
bool draw_fed_photo(Image& canvas, RowFeed& feed, int orientation, const WindowMask& window,
                    const Placement& placement);

}  // namespace khung::detail
