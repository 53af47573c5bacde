"""Tests of the Python face: wiring, conversions, errors, threads, examples.

Run by ctest (`python`) with PYTHONPATH at the built package and KHUNG_CLI at
the khung binary; by hand:

    PYTHONPATH=build/ci/python KHUNG_CLI=build/ci/khung /usr/bin/python3 -m pytest -q tests/python
"""

import concurrent.futures
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from PIL import Image as PILImage

import khung

ROOT = pathlib.Path(__file__).resolve().parents[2]
PHOTO = ROOT / "assets" / "photos" / "astronaut.png"  # 512x512 RGB
EXAMPLES = ROOT / "bindings" / "examples"
CLI = os.environ.get("KHUNG_CLI")
UNITS = [
    "Công đoàn Điện lực Hà Nội",
    "Công đoàn Trường Đại học Bách khoa",
    "Công đoàn Bệnh viện Chợ Rẫy",
    "Công đoàn Cảng Hải Phòng",
    "Công đoàn Ngân hàng Nông nghiệp",
    "Công đoàn Dệt may Thành Công",
    "Công đoàn Than – Khoáng sản Quảng Ninh",
    "Công đoàn Viễn thông Đà Nẵng",
]


def cli_error(*args: str) -> str:
    """The message `khung ARGS` prints after 'khung: error: '."""
    assert CLI, "KHUNG_CLI is not set"
    run = subprocess.run([CLI, *args], capture_output=True, text=True)
    assert run.returncode != 0, run.stderr
    line = run.stderr.strip()
    assert line.startswith("khung: error: "), line
    return line[len("khung: error: "):]


needs_cli = pytest.mark.skipif(not CLI, reason="KHUNG_CLI is not set")


def pil_rgb() -> np.ndarray:
    with PILImage.open(PHOTO) as im:
        return np.asarray(im.convert("RGB"))


def with_alpha(rgb: np.ndarray) -> np.ndarray:
    """RGBA with a varying alpha, so the layout test covers the A channel."""
    h, w, _ = rgb.shape
    alpha = (np.add.outer(np.arange(h), np.arange(w)) % 256).astype(np.uint8)
    return np.dstack([rgb, alpha])


def png_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    PILImage.fromarray(array).save(out, "PNG")
    return out.getvalue()


# ---- templates ---------------------------------------------------------------


