#pragma once
// Sine and cosine from the four arithmetic operations alone, so that every
// build (glibc's libm natively, musl's in WebAssembly) computes the same
// bits: the photo path's filter weights and turns are rounded from these, and
// the phone's pixels must be the server's.

#include <cmath>

namespace khung::detail {

// sin(pi x) for |x| below 2^52; exact at multiples of 1/2.
inline double sin_pi(double x) {
  // Reduce to r in [0, 2) (floor and the products by 2 are exact), then to
  // [0, 1/2] by the sine's symmetries.
  double r = x - 2 * std::floor(x / 2);
  double sign = 1;
  if (r >= 1) {
    r -= 1;
    sign = -1;
  }
  if (r > 0.5) r = 1 - r;
  if (r == 0) return 0;
  if (r == 0.5) return sign;
  // Taylor series of sin(t), t = pi r in (0, pi/2): the terms fall below
  // 2^-60 of the result by t^23 / 23!.
  const double t = 3.14159265358979323846 * r, t2 = t * t;
  double term = t, sum = t;
  for (int n = 3; n <= 23; n += 2) {
    term *= -t2 / ((n - 1) * n);
    sum += term;
  }
  return sign * sum;
}

// cos(pi x), from sin_pi.
inline double cos_pi(double x) { return sin_pi(x + 0.5); }

}  // namespace khung::detail
