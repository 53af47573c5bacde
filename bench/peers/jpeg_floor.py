#!/usr/bin/python3
"""Job M's codec floor: COUNT JPEG encodes (quality 90, 4:2:0) of one
in-memory RGB image by Pillow's encoder (libjpeg-turbo on Debian), each
written to DIR/<n>.jpg, in one process: what writing the batch costs with
no drawing at all.

Usage: jpeg_floor.py IMAGE COUNT DIR
"""
import os
import sys

from PIL import Image

if len(sys.argv) != 4:
    sys.exit(__doc__)
im = Image.open(sys.argv[1]).convert("RGB")
im.load()
os.makedirs(sys.argv[3], exist_ok=True)
for n in range(1, int(sys.argv[2]) + 1):
    im.save(os.path.join(sys.argv[3], f"{n}.jpg"), "JPEG", quality=90, subsampling=2)
