"""Counting into SQLite and PostgreSQL: reports equal exactly what was sent,
two instances count into one database, and an instance killed with SIGKILL
mid-stream loses at most the events in flight."""
import datetime
import random
import string
import threading
import time

import pytest

from counts_service import (campaign_units, empty_report, expected_report, fresh_address, khung_report,
                            vietnam_today)

BY = ["unit", "day", "template"]
TEMPLATES = ["frame-ring", "frame-ribbon", "cover"]


def device_id(rng, prefix="d"):
    alphabet = string.ascii_letters + string.digits + "-_"
    return prefix + "".join(rng.choice(alphabet) for _ in range(rng.randint(11, 40)))


def make_events(units, devices=40, seed=19):
    """(event, X-Forwarded-For) pairs: each device sends 1 to 5 events from
    an address of its own, some the same event again on the same day, over
    the campaign's units (or none) and both kinds."""
    rng = random.Random(seed)
    out = []
    for _ in range(devices):
        device, address = device_id(rng), fresh_address()
        for _ in range(rng.randint(1, 5)):
            e = {"template": rng.choice(TEMPLATES), "device": device, "kind": rng.choice(["save", "share"])}
            unit = rng.choice(units + [None, ""])
            if unit is not None:
                e["unit"] = unit
            out.append((e, address))
            if rng.random() < 0.2:
                out.append((dict(e), address))  # the same again, the same day
    rng.shuffle(out)
    return out


def as_sent(pairs):
    return [e for e, _ in pairs]


def check_reports(services_and_args, events, day):
    """Every report of the range that holds `day` equals the expected CSV;
    ranges without it are empty. services_and_args: (services, report args)."""
    services, report_args = services_and_args
    d = day.isoformat()
    before = (day - datetime.timedelta(days=1)).isoformat()
    after = (day + datetime.timedelta(days=1)).isoformat()
    for by in BY:
        want = expected_report(events, by, d)
        for s in services:
            assert s.report(by) == want, f"GET /v1/report?by={by}"
            assert s.report(by, **{"from": d, "to": d}) == want, f"GET /v1/report?from={d}&to={d}&by={by}"
            assert s.report(by, **{"from": "2020-01-01", "to": before}) == empty_report(by)
            assert s.report(by, **{"from": after}) == empty_report(by)
        assert khung_report(*report_args, "--by", by) == want, f"khung report --by {by}"
        assert khung_report(*report_args, "--from", d, "--to", d, "--by", by) == want
        assert khung_report(*report_args, "--from", "2020-01-01", "--to", before, "--by", by) == empty_report(by)
    assert khung_report(*report_args) == expected_report(events, "unit", d), "khung report without --by: by unit"
    for s in services:
        assert s.get("/v1/report", headers={"Authorization": "Bearer organiser-token-for-tests"}).text == \
            expected_report(events, "unit", d), "GET /v1/report without by: by unit"


def same_vietnam_day(first):
    if vietnam_today() != first:
        pytest.skip("Vietnam's midnight passed while the events were sent; run again")


def test_report_equals_the_events_sent(backend, templates, services, tmp_path):
    s = services(tmp_path, *backend.serve_args(), templates=templates)
    day = vietnam_today()
    pairs = make_events(campaign_units(templates))
    for e, address in pairs:
        r = s.event(e, address=address)
        assert r.status == 204, (e, r)
        assert r.body == b""
    same_vietnam_day(day)
    events = as_sent(pairs)
    # The test's data has what it is meant to: repeats, a device in two
    # units, events without a unit, a unit CSV must quote.
    assert len({(e["device"], e["template"], e.get("unit"), e["kind"]) for e in events}) < len(events)
    units_of = {}
    for e in events:
        units_of.setdefault(e["device"], set()).add(e.get("unit", ""))
    assert any(len(u) > 1 for u in units_of.values())
    assert any('"' in e.get("unit", "") for e in events) and any("unit" not in e for e in events)
    assert '"Công đoàn ""Sao Vàng"", Hải Phòng"' in expected_report(events, "unit", day.isoformat())

    check_reports(([s], backend.report_args()), events, day)
    r = s.get("/v1/count")
    assert r.status == 200 and r.json() == {"members": len({e["device"] for e in events})}


