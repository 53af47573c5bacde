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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchlib import photo_like, to_image  # noqa: E402

W, H = 1152, 864
BOUNDARY = "khung-bench-http-2f7c9e41a05b"


def make_photo(src_path: str) -> bytes:
    img = photo_like(src_path, W, H, blur=3, feather=48.0, wave=(148.0, 111.0), texture=12.0)
    buf = io.BytesIO()
    to_image(img).save(buf, "JPEG", quality=92, subsampling=2, optimize=False)  # 4:2:0
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
