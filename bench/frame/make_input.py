#!/usr/bin/python3
"""Makes the frame benchmark's input: a photo-like 4032x3024 JPEG (quality 92,
4:2:0, no EXIF), deterministic for a given numpy/Pillow.

It is the bundled sample photo (512x512) enlarged with a smooth filter to
3024x3024 in the middle of a 4:3 phone-camera frame, on a blurred, darkened
stretch of itself; then a soft light fall-off, gentle low-frequency shading and
a fine seeded grain, so the JPEG holds about as much detail as a phone photo.

Usage: make_input.py ASTRONAUT.png OUT.jpg
"""
import sys

import numpy as np
from PIL import Image, ImageFilter

W, H = 4032, 3024


def main(src_path: str, out_path: str) -> None:
    src = Image.open(src_path).convert("RGB")

    # Background: the photo stretched to the whole frame, blurred and dimmed.
    back = src.resize((W // 8, H // 8), Image.BICUBIC).filter(ImageFilter.GaussianBlur(6))
    back = np.asarray(back.resize((W, H), Image.BICUBIC), dtype=np.float32) * 0.55

    # Foreground: the photo enlarged smoothly to HxH, feathered into the sides.
    fore = np.asarray(src.resize((H, H), Image.LANCZOS), dtype=np.float32)
    x0 = (W - H) // 2
    feather = 160.0
    xs = np.arange(H, dtype=np.float32)
    edge = np.minimum(xs, H - 1 - xs)
    weight = np.clip(edge / feather, 0.0, 1.0)[None, :, None]
    img = back
    img[:, x0:x0 + H] = fore * weight + img[:, x0:x0 + H] * (1 - weight)

    # Light: vignette and two slow shading waves (as a lens and room give).
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2
    light = 1.0 - 0.18 * r2
    light += 0.035 * np.sin(xx / 517.0 + 0.7) * np.cos(yy / 389.0 - 0.3)
    img *= light[:, :, None]
    img += (4.0 * np.sin((xx + 0.6 * yy) / 41.0))[:, :, None] * np.array([0.6, 0.8, 1.0], np.float32)
    del xx, yy, r2, light

    # Grain: seeded, slightly soft (a sensor's noise after demosaicing).
    rng = np.random.default_rng(20240601)
    grain = rng.normal(0.0, 3.2, (H, W)).astype(np.float32)
    for axis in (0, 1):  # [1 2 1] / 4 along each axis
        grain = (np.roll(grain, 1, axis) + 2 * grain + np.roll(grain, -1, axis)) * 0.25
    grain *= 2.4
    chroma = rng.normal(0.0, 1.2, (H // 2, W // 2, 3)).astype(np.float32)
    chroma = chroma.repeat(2, axis=0).repeat(2, axis=1)
    img += grain[:, :, None] + chroma

    out = Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8), "RGB")
    out.save(out_path, "JPEG", quality=92, subsampling=2, optimize=False)  # 4:2:0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
