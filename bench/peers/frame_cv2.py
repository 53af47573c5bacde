#!/usr/bin/python3
"""Job F with OpenCV-Python (Debian's python3-opencv): imread with
IMREAD_REDUCED_COLOR_2 (libjpeg's 1/2 DCT-scaled decode; imread applies the
EXIF orientation), cover-resized with INTER_AREA (OpenCV's choice for
shrinking) and centre-cropped to the photo window, placed on a white canvas
the overlay's size, the ring overlay (read with its alpha) blended over it in
integers, written with imwrite as JPEG quality 90 (4:2:0, libjpeg's default).

Usage: frame_cv2.py PHOTO.jpg OVERLAY.png WIN_X WIN_Y WIN_SIZE OUT.jpg
"""
import sys

import cv2
import numpy as np


def main(photo, overlay, wx, wy, ws, out):
    x, y, size = int(wx), int(wy), int(ws)
    im = cv2.imread(photo, cv2.IMREAD_REDUCED_COLOR_2)  # BGR, upright
    if im is None:
        sys.exit(f"frame_cv2.py: cannot read {photo}")
    h, w = im.shape[:2]
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    im = cv2.resize(im, (nw, nh), interpolation=cv2.INTER_AREA)
    x0, y0 = (nw - size) // 2, (nh - size) // 2
    ov = cv2.imread(overlay, cv2.IMREAD_UNCHANGED)  # BGRA
    H, W = ov.shape[:2]
    canvas = np.full((H, W, 3), 255, np.uint8)
    canvas[y:y + size, x:x + size] = im[y0:y0 + size, x0:x0 + size]
    a = ov[:, :, 3:4].astype(np.uint16)
    blended = (ov[:, :, :3].astype(np.uint16) * a + canvas.astype(np.uint16) * (255 - a) + 127) // 255
    if not cv2.imwrite(out, blended.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90]):
        sys.exit(f"frame_cv2.py: cannot write {out}")


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
