"""Every face gives the same pixels for the same photo file, template and
placement (issue 15): `khung render` (the CLI), `POST /v1/render` (a
`khung serve` this test starts), `khung.Template.render` (Python) and a row
of `khung batch`. Each writes PNG; the outputs are decoded and their RGBA
compared exactly, for the bundled frames and for a small window on a large
canvas (a 240 px circle on a 1640x624 banner), with the sample photo and
with the bench's 12-megapixel phone JPEG (EXIF orientation 6).

Run by ctest's `python` test (KHUNG_CLI is the khung binary); by hand:

    PYTHONPATH=build/ci/python KHUNG_CLI=build/ci/khung /usr/bin/python3 -m pytest -q tests/python/test_faces.py
"""

import io
import json
import os
import pathlib
import re
import select
import shutil
import signal
import subprocess
import sys
import urllib.request
import uuid

import numpy as np
import pytest
from PIL import Image as PILImage

import khung

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = os.environ.get("KHUNG_CLI")
pytestmark = pytest.mark.skipif(not CLI, reason="KHUNG_CLI is not set")

# The small window on a big canvas: a 240 px circle on a 1640x624 banner,
# ringed by a fill drawn over the photo.
SMALL_WINDOW = {
    "title": "Small window on a banner",
    "width": 1640,
    "height": 624,
    "layers": [
        {"type": "fill", "gradient": {"type": "linear", "from": [0, 0], "to": [1640, 624],
                                      "stops": [{"offset": 0, "color": "#D7192F"}, {"offset": 1, "color": "#7E0818"}]}},
        {"type": "photo", "window": {"shape": "circle", "box": [200, 192, 240, 240]}},
        {"type": "fill", "shape": {"type": "ring", "center": [320, 312], "inner": 118, "outer": 132},
         "color": "#FFD23F"},
    ],
}

PLAIN = {"zoom": 1.0, "offset": (0.0, 0.0), "rotate": 0.0}
TURNED = {"zoom": 1.3, "offset": (0.1, -0.05), "rotate": 17.0}
MOVED = {"zoom": 1.3, "offset": (0.1, -0.05), "rotate": 0.0}

# (template id, photo, placement)
CASES = [
    ("frame-ring", "astronaut", PLAIN),
    ("frame-ring", "astronaut", TURNED),
    ("frame-ribbon", "astronaut", TURNED),
    ("frame-ring", "phone", TURNED),
    ("frame-ribbon", "phone", TURNED),
    ("small-window", "phone", MOVED),
]


def case_id(case):
    template, photo, p = case
    return f"{template}-{photo}-zoom{p['zoom']}-offset{p['offset'][0]},{p['offset'][1]}-rotate{p['rotate']:g}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The templates the service serves: a copy of the bundled folder and the
    small-window banner; and the photos."""
    root = tmp_path_factory.mktemp("faces")
    templates = root / "templates"
    shutil.copytree(ROOT / "assets" / "templates", templates)
    (templates / "small-window.json").write_text(json.dumps(SMALL_WINDOW))
    photos = root / "photos"
    photos.mkdir()
    shutil.copy(ROOT / "assets" / "photos" / "astronaut.png", photos / "astronaut.png")
    # The bench's own 12-megapixel photo, as a phone writes it.
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from inputs import f_photo
    finally:
        sys.path.pop(0)
    f_photo(str(ROOT), str(photos / "phone.jpg"))
    with PILImage.open(photos / "phone.jpg") as im:
        assert im.size == (4032, 3024) and im.getexif()[0x0112] == 6
    return root


@pytest.fixture(scope="module")
def service(folder):
    """`khung serve` on a free port over the folder's templates: its URL."""
    process = subprocess.Popen([CLI, "serve", "--port", "0", "--quiet", "--threads", "2",
                                "--templates", str(folder / "templates")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        m = re.search(r"serving on (http://\S+)", line)
        assert m, f"khung serve did not start: {line!r}"
        yield m.group(1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def template_ref(folder, template):
    """What the CLI, Python and batch are given: a bundled id, or the file."""
    if template == "small-window":
        return str(folder / "templates" / "small-window.json")
    return template


def rgba(png):
    with PILImage.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGBA"))


def by_cli(folder, template, photo, p, out):
    subprocess.run([CLI, "render", template_ref(folder, template), "-p", photo, "--zoom", str(p["zoom"]),
                    "--offset", f"{p['offset'][0]},{p['offset'][1]}", "--rotate", str(p["rotate"]), "-o", out],
                   check=True, capture_output=True)
    return out.read_bytes()


def by_http(url, template, photo, p):
    boundary = uuid.uuid4().hex
    fields = {"zoom": p["zoom"], "offset_x": p["offset"][0], "offset_y": p["offset"][1], "rotate": p["rotate"],
              "format": "png"}
    body = io.BytesIO()
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo"\r\n'
               f"Content-Type: application/octet-stream\r\n\r\n".encode())
    body.write(pathlib.Path(photo).read_bytes())
    for name, value in fields.items():
        body.write(f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode())
    body.write(f"\r\n--{boundary}--\r\n".encode())
    request = urllib.request.Request(f"{url}/v1/render/{template}", data=body.getvalue(), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 200
        return answer.read()


def by_python(folder, template, photo, p):
    return khung.Template(template_ref(folder, template)).render(
        photo, zoom=p["zoom"], offset=p["offset"], rotate=p["rotate"]).encode("png")


def by_batch(folder, template, photo, p, out):
    out.mkdir()
    data = pathlib.Path(photo).parent / f"rows-{out.name}.csv"
    data.write_text(f"photo\n{pathlib.Path(photo).name}\n")
    subprocess.run([CLI, "batch", template_ref(folder, template), "--data", data, "-o", out, "--name", "{{row}}.png",
                    "--zoom", str(p["zoom"]), "--offset", f"{p['offset'][0]},{p['offset'][1]}",
                    "--rotate", str(p["rotate"])], check=True, capture_output=True)
    [made] = list(out.glob("*.png"))
    return made.read_bytes()


def difference(a, b):
    """How two RGBA arrays differ, in words; empty when they are the same."""
    if a.shape != b.shape:
        return f"size {b.shape[1]}x{b.shape[0]} against {a.shape[1]}x{a.shape[0]}"
    delta = np.abs(a.astype(np.int16) - b.astype(np.int16))
    pixels = int(np.count_nonzero(delta.max(axis=2)))
    if not pixels:
        return ""
    return f"{pixels} pixels differ, by up to {int(delta.max())}/255 (mean {delta.mean():.4f})"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_every_face_gives_the_same_pixels(case, folder, service, tmp_path):
    template, photo_name, p = case
    photo = str(folder / "photos" / ("astronaut.png" if photo_name == "astronaut" else "phone.jpg"))
    outputs = {
        "khung render": rgba(by_cli(folder, template, photo, p, tmp_path / "cli.png")),
        "POST /v1/render": rgba(by_http(service, template, photo, p)),
        "khung.Template.render": rgba(by_python(folder, template, photo, p)),
        "khung batch": rgba(by_batch(folder, template, photo, p, tmp_path / "batch")),
    }
    reference = outputs["khung render"]
    assert reference.shape[:2] == tuple(reversed(khung.Template(template_ref(folder, template)).size))
    differences = [f"{face}: {why} from khung render's" for face, image in outputs.items()
                   if (why := difference(reference, image))]
    if differences:
        pytest.fail("; ".join(differences), pytrace=False)
