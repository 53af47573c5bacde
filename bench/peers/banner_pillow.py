#!/usr/bin/python3
"""Jobs B and M with Pillow (Debian's python3-pil, which has raqm): the bench
banner drawn as bench/run's SPEC.json describes it (made from
bench/banner/banner.json): the background JPEG, the logo PNG pasted with its
alpha, and each text line in its bundled Noto font, laid out by raqm
(HarfBuzz, language "vi"), drawn with ImageDraw.text at the template's pen
position and first baseline (anchor "ls").

  banner_pillow.py SPEC.json NAME OUT...       job B: one banner, written to
                                               each OUT (.png; .jpg at the
                                               SPEC's quality, 4:2:0)
  banner_pillow.py SPEC.json --data CSV DIR    job M: one banner per row of
                                               CSV (column `name`) as
                                               DIR/<row>.jpg; the part that is
                                               the same in every row
                                               (background, logo, fixed lines)
                                               is drawn once and copied
"""
import csv
import json
import os
import sys

from PIL import Image, ImageDraw, ImageFont


def load(spec_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    for line in spec["lines"]:
        line["_font"] = ImageFont.truetype(line["font"], line["size"], layout_engine=ImageFont.Layout.RAQM)
    return spec


def draw_line(im, line, text):
    bx, by = line["box"][:2]
    ImageDraw.Draw(im).text((bx, by + line["baseline"]), text, font=line["_font"], fill=line["color"],
                            anchor="ls", language="vi")


def base(spec):
    im = Image.open(spec["background"]).convert("RGB")
    logo = Image.open(spec["logo"]["src"]).convert("RGBA")
    im.paste(logo, (spec["logo"]["x"], spec["logo"]["y"]), logo)
    for line in spec["lines"]:
        if "{{" not in line["text"]:
            draw_line(im, line, line["text"])
    return im


def fill(line, name):
    return line["text"].replace("{{name}}", name)


def save(im, path, quality):
    if path.lower().endswith((".jpg", ".jpeg")):
        im.save(path, "JPEG", quality=quality, subsampling=2)
    else:
        im.save(path)


def main(argv):
    if len(argv) >= 3 and argv[1] != "--data":
        spec = load(argv[0])
        im = base(spec)
        for line in spec["lines"]:
            if "{{" in line["text"]:
                draw_line(im, line, fill(line, argv[1]))
        for out in argv[2:]:
            save(im, out, spec["quality"])
    elif len(argv) == 4 and argv[1] == "--data":
        spec = load(argv[0])
        im0 = base(spec)
        field_lines = [line for line in spec["lines"] if "{{" in line["text"]]
        os.makedirs(argv[3], exist_ok=True)
        with open(argv[2], newline="", encoding="utf-8-sig") as f:
            for row, rec in enumerate(csv.DictReader(f), start=1):
                im = im0.copy()
                for line in field_lines:
                    draw_line(im, line, fill(line, rec["name"]))
                im.save(os.path.join(argv[3], f"{row}.jpg"), "JPEG", quality=spec["quality"], subsampling=2)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
