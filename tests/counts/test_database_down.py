"""PostgreSQL stopped under a running service, then started again at the
same socket: events get 503 quickly (the page keeps working), then are
counted again without a restart of the service."""
import os
import signal
import subprocess
import threading
import time

import pytest

from counts_service import KHUNG, PostgresServer


@pytest.fixture
def own_postgres():
    """A server of this test's own: it is stopped and started again."""
    server = PostgresServer()
    yield server
    server.stop()


def event(n):
    return {"template": "frame-ribbon", "device": f"down-test-{n:04d}", "kind": "share"}


def test_postgresql_stopped_and_started_again(own_postgres, services, templates, tmp_path):
    database = own_postgres.new_database()
    s = services(tmp_path, "--database", own_postgres.uri_of(database), templates=templates)
    assert s.event(event(1)).status == 204

    own_postgres.pause()
    for n in range(2, 5):
        start = time.monotonic()
        r = s.event(event(n))
        took = time.monotonic() - start
        assert r.status == 503, r
        assert "not stored" in r.error_message()
        assert took < 6, f"503 after {took:.1f} s"
    start = time.monotonic()
    r = s.get("/v1/count")  # not asked before: nothing cached
    assert r.status == 503 and time.monotonic() - start < 6, r
    r = s.get("/v1/report", headers={"Authorization": "Bearer organiser-token-for-tests"})
    assert r.status == 503, r
    assert s.get("/").status == 200
    assert s.get("/healthz").status == 200
    assert s.get("/v1/templates").status == 200
    assert s.alive()
    assert "event dropped" in s.stderr()

    own_postgres.resume()
    for n in range(5, 8):
        r = s.event(event(n))
        assert r.status == 204, r
    # The first event and the three after the restart; none of the dropped ones.
    assert s.report("template") == "template,members,saves,shares\r\nframe-ribbon,4,0,4\r\ntotal,4,0,4\r\n"
    assert sorted(d for (d,) in own_postgres.psql("SELECT device FROM events", database)) == \
        [f"down-test-{n:04d}" for n in (1, 5, 6, 7)]
    assert s.get("/v1/count").json() == {"members": 4}


def test_start_with_postgresql_unreachable(tmp_path, templates):
    """A database that cannot be reached at start is an error naming it
    (without its password), not a service that fails every event later."""
    uri = f"postgresql://khung:s3cret@/postgres?host={tmp_path}/nowhere"
    r = subprocess.run([KHUNG, "serve", "--port", "0", "--templates", str(templates), "--database", uri],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert r.returncode != 0
    assert "counts database" in r.stderr and "nowhere" in r.stderr, r.stderr
    assert "s3cret" not in r.stderr + r.stdout


def postgres_processes(server):
    """The server's postmaster and its children (SIGSTOP and SIGCONT them)."""
    with open(f"{server.dir}/data/postmaster.pid") as f:
        main = int(f.readline())
    pids = [main]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == main:
                pids.append(int(entry))
    return pids


def test_postgresql_frozen(own_postgres, services, templates, tmp_path):
    database = own_postgres.new_database()
    s = services(tmp_path, "--database", own_postgres.uri_of(database), templates=templates)
    assert s.event(event(1)).status == 204
    frozen = postgres_processes(own_postgres)
    answers = []
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        def send(n):
            try:
                answers.append(s.event(event(n), timeout=8).status)
            except OSError as e:
                answers.append(repr(e))

        senders = [threading.Thread(target=send, args=(n,)) for n in range(2, 6)]
        for t in senders:
            t.start()
        time.sleep(0.5)
        start = time.monotonic()
        try:
            render = s.get("/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n", timeout=8).status
        except OSError as e:
            render = repr(e)
        took = time.monotonic() - start
        for t in senders:
            t.join()
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    assert render == 200 and took < 5, f"a banner render while the database hung: {render} after {took:.1f} s"
    assert answers == [503] * 4, answers


def test_the_password_is_never_printed(postgres, services, templates, tmp_path):
    database = postgres.new_database()
    # The test server trusts every local connection: any password is taken.
    uri = postgres.uri_of(database).replace("postgresql://khung@", "postgresql://khung:s3cret-pw@")
    s = services(tmp_path, "--database", uri, templates=templates)
    second = s.process.stdout.readline()
    assert second.startswith("khung: counting participation in "), second
    assert s.event(event(1)).status == 204
    s.stop()
    assert "s3cret-pw" not in second + s.stderr(), second
