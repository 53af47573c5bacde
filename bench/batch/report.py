#!/usr/bin/python3
"""Prints the batch benchmark's table from bench/batch/run's results.tsv,
checks that every tool did the same work (every output there, 1640x624; PSNR
against khung's outputs, a sanity figure: the text is rasterised differently)
and writes a contact sheet: the unit text area of a few rows (the longest
name, the shortest, two at random), khung | Pillow | sharp side by side.
"""
import argparse
import csv
import datetime
import os
import platform
import random
import statistics
import sys
from collections import defaultdict

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchlib import cpu_name, psnr  # noqa: E402

WIDTH, HEIGHT = 1640, 624
KHUNG = ("khung-j2", "khung-j1", "khung-pre-j2", "khung-pre-j1")  # the reference: the first one run
FONT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fonts", "NotoSans-Regular.ttf")
LABEL = {"khung-j1": "khung --jobs 1", "khung-j2": "khung --jobs 2", "khung-pre-j1": "khung-pre --jobs 1",
         "khung-pre-j2": "khung-pre --jobs 2", "pillow": "pillow", "sharp": "sharp"}
SHIFT = 16
STACKED = set("ẤẦẨẪẬẮẰẲẴẶẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰ")




def timing_table(args, tools):
    rows = defaultdict(list)
    with open(args.results) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows[r["tool"]].append(r)
    wall = lambda r: int(r["wall_us"]) / 1e6
    cpu = lambda r: float(r["user_s"]) + float(r["sys_s"])
    rss = lambda r: int(r["maxrss_kb"]) / 1024
    stats = {}
    for t in tools:
        walls = [wall(r) for r in rows[t]]
        stats[t] = dict(wall=statistics.median(walls), lo=min(walls), hi=max(walls),
                        cpu=statistics.median(cpu(r) for r in rows[t]),
                        rss=statistics.median(rss(r) for r in rows[t]), n=len(walls),
                        files=min(int(r["files"]) for r in rows[t]))
    runs = stats[tools[0]]["n"]
    print()
    print(f"batch (job M): {args.count} covers (cover, {WIDTH}x{HEIGHT}), one per unit name, JPEG q90 4:2:0; "
          f"one process per tool; medians of {runs} runs after 1 warm-up, interleaved")
    print(f"date {datetime.date.today().isoformat()}; {os.cpu_count()} cores, {cpu_name()}; "
          f"{platform.system()} {platform.release()}; load average (1, 5, 15 min) before / after: {args.load}")
    print("versions: " + "; ".join(args.versions.split(";")))
    print()
    k = stats.get(args.ref)
    head = "| tool | wall s | wall min-max | images/s | CPU s | peak RSS MB |"
    if k:
        head += f" wall / {args.ref} | CPU / {args.ref} | RSS / {args.ref} |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for t in tools:
        s = stats[t]
        line = (f"| {LABEL[t]} | {s['wall']:.2f} | {s['lo']:.2f}-{s['hi']:.2f} | {args.count / s['wall']:.1f} "
                f"| {s['cpu']:.2f} | {s['rss']:.1f} |")
        if k:
            line += f" {s['wall'] / k['wall']:.2f} | {s['cpu'] / k['cpu']:.2f} | {s['rss'] / k['rss']:.2f} |"
        print(line)
    peers = [t for t in tools if not t.startswith("khung")]
    if peers:
        fastest = min(peers, key=lambda t: stats[t]["wall"])
        f = stats[fastest]
        print()
        for t in (x for x in tools if x.startswith("khung")):
            s = stats[t]
            print(f"{LABEL[t]} speed-up vs the fastest peer ({fastest}): wall {f['wall'] / s['wall']:.2f}x, "
                  f"CPU {f['cpu'] / s['cpu']:.2f}x")
    return stats