@needs_cli
def test_version_is_the_projects_and_the_clis():
    project = re.search(r"project\(khung VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
    assert khung.__version__ == project
    assert subprocess.run([CLI, "--version"], capture_output=True, text=True, check=True).stdout == f"khung {project}\n"



def test_templates_are_the_bundled_ones():
    ids = [t.id for t in khung.templates()]
    assert ids == sorted(ids)
    assert {"cover", "frame-ring", "frame-ribbon", "post", "web-banner"} <= set(ids)
    if CLI:
        listed = json.loads(subprocess.run([CLI, "templates", "--json"], capture_output=True, check=True).stdout)
        assert [(t["id"], t["kind"], t["width"], t["height"], t["photo"], t["fields"], t["title"]) for t in listed] == [
            (t.id, t.kind, *t.size, t.has_photo, [f.name for f in t.fields], t.title) for t in khung.templates()
        ]


def test_template_properties():
    cover = khung.Template("cover")
    assert (cover.id, cover.kind, cover.size, cover.has_photo) == ("cover", "banner", (1640, 624), False)
    assert cover.title == "Ảnh bìa Facebook"
    [unit] = cover.fields
    assert (unit.name, unit.label, unit.default) == ("unit", "Tên đơn vị", None)
    assert unit.sample.startswith("Công đoàn")
    assert isinstance(cover.path, pathlib.Path) and cover.path.parts[-2:] == ("templates", "cover.json")
    ring = khung.Template("frame-ring")
    assert (ring.kind, ring.has_photo, ring.fields) == ("frame", True, [])
    assert repr(ring) == "<khung.Template 'frame-ring' frame 1080x1080>"
    web = khung.Template("web-banner")
    assert web.fields[0].default == "Công đoàn Việt Nam"


def test_template_from_path_str_and_pathlike(tmp_path, monkeypatch):
    source = ROOT / "assets" / "templates" / "cover.json"
    by_str = khung.Template(str(source))
    by_path = khung.Template(source)
    assert by_str.id == by_path.id == "cover"
    fields = {"unit": UNITS[0]}
    assert by_str.render(fields=fields) == khung.Template("cover").render(fields=fields)
    # An os.PathLike without a '/' is still a path, not an id.
    monkeypatch.chdir(tmp_path)
    shutil.copy(source, tmp_path / "mine")
    shutil.copytree(source.parent / "images", tmp_path / "images")
    assert khung.Template(pathlib.Path("mine")).size == (1640, 624)


def test_render_shortcut_matches_template_render():
    fields = {"unit": UNITS[1]}
    a = khung.render("cover", fields=fields)
    b = khung.Template("cover").render(None, fields)
    c = khung.render(khung.Template("cover"), fields=fields)
    assert a == b == c
    assert (a.width, a.height) == (1640, 624)


def test_render_reuses_a_loaded_template_until_its_file_changes(tmp_path):
    path = tmp_path / "flag.json"

    def write(colour: str, width: int = 40) -> None:
        path.write_text(json.dumps({"width": width, "height": 20, "layers": [{"type": "fill", "color": colour}]}))

    def corner(image: khung.Image) -> tuple:
        return tuple(int(v) for v in image.to_numpy()[0, 0])

    red, yellow = (200, 16, 46, 255), (255, 210, 63, 255)
    write("#C8102E")
    assert corner(khung.render(path)) == red
    # Other bytes of the same length under the same modification time: the
    # template loaded before is reused (a str path names the same file)...
    before = path.stat()
    write("#FFD23F")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert corner(khung.render(path)) == corner(khung.render(str(path))) == red
    # ... while khung.Template always reads the file.
    assert corner(khung.Template(path).render()) == yellow
    # A file changed on disk is read again: a new modification time, or a new size.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert corner(khung.render(path)) == yellow
    stamp = path.stat()
    write("#C8102E", width=400)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    again = khung.render(path)
    assert (again.width, corner(again)) == (400, red)
    # A file that became invalid raises, and does not stay cached.
    path.write_text("{")
    with pytest.raises(khung.TemplateError, match="invalid JSON at line 1, column 2"):
        khung.render(path)
    write("#FFD23F")
    assert corner(khung.render(path)) == yellow


def test_render_by_id_from_threads_matches_serial():
    jobs = [("cover", {"unit": unit}) for unit in UNITS] + [("post", {"name": "Lê Văn Lợi", "unit": unit}) for unit in UNITS]
    serial = [khung.render(tpl, fields=fields) for tpl, fields in jobs]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(lambda job: khung.render(job[0], fields=job[1]), jobs)) == serial


@needs_cli
def test_render_gives_the_cli_bytes(tmp_path):
    out = tmp_path / "cli.png"
    subprocess.run([CLI, "render", "cover", "--set", f"unit={UNITS[2]}", "-o", out], check=True)
    assert khung.render("cover", fields={"unit": UNITS[2]}).encode("png") == out.read_bytes()
    out = tmp_path / "ring.png"
    subprocess.run([CLI, "render", "frame-ring", "-p", PHOTO, "--zoom", "1.3", "--offset", "0.1,-0.05",
                    "--rotate", "10", "--width", "540", "-o", out], check=True)
    image = khung.render("frame-ring", PHOTO, zoom=1.3, offset=(0.1, -0.05), rotate=10, width=540)
    assert (image.width, image.height) == (540, 540)
    assert image.encode("png") == out.read_bytes()


def test_placement_changes_the_picture():
    plain = khung.render("frame-ring", PHOTO)
    assert khung.render("frame-ring", PHOTO, zoom=2) != plain
    zoomed = khung.render("frame-ring", PHOTO, zoom=2)
    assert khung.render("frame-ring", PHOTO, zoom=2, offset=(0.2, 0)) != zoomed
    # At zoom 1 the photo just covers the window: an offset is clamped away.
    assert khung.render("frame-ring", PHOTO, offset=(0.2, 0)) == plain
    assert khung.render("frame-ring", PHOTO, rotate=30) != plain
    assert khung.render("frame-ring", PHOTO, focus="center") == plain


