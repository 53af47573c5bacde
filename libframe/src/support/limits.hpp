#pragma once
// Limits more than one family keeps to.

namespace khung::detail {

// The largest canvas side a template may declare, and how far its
// coordinates reach either way, in pixels.
constexpr int kMaxSide = 8192;

}  // namespace khung::detail