def load(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


def checks(args, tools, units):
    x, y, w, h = (int(v) for v in args.box.split(","))
    # The text area: the unit box and a margin, above the yellow band at y 584.
    ty0, ty1, tx0, tx1 = y - 12, min(HEIGHT, y + h + 20), x - 10, min(WIDTH, x + w + 20)
    print()
    print(f"same work? outputs per tool, their size, and mean PSNR (dB) against {LABEL.get(args.ref, args.ref)}'s output "
          f"of the same row, over the whole image and over the unit text area ({tx1 - tx0}x{ty1 - ty0} at {tx0},{ty0});")
    print("a sanity figure: the peers rasterise, wrap and place the text their own way;")
    print(f"'best shift' moves the peer's text area by up to {SHIFT} px vertically "
          "(dy: how far the peer's text sits above khung's)")
    print()
    print("| tool | outputs | all 1640x624 | PSNR whole | PSNR text area | text area, best shift (median dy) | identical files |")
    print("|---|---|---|---|---|---|---|")
    ok = True
    ref_dir = os.path.join(args.outputs, args.ref or '-')
    for t in tools:
        d = os.path.join(args.outputs, t)
        names = [f"{i}.jpg" for i in range(1, len(units) + 1)]
        present = [n for n in names if os.path.exists(os.path.join(d, n))]
        sizes_ok, p_whole, p_text, p_shift, dys, same = True, [], [], [], [], 0
        for n in present:
            with Image.open(os.path.join(d, n)) as im:
                sizes_ok &= im.size == (WIDTH, HEIGHT)
            if t == args.ref or not os.path.exists(os.path.join(ref_dir, n)):
                continue
            with open(os.path.join(d, n), "rb") as a, open(os.path.join(ref_dir, n), "rb") as b:
                same += a.read() == b.read()
            a, b = load(os.path.join(d, n)), load(os.path.join(ref_dir, n))
            if a.shape != b.shape:
                continue
            p_whole.append(psnr(a, b))
            p_text.append(psnr(a[ty0:ty1, tx0:tx1], b[ty0:ty1, tx0:tx1]))
            # The same, with the peer's text area moved up or down by up to
            # SHIFT px: how much of the difference is placement alone.
            best = max(range(-SHIFT, SHIFT + 1), key=lambda dy: psnr(a[ty0 + dy:ty1 + dy, tx0:tx1], b[ty0:ty1, tx0:tx1]))
            p_shift.append(psnr(a[ty0 + best:ty1 + best, tx0:tx1], b[ty0:ty1, tx0:tx1]))
            dys.append(-best)
        ok &= len(present) == len(units) and sizes_ok
        mean = lambda v: "-" if not v else ("identical" if all(np.isinf(v)) else f"{np.mean([p for p in v if np.isfinite(p)]):.2f}")
        shift = "-" if not p_shift else f"{mean(p_shift)} ({statistics.median(dys):+.0f} px)"
        print(f"| {LABEL[t]} | {len(present)}/{len(units)} | {'yes' if sizes_ok else 'NO'} | {mean(p_whole)} "
              f"| {mean(p_text)} | {shift} | {'-' if t == args.ref or not args.ref else f'{same}/{len(present)}'} |")
    print()
    print(f"all outputs present and {WIDTH}x{HEIGHT}" if ok else "SOME OUTPUTS ARE MISSING OR THE WRONG SIZE")
    return (tx0, ty0, tx1, ty1)


def contact_sheet(args, tools, units, area):
    shown = ([args.ref] if args.ref else []) + [t for t in tools if not t.startswith("khung")]
    longest = max(range(len(units)), key=lambda i: len(units[i]))
    shortest = min(range(len(units)), key=lambda i: len(units[i]))
    # One with a capital carrying two marks (Ấ, Ố, Ứ...), where clipping shows.
    stacked = next((i for i in range(len(units)) if STACKED & set(units[i]) and i not in (longest, shortest)), None)
    picks = [i for i in (longest, shortest, stacked) if i is not None]
    rest = [i for i in range(len(units)) if i not in picks]
    picks += random.Random(7).sample(rest, 4 - len(picks))
    tx0, ty0, tx1, ty1 = area
    cw, ch, pad, head = tx1 - tx0, ty1 - ty0, 12, 34
    font = ImageFont.truetype(FONT, 20)
    sheet = Image.new("RGB", (pad + len(shown) * (cw + pad), head + len(picks) * (ch + head + pad)), "white")
    d = ImageDraw.Draw(sheet)
    for c, t in enumerate(shown):
        d.text((pad + c * (cw + pad), 6), LABEL[t], font=font, fill="black")
    for r, i in enumerate(picks):
        top = head + r * (ch + head + pad)
        d.text((pad, top + 4), f"row {i + 1}: {units[i]}", font=font, fill=(60, 60, 60))
        for c, t in enumerate(shown):
            p = os.path.join(args.outputs, t, f"{i + 1}.jpg")
            if os.path.exists(p):
                with Image.open(p) as im:
                    sheet.paste(im.convert("RGB").crop((tx0, ty0, tx1, ty1)), (pad + c * (cw + pad), top + head))
    sheet.save(args.contact)
    print()
    print(f"contact sheet: {args.contact} (the unit text area of rows {', '.join(str(i + 1) for i in picks)}; "
          f"columns: {', '.join(LABEL[t] for t in shown)})")


def main():
    ap = argparse.ArgumentParser()
    for name in ("results", "data", "outputs", "count", "tools", "versions", "contact", "box", "logs", "load"):
        ap.add_argument("--" + name, required=True)
    args = ap.parse_args()
    args.count = int(args.count)
    tools = args.tools.split(",")
    args.ref = next((t for t in KHUNG if t in tools), None)
    with open(args.data, newline="", encoding="utf-8-sig") as f:
        units = [r["unit"] for r in csv.DictReader(f)]
    timing_table(args, tools)
    sizes = []
    for t in ("pillow", "sharp"):
        log = os.path.join(args.logs, t + ".log")
        if t in tools and os.path.exists(log):
            with open(log, encoding="utf-8") as f:
                sizes += [line.strip() for line in f if line.startswith(t + ": ")]
    if sizes:
        print()
        print("text sizes the peers chose (px:rows; khung does not report its own):")
        for line in sizes:
            print("  " + line)
    area = checks(args, tools, units)
    contact_sheet(args, tools, units, area)


if __name__ == "__main__":
    main()
