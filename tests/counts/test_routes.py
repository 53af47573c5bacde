"""The counting and organiser routes' answers: the organiser token, events
refused part by part, the limit of events per client address."""
import base64
import http.client
import json

import pytest

from counts_service import ROOT, TOKEN, Service, bearer, fresh_address

GOOD = {"template": "frame-ring", "unit": "Công đoàn Điện lực Hà Nội", "device": "abcdEFGH-_12", "kind": "save"}
ORGANISER_ROUTES = [("GET", "/v1/report"), ("GET", "/v1/report?by=day"), ("GET", "/admin"),
                    ("POST", "/v1/admin/templates")]


@pytest.fixture
def counting(services, templates, tmp_path):
    return services(tmp_path, "--data-dir", tmp_path / "data", templates=templates)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One counting service for the tests that store nothing (each request
    from an address of its own)."""
    directory = tmp_path_factory.mktemp("shared")
    s = Service(directory, "--data-dir", directory / "data", templates=f"{ROOT}/assets/templates")
    yield s
    s.stop()


def basic(password, user="to-chuc"):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def organiser_request(s, method, path, headers):
    if method == "POST":
        return s.request("POST", path, b"--x--\r\n", {**headers, "Content-Type": "multipart/form-data; boundary=x"})
    return s.get(path, headers=headers)


@pytest.mark.parametrize("method,path", ORGANISER_ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Bearer " + TOKEN + "x", "Bearer",
                                           "Basic " + base64.b64encode(b"to-chuc:wrong").decode(),
                                           "Basic " + base64.b64encode(TOKEN.encode()).decode(),  # no user:
                                           "Token " + TOKEN, TOKEN])
def test_401_without_the_token(shared, method, path, authorization):
    r = organiser_request(shared, method, path, {"Authorization": authorization} if authorization else {})
    assert r.status == 401, r
    assert r.headers["www-authenticate"].startswith("Basic "), r.headers
    assert "token" in r.error_message()
    assert TOKEN not in r.text


def test_401_is_named_unauthorized(counting):
    assert counting.get("/v1/report").json()["error"]["code"] == "unauthorized"


def test_the_token_as_bearer_or_as_basic_password(counting):
    r = counting.event(GOOD)
    assert r.status == 204, r
    for headers in [bearer(), basic(TOKEN), basic(TOKEN, user=""), {"Authorization": "bearer " + TOKEN}]:
        r = counting.get("/v1/report?by=unit", headers=headers)
        assert r.status == 200, (headers, r)
        assert r.text.startswith("unit,members,saves,shares\r\n")
        page = counting.get("/admin", headers=headers)
        assert page.status == 200, (headers, page)
        assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("query,part", [("by=week", "by"), ("from=2026-02-30", "from"), ("to=yesterday", "to"),
                                        ("from=2026-12-31&to=2026-12-01", "from"), ("color=red", "color")])
def test_report_bad_query(shared, query, part):
    r = shared.get("/v1/report?" + query, headers=bearer())
    assert r.status == 400, r
    assert part in r.error_message()


def test_no_admin_token_no_organiser_routes(services, templates, tmp_path):
    s = services(tmp_path, "--data-dir", tmp_path / "data", templates=templates, token=None)
    for method, path in ORGANISER_ROUTES:
        r = organiser_request(s, method, path, bearer())
        assert r.status == 404, (path, r)
        assert "--admin-token" in r.error_message()
    # Counting still works without the organisers' routes.
    assert s.event(GOOD).status == 204
    assert s.get("/v1/count").json() == {"members": 1}


def test_no_database_no_counting(services, templates, tmp_path):
    s = services(tmp_path, templates=templates)
    for method, path in [("POST", "/v1/events"), ("GET", "/v1/count"), ("GET", "/v1/report")]:
        body = json.dumps(GOOD) if method == "POST" else None
        headers = {"Content-Type": "application/json", **bearer()}
        r = s.request(method, path, body, headers)
        assert r.status == 404, (path, r)
        assert "counting is off" in r.error_message()
    assert s.get("/").status == 200


def bad(**changes):
    e = dict(GOOD)
    for k, v in changes.items():
        if v is None:
            e.pop(k)
        else:
            e[k] = v
    return e


@pytest.mark.parametrize("event,named", [
    (bad(template="frame-moon"), "template: 'frame-moon'"),
    (bad(template=None), "template"),
    (bad(template="../frame-ring"), "template"),
    (bad(unit="Công đoàn Mặt Trăng"), "unit: 'Công đoàn Mặt Trăng' is not one of the campaign's units"),
    (bad(unit="công đoàn điện lực hà nội"), "unit"),
    (bad(unit="Công đoàn\nĐiện lực Hà Nội"), "unit"),
    (bad(device="short"), "device"),
    (bad(device="has space in it"), "device"),
    (bad(device="x" * 65), "device"),
    (bad(device="đoànviên123"), "device"),
    (bad(device=None), "device"),
    (bad(kind="print"), "kind: 'print'"),
    (bad(kind=None), "kind"),
    (bad(kind="SAVE"), "kind"),
    (bad(ip="203.0.113.9"), "unknown key 'ip'"),
    (bad(name="Nguyễn Văn A"), "unknown key 'name'"),
    (bad(device=12345678), "device"),
    (bad(unit=None, kind=["save"]), "kind"),
    (b'{"template": "frame-ring", "device": "abcdEFGH12", "kind": "save"', "JSON"),
    (b"template=frame-ring&device=abcdEFGH12&kind=save", "JSON"),
    (b"", "JSON"),
    (b'["frame-ring", "abcdEFGH12", "save"]', "object"),
    (b"\xff\xfe{}", "JSON"),
])
def test_400_naming_the_bad_part(shared, event, named):
    r = shared.event(event)
    assert r.status == 400, r
    assert r.json()["error"]["code"] == "bad_request"
    assert named in r.error_message(), r.error_message()


def test_nothing_refused_is_stored(counting):
    for e in [bad(kind="print"), bad(unit="Công đoàn Mặt Trăng"), b"{"]:
        assert counting.event(e).status == 400
    assert counting.report("unit") == "unit,members,saves,shares\r\ntotal,0,0,0\r\n"


def test_413_over_2_kb(counting):
    padded = json.dumps({**GOOD, "unit": "x" * 2100})
    r = counting.event(padded)
    assert r.status == 413, r
    assert "2048" in r.error_message()
    # Chunked, so that the length is known only while reading.
    conn = http.client.HTTPConnection("127.0.0.1", counting.port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/events")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("X-Forwarded-For", fresh_address())
        conn.endheaders()
        for _ in range(5):
            chunk = b" " * 1000
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        assert r.status == 413, r.read()
    finally:
        conn.close()
    # Just under the limit is an ordinary (bad) event, not a 413.
    near = json.dumps(GOOD) + " " * (2048 - len(json.dumps(GOOD).encode()))
    assert len(near.encode()) == 2048
    assert counting.event(near).status == 204


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "image/png", "application/jsonx"])
def test_415_for_another_content_type(shared, content_type):
    r = shared.event(GOOD, content_type=content_type)
    assert r.status == 415, r
    assert "application/json" in r.error_message()


def test_json_and_text_plain_are_taken(counting):
    # text/plain is what navigator.sendBeacon sends a string as.
    for ct in ["application/json", "application/json; charset=utf-8", "text/plain;charset=UTF-8", "Application/JSON"]:
        r = counting.event(GOOD, content_type=ct)
        assert r.status == 204, (ct, r)


def test_31st_event_in_a_minute_from_one_address(counting):
    for i in range(30):
        r = counting.event(bad(device=f"limit-{i:04d}"), address=None)
        assert r.status == 204, (i, r)
    r = counting.event(bad(device="limit-0030"), address=None)
    assert r.status == 429, r
    assert "error" in r.json()
    # Refused events are not stored.
    assert counting.report("unit").endswith("total,30,30,0\r\n")
    # Another address behind a proxy on this machine still has its own 30.
    assert counting.event(bad(device="limit-other"), address="203.0.113.7").status == 204


def test_429_says_when_to_retry(counting):
    for i in range(31):
        r = counting.event(bad(device=f"retry-{i:04d}"), address="203.0.113.50")
    assert r.status == 429
    assert int(r.headers.get("retry-after", "0")) > 0, r.headers


def test_429_is_named_too_many_requests(counting):
    for i in range(31):
        r = counting.event(bad(device=f"named-{i:04d}"), address="203.0.113.51")
    assert r.status == 429
    assert r.json()["error"]["code"] == "too_many_requests"


def test_forwarded_addresses_are_limited_each_on_their_own(counting):
    """From a loopback peer (a proxy on this machine), the last address of
    X-Forwarded-For is the client: each gets its own 30 events a minute."""
    for address in ["203.0.113.1", "203.0.113.2", "2001:db8::1"]:
        for i in range(30):
            r = counting.event(bad(device=f"fwd-{address.replace(':', '-').replace('.', '-')}-{i:03d}"),
                               address=address)
            assert r.status == 204, (address, i, r)
        r = counting.event(bad(device="fwd-one-more"), address=address)
        assert r.status == 429, (address, r)
    # A client cannot escape the limit by putting addresses of its own in
    # front: the proxy's own entry, the last, is what counts.
    assert counting.event(bad(device="fwd-spoofed"), address="198.51.100.1, 203.0.113.1").status == 429
    assert counting.event(bad(device="fwd-spoofed2"), address="203.0.113.1, 198.51.100.1").status == 204