def send_all(service, pairs, threads=4):
    """Sends the events from several threads at once; every one must get 204."""
    failures = []

    def worker(part):
        for e, address in part:
            r = service.event(e, address=address)
            if r.status != 204:
                failures.append((e, r))

    ts = [threading.Thread(target=worker, args=(pairs[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not failures, failures[:3]


def test_two_instances_count_into_one_database(backend, templates, services, tmp_path):
    a = services(tmp_path, *backend.serve_args(), templates=templates)
    b = services(tmp_path, *backend.serve_args(), templates=templates)
    # a answers /v1/count before any event, and keeps that number for a minute.
    r = a.get("/v1/count")
    assert r.status == 200 and r.json() == {"members": 0}
    assert r.headers["cache-control"] == "public, max-age=60"

    day = vietnam_today()
    pairs = make_events(campaign_units(templates), devices=60, seed=7)
    sender_a = threading.Thread(target=send_all, args=(a, pairs[0::2]))
    sender_a.start()
    send_all(b, pairs[1::2])
    sender_a.join()
    same_vietnam_day(day)
    events = as_sent(pairs)
    assert backend.device_counts() == {d: sum(e["device"] == d for e in events) for d in {e["device"] for e in events}}
    check_reports(([a, b], backend.report_args()), events, day)

    members = len({e["device"] for e in events})
    assert b.get("/v1/count").json() == {"members": members}, "b had not answered /v1/count yet"
    assert a.get("/v1/count").json() == {"members": 0}, "a's count is kept for a minute"


def test_kill_9_while_writing(backend, templates, services, tmp_path):
    """SIGKILL while six clients send events: every event answered 204 is
    stored once, at most the events in flight are lost, nothing is stored
    twice; the database is whole and a new instance counts on."""
    s = services(tmp_path, *backend.serve_args(), templates=templates)
    threads = 6
    attempted = [[] for _ in range(threads)]  # devices whose request was sent (or being sent)
    acked = [[] for _ in range(threads)]
    refused = [[] for _ in range(threads)]  # never reached a running service
    stop = threading.Event()

    def client(i):
        n = 0
        while not stop.is_set():
            device = f"kill{i}x{n:06d}"
            n += 1
            attempted[i].append(device)
            try:
                r = s.event({"template": "frame-ring", "device": device, "kind": "save"}, timeout=10)
            except ConnectionRefusedError:
                refused[i].append(device)
                return
            except OSError:
                return  # in flight when the process died: its fate is unknown
            if r.status != 204:
                raise AssertionError(f"{device}: {r}")
            acked[i].append(device)

    ts = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    assert _wait(lambda: sum(map(len, acked)) >= 200, 30), "fewer than 200 events stored in 30 s"
    s.kill()  # SIGKILL, while the clients keep sending
    killed_at = sum(map(len, acked))
    stop.set()
    for t in ts:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in ts)

    all_acked = {d for part in acked for d in part}
    in_flight = {d for part in attempted for d in part} - all_acked - {d for part in refused for d in part}
    stored = backend.device_counts()
    assert killed_at >= 200
    assert not all_acked - set(stored), f"answered 204 but not stored: {sorted(all_acked - set(stored))[:5]}"
    assert set(stored) <= all_acked | in_flight, "stored events nobody sent"
    print(f"{backend.name}: {len(all_acked)} answered, {len(in_flight)} in flight, {len(stored)} stored")
    assert len(in_flight) <= threads
    assert all(n == 1 for n in stored.values()), {d: n for d, n in stored.items() if n != 1}
    if backend.name == "sqlite":
        assert backend.integrity() == [("ok",)]

    again = services(tmp_path, *backend.serve_args(), templates=templates)
    r = again.event({"template": "frame-ring", "device": "after-the-kill", "kind": "share"})
    assert r.status == 204, r
    report = again.report("template")
    total = len(stored) + 1
    assert report.endswith(f"total,{total},{len(stored)},1\r\n"), report
    assert again.get("/v1/count").json() == {"members": total}


def _wait(condition, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False
