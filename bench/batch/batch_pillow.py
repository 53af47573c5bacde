#!/usr/bin/python3
"""The batch job with Pillow, in one process: for each row of the data file,
the cover's static background (rendered once by Khung, without the unit text)
is copied, the unit name is drawn in Noto Sans Bold in the unit text box, and
the result is written as JPEG quality 90 (4:2:0) to OUT_DIR/<row>.jpg.

Text fitting, as close to the cover's text layer as Pillow allows: sizes from
MAX down to MIN px; greedy word wrap by advance width (font.getlength) to the
box width; the size fits when it takes at most MAX_LINES lines and the block
fits the box height, measured as Khung does: the first baseline at the font's
ascent (lower if ink rises above it), baselines 1.2 x size apart (further if
ink would come within 5% of the size), the block's foot at the last baseline
plus the descent (or the ink, if lower). Left/top aligned. Text that does not
fit at MIN is cut with an ellipsis on its last line. Khung balances its lines
(`wrap: balance`); this wraps greedily.

Layout engine: raqm (HarfBuzz shaping, language "vi") when Pillow has it,
else Pillow's basic layout; the one used is printed on stderr.

Usage: batch_pillow.py BACKGROUND.png DATA.csv FONT.ttf OUT_DIR X Y W H MIN MAX MAX_LINES
"""
import csv
import os
import sys

from PIL import Image, ImageDraw, ImageFont, features

LINE_HEIGHT = 1.2
ELLIPSIS = "\u2026"


class Fitter:
    def __init__(self, font_path, box, min_size, max_size, max_lines):
        self.raqm = features.check("raqm")
        self.layout = ImageFont.Layout.RAQM if self.raqm else ImageFont.Layout.BASIC
        self.font_path, self.box = font_path, box
        self.sizes = range(max_size, min_size - 1, -1)
        self.max_lines = max_lines
        self.fonts = {}
        self.lang = {"language": "vi"} if self.raqm else {}

    def font(self, size):
        f = self.fonts.get(size)
        if f is None:
            f = self.fonts[size] = ImageFont.truetype(self.font_path, size, layout_engine=self.layout)
        return f

    def wrap(self, font, words, width):
        lines, cur = [], ""
        for w in words:
            t = f"{cur} {w}" if cur else w
            if cur and font.getlength(t, **self.lang) > width:
                lines.append(cur)
                cur = w
            else:
                cur = t
        if cur:
            lines.append(cur)
        return lines

    def place(self, font, size, lines):
        """Baselines (from the box top) and the block height, measured from ink."""
        ascent, descent = font.getmetrics()
        pitch, gap = round(LINE_HEIGHT * size), max(1, round(size * 0.05))
        inks = [font.getbbox(t, anchor="ls", **self.lang) for t in lines]  # (l, top, r, bottom) from the baseline
        base = [max(ascent, -inks[0][1])]
        for k in range(1, len(lines)):
            need = inks[k - 1][3] - inks[k][1] + gap
            base.append(base[-1] + max(pitch, need))
        return base, base[-1] + max(descent, inks[-1][3]), max(i[2] for i in inks)

    def fit(self, text):
        words = text.split()
        x, y, w, h = self.box
        for size in self.sizes:
            font = self.font(size)
            lines = self.wrap(font, words, w)
            if len(lines) > self.max_lines:
                continue
            base, height, right = self.place(font, size, lines)
            if height <= h and right <= w:
                return font, lines, base, size
        # Overflow "ellipsis" at the smallest size: cut the last allowed line.
        font = self.font(self.sizes[-1])
        lines = self.wrap(font, words, w)[: self.max_lines]
        last = lines[-1]
        while last and font.getlength(last + ELLIPSIS, **self.lang) > w:
            last = last[:-1].rstrip()
        lines[-1] = last + ELLIPSIS
        base, _, _ = self.place(font, self.sizes[-1], lines)
        return font, lines, base, self.sizes[-1]


def main(background, data, font_path, out_dir, x, y, w, h, min_size, max_size, max_lines):
    box = (int(x), int(y), int(w), int(h))
    fitter = Fitter(font_path, box, int(min_size), int(max_size), int(max_lines))
    print(f"pillow {Image.__version__}: layout engine {'raqm' if fitter.raqm else 'basic'}"
          + (f" (libraqm {features.version('raqm')})" if fitter.raqm else ""), file=sys.stderr)
    bg = Image.open(background).convert("RGB")
    bg.load()
    os.makedirs(out_dir, exist_ok=True)
    sizes = {}
    with open(data, newline="", encoding="utf-8-sig") as f:
        for row, rec in enumerate(csv.DictReader(f), start=1):
            font, lines, base, size = fitter.fit(rec["unit"])
            sizes[size] = sizes.get(size, 0) + 1
            im = bg.copy()
            draw = ImageDraw.Draw(im)
            for t, b in zip(lines, base):
                draw.text((box[0], box[1] + b), t, font=font, fill=(255, 255, 255), anchor="ls", **fitter.lang)
            im.save(os.path.join(out_dir, f"{row}.jpg"), "JPEG", quality=90, subsampling=2)
    # One line for bench/batch/run's report: the sizes used (px:rows).
    print(f"pillow: {row} rows; sizes " + " ".join(f"{k}:{v}" for k, v in sorted(sizes.items(), reverse=True)),
          file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 12:
        sys.exit(__doc__)
    main(*sys.argv[1:])
