#!/usr/bin/python3
"""Prints the frame benchmark's table from bench/frame/run's results.tsv and
checks that every tool did the same work: output size, and PSNR against khung's
own PNG render and against an independent reference (Pillow: full-resolution
decode, Lanczos cover-resize to the window, the overlay composited in float).
"""
import argparse
import csv
import datetime
import os
import platform
import statistics
import sys
from collections import defaultdict

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchlib import cpu_name, load_rgb, psnr  # noqa: E402




def independent_reference(photo, overlay, x, y, size):
    im = Image.open(photo).convert("RGB")  # full decode, no DCT scaling
    im = ImageOps.fit(im, (size, size), Image.LANCZOS, centering=(0.5, 0.5))
    frame = np.asarray(Image.open(overlay).convert("RGBA"), dtype=np.float64)
    canvas = np.full(frame.shape[:2] + (3,), 255.0)
    canvas[y:y + size, x:x + size] = np.asarray(im, dtype=np.float64)
    alpha = frame[:, :, 3:] / 255.0
    return frame[:, :, :3] * alpha + canvas * (1 - alpha), frame[:, :, 3] < 128



def main():
    ap = argparse.ArgumentParser()
    for name in ("results", "input", "overlay", "window", "ref-khung", "outputs", "tools", "versions"):
        ap.add_argument("--" + name, required=True)
    args = ap.parse_args()
    tools = args.tools.split(",")
    x, y, size = (int(v) for v in args.window.split(","))

    rows = defaultdict(list)
    with open(args.results) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows[r["tool"]].append(r)

    def med(tool, key):
        return statistics.median(key(r) for r in rows[tool])

    wall = lambda r: int(r["wall_us"]) / 1000
    cpu = lambda r: (float(r["user_s"]) + float(r["sys_s"])) * 1000
    rss = lambda r: int(r["maxrss_kb"]) / 1024
    stats = {}
    for t in tools + ["floor-" + t for t in tools]:
        if rows[t]:
            walls = [wall(r) for r in rows[t]]
            stats[t] = dict(wall=med(t, wall), lo=min(walls), hi=max(walls), cpu=med(t, cpu), rss=med(t, rss),
                            bytes=int(rows[t][-1]["bytes"]), n=len(walls))

    runs = stats[tools[0]]["n"]
    print()
    print(f"frame: {os.path.basename(args.input)} ({os.path.getsize(args.input)} bytes) -> 1080x1080 ring frame, "
          f"JPEG q90 4:2:0; whole processes; medians of {runs} runs after 1 warm-up, interleaved")
    print(f"date {datetime.date.today().isoformat()}; {os.cpu_count()} cores, {cpu_name()}; "
          f"{platform.system()} {platform.release()}")
    print("versions: " + "; ".join(args.versions.split(";")))
    print()
    k = stats.get("khung")
    head = "| tool | wall ms | wall min-max | CPU ms | peak RSS MB | output bytes |"
    if k:
        head += " wall / khung | CPU / khung | RSS / khung |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for t in tools:
        s = stats[t]
        line = (f"| {t} | {s['wall']:.0f} | {s['lo']:.0f}-{s['hi']:.0f} | {s['cpu']:.0f} | {s['rss']:.1f} "
                f"| {s['bytes']} |")
        if k:
            line += f" {s['wall'] / k['wall']:.2f} | {s['cpu'] / k['cpu']:.2f} | {s['rss'] / k['rss']:.2f} |"
        print(line)
    peers = [t for t in tools if t != "khung"]
    if k and peers:
        fastest = min(peers, key=lambda t: stats[t]["wall"])
        print()
        print(f"khung speed-up vs the fastest peer ({fastest}), wall: {stats[fastest]['wall'] / k['wall']:.2f}x; "
              f"CPU: {stats[fastest]['cpu'] / k['cpu']:.2f}x")

    print()
    print("start-up floor (the same program and libraries loaded, no image work), and the work above it:")
    print()
    print("| tool | floor command | floor wall ms | floor CPU ms | floor RSS MB | job wall - floor ms |")
    print("|---|---|---|---|---|---|")
    floor_cmd = {"khung": "khung --help", "sharp": "node -e \"import 'sharp'\"",
                 "pillow": "python3 -c 'from PIL import Image'", "vips": "vips --version, twice"}
    for t in tools:
        f = stats.get("floor-" + t)
        if f:
            print(f"| {t} | `{floor_cmd[t]}` | {f['wall']:.0f} | {f['cpu']:.0f} | {f['rss']:.1f} "
                  f"| {stats[t]['wall'] - f['wall']:.0f} |")

    print()
    print("same work? (PSNR in dB; 'window' = the overlay's transparent hole, where the photo shows)")
    print()
    ref_k = load_rgb(args.ref_khung)
    ref_i, hole = independent_reference(args.input, args.overlay, x, y, size)
    print("| tool | output size | PSNR vs khung PNG, whole | vs khung PNG, window | vs independent ref, window |")
    print("|---|---|---|---|---|")
    print(f"| khung PNG (reference) | {ref_k.shape[1]}x{ref_k.shape[0]} | - | - | {psnr(ref_k, ref_i, hole):.2f} |")
    ok = True
    for t in tools:
        out = load_rgb(os.path.join(args.outputs, t + ".jpg"))
        h, w = out.shape[:2]
        ok &= (w, h) == (1080, 1080)
        if (w, h) != ref_k.shape[1::-1]:
            print(f"| {t} | {w}x{h} (WRONG) | - | - | - |")
            continue
        print(f"| {t} | {w}x{h} | {psnr(out, ref_k):.2f} | {psnr(out, ref_k, hole):.2f} | {psnr(out, ref_i, hole):.2f} |")
    print()
    print("all outputs 1080x1080" if ok else "SOME OUTPUTS ARE NOT 1080x1080")


if __name__ == "__main__":
    main()
