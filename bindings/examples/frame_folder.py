#!/usr/bin/env python3
"""Frame every photo in a folder: one framed JPEG per photo.

    python3 frame_folder.py PHOTOS OUT [--template frame-ring] [--focus face]
                            [--zoom 1.2] [--quality 90] [--jobs 4]

Photos are found by extension (.jpg .jpeg .png .webp .heic .gif .bmp, any
case); each becomes OUT/<name>.jpg. Renders run on several threads (Khung
releases the GIL while it renders). A photo that cannot be framed is
reported with Khung's message and does not stop the others; the exit status
is 1 if any failed.
"""

import argparse
import concurrent.futures
import os
import sys
from pathlib import Path

import khung

PHOTO_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".gif", ".bmp"}


def frame_one(template: khung.Template, photo: Path, out: Path, args: argparse.Namespace) -> Path:
    target = out / (photo.stem + ".jpg")
    image = template.render(photo, zoom=args.zoom, focus=args.focus)
    image.save(target, quality=args.quality)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Frame every photo in a folder.")
    parser.add_argument("photos", type=Path, help="folder of photos")
    parser.add_argument("out", type=Path, help="folder for the framed JPEGs (created if missing)")
    parser.add_argument("--template", default="frame-ring", help="a bundled frame id or a .json file")
    parser.add_argument("--focus", choices=["center", "face"], default="face")
    parser.add_argument("--zoom", type=float, default=1.0)
    parser.add_argument("--quality", type=int, default=90)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    try:
        template = khung.Template(args.template)
    except khung.Error as e:
        print(f"frame_folder: {e}", file=sys.stderr)
        return 2
    if not template.has_photo:
        print(f"frame_folder: template '{template.id}' is a banner, not a frame", file=sys.stderr)
        return 2
    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in PHOTO_EXTENSIONS and p.is_file())
    args.out.mkdir(parents=True, exist_ok=True)

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(frame_one, template, p, args.out, args): p for p in photos}
        for future in concurrent.futures.as_completed(futures):
            try:
                print(future.result())
            except khung.Error as e:
                failed += 1
                print(f"frame_folder: {futures[future].name}: {e}", file=sys.stderr)
    print(f"{len(photos) - failed} framed, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
