#!/usr/bin/python3
"""The cover banner from Python: khung beside Pillow, in one process.

Each tool makes the bundled cover banner (1640x624) 200 times, each time with
a different Vietnamese unit name in its {{unit}} layer, as in-memory RGBA
images (no encoding, no files):

- khung: khung.Template("cover").render(fields={"unit": name}); and the same
  on 2 threads (khung releases the GIL while it renders).
- Pillow: the static part of the banner (every layer but {{unit}}) rendered
  once by khung, then per name a copy of it with the name drawn by
  ImageDraw.text in NotoSans-Bold.ttf (the cover's font), laid out as the
  template asks: the largest size from 40 down to 22 px at which the name
  wraps into at most 2 lines inside the 990x100 box, else 22 px and the
  second line cut with "…"; raqm layout when Pillow has it. And the same on
  2 threads.
- khung over the pre-rendered background: what Pillow does, done by khung: a
  template of two layers, that background as an image and the cover's own
  {{unit}} text layer (balance wrapping, auto-fit, ellipsis).
- khung, the static layers alone: the cover without {{unit}} (where the
  full render's time goes).

Rounds: one warm-up, then --rounds timed rounds; each round runs every tool
once, the order turned by one each round. Prints images per second (median
of the rounds), and the ratio to khung, as a Markdown table.

Usage: bench.py [--rounds 3] [--count 200] [--scratch DIR]
(PYTHONPATH must reach the built khung package; bench/python/run sets it.)
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

import khung

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "assets" / "templates"
FONT = ROOT / "fonts" / "NotoSans-Bold.ttf"

KINDS = ["Công đoàn", "Công đoàn cơ sở", "Công đoàn ngành", "Công đoàn Tổng công ty", "Công đoàn Công ty"]
ORGS = ["Điện lực", "Bệnh viện Đa khoa", "Trường Đại học Sư phạm", "Ngân hàng Thương mại", "Cảng biển",
        "Dệt may", "Viễn thông", "Đường sắt", "Than – Khoáng sản", "Xây dựng Công trình Giao thông"]
PLACES = ["Hà Nội", "Hải Phòng", "Đà Nẵng", "Thừa Thiên Huế", "Cần Thơ", "Quảng Ninh", "Nghệ An",
          "Bà Rịa – Vũng Tàu", "Khánh Hòa", "Đắk Lắk", "Thành phố Hồ Chí Minh", "Lào Cai"]


def unit_names(count: int) -> list[str]:
    names, i = [], 0
    while len(names) < count:
        kind, org, place = KINDS[i % len(KINDS)], ORGS[(i // 5) % len(ORGS)], PLACES[(i * 7) % len(PLACES)]
        name = f"{kind} {org} {place}"
        if name not in names:
            names.append(name)
        i += 1
    return names


def unit_layer(cover: dict) -> dict:
    [layer] = [l for l in cover["layers"] if l.get("text") == "{{unit}}"]
    return layer


def background(scratch: Path) -> tuple[Image.Image, khung.Template, khung.Template]:
    """The cover without its {{unit}} layer, rendered once by khung, as a
    Pillow image; a khung template drawing the {{unit}} layer over that same
    pre-rendered background (the work Pillow does, done by khung); and the
    template of the background itself."""
    cover = json.loads((TEMPLATES / "cover.json").read_text())
    layer = unit_layer(cover)
    cover["layers"].remove(layer)
    fields = cover.pop("fields")
    folder = scratch / "cover-background"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(TEMPLATES / "images", folder / "images")
    (folder / "background.json").write_text(json.dumps(cover, ensure_ascii=False))
    bg = khung.render(str(folder / "background.json"))
    bg.save(folder / "background.png")
    over = {"width": cover["width"], "height": cover["height"], "fields": fields,
            "layers": [{"type": "image", "src": "background.png"}, layer]}
    (folder / "over-background.json").write_text(json.dumps(over, ensure_ascii=False))
    return (Image.fromarray(bg.to_numpy()), khung.Template(str(folder / "over-background.json")),
            khung.Template(str(folder / "background.json")))


class PillowCover:
    """The {{unit}} layer drawn with Pillow on a copy of the background."""

    def __init__(self, bg: Image.Image, layer: dict) -> None:
        self.bg = bg
        self.x, self.y, self.width, self.height = layer["box"]
        self.min_size, self.max_size = layer["font"]["size"]
        self.max_lines = layer["max_lines"]
        self.line_height = layer.get("line_height", 1.2)
        self.color = layer["color"]
        engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
        self.language = "vi" if engine == ImageFont.Layout.RAQM else None
        # Loaded once, as khung loads its fonts once.
        self.fonts = {s: ImageFont.truetype(str(FONT), s, layout_engine=engine)
                      for s in range(self.min_size, self.max_size + 1)}

    def wrap(self, text: str, font: ImageFont.FreeTypeFont) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and font.getlength(lines[-1] + " " + word, language=self.language) <= self.width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return lines

    def fit(self, text: str) -> tuple[ImageFont.FreeTypeFont, list[str]]:
        for size in range(self.max_size, self.min_size - 1, -1):
            font = self.fonts[size]
            lines = self.wrap(text, font)
            if len(lines) <= self.max_lines and len(lines) * size * self.line_height <= self.height and all(
                    font.getlength(line, language=self.language) <= self.width for line in lines):
                return font, lines
        font = self.fonts[self.min_size]
        lines = self.wrap(text, font)[: self.max_lines]
        while font.getlength(lines[-1] + "…", language=self.language) > self.width and " " in lines[-1]:
            lines[-1] = lines[-1].rsplit(" ", 1)[0]
        lines[-1] += "…"
        return font, lines

    def render(self, text: str) -> Image.Image:
        font, lines = self.fit(text)
        im = self.bg.copy()
        draw = ImageDraw.Draw(im)
        step = font.size * self.line_height
        for i, line in enumerate(lines):
            draw.text((self.x, self.y + i * step), line, font=font, fill=self.color, language=self.language)
        return im


def timed(fn, names: list[str], threads: int) -> float:
    start = time.perf_counter()
    if threads == 1:
        for name in names:
            fn(name)
    else:
        # Each result is dropped as soon as it is made, as in the loop above
        # (collecting 200 banners of 4 MB would time the memory, not the
        # renders).
        def drop(name: str) -> None:
            fn(name)

        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(drop, names))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--scratch", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "khung-bench-python")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)

    names = unit_names(args.count)
    cover = khung.Template("cover")
    bg, over_bg, static_layers = background(args.scratch)
    pillow = PillowCover(bg, unit_layer(json.loads((TEMPLATES / "cover.json").read_text())))

    def khung_one(name: str) -> object:
        return cover.render(fields={"unit": name})

    def khung_over_bg(name: str) -> object:
        return over_bg.render(fields={"unit": name})

    def khung_static(name: str) -> object:
        return static_layers.render()

    tools = [("khung", khung_one, 1), ("pillow", pillow.render, 1), ("khung, 2 threads", khung_one, 2),
             ("pillow, 2 threads", pillow.render, 2), ("khung over the pre-rendered background", khung_over_bg, 1),
             ("khung, the static layers alone", khung_static, 1)]

    # Same banner? One name drawn by both, compared outside the unit's box
    # (identical by construction) and inside it.
    sample = names[7]
    a = khung_one(sample)
    b = np.asarray(pillow.render(sample).convert("RGBA"))
    mine = np.asarray(a)
    x, y, w, h = unit_layer(json.loads((TEMPLATES / "cover.json").read_text()))["box"]
    box = (slice(y, y + h), slice(x, x + w))
    outside = mine.copy(), b.copy()
    outside[0][box] = outside[1][box] = 0
    Image.fromarray(a.to_numpy()).save(args.scratch / "khung.png")
    Image.fromarray(b).save(args.scratch / "pillow.png")

    for _, fn, threads in tools:  # warm-up: fonts, glyph caches
        timed(fn, names[:20], threads)
    times: dict[str, list[float]] = {label: [] for label, _, _ in tools}
    for r in range(args.rounds):
        order = tools[r % len(tools):] + tools[: r % len(tools)]
        for label, fn, threads in order:
            times[label].append(timed(fn, names, threads))
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{l} {times[l][-1]:.2f} s" for l, _, _ in tools),
              file=sys.stderr)

    rate = {label: len(names) / statistics.median(t) for label, t in times.items()}
    print(f"\ncover banner (1640x624), {len(names)} different unit names, in-memory RGBA; "
          f"median of {args.rounds} rounds; {os.cpu_count()} cores")
    print(f"khung {khung.__version__}, Pillow {Image.__version__} "
          f"({'raqm' if pillow.language else 'basic'} layout), numpy {np.__version__}\n")
    print("| tool | images/s | ms per image | fastest-slowest round, s | images/s vs khung |")
    print("|---|---|---|---|---|")
    for label, t in times.items():
        print(f"| {label} | {rate[label]:.1f} | {1000 / rate[label]:.1f} | {min(t):.2f}-{max(t):.2f} | "
              f"{rate[label] / rate['khung']:.2f} |")
    print(f"\nkhung / Pillow, images/s, one thread each: {rate['khung'] / rate['pillow']:.2f} (whole banner vs "
          f"text on a ready background); {rate['khung over the pre-rendered background'] / rate['pillow']:.2f} "
          f"(both drawing the text on the ready background)")
    same = np.array_equal(outside[0], outside[1])
    diff = np.abs(mine[box].astype(int) - b[box].astype(int)).mean()
    print(f"same banner: pixels outside the unit box {'identical' if same else 'DIFFER'}; "
          f"inside it, mean |difference| {diff:.1f}/255 (different text engines); "
          f"samples in {args.scratch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
