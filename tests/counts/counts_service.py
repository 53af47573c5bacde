"""Participation counts and the organisers' routes (issue 19) against real
`khung serve` processes: SQLite files and a real PostgreSQL server
(tests/postgres/server), events over HTTP, reports from the service and from
`khung report`. Standard library and pytest only.

KHUNG_CLI names the khung binary (ctest sets it; default build/ci/khung)."""
import csv
import datetime
import glob
import io
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import http.client

import pytest

from khung_process import ROOT, first_line

KHUNG = os.environ.get("KHUNG_CLI", os.path.join(ROOT, "build", "ci", "khung"))
PG_SERVER = os.path.join(ROOT, "tests", "postgres", "server")
TOKEN = "organiser-token-for-tests"
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))

# Units added to the test copy of campaign.json: CSV needs quoting for them.
ODD_UNITS = ['Công đoàn "Sao Vàng", Hải Phòng', "Công đoàn Cảng Sài Gòn, TP. Hồ Chí Minh"]


def vietnam_today():
    return datetime.datetime.now(VIETNAM).date()


# ------------------------------------------------------------------ HTTP

_addresses = itertools.count(1)
_addresses_lock = threading.Lock()


def fresh_address():
    """A client address of its own for X-Forwarded-For (the service trusts
    it from a loopback peer), so that tests sending many events stay under
    the 30-a-minute limit of one address."""
    with _addresses_lock:
        n = next(_addresses)
    return f"198.18.{(n >> 8) & 255}.{n & 255}"


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def error_message(self):
        return self.json()["error"]["message"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def request(port, method, path, body=None, headers=None, timeout=15):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def bearer(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def multipart(fields, files):
    """A multipart/form-data body: fields {name: text}, files {name: (file name, bytes)}."""
    boundary = "----khung-test-boundary-7MA4YWxkTrZu0gW"
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, (filename, data) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: image/png\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# -------------------------------------------------------------- services

class Service:
    """One `khung serve` on a free port, its stderr kept in a file."""

    _numbers = itertools.count(1)

    def __init__(self, directory, *options, templates=None, token=TOKEN, env=None):
        self.dir = str(directory)
        n = next(Service._numbers)
        self.stderr_path = os.path.join(self.dir, f"serve-{n}.stderr")
        args = [KHUNG, "serve", "--port", "0", "--threads", "4"]
        if templates:
            args += ["--templates", str(templates)]
        if token:
            args += ["--admin-token", token]
        args += [str(o) for o in options]
        self.args = args
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True,
                                            env={**os.environ, **(env or {})})
        line, m = first_line(self.process, r"khung: serving on http://127\.0\.0\.1:(\d+) ")
        if not m:
            self.stop()
            pytest.fail(f"khung serve did not start: {line!r}; stderr: {self.stderr()}")
        self.port = int(m.group(1))

    def request(self, method, path, body=None, headers=None, timeout=15):
        return request(self.port, method, path, body, headers, timeout)

    def get(self, path, headers=None, timeout=15):
        return self.request("GET", path, None, headers, timeout)

    def event(self, event, address="fresh", content_type="application/json", timeout=15):
        """POSTs one event; `address` is its X-Forwarded-For (a fresh one by
        default, None for none)."""
        body = event if isinstance(event, (bytes, str)) else json.dumps(event)
        headers = {"Content-Type": content_type}
        if address == "fresh":
            address = fresh_address()
        if address:
            headers["X-Forwarded-For"] = address
        return self.request("POST", "/v1/events", body, headers, timeout)

    def report(self, by="unit", **query):
        q = "&".join(f"{k}={v}" for k, v in {**query, "by": by}.items())
        r = self.get(f"/v1/report?{q}", headers=bearer())
        assert r.status == 200, r
        assert r.headers["content-type"].startswith("text/csv")
        return r.text

    def stderr(self):
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stdout.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.process.stdout.closed:
            self.process.stdout.close()


@pytest.fixture
def services():
    """Starts services with start(...); stops every one at the end."""
    started = []

    def start(*args, **kwargs):
        s = Service(*args, **kwargs)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def templates(tmp_path):
    """A copy of assets/templates whose campaign lists units CSV must quote."""
    dest = tmp_path / "templates"
    shutil.copytree(os.path.join(ROOT, "assets", "templates"), dest)
    campaign = dest / "campaign.json"
    data = json.loads(campaign.read_text(encoding="utf-8"))
    data["units"] += ODD_UNITS
    campaign.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return dest


def campaign_units(templates_dir):
    with open(os.path.join(templates_dir, "campaign.json"), encoding="utf-8") as f:
        return json.load(f)["units"]


def khung_report(*args):
    r = subprocess.run([KHUNG, "report", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode("utf-8")


# ------------------------------------------------------------ PostgreSQL

def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


class PostgresServer:
    """A throwaway server (tests/postgres/server) on a Unix socket only,
    which can be stopped and started again at the same socket."""

    def __init__(self):
        if not _pg_bin():
            pytest.skip("no PostgreSQL server: apt-get install postgresql (bash .ci/setup does)")
        # Not under pytest's tmp_path: the postgres user must reach the
        # socket's folder, and a socket path is at most 107 bytes.
        self.dir = tempfile.mktemp(prefix="khung-pg-", dir="/tmp")
        r = subprocess.run([PG_SERVER, "start", self.dir], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        if r.returncode != 0:
            pytest.fail(f"tests/postgres/server start: {r.stderr}")
        self.uri = r.stdout.strip()
        self._databases = itertools.count(1)

    def _as_owner(self):
        return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def pause(self):
        """Stops the server (fast shutdown), keeping its data and socket folder."""
        subprocess.run([*self._as_owner(), os.path.join(_pg_bin(), "pg_ctl"), "-D", f"{self.dir}/data",
                        "-m", "fast", "-w", "stop"], check=True, stdout=subprocess.DEVNULL, timeout=60)

    def resume(self):
        """Starts it again as tests/postgres/server does, at the same socket."""
        subprocess.run([*self._as_owner(), os.path.join(_pg_bin(), "pg_ctl"), "-D", f"{self.dir}/data",
                        "-l", f"{self.dir}/server.log", "-w", "-t", "30",
                        "-o", f"-c listen_addresses='' -k {self.dir} -c fsync=on", "start"],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)

    def uri_of(self, database):
        return self.uri.replace("/postgres?", f"/{database}?")

    def psql(self, sql, database="postgres"):
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            self.uri_of(database), "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def new_database(self):
        name = f"counts_{next(self._databases)}"
        self.psql(f"CREATE DATABASE {name}")
        return name

    def stop(self):
        subprocess.run([PG_SERVER, "stop", self.dir], timeout=120)


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer()
    yield server
    server.stop()


# -------------------------------------------------------- the two stores

class SqliteBackend:
    name = "sqlite"

    def __init__(self, directory):
        self.data_dir = os.path.join(str(directory), "data")
        self.file = os.path.join(self.data_dir, "counts.sqlite")

    def serve_args(self):
        return ["--data-dir", self.data_dir]

    def report_args(self):
        return ["--data-dir", self.data_dir]

    def device_counts(self):
        """{device: rows} as stored."""
        with sqlite3.connect(self.file) as db:
            return dict(db.execute("SELECT device, COUNT(*) FROM events GROUP BY device"))

    def integrity(self):
        db = sqlite3.connect(self.file)
        try:
            return db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()


class PostgresBackend:
    name = "postgresql"

    def __init__(self, server):
        self.server = server
        self.database = server.new_database()
        self.uri = server.uri_of(self.database)

    def serve_args(self):
        return ["--database", self.uri]

    def report_args(self):
        return ["--database", self.uri]

    def device_counts(self):
        return {d: int(n) for d, n in self.server.psql("SELECT device, COUNT(*) FROM events GROUP BY device",
                                                       self.database)}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        return SqliteBackend(tmp_path)
    return PostgresBackend(request.getfixturevalue("postgres"))


# ------------------------------------------------------- expected reports

def expected_report(events, by, day):
    """The CSV a report of `events` (all stamped on Vietnam's `day`) must be:
    one line per unit, day or template sorted by its UTF-8 bytes, members
    = distinct devices on the line, then a total line with the distinct
    devices of the range; RFC 4180 quoting, CRLF (Python's csv module)."""
    def key(e):
        return {"unit": e.get("unit", ""), "day": day, "template": e["template"]}[by]

    lines = {}
    for e in events:
        devices, counts = lines.setdefault(key(e), (set(), {"save": 0, "share": 0}))
        devices.add(e["device"])
        counts[e["kind"]] += 1
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([by, "members", "saves", "shares"])
    for k in sorted(lines, key=lambda s: s.encode("utf-8")):
        devices, counts = lines[k]
        w.writerow([k, len(devices), counts["save"], counts["share"]])
    w.writerow(["total", len({e["device"] for e in events}),
                sum(e["kind"] == "save" for e in events), sum(e["kind"] == "share" for e in events)])
    return out.getvalue()


def empty_report(by):
    return f"{by},members,saves,shares\r\ntotal,0,0,0\r\n"


def wait_for(condition, seconds, step=0.1):
    """Polls condition() until true or `seconds` pass; returns the time it took, or None."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(step)
    return None
