#!/usr/bin/python3
"""Makes the frame benchmark's input: a photo-like 4032x3024 JPEG (quality 92,
4:2:0, no EXIF), deterministic for a given numpy/Pillow.

It is the bundled sample photo (512x512) enlarged with a smooth filter to
3024x3024 in the middle of a 4:3 phone-camera frame, on a blurred, darkened
stretch of itself; then a soft light fall-off, gentle low-frequency shading and
a fine seeded grain, so the JPEG holds about as much detail as a phone photo.

Usage: make_input.py ASTRONAUT.png OUT.jpg
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchlib import photo_like, to_image  # noqa: E402

W, H = 4032, 3024


def main(src_path: str, out_path: str) -> None:
    img = photo_like(src_path, W, H, blur=6, feather=160.0, wave=(517.0, 389.0), texture=41.0)
    to_image(img).save(out_path, "JPEG", quality=92, subsampling=2, optimize=False)  # 4:2:0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
