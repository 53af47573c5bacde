"""deploy/nginx: two `khung serve` instances behind nginx (deploy/nginx/run).

Frame uploads keep succeeding when an instance dies mid-run, repeated banner
GETs come from nginx's cache (the instances render nothing more), uploads
beyond the rate limit get 429, nginx writes no photo to disk (neither an
upload nor its framed answer), and /metrics is not public while Prometheus
scrapes each instance. Needs KHUNG_CLI (the khung binary) and Debian's
nginx.
"""
import concurrent.futures
import http.client
import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request

from nginx_stack import (BANNER, CONF, CreatedFiles, Stack, get, hold_bodies, multipart, photo_jpeg, photo_of_size,
                         slow_post, upload)


def test_uploads_survive_an_instance_killed_midway(tmp_path):
    stack = Stack(tmp_path, "--upload-rate", "1000")
    try:
        photo = photo_jpeg()
        results = []  # (started, finished, status)
        lock = threading.Lock()
        killed = []

        def one(i):
            started = time.monotonic()
            status = upload(stack.url, photo)
            with lock:
                results.append((started, time.monotonic(), status))
                if len(results) == 100 and not killed:
                    os.kill(stack.instances[0][0], signal.SIGKILL)
                    killed.append(time.monotonic())

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(one, range(200)))
        assert killed and len(results) == 200
        kill = killed[0]
        window = 0.2  # while the dead process's sockets are torn down, a connection may still be taken, then reset
        failed = [(s - kill, f - kill, st) for s, f, st in results if st != 200]
        # Only uploads in flight when the instance died, or sent to it as it
        # went, may fail (nginx passes a POST on only if it was not sent)...
        assert all(s <= window and f >= 0 for s, f, _ in failed), failed
        assert len(failed) <= 8, failed
        # ...and every upload sent after that brief window succeeds.
        after = [st for s, _, st in results if s > kill + window]
        assert len(after) >= 20 and all(st == 200 for st in after)
        # The survivor served them.
        assert stack.renders() >= len(after)
    finally:
        stack.stop()


def test_repeated_banners_come_from_the_cache_and_uploads_are_rate_limited(tmp_path):
    stack = Stack(tmp_path)
    try:
        before = stack.renders()
        status, headers, first = get(stack.url + BANNER)
        assert status == 200 and headers["X-Cache-Status"] == "MISS" and first[:4] == b"\x89PNG"
        assert stack.renders() == before + 1
        for _ in range(5):
            status, headers, again = get(stack.url + BANNER)
            assert (status, headers["X-Cache-Status"], again) == (200, "HIT", first)
        status, headers, body = get(stack.url + BANNER, {"If-None-Match": headers["ETag"]})
        assert status == 304 and body == b""
        assert stack.renders() == before + 1  # no request reached an instance
        # Another query is another cache entry.
        assert get(stack.url + BANNER + "&format=webp")[1]["X-Cache-Status"] == "MISS"
        assert stack.renders() == before + 2

        # Uploads: 2 a second per address with bursts of 20; empty ones
        # (refused by khung with 415) are enough to count.
        def empty_upload():
            request = urllib.request.Request(stack.url + "/v1/render/frame-ring", data=b"", method="POST",
                                             headers={"Content-Type": "image/jpeg"})
            try:
                return urllib.request.urlopen(request, timeout=10).status
            except urllib.error.HTTPError as e:
                return e.code

        statuses = [empty_upload() for _ in range(40)]
        assert statuses.count(415) >= 20 and statuses.count(429) >= 15, statuses
        assert get(stack.url + BANNER)[0] == 200  # GETs are not limited
    finally:
        stack.stop()


# Uploads of these sizes (a shrunk photo, a phone photo, one near the limit),
# each framed as a 3000-pixel PNG (over 8 MB: more than nginx's buffers and
# the sockets' hold) that the client reads only after a second.
PHOTO_SIZES = (100_000, 2_000_000, 15_000_000)


def disk_writes(stack):
    """Uploads PHOTO_SIZES through the stack and reads every answer slowly;
    returns the files nginx created meanwhile in its temporary and cache
    folders, the files left in its folder beyond its configuration and logs,
    and the error log's lines about temporary files."""
    d = stack.dir
    watch = CreatedFiles([os.path.join(d, "client_body"), os.path.join(d, "proxy"), os.path.join(d, "cache")])
    try:
        for size in PHOTO_SIZES:
            photo = photo_of_size(size, seed=size)
            assert abs(len(photo) - size) < size * 0.05
            body, content_type = multipart(photo, [("format", "png"), ("width", "3000")])
            status, headers, answer = slow_post(stack.port, "/v1/render/frame-ring", body, content_type, wait=1.0)
            assert status == 200 and answer[:8] == b"\x89PNG\r\n\x1a\n", (size, status, answer[:200])
            assert len(answer) == int(headers["content-length"]) > 8_000_000
        created = watch.created()
    finally:
        watch.close()
    kept = {"nginx.conf", "khung.conf", "khung-upstreams.conf", "prometheus-targets.json", "nginx.pid"}
    left = [os.path.relpath(os.path.join(top, name), d) for top, _, names in os.walk(d) for name in names
            if not (top == d and name in kept) and os.path.relpath(top, d) != "logs"]
    said = [line for line in stack.error_log().splitlines() if "to a temporary file" in line]
    return created, left, said