# ---- photos: path, bytes, numpy ------------------------------------------------


def test_photo_from_path_bytes_and_every_array_layout_gives_the_same_pixels(tmp_path):
    rgb = pil_rgb()
    rgba = with_alpha(rgb)
    gray = np.asarray(PILImage.fromarray(rgb).convert("L"))
    ring = khung.Template("frame-ring")
    for name, array in [("rgb", rgb), ("rgba", rgba), ("gray", gray)]:
        data = png_bytes(array)
        path = tmp_path / f"{name}.png"
        path.write_bytes(data)
        from_path = ring.render(str(path))
        assert ring.render(path) == from_path, name  # os.PathLike
        assert ring.render(data) == from_path, name
        assert ring.render(bytearray(data)) == from_path, name
        assert ring.render(memoryview(data)) == from_path, name
        assert ring.render(array) == from_path, name
        assert ring.render(khung.Image.from_numpy(array)) == from_path, name
    # A gray array is the RGB array with three equal channels.
    assert ring.render(gray) == ring.render(np.dstack([gray, gray, gray]))
    # Opaque RGBA is RGB.
    assert ring.render(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])) == ring.render(rgb)


def test_non_contiguous_arrays_work():
    rgb = pil_rgb()
    ring = khung.Template("frame-ring")
    expected = ring.render(rgb)
    big = np.zeros((rgb.shape[0] * 2, rgb.shape[1] * 3, 3), np.uint8)
    big[::2, ::3] = rgb
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    views = {
        "strided": big[::2, ::3],
        "fortran": np.asfortranarray(rgb),
        "transposed twice": rgb.transpose(1, 0, 2).copy().transpose(1, 0, 2),
        "channels reversed": bgr[..., ::-1],
        "rows reversed": np.flipud(np.flipud(rgb).copy()),
        "planar": np.moveaxis(np.ascontiguousarray(np.moveaxis(rgb, 2, 0)), 0, 2),
    }
    for name, view in views.items():
        assert not view.flags.c_contiguous, name
        assert ring.render(view) == expected, name
    # A broadcast array has a zero stride.
    flat = np.broadcast_to(np.array([10, 200, 30], np.uint8), (300, 400, 3))
    assert khung.Image.from_numpy(flat).to_numpy()[299, 399].tolist() == [10, 200, 30, 255]


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((8, 8, 3), np.float32), "photo array: dtype float32: expected uint8 (0..255)"),
        (np.zeros((8, 8, 3), np.uint16), "photo array: dtype uint16: expected uint8 (0..255)"),
        (np.zeros((8, 8, 3), np.int8), "photo array: dtype int8: expected uint8 (0..255)"),
        (np.zeros((8, 8), bool), "photo array: dtype bool: expected uint8 (0..255)"),
        (np.zeros((8, 8, 2), np.uint8), "photo array: shape (8, 8, 2): expected HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA)"),
        (np.zeros((8, 8, 5), np.uint8), "photo array: shape (8, 8, 5): expected HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA)"),
        (np.zeros(64, np.uint8), "photo array: shape (64,): expected HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA)"),
        (np.zeros((2, 8, 8, 3), np.uint8), "photo array: shape (2, 8, 8, 3): expected HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA)"),
        (np.zeros((0, 8, 3), np.uint8), "photo array: shape (0, 8, 3): is empty"),
    ],
)
def test_wrong_array_raises_a_clear_image_error(array, message):
    with pytest.raises(khung.ImageError) as e:
        khung.render("frame-ring", array)
    assert str(e.value) == message
    assert e.value.code == "image"
    with pytest.raises(khung.ImageError) as e:
        khung.Image.from_numpy(array)
    assert str(e.value) == message.replace("photo array", "array")


def test_wrong_photo_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"photo: expected a path, bytes, a numpy array or a khung.Image, got int"):
        khung.render("frame-ring", 42)
    with pytest.raises(TypeError, match=r"fields\['unit'\]: expected str, got int"):
        khung.render("cover", fields={"unit": 7})


