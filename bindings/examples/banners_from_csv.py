#!/usr/bin/env python3
"""Cover banners from a spreadsheet: one image per row of a CSV file.

    python3 banners_from_csv.py units.csv OUT [--template cover] [--format png]

The CSV's header names the columns; the columns named like the template's
fields ({{unit}} for the cover) fill them, others are ignored. Excel's and
Google Sheets' CSV both work (UTF-8, with or without a byte-order mark).
Each row becomes OUT/<row>-<name>.<format>, the name made from the row's
first field. A row that fails (a missing field, text that cannot fit) is
reported with Khung's message and the others go on; the exit status is 1 if
any failed. (`khung batch` does the same from the command line.)
"""

import argparse
import csv
import re
import sys
import unicodedata
from pathlib import Path

import khung


def file_name(text: str) -> str:
    """'Công đoàn Điện lực' -> 'cong-doan-dien-luc' (ASCII, for file names)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "banner"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="One banner per row of a CSV file.")
    parser.add_argument("data", type=Path, help="CSV file with a header row")
    parser.add_argument("out", type=Path, help="folder for the banners (created if missing)")
    parser.add_argument("--template", default="cover", help="a bundled banner id or a .json file")
    parser.add_argument("--format", choices=["png", "jpg", "webp"], default="png")
    parser.add_argument("--quality", type=int, default=90, help="for jpg and webp")
    args = parser.parse_args(argv)

    try:
        template = khung.Template(args.template)
    except khung.Error as e:
        print(f"banners_from_csv: {e}", file=sys.stderr)
        return 2
    names = [f.name for f in template.fields]
    args.out.mkdir(parents=True, exist_ok=True)

    rendered = failed = 0
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets the
    # csv module handle line ends inside quoted values.
    with open(args.data, newline="", encoding="utf-8-sig") as f:
        for row_number, row in enumerate(csv.DictReader(f), start=1):
            fields = {name: row[name] for name in names if row.get(name) is not None}
            label = fields.get(names[0], "") if names else ""
            target = args.out / f"{row_number:04d}-{file_name(label)}.{args.format}"
            try:
                template.render(fields=fields).save(target, quality=args.quality)
            except khung.Error as e:
                failed += 1
                print(f"banners_from_csv: row {row_number}: {e}", file=sys.stderr)
                continue
            rendered += 1
            print(target)
    print(f"{rendered} rendered, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
