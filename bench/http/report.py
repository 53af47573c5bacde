#!/usr/bin/python3
"""Prints the HTTP benchmark's table from bench/http/run's results.tsv (one
row per wrk run), medians over rounds, with Khung's ratios to sharp, then the
checks made on one answer from each server.
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
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchlib import cpu_name, load_rgb, os_name, psnr  # noqa: E402

NOISY = 0.2  # cores used by other processes above which a run counts as disturbed






def main():
    ap = argparse.ArgumentParser()
    for name in ("results", "checks", "photo", "body", "outputs", "overlay", "window", "servers", "conns",
                 "duration", "warmup", "versions"):
        ap.add_argument("--" + name, required=True)
    args = ap.parse_args()
    servers = args.servers.split(",")
    conns = [int(c) for c in args.conns.split(",")]

    runs = defaultdict(list)
    with open(args.results) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            runs[(r["server"], int(r["conns"]))].append(r)

    def other_cores(r):  # CPU of other processes during the timed run
        return (float(r["machine_cpu_s"]) - float(r["server_cpu_s"]) - float(r["wrk_cpu_s"])) / (
            int(r["duration_us"]) / 1e6)

    def stats(key):
        rs = runs[key]
        if not rs:
            return None
        # Runs disturbed by other processes are left out while a quiet one remains.
        quiet = [r for r in rs if other_cores(r) <= NOISY]
        dropped = len(rs) - len(quiet) if quiet else 0
        rs = quiet or rs
        rps = [int(r["requests"]) / (int(r["duration_us"]) / 1e6) for r in rs]
        med = lambda f: statistics.median(f(r) for r in rs)
        secs = lambda r: int(r["duration_us"]) / 1e6
        return dict(
            n=len(rs), rps=statistics.median(rps), rps_lo=min(rps), rps_hi=max(rps),
            p50=med(lambda r: int(r["p50_us"]) / 1000), p99=med(lambda r: int(r["p99_us"]) / 1000),
            non2xx=sum(int(r["status_errors"]) for r in rs), sock=sum(int(r["socket_errors"]) for r in rs),
            requests=sum(int(r["requests"]) for r in rs),
            rss=med(lambda r: int(r["hwm_kb"]) / 1024),
            rss_time=med(lambda r: int(r["time_maxrss_kb"]) / 1024),
            cores=med(lambda r: float(r["server_cpu_s"]) / secs(r)),
            cpu_ms=med(lambda r: float(r["server_cpu_s"]) * 1000 / max(1, int(r["requests"]))),
            wrk_cores=med(lambda r: float(r["wrk_cpu_s"]) / secs(r)),
            other=max(other_cores(r) for r in rs), dropped=dropped,
            overflows=sum(int(r.get("listen_overflows") or 0) for r in rs),
        )

    st = {(s, c): stats((s, c)) for s in servers for c in conns}
    rounds = max((v["n"] + v["dropped"] for v in st.values() if v), default=0)
    dropped = sum(v["dropped"] for v in st.values() if v)
    print()
    print(f"http: POST /v1/render/frame-ring, {os.path.basename(args.photo)} ({os.path.getsize(args.photo)} bytes) "
          f"as multipart/form-data ({os.path.getsize(args.body)} bytes, photo + format=jpeg) -> 1080x1080 JPEG q90")
    print(f"wrk -t 2 -c N -d {args.duration} --latency --timeout 30s after a {args.warmup} warm-up, a fresh server "
          f"for each run; " + (f"medians of {rounds} rounds, interleaved" if rounds > 1 else "one round") +
          (f"; {dropped} disturbed run(s) left out (see below)" if dropped else ""))
    print(f"date {datetime.date.today().isoformat()}; {os.cpu_count()} cores, {cpu_name()}; {os_name()}, "
          f"{platform.system()} {platform.release()}")
    print("versions: " + "; ".join(args.versions.split(";")))
    print()
    have_ratio = "khung" in servers and "sharp" in servers
    head = ("| server | connections | req/s | p50 ms | p99 ms | errors | peak RSS MB | server CPU, cores "
            "| server CPU ms/req |")
    if rounds > 1:
        head = head.replace("| req/s |", "| runs | req/s | req/s min-max |")
    if have_ratio:
        head += " req/s khung/sharp | p99 khung/sharp |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for c in conns:
        for s in servers:
            v = st[(s, c)]
            if not v:
                continue
            errors = "0" if v["non2xx"] + v["sock"] == 0 else f"{v['non2xx']} non-2xx, {v['sock']} socket"
            line = f"| {s} | {c} |" + (f" {v['n']} |" if rounds > 1 else "") + f" {v['rps']:.1f} |"
            if rounds > 1:
                line += f" {v['rps_lo']:.1f}-{v['rps_hi']:.1f} |"
            line += (f" {v['p50']:.0f} | {v['p99']:.0f} | {errors} | {v['rss']:.1f} | {v['cores']:.2f} "
                     f"| {v['cpu_ms']:.0f} |")
            if have_ratio:
                k, p = st[("khung", c)], st[("sharp", c)]
                if s == "khung" and k and p:
                    line += f" {k['rps'] / p['rps']:.2f} | {k['p99'] / p['p99']:.2f} |"
                else:
                    line += " | |"
            print(line)
    overflow_rows = [f"{s} with {c} connections: {st[(s, c)]['overflows']}" for c in conns for s in servers
                     if st[(s, c)] and st[(s, c)]["overflows"]]
    wrk_cores = [v["wrk_cores"] for v in st.values() if v]
    print()
    print("errors: answers with a status over 399 plus socket errors (connect, read, write, timeout), summed over "
          f"the runs in the table; {sum(v['requests'] for v in st.values() if v)} requests timed in them.")
    left = [r for rs in runs.values() for r in rs if other_cores(r) > NOISY and int(r["status_errors"]) +
            int(r["socket_errors"]) > 0]
    for r in left:
        print(f"  (a left-out run, {r['server']} with {r['conns']} connections, had {r['status_errors']} non-2xx "
              f"and {r['socket_errors']} socket errors)")
    print("peak RSS: the server process's VmHWM after the timed run (a fresh process per run; node for sharp). "
          "server CPU: user + system of the server process over the timed run, from /proc/PID/stat.")
    if wrk_cores:
        print(f"wrk itself used {min(wrk_cores):.2f}-{max(wrk_cores):.2f} cores of the same 2 (medians per row).")
    others = [v["other"] for v in st.values() if v]
    if others:
        worst = max(others)
        print(f"other processes (all CPUs' busy time less the server's and wrk's) used up to {max(0, worst):.2f} cores "
              "during a timed run in the table" +
              (f"; ABOVE {NOISY} CORES: the figures are disturbed, run again on a quiet machine" if worst > NOISY else ""))
        if dropped:
            print(f"left out: {dropped} run(s) during which other processes used over {NOISY} cores "
                  "(this machine is shared); each row keeps its quiet runs")

    print("listen-queue overflows (TcpExt ListenOverflows: connections the kernel dropped or reset because the "
          "server's accept queue was full), during the runs in the table: " + ("; ".join(overflow_rows) or "none"))
    diffs = [abs(v["rss_time"] - v["rss"]) for v in st.values() if v]
    if diffs:
        print(f"  (GNU time's maxrss of the same processes differs from VmHWM by at most {max(diffs):.1f} MB)")
    print()
    print("checks (one answer from each server, before the load):")
    with open(args.checks) as f:
        for line in f:
            s, text = line.rstrip("\n").split("\t", 1)
            print(f"  {s}: {text}")
    outs = {s: os.path.join(args.outputs, s + ".jpg") for s in servers}
    cli = os.path.join(args.outputs, "khung-cli.jpg")
    if "khung" in outs and os.path.exists(outs["khung"]) and os.path.exists(cli):
        with open(outs["khung"], "rb") as a, open(cli, "rb") as b:
            same = a.read() == b.read()
        print("  khung: the HTTP answer is " + ("byte-identical to" if same else "NOT the same bytes as") +
              " `khung render frame-ring -p PHOTO -o OUT.jpg --quality 90`")
    if have_ratio and all(os.path.exists(p) for p in outs.values()):
        frame = np.asarray(Image.open(args.overlay).convert("RGBA"))
        hole = frame[:, :, 3] < 128
        a, b = load_rgb(outs["khung"]), load_rgb(outs["sharp"])
        if a.shape == b.shape:
            print(f"  sharp vs khung: PSNR {psnr(a, b):.2f} dB whole, {psnr(a, b, hole):.2f} dB in the window "
                  "(the overlay's hole)")


if __name__ == "__main__":
    main()
