"""What khung serve's answers tell nginx's cache, through deploy/nginx/run
(issue 14): a CORS answer varies on Origin, so a banner cached for a
request without one is not served to an allowed origin without its
Access-Control-Allow-Origin; an error is never stored or revalidated; a
--cors-origin that is not an origin is refused at start. Needs KHUNG_CLI
(the khung binary) and Debian's nginx.
"""
import subprocess

import pytest

from nginx_stack import BANNER, KHUNG, Stack, get

ORIGIN = "https://congdoan.vn"


def tokens(value):
    return [t.strip().lower() for t in (value or "").split(",") if t.strip()]


def test_cors_answers_vary_on_origin_so_the_cache_keeps_them_apart(tmp_path):
    with Stack(tmp_path, serve=["--cors-origin", ORIGIN]) as stack:
        url = stack.url + BANNER
        # A banner first asked for without an Origin (a server, an <img>)...
        status, plain, image = get(url)
        assert status == 200 and plain["X-Cache-Status"] == "MISS" and image[:4] == b"\x89PNG"
        assert "Access-Control-Allow-Origin" not in plain
        # ...then by a page on the allowed origin: it gets the header, not
        # the copy cached without it. nginx keeps one copy per Origin
        # because the answers say Vary: Origin.
        status, allowed, again = get(url, {"Origin": ORIGIN})
        assert status == 200 and again == image
        assert allowed["Access-Control-Allow-Origin"] == ORIGIN, (
            f"the allowed origin got the copy cached without Origin ({allowed['X-Cache-Status']}); "
            f"the first answer said Vary: {plain['Vary']!r}")
        assert "origin" in tokens(plain["Vary"]) and "origin" in tokens(allowed["Vary"])
        # Each copy is then served from the cache to its own kind of request.
        status, cached, _ = get(url, {"Origin": ORIGIN})
        assert (status, cached["X-Cache-Status"], cached["Access-Control-Allow-Origin"]) == (200, "HIT", ORIGIN)
        status, cached, _ = get(url)
        assert (status, cached["X-Cache-Status"]) == (200, "HIT")
        assert "Access-Control-Allow-Origin" not in cached
        # Another origin: Vary too, and no permission.
        status, other, _ = get(url, {"Origin": "https://example.org"})
        assert status == 200 and "origin" in tokens(other["Vary"])
        assert "Access-Control-Allow-Origin" not in other


@pytest.mark.parametrize("origin", ["congdoan.vn", "https://congdoan.vn/"])
def test_a_cors_origin_that_is_not_an_origin_is_refused_at_start(origin):
    # A browser's Origin is scheme://host[:port], never a path: neither
    # spelling could ever match one, so every CORS request would fail.
    process = subprocess.Popen([KHUNG, "serve", "--port", "0", "--cors-origin", origin],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"khung serve --cors-origin {origin} started and served")
    assert process.returncode == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("khung: error: "), err
    assert "CORS origin" in lines[0] and origin in lines[0], err


BAD = [
    ("/v1/render/cover", 400),                    # the field unit is missing
    ("/v1/render/cover?unit=A&format=tiff", 400),  # no such format
    ("/v1/render/no-such-template?unit=A", 404),
]


@pytest.mark.parametrize("path,code", BAD)
def test_errors_are_not_cached_or_revalidated(tmp_path, path, code):
    with Stack(tmp_path) as stack:
        first = get(stack.url + path)
        second = get(stack.url + path)
        for status, headers, body in (first, second):
            assert status == code and headers["Content-Type"] == "application/json", (status, body)
        # Served again by an instance, not stored by nginx.
        assert second[1]["X-Cache-Status"] != "HIT"
        # Nothing that lets any cache keep it, or a client revalidate it.
        for _, headers, _ in (first, second):
            assert tokens(headers["Cache-Control"]) == ["no-store"], headers["Cache-Control"]
            assert "ETag" not in headers
        # If-None-Match with the ETag an error used to carry: still the error,
        # through nginx and from each instance itself.
        etag = first[1]["ETag"] or '"0000"'
        assert get(stack.url + path, {"If-None-Match": etag})[0] == code
        for _, port in stack.instances:
            status, headers, _ = get(f"http://127.0.0.1:{port}{path}", {"If-None-Match": etag})
            assert status == code and "ETag" not in headers
