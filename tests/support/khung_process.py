"""Starting and stopping the processes the Python suites test against
(tests/counts and tests/deploy; each suite's conftest.py puts this folder
on sys.path): free ports, the first line a process prints, and
deploy/nginx/run. Standard library only."""
import os
import re
import select
import signal
import socket
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_line(process, pattern, seconds=30):
    """The first line `process` prints on its stdout within `seconds` ("" if
    none) and the match of `pattern` at its start (None if it does not match)."""
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    line = process.stdout.readline() if ready else ""
    return line, re.match(pattern, line)


def start_nginx_run(directory, khung, *options, threads, serve=()):
    """deploy/nginx/run on a free port, in a process group of its own: nginx
    over two `khung serve`; `options` go to run, `serve` to each instance
    after --threads. Returns the process, the port, its first line and the
    match of its "ready URL instances PID:PORT..." (None if not ready)."""
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(ROOT, "deploy", "nginx", "run"), "-n", "2", "--port", str(port), "--khung", khung,
         "--dir", str(directory), *options, "--", "--threads", str(threads), *map(str, serve)],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    line, m = first_line(process, r"khung-nginx: ready (\S+) instances (.+)")
    return process, port, line, m


def stop_group(process, timeout):
    """SIGTERM to the process group `process` leads; waits for it and closes its stdout."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=timeout)
    process.stdout.close()