# ---- errors --------------------------------------------------------------------


def test_error_classes_form_one_tree():
    assert issubclass(khung.Error, ValueError)
    for cls in (khung.TemplateError, khung.ImageError, khung.LayoutError, khung.FileError):
        assert issubclass(cls, khung.Error)
        assert cls.__module__ == "khung"
    assert issubclass(khung.FileError, OSError)


LAYOUT_TEMPLATE = {
    "width": 300, "height": 60,
    "layers": [{"type": "text", "text": "{{name}}", "box": [0, 0, 300, 60],
                "font": {"family": "Noto Sans", "size": 40}, "max_lines": 1, "overflow": "error"}],
}


def error_cases(tmp_path: pathlib.Path):
    """(python call, cli args, class, code) for every error class."""
    bad_template = tmp_path / "bad.json"
    bad_template.write_text(json.dumps({"width": 100, "height": 100, "layers": [{"type": "fill", "colour": "#fff"}]}))
    layout = tmp_path / "layout.json"
    layout.write_text(json.dumps(LAYOUT_TEMPLATE))
    long_name = "Công đoàn Tổng công ty Điện lực miền Bắc và miền Trung"
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("Xin chào\n")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(png_bytes(pil_rgb())[:3000])
    missing = tmp_path / "missing.jpg"
    no_dir = tmp_path / "no-dir" / "out.png"
    return [
        (lambda: khung.Template("no-such-template"), ["render", "no-such-template"], khung.TemplateError, "not_found"),
        (lambda: khung.Template(str(bad_template)), ["render", str(bad_template)], khung.TemplateError, "template"),
        (lambda: khung.render(str(layout), fields={"name": long_name}),
         ["render", str(layout), "--set", f"name={long_name}"], khung.LayoutError, "layout"),
        (lambda: khung.render("frame-ring", not_image), ["render", "frame-ring", "-p", str(not_image)],
         khung.ImageError, "unsupported"),
        (lambda: khung.render("frame-ring", truncated), ["render", "frame-ring", "-p", str(truncated)],
         khung.ImageError, "image"),
        (lambda: khung.render("frame-ring", missing), ["render", "frame-ring", "-p", str(missing)],
         khung.FileError, "io"),
        (lambda: khung.render("cover", fields={"unit": "x"}).save(no_dir),
         ["render", "cover", "--set", "unit=x", "-o", str(no_dir)], khung.FileError, "io"),
        (lambda: khung.render("cover"), ["render", "cover"], khung.Error, "invalid_argument"),
        (lambda: khung.render("cover", fields={"unit": "x", "name": "y"}),
         ["render", "cover", "--set", "unit=x", "--set", "name=y"], khung.Error, "invalid_argument"),
        (lambda: khung.render("cover", PHOTO, {"unit": "x"}), ["render", "cover", "-p", str(PHOTO), "--set", "unit=x"],
         khung.Error, "invalid_argument"),
        (lambda: khung.render("frame-ring"), ["render", "frame-ring"], khung.Error, "invalid_argument"),
        (lambda: khung.render("frame-ring", PHOTO, zoom=20), ["render", "frame-ring", "-p", str(PHOTO), "--zoom", "20"],
         khung.Error, "invalid_argument"),
        (lambda: khung.render("cover", fields={"unit": "x"}, width=8), ["render", "cover", "--set", "unit=x", "--width", "8"],
         khung.Error, "invalid_argument"),
        (lambda: khung.render("cover", fields={"unit": "x"}, width=0), ["render", "cover", "--set", "unit=x", "--width", "0"],
         khung.Error, "invalid_argument"),
        (lambda: khung.render("cover", fields={"unit": "\u3000"}), ["render", "cover", "--set", "unit=\u3000"],
         khung.Error, "invalid_argument"),
        (lambda: khung.Template("Bad Id!"), ["render", "Bad Id!"], khung.Error, "invalid_argument"),
        (lambda: khung.text("Việt Nam", "Noto Sans", 40, "reddish"),
         ["text", "Việt Nam", "--font", "Noto Sans", "--size", "40", "--color", "reddish", "-o", str(tmp_path / "t.png")],
         khung.Error, "invalid_argument"),
        (lambda: khung.text("", "Noto Sans", 40), ["text", "", "--font", "Noto Sans", "--size", "40", "-o", str(tmp_path / "t.png")],
         khung.Error, "invalid_argument"),
        (lambda: khung.text("Việt Nam", "/no/such/font.ttf", 40),
         ["text", "Việt Nam", "--font", "/no/such/font.ttf", "--size", "40", "-o", str(tmp_path / "t.png")],
         khung.Error, "invalid_argument"),
        (lambda: khung.text("Việt Nam", "Comic Sans", 40),
         ["text", "Việt Nam", "--font", "Comic Sans", "--size", "40", "-o", str(tmp_path / "t.png")],
         khung.Error, "invalid_argument"),
        (lambda: khung.text("Việt Nam", str(not_image), 40),
         ["text", "Việt Nam", "--font", str(not_image), "--size", "40", "-o", str(tmp_path / "t.png")],
         khung.Error, "font"),
    ]


