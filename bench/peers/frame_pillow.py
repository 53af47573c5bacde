#!/usr/bin/python3
"""Job F with Pillow: the photo turned upright by its EXIF orientation,
cover-resized (Lanczos) to the frame's photo window, placed on a white canvas
the overlay's size, the ring overlay composited over it, written as JPEG
quality 90, 4:2:0. One process per run.

It shrinks on load as khung and sharp do: draft() lets libjpeg decode at a
reduced DCT scale no smaller than the window needs (what Image.thumbnail
does), before exif_transpose() turns the smaller image.

Usage: frame_pillow.py PHOTO.jpg OVERLAY.png WIN_X WIN_Y WIN_SIZE OUT.jpg
"""
import sys

from PIL import Image, ImageOps


def main(photo, overlay, wx, wy, ws, out):
    x, y, size = int(wx), int(wy), int(ws)
    frame = Image.open(overlay).convert("RGBA")
    im = Image.open(photo)
    scale = size / min(im.size)  # cover: the shorter side fills the window (either orientation)
    im.draft("RGB", (int(im.size[0] * scale + 0.999), int(im.size[1] * scale + 0.999)))
    im = ImageOps.exif_transpose(im)
    im = ImageOps.fit(im.convert("RGB"), (size, size), Image.LANCZOS, centering=(0.5, 0.5))
    canvas = Image.new("RGBA", frame.size, (255, 255, 255, 255))
    canvas.paste(im, (x, y))
    canvas.alpha_composite(frame)
    canvas.convert("RGB").save(out, "JPEG", quality=90, subsampling=2)


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
