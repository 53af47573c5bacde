"""Publishing frames while the service runs: uploads through
POST /v1/admin/templates, and the templates folder edited on disk."""
import json
import os
import struct
import zlib

import pytest

from counts_service import ROOT, bearer, multipart, wait_for

RING = os.path.join(ROOT, "assets", "templates", "frames", "ring.png")


def png(width, height, pixel):
    """An RGBA PNG of one colour, with the standard library only."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(pixel) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def upload(s, filename, data, headers=None, **fields):
    body, h = multipart(fields, {"overlay": (filename, data)})
    return s.request("POST", "/v1/admin/templates", body, {**h, **(bearer() if headers is None else headers)},
                     timeout=60)


def template_ids(s):
    r = s.get("/v1/templates")
    assert r.status == 200
    return {t["id"]: t for t in r.json()}


@pytest.fixture
def publishing(services, templates, tmp_path):
    return services(tmp_path, "--data-dir", tmp_path / "data", templates=templates)


def test_upload_a_frame_and_replace_it(publishing, templates):
    with open(RING, "rb") as f:
        ring = f.read()
    assert "khung-thu" not in template_ids(publishing)
    r = upload(publishing, "vòng đỏ.png", ring, id="khung-thu", title="Khung thử – Công đoàn")
    assert r.status == 200, r
    answer = r.json()
    assert answer["id"] == "khung-thu"
    assert answer["title"] == "Khung thử – Công đoàn"
    assert answer["replaced"] is False
    assert isinstance(answer["advice"], list) and all(isinstance(a, str) for a in answer["advice"])
    listed = template_ids(publishing)
    assert listed["khung-thu"]["kind"] == "frame" and listed["khung-thu"]["photo"] is True
    assert (templates / "khung-thu.json").exists()
    assert publishing.get("/v1/templates/khung-thu/over.png").status == 200
    # The same id again replaces it.
    r = upload(publishing, "ring.png", ring, id="khung-thu", title="Khung thử 2")
    assert r.status == 200, r
    assert r.json()["replaced"] is True and r.json()["title"] == "Khung thử 2"
    assert template_ids(publishing)["khung-thu"]["id"] == "khung-thu"
    # Without an id or title: both from the file's name, as khung new frame makes them.
    r = upload(publishing, "Vòng Xanh.png", ring)
    assert r.status == 200, r
    assert r.json()["id"] == "vong-xanh" and r.json()["replaced"] is False
    assert "vong-xanh" in template_ids(publishing)
    assert "frame published: khung-thu" in publishing.stderr()


def test_advice_does_not_stop_a_frame(publishing):
    # All hole and small: published, with what the overlay could do better.
    r = upload(publishing, "trong.png", png(64, 64, (0, 0, 0, 0)), id="trong")
    assert r.status == 200, r
    advice = " ".join(r.json()["advice"])
    assert "edge" in advice and "1080" in advice, advice
    assert "trong" in template_ids(publishing)


@pytest.mark.parametrize("filename,data,named", [
    ("ghi-chu.png", b"these are notes, not a picture", "ghi-chu.png"),
    ("kin.png", png(64, 64, (200, 16, 46, 255)), "kin.png"),  # no transparent hole
    ("hong.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "hong.png"),  # a PNG's signature, then nothing
])
def test_a_bad_overlay_is_refused_by_its_name(publishing, templates, filename, data, named):
    before = sorted(os.listdir(templates))
    r = upload(publishing, filename, data, id="hong")
    assert r.status == 400, r
    message = r.error_message()
    assert named in message, message
    assert "/tmp" not in message and "khung-upload" not in message, message
    assert "hong" not in template_ids(publishing)
    assert sorted(os.listdir(templates)) == before, "a refused overlay left files behind"


def test_upload_needs_the_token_and_an_overlay(publishing):
    with open(RING, "rb") as f:
        ring = f.read()
    r = upload(publishing, "ring.png", ring, headers={}, id="khong-token")
    assert r.status == 401
    r = upload(publishing, "ring.png", ring, headers={"Authorization": "Bearer wrong"}, id="khong-token")
    assert r.status == 401
    assert "khong-token" not in template_ids(publishing)
    body, h = multipart({"id": "x"}, {})
    r = publishing.request("POST", "/v1/admin/templates", body, {**h, **bearer()})
    assert r.status == 400 and "overlay" in r.error_message(), r
    body, h = multipart({"colour": "red"}, {"overlay": ("ring.png", ring)})
    r = publishing.request("POST", "/v1/admin/templates", body, {**h, **bearer()})
    assert r.status == 400 and "colour" in r.error_message(), r
    r = publishing.request("POST", "/v1/admin/templates", ring, {"Content-Type": "image/png", **bearer()})
    assert r.status == 415, r
    r = upload(publishing, "ring.png", ring, id="../../etc/passwd")
    assert r.status == 400, r
    assert "passwd" not in template_ids(publishing)


def test_no_folder_of_its_own_409(services, tmp_path):
    s = services(tmp_path, "--data-dir", tmp_path / "data")  # the bundled templates
    with open(RING, "rb") as f:
        r = upload(s, "ring.png", f.read(), id="khung-thu")
    assert r.status == 409, r
    assert "--templates" in r.error_message()


def test_folder_edits_are_served_within_3_seconds(publishing, templates):
    # A template added on disk appears.
    with open(templates / "frame-ring.json", encoding="utf-8") as f:
        ring = json.load(f)
    ring["title"] = "Khung thêm bằng tay"
    (templates / "frame-added.json").write_text(json.dumps(ring, ensure_ascii=False), encoding="utf-8")
    took = wait_for(lambda: "frame-added" in template_ids(publishing), 10)
    assert took is not None, "an added template was not served in 10 s"
    assert took < 3.5, f"an added template served after {took:.1f} s"

    # A broken edit keeps the last good version, named in /healthz.
    cover_before = publishing.get("/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n")
    assert cover_before.status == 200
    (templates / "cover.json").write_text('{"width": 1200, "height": ', encoding="utf-8")
    took = wait_for(lambda: "template kept at its last good version" in publishing.get("/healthz").text, 10)
    assert took is not None, publishing.get("/healthz").text
    assert took < 3.5, f"a broken edit noticed after {took:.1f} s"
    health = publishing.get("/healthz")
    assert health.status == 200
    kept = [line for line in health.text.splitlines() if "template kept at its last good version" in line]
    assert len(kept) == 1 and "cover" in kept[0], health.text
    assert "cover" in template_ids(publishing)
    cover_after = publishing.get("/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n")
    assert cover_after.status == 200 and cover_after.body == cover_before.body

    # Mended: served as it now is, and /healthz clean again.
    (templates / "frame-added.json").unlink()
    with open(os.path.join(ROOT, "assets", "templates", "cover.json"), encoding="utf-8") as f:
        (templates / "cover.json").write_text(f.read(), encoding="utf-8")
    took = wait_for(lambda: "frame-added" not in template_ids(publishing) and
                    "last good version" not in publishing.get("/healthz").text, 10)
    assert took is not None, publishing.get("/healthz").text