def test_every_error_class_is_raised_where_it_should_be_with_the_cli_message(tmp_path):
    for call, cli_args, cls, code in error_cases(tmp_path):
        with pytest.raises(khung.Error) as e:
            call()
        assert type(e.value) is cls, (cli_args, e.value)
        assert e.value.code == code, (cli_args, e.value)
        if CLI:
            assert str(e.value) == cli_error(*cli_args)
    assert not list((tmp_path).glob("**/*.tmp-*")), "a failed save left a temporary file"


def test_errors_of_the_python_face():
    image = khung.render("cover", fields={"unit": "x"})
    with pytest.raises(khung.Error, match=r"^focus: 'left' is not one of: center, face$"):
        khung.render("frame-ring", PHOTO, focus="left")
    with pytest.raises(khung.Error, match=r"^format: 'gif' is not one of: png, jpeg, webp$"):
        image.encode("gif")
    # Names are matched exactly, as every face matches them (HTTP refuses "JPEG" too)
    with pytest.raises(khung.Error, match=r"^format: 'JPEG' is not one of: png, jpeg, webp$"):
        image.encode("JPEG")
    with pytest.raises(khung.Error, match=r"^quality 0: must be between 1 and 100$"):
        image.encode("jpeg", quality=0)
    with pytest.raises(khung.Error, match=r"extension"):
        image.save("cover.gif")
    with pytest.raises(khung.ImageError) as e:
        khung.render("frame-ring", b"GIF89a-truncated")
    assert e.value.code == "image"
    with pytest.raises(TypeError):
        khung.Image()
    # Every khung exception is a ValueError: one except clause catches them.
    with pytest.raises(ValueError):
        khung.Template("no-such-template")


# ---- images: save, encode, numpy, buffer ---------------------------------------


