#!/usr/bin/python3
"""Small helpers for bench/http/run (Debian's /usr/bin/python3, Pillow):

  client.py port                          a free loopback TCP port
  client.py wait URL SECONDS              waits until GET URL answers 200
  client.py post URL BODY BOUNDARY OUT    POSTs the multipart body once, saves
                                          the answer to OUT and checks it is a
                                          1080x1080 JPEG; prints one line
"""
import io
import socket
import sys
import time
import urllib.error
import urllib.request

from PIL import Image, JpegImagePlugin


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def wait(url, seconds):
    deadline = time.monotonic() + float(seconds)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            sys.exit(f"client.py: {url} did not answer within {seconds} s")
        time.sleep(0.1)


def post(url, body_path, boundary, out_path):
    with open(body_path, "rb") as f:
        body = f.read()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, ctype, data = r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"client.py: {url}: HTTP {e.code}: {e.read()[:300]!r}")
    ms = (time.monotonic() - t0) * 1000
    with open(out_path, "wb") as f:
        f.write(data)
    problems = []
    if status != 200:
        problems.append(f"status {status}")
    if not ctype.startswith("image/jpeg"):
        problems.append(f"Content-Type {ctype!r}")
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
        fmt, size = im.format, im.size
        sampling = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(JpegImagePlugin.get_sampling(im), "?") \
            if fmt == "JPEG" else "-"
    except Exception as e:  # noqa: BLE001 - any decode failure is the finding
        fmt, size, sampling = f"undecodable ({e})", (0, 0), "-"
    if fmt != "JPEG":
        problems.append(f"format {fmt}")
    if size != (1080, 1080):
        problems.append(f"size {size[0]}x{size[1]}")
    verdict = "ok" if not problems else "BAD: " + ", ".join(problems)
    print(f"{status} {ctype} {len(data)} bytes, {fmt} {size[0]}x{size[1]} {sampling}, {ms:.0f} ms: {verdict}")
    sys.exit(0 if not problems else 1)


if __name__ == "__main__":
    cmd, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if cmd == "port" and not args:
        free_port()
    elif cmd == "wait" and len(args) == 2:
        wait(*args)
    elif cmd == "post" and len(args) == 4:
        post(*args)
    else:
        sys.exit(__doc__)
