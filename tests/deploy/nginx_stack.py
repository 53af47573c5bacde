"""deploy/nginx/run for the tests in this folder: the stack, requests to it,
photos of a given size, and what nginx wrote to its folders."""
import ctypes
import io
import os
import random
import re
import select
import socket
import struct
import urllib.error
import urllib.request

import pytest
from PIL import Image

from khung_process import ROOT, start_nginx_run, stop_group

KHUNG = os.environ.get("KHUNG_CLI", os.path.join(ROOT, "build", "release", "khung"))
CONF = os.path.join(ROOT, "deploy", "nginx", "khung.conf")
BANNER = "/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n%20T%E1%BB%95%207"


class Stack:
    """deploy/nginx/run in its own process group, until stopped. `options`
    go to run, `serve` to each khung serve (after --threads 1)."""

    def __init__(self, directory, *options, serve=(), conf=None):
        self.dir = str(directory)
        self.process, self.port, line, m = start_nginx_run(
            self.dir, KHUNG, *(["--conf", str(conf)] if conf else []), *options, threads=1, serve=serve)
        if not m:
            self.stop()
            pytest.fail(f"deploy/nginx/run did not start: {line!r}; logs in {directory}/logs")
        self.url = m.group(1)
        self.instances = [tuple(int(v) for v in item.split(":")) for item in m.group(2).split()]  # (pid, port)

    def stop(self):
        stop_group(self.process, 20)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def renders(self):
        """Renders done by the instances still running (their /metrics)."""
        total = 0
        for pid, port in self.instances:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            except OSError:
                continue
            total += int(re.search(r"^khung_render_seconds_count (\d+)$", text, re.M).group(1))
        return total

    def error_log(self):
        with open(os.path.join(self.dir, "logs", "error.log")) as f:
            return f.read()

    def access_log(self):
        with open(os.path.join(self.dir, "logs", "access.log")) as f:
            return f.read().splitlines()


def get(url, headers=None, method="GET", data=None):
    """A request: the status, the headers and the body, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def photo_jpeg():
    """A 640x480 gradient, about 10 KB."""
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def photo_of_size(nbytes, seed=1):
    """A PNG of noise (which does not compress) of about nbytes bytes."""
    side = max(16, int((nbytes / 3) ** 0.5))
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


def multipart(photo, fields=(), boundary="khungdeploytest"):
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                    for k, v in fields)
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(url, photo, template="frame-ring"):
    """POSTs a photo; the status, or -1 for a 200 that is not a JPEG, 0 for no answer."""
    body, content_type = multipart(photo)
    request = urllib.request.Request(f"{url}/v1/render/{template}", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            data = r.read()
            return r.status if data[:3] == b"\xff\xd8\xff" else -1
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def slow_post(port, path, body, content_type, wait):
    """POSTs on a raw socket with a 4 KB receive buffer and reads nothing of
    the answer for `wait` seconds (a phone on a slow network): the status,
    the headers and the body."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(60)
        s.connect(("127.0.0.1", port))
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)
        select.select([], [], [], wait)
        data = bytearray()
        while chunk := s.recv(1 << 16):
            data += chunk
    head, _, rest = bytes(data).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, rest


class CreatedFiles:
    """Every file or folder created in the given folders while watched
    (inotify), so that a temporary file nginx writes and removes again
    is seen too."""

    IN_CREATE, IN_MOVED_TO = 0x100, 0x80

    def __init__(self, folders):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        self.folders = {}
        for folder in folders:
            wd = self.libc.inotify_add_watch(self.fd, os.fsencode(folder), self.IN_CREATE | self.IN_MOVED_TO)
            assert wd >= 0, f"{folder}: {os.strerror(ctypes.get_errno())}"
            self.folders[wd] = folder
        self.seen = []

    def created(self):
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return list(self.seen)
            at = 0
            while at < len(data):
                wd, _, _, length = struct.unpack_from("iIII", data, at)
                name = data[at + 16:at + 16 + length].rstrip(b"\0").decode()
                self.seen.append(os.path.join(self.folders[wd], name))
                at += 16 + length

    def close(self):
        os.close(self.fd)


def hold_bodies(port, n, requests=(("POST", "/v1/render/frame-ring"),)):
    """n connections, each with a request whose 1 MB body stops after 1 KB
    (a phone on a slow network), the requests taken in turn: the sockets."""
    held = []
    for i in range(n):
        method, path = requests[i % len(requests)]
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall((f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
                   "Content-Length: 1000000\r\n\r\n").encode() + b"\xff" * 1024)
        held.append(s)
    return held