def test_save_and_encode_round_trip_through_pillow(tmp_path):
    image = khung.render("frame-ring", PHOTO)
    pixels = image.to_numpy()
    assert pixels.shape == (1080, 1080, 4) and pixels.dtype == np.uint8 and pixels.flags.writeable

    # PNG is exact: an opaque image is stored as RGB, one with transparency as RGBA.
    png = image.encode("png")
    with PILImage.open(io.BytesIO(png)) as im:
        assert im.mode == "RGB"
        assert np.array_equal(np.asarray(im.convert("RGBA")), pixels)
    image.save(tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes() == png
    title = khung.text("Tự hào trí tuệ lao động Việt Nam", "Noto Serif", 48, "#C8102E80")
    with PILImage.open(io.BytesIO(title.encode("png"))) as im:
        assert im.mode == "RGBA"
        assert np.array_equal(np.asarray(im), np.asarray(title))

    # JPEG and WebP are lossy; JPEG flattens alpha onto white.
    opaque = pixels[..., :3].astype(np.float64) * (pixels[..., 3:] / 255.0) + 255.0 * (1 - pixels[..., 3:] / 255.0)
    for fmt, suffix in [("jpeg", "jpg"), ("webp", "webp")]:
        data = image.encode(fmt, quality=95)
        image.save(tmp_path / f"a.{suffix}", quality=95)
        assert (tmp_path / f"a.{suffix}").read_bytes() == data
        with PILImage.open(io.BytesIO(data)) as im:
            assert im.format == fmt.upper() and im.size == (1080, 1080)
            decoded = np.asarray(im.convert("RGB")).astype(np.float64)
        assert np.abs(decoded - opaque).mean() < 2.5, fmt
    assert len(image.encode("jpg", quality=30)) < len(image.encode("jpeg", quality=95))

    # Pillow's arrays come back as the same image.
    pil = PILImage.fromarray(image.to_numpy())
    assert pil.mode == "RGBA" and pil.size == (1080, 1080)
    assert khung.Image.from_numpy(np.asarray(pil)) == image
    assert not list(tmp_path.glob(".*tmp-*"))


def test_buffer_protocol_shares_memory():
    image = khung.render("cover", fields={"unit": UNITS[3]})
    a = np.asarray(image)
    b = np.asarray(image)
    assert a.shape == (624, 1640, 4) and a.dtype == np.uint8
    assert np.shares_memory(a, b)  # both views of the image's own pixels
    assert not a.flags.writeable
    assert np.array_equal(a, image.to_numpy())
    assert not np.shares_memory(a, image.to_numpy())
    view = memoryview(image)
    assert (view.format, view.shape, view.readonly) == ("B", (624, 1640, 4), True)
    del image  # the views keep the pixels alive
    assert np.array_equal(a, b)


def test_from_numpy_channel_order_and_alpha():
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 128]], [[0, 0, 255, 0], [10, 20, 30, 40]]], np.uint8)
    image = khung.Image.from_numpy(rgba)
    assert (image.width, image.height) == (2, 2)
    assert np.array_equal(image.to_numpy(), rgba)
    assert np.asarray(khung.Image.from_numpy(rgba[..., :3]))[1, 1].tolist() == [10, 20, 30, 255]
    assert np.asarray(khung.Image.from_numpy(np.array([[7]], np.uint8)))[0, 0].tolist() == [7, 7, 7, 255]
    assert repr(image) == "<khung.Image 2x2 RGBA>"


# ---- text ----------------------------------------------------------------------


@needs_cli
def test_text_matches_the_cli(tmp_path):
    out = tmp_path / "t.png"
    subprocess.run([CLI, "text", "ỄỆ ẤẬ Việt Nam", "--font", "Noto Serif", "--weight", "700", "--size", "64",
                    "--color", "#C8102E", "-o", out], check=True)
    image = khung.text("ỄỆ ẤẬ Việt Nam", "Noto Serif", 64, "#C8102E", weight=700)
    assert image.encode("png") == out.read_bytes()
    font_file = ROOT / "fonts" / "NotoSerif-Bold.ttf"
    assert khung.text("ỄỆ ẤẬ Việt Nam", font_file, 64, "#C8102E") == image


def test_text_warns_about_characters_no_font_has():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = khung.text("Xin chào 中", "Noto Sans", 40, margin=0)
    assert [str(w.message) for w in caught] == ["text: no font has U+4E2D; it is left blank"]
    assert caught[0].category is UserWarning
    alpha = np.asarray(image)[..., 3]
    assert alpha[0].any() or alpha[:, 0].any()  # margin 0: ink touches the edges


def test_render_warns_about_characters_no_font_has_naming_the_field():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = khung.render("cover", fields={"unit": "Công đoàn 🎉😀"})
    assert [str(w.message) for w in caught] == ["field 'unit': no font has U+1F389, U+1F600; they are left blank"]
    assert caught[0].category is UserWarning
    assert image.width == 1640
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        khung.render("cover", fields={"unit": "Công đoàn"})  # no warning


# ---- threads -------------------------------------------------------------------


def busy_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")


