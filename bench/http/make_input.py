#!/usr/bin/python3
"""Makes the HTTP benchmark's inputs, deterministic for a given numpy/Pillow:

- a photo-like 1152x864 JPEG (about 1 megapixel, quality 92, 4:2:0, no EXIF):
  the bundled sample photo (512x512) enlarged smoothly (Lanczos) to 864x864 in
  the middle of a 4:3 frame on a blurred, dimmed stretch of itself, with a
  vignette, slow shading, a fine diagonal texture and a seeded grain, so the
  JPEG holds about as much detail as a phone photo of that size;
- the multipart/form-data body that uploads it: part `photo` (the JPEG, as
  `photo.jpg`, image/jpeg) and field `format=jpeg`, CRLF line ends, with the
  fixed boundary BOUNDARY below (checked not to occur in the photo).

Usage: make_input.py ASTRONAUT.png OUT.jpg OUT_BODY.bin
Prints the boundary (the Content-Type is multipart/form-data; boundary=...).
"""
import io
import sys

import numpy as np
from PIL import Image, ImageFilter

W, H = 1152, 864
BOUNDARY = "khung-bench-http-2f7c9e41a05b"


def make_photo(src_path: str) -> bytes:
    src = Image.open(src_path).convert("RGB")

    # Background: the photo stretched to the whole frame, blurred and dimmed.
    back = src.resize((W // 8, H // 8), Image.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    back = np.asarray(back.resize((W, H), Image.BICUBIC), dtype=np.float32) * 0.55

    # Foreground: the photo enlarged smoothly to HxH, feathered into the sides.
    fore = np.asarray(src.resize((H, H), Image.LANCZOS), dtype=np.float32)
    x0 = (W - H) // 2
    feather = 48.0
    xs = np.arange(H, dtype=np.float32)
    edge = np.minimum(xs, H - 1 - xs)
    weight = np.clip(edge / feather, 0.0, 1.0)[None, :, None]
    img = back
    img[:, x0:x0 + H] = fore * weight + img[:, x0:x0 + H] * (1 - weight)

    # Light: vignette and two slow shading waves; a fine diagonal texture.
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2
    light = 1.0 - 0.18 * r2
    light += 0.035 * np.sin(xx / 148.0 + 0.7) * np.cos(yy / 111.0 - 0.3)
    img *= light[:, :, None]
    img += (4.0 * np.sin((xx + 0.6 * yy) / 12.0))[:, :, None] * np.array([0.6, 0.8, 1.0], np.float32)

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
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=92, subsampling=2, optimize=False)  # 4:2:0
    return buf.getvalue()


def multipart_body(photo: bytes) -> bytes:
    if BOUNDARY.encode() in photo:
        raise SystemExit("make_input.py: the boundary occurs in the photo; change BOUNDARY")
    crlf = b"\r\n"
    dash = b"--" + BOUNDARY.encode()
    return b"".join([
        dash, crlf,
        b'Content-Disposition: form-data; name="photo"; filename="photo.jpg"', crlf,
        b"Content-Type: image/jpeg", crlf, crlf,
        photo, crlf,
        dash, crlf,
        b'Content-Disposition: form-data; name="format"', crlf, crlf,
        b"jpeg", crlf,
        dash, b"--", crlf,
    ])


def main(src_path: str, photo_path: str, body_path: str) -> None:
    photo = make_photo(src_path)
    with open(photo_path, "wb") as f:
        f.write(photo)
    with open(body_path, "wb") as f:
        f.write(multipart_body(photo))
    print(BOUNDARY)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