def test_photos_are_never_written_to_disk(tmp_path):
    # The privacy rule (PRODUCT.md): members' photos are processed in memory.
    # An upload is read into memory whole, its framed answer kept in memory
    # or passed on as the client reads it, and neither is cached.
    with Stack(tmp_path, "--upload-rate", "1000") as stack:
        created, left, said = disk_writes(stack)
    assert created == [] and left == [] and said == []


def test_the_disk_checks_see_a_configuration_that_spills_to_disk(tmp_path):
    # nginx's defaults (16 KB of body in memory, answers spilled to a
    # temporary file): every upload and every slowly read answer is seen.
    with open(CONF) as f:
        conf = f.read()
    for directive in ("client_body_buffer_size", "proxy_buffer_size", "proxy_buffers", "proxy_max_temp_file_size"):
        conf, n = re.subn(rf"^\s*{directive} [^;]*;\n", "", conf, flags=re.M)
        assert n == 1, directive
    spilling = tmp_path / "spilling.conf"
    spilling.write_text(conf)
    (tmp_path / "run").mkdir()
    with Stack(tmp_path / "run", "--upload-rate", "1000", conf=spilling) as stack:
        created, left, said = disk_writes(stack)
    bodies = [p for p in created if "/client_body/" in p]
    answers = [p for p in created if "/proxy/" in p]
    assert len(bodies) == len(PHOTO_SIZES) and len(answers) >= 1, created
    assert sum("a client request body is buffered to a temporary file" in line for line in said) == len(PHOTO_SIZES)
    assert any("an upstream response is buffered to a temporary file" in line for line in said), said
    assert left == []  # nginx removes them after the request: only the two checks above catch them


def empty_upload(url):
    """An upload with an empty body: khung refuses it with 415, so any other
    status is nginx's."""
    return get(url + "/v1/render/frame-ring", {"Content-Type": "image/jpeg"}, method="POST", data=b"")[0]


def test_bodies_held_at_once_are_limited_per_address_and_in_all(tmp_path):
    # nginx holds every body in memory, so the number it holds at once is
    # what bounds that memory: 20 per address, whatever the method and path.
    any_request = (("POST", "/v1/render/frame-ring"), ("PUT", "/v1/templates"), ("GET", "/healthz"))
    with Stack(tmp_path, "--upload-rate", "1000") as stack:
        held = hold_bodies(stack.port, 20, any_request)
        try:
            time.sleep(0.5)
            assert empty_upload(stack.url) == 503
            assert get(stack.url + BANNER)[0] == 200  # a request without a body does not count
        finally:
            for s in held:
                s.close()
        deadline = time.monotonic() + 5
        while empty_upload(stack.url) != 415:
            assert time.monotonic() < deadline, "the limit stayed after the slow uploads went"
            time.sleep(0.1)
    # 512 in all: the same configuration with 3 in all, from one address.
    with open(CONF) as f:
        conf, n = re.subn(r"limit_conn khung_bodies_all 512;", "limit_conn khung_bodies_all 3;", f.read())
    assert n == 1
    (tmp_path / "three.conf").write_text(conf)
    (tmp_path / "three").mkdir()
    with Stack(tmp_path / "three", "--upload-rate", "1000", conf=tmp_path / "three.conf") as stack:
        assert empty_upload(stack.url) == 415
        held = hold_bodies(stack.port, 3)
        try:
            time.sleep(0.5)
            assert empty_upload(stack.url) == 503
        finally:
            for s in held:
                s.close()


def test_metrics_are_not_public_and_prometheus_scrapes_each_instance(tmp_path):
    with Stack(tmp_path) as stack:
        # On the public port: 404, in every spelling nginx normalises, and
        # never passed on to an instance.
        paths = ["/metrics", "//metrics", "/metrics/", "/metrics.txt", "/%6Detrics", "/x/../metrics", "/./metrics",
                 "/metrics?name=khung_http_requests_total"]
        for method in ("GET", "HEAD"):
            for path in paths:
                connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
                connection.request(method, path)
                answer = connection.getresponse()
                body = answer.read()
                connection.close()
                assert answer.status == 404, (method, path)
                if method == "GET":
                    assert json.loads(body)["error"]["code"] == "not_found" and b"khung_" not in body
        # nginx writes a request's log line after its answer has gone out.
        deadline = time.monotonic() + 5
        while True:
            lines = [line for line in stack.access_log() if "etrics" in line]
            if len(lines) >= 2 * len(paths) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(lines) == 2 * len(paths) and all(" upstream=- " in line for line in lines), lines
        assert get(stack.url + "/healthz")[0] == 200  # the rest is passed on as before

        # Prometheus: every instance on its own port, from the targets file
        # deploy/nginx/run writes (Prometheus's file_sd_configs format).
        with open(os.path.join(stack.dir, "prometheus-targets.json")) as f:
            groups = json.load(f)
        targets = [target for group in groups for target in group["targets"]]
        assert sorted(targets) == sorted(f"127.0.0.1:{port}" for _, port in stack.instances)
        assert all(group["labels"]["job"] == "khung" for group in groups)
        for target in targets:
            status, headers, body = get(f"http://{target}/metrics")
            assert status == 200 and headers["Content-Type"].startswith("text/plain")
            text = body.decode()
            # The text exposition format: comments, and "name{labels} value".
            assert all(re.fullmatch(r"# (HELP|TYPE) .+|[a-z_]+(\{[^}]*\})? [0-9.e+-]+", line)
                       for line in text.splitlines() if line), text
            assert "# TYPE khung_http_requests_total counter" in text
            assert re.search(r"^khung_http_requests_total\{code=\"200\"\} [1-9]", text, re.M)  # run's readiness checks