def test_eight_threads_render_the_same_bytes_as_serial_and_faster():
    photo = PHOTO.read_bytes()
    cover = khung.Template("cover")
    ring = khung.Template("frame-ring")
    # Enough work per job to measure: a cover banner or a framed photo, each different.
    jobs = [(cover, None, {"unit": unit}, 1.0) for unit in UNITS] * 2 + [
        (ring, photo, None, 1.0 + i / 10) for i in range(16)
    ]

    def run(job):
        tpl, photo_bytes, fields, zoom = job
        return tpl.render(photo_bytes, fields, zoom=zoom).encode("png")

    serial_out = [run(job) for job in jobs]  # also warms the fonts and glyph caches
    serial_times, threaded_times, others = [], [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            start = time.perf_counter()
            assert [run(job) for job in jobs] == serial_out
            serial_times.append(time.perf_counter() - start)
            machine, ours, start = busy_cpu_seconds(), os.times(), time.perf_counter()
            threaded_out = list(pool.map(run, jobs))
            threaded_times.append(time.perf_counter() - start)
            after = os.times()
            ours_used = after.user + after.system - ours.user - ours.system
            others.append((busy_cpu_seconds() - machine - ours_used) / threaded_times[-1])
            assert threaded_out == serial_out
    serial, threaded = min(serial_times), min(threaded_times)
    print(f"\n{len(jobs)} renders + PNG encodes: serial {serial * 1000:.0f} ms, 8 threads {threaded * 1000:.0f} ms, "
          f"speed-up {serial / threaded:.2f}x on {os.cpu_count()} cores (other processes: {max(0.0, min(others)):.1f} cores busy)")
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        pytest.skip(f"one core: no speed-up to measure (serial {serial:.2f} s, threads {threaded:.2f} s)")
    if min(others) > cores - 1.5:
        pytest.skip(f"other processes kept {min(others):.1f} of {cores} cores busy: the speed-up cannot be measured "
                    f"(serial {serial:.2f} s, threads {threaded:.2f} s)")
    assert threaded < serial * 0.8, (serial_times, threaded_times)


# ---- installed layout, stub, examples ------------------------------------------


def test_packaged_data_is_used_when_present(tmp_path):
    # The layout pip installs: khung/data/{fonts,assets} beside the module.
    package = tmp_path / "khung"
    shutil.copytree(pathlib.Path(khung.__file__).parent, package, ignore=shutil.ignore_patterns("data", "__pycache__"))
    shutil.copytree(ROOT / "fonts", package / "data" / "fonts")
    shutil.copytree(ROOT / "assets" / "templates", package / "data" / "assets" / "templates")
    env = {k: v for k, v in os.environ.items() if k != "KHUNG_DATA_DIR"}
    env["PYTHONPATH"] = str(tmp_path)
    code = "import khung; print(khung.__file__); print(khung.Template('cover').path); khung.render('cover', fields={'unit': 'x'})"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(package / "__init__.py"), str(package / "data" / "assets" / "templates" / "cover.json")]
    # KHUNG_DATA_DIR still wins.
    env["KHUNG_DATA_DIR"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[1] == str(ROOT / "assets" / "templates" / "cover.json")


def test_stub_matches_the_module_and_type_checks_the_examples(tmp_path):
    pytest.importorskip("mypy")
    allowlist = ROOT / "bindings" / "python" / "stubtest-allowlist.txt"
    run = subprocess.run([sys.executable, "-m", "mypy.stubtest", "khung", "--allowlist", str(allowlist)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    usage = tmp_path / "usage.py"
    usage.write_text(
        "import numpy as np\nimport khung\n"
        "t: khung.Template = khung.Template('cover')\n"
        "img: khung.Image = t.render(fields={'unit': 'x'}, zoom=1.5, focus='face')\n"
        "data: bytes = img.encode('png', quality=90)\n"
        "arr = img.to_numpy()\n"
        "back: khung.Image = khung.Image.from_numpy(np.asarray(img))\n"
        "w: int = khung.text('Việt Nam', 'Noto Sans', 40).width\n"
        "try:\n    khung.render('frame-ring', b'...', offset=(0.1, 0))\nexcept khung.FileError as e:\n    c: str = e.code\n"
    )
    # mypy finds an installed package (its stub and py.typed) by itself, one
    # in the build tree through MYPYPATH.
    env = dict(os.environ)
    parent = pathlib.Path(khung.__file__).parents[1]
    if parent.name not in ("site-packages", "dist-packages"):
        env["MYPYPATH"] = str(parent)
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
                          str(usage), str(EXAMPLES / "frame_folder.py"), str(EXAMPLES / "banners_from_csv.py")],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stdout + run.stderr


def test_example_frame_folder(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    rgb = pil_rgb()
    PILImage.fromarray(rgb).save(photos / "an.jpg", quality=90)
    PILImage.fromarray(rgb).convert("L").save(photos / "binh.PNG")
    PILImage.fromarray(with_alpha(rgb)).save(photos / "chi.webp")
    (photos / "notes.txt").write_text("not a photo")
    run = subprocess.run([sys.executable, EXAMPLES / "frame_folder.py", photos, tmp_path / "out", "--jobs", "3"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["an.jpg", "binh.jpg", "chi.jpg"]
    with PILImage.open(tmp_path / "out" / "an.jpg") as im:
        assert im.size == (1080, 1080)
    # A broken photo is reported and the others still framed.
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    run = subprocess.run([sys.executable, EXAMPLES / "frame_folder.py", photos, tmp_path / "out2"],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "broken.jpg: photo '" in run.stderr and "3 framed, 1 failed" in run.stderr
    assert len(list((tmp_path / "out2").iterdir())) == 3


def test_example_banners_from_csv(tmp_path):
    data = tmp_path / "units.csv"
    rows = ["unit,contact", *[f'"{u}",someone@example.org' for u in UNITS[:3]], ",empty unit"]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")  # with a BOM, as Excel saves
    run = subprocess.run([sys.executable, EXAMPLES / "banners_from_csv.py", data, tmp_path / "out"],
                         capture_output=True, text=True)
    # The empty cell is a missing field, as in khung batch: its row fails
    # with Khung's message and the others render.
    assert run.returncode == 1, run.stderr
    assert "row 4: field 'unit': missing (template 'cover' needs: unit)" in run.stderr
    assert "3 rendered, 1 failed" in run.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["0001-cong-doan-dien-luc-ha-noi.png", "0002-cong-doan-truong-dai-hoc-bach-khoa.png",
                     "0003-cong-doan-benh-vien-cho-ray.png"]
    expected = khung.render("cover", fields={"unit": UNITS[0]}).encode("png")
    assert (tmp_path / "out" / names[0]).read_bytes() == expected
    # A CSV without the field's column fails each row with Khung's message.
    (tmp_path / "other.csv").write_text("name\nAn\n")
    run = subprocess.run([sys.executable, EXAMPLES / "banners_from_csv.py", tmp_path / "other.csv", tmp_path / "o2"],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "row 1: field 'unit': missing (template 'cover' needs: unit)" in run.stderr


MAKE_FONT = os.environ.get("KHUNG_MAKE_FONT")


@pytest.mark.skipif(not MAKE_FONT, reason="KHUNG_MAKE_FONT is not set")
@pytest.mark.parametrize("family,file,encoding", [(".VnTime", "vntime.ttf", "TCVN3"), ("VNI-Times", "vni.ttf", "VNI")])
def test_legacy_font_in_a_template_folder_is_refused_as_by_the_cli(tmp_path, family, file, encoding):
    legacy = "tcvn3" if encoding == "TCVN3" else "vni"
    subprocess.run([MAKE_FONT, str(ROOT / "fonts" / "NotoSans-Regular.ttf"), str(tmp_path / file), family,
                    "--legacy", legacy], check=True)
    path = tmp_path / "banner.json"
    path.write_text(json.dumps({"width": 300, "height": 100, "layers": [
        {"type": "text", "text": "Tự hào {{unit}}", "box": [0, 0, 300, 100], "font": {"family": family, "size": 30}}]}))
    expected = (f"template '{path}': layers[0].font.family: font '{family}' ({file}) is {encoding}-encoded: its "
                "Vietnamese letters sit on Latin-1 code points, so Unicode text would be drawn wrong; use a Unicode "
                "font such as Noto Sans")
    with pytest.raises(khung.TemplateError) as e:
        khung.render(path, fields={"unit": "x"})
    assert str(e.value) == expected
    if CLI:
        assert cli_error("render", str(path), "--set", "unit=x", "-o", str(tmp_path / "x.png")) == expected
