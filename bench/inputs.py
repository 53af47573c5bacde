#!/usr/bin/python3
"""The inputs of bench/run, made deterministically (seeded; the same bytes
every run for a given numpy and Pillow) with Debian's /usr/bin/python3:

  photo-4032x3024-exif6.jpg   job F: a photo-like portrait phone photo, stored
                              as a phone writes it: pixels landscape 4032x3024,
                              EXIF orientation 6 (displayed 3024x4032, upright);
                              quality 92, 4:2:0
  photo-4032x3024-exif6-p3.jpg  job F's photo as an iPhone saves it: the same
                              picture in Display P3 (converted with lcms2,
                              relative colorimetric), the profile embedded,
                              same EXIF and quality
  photo-1152x864.jpg          the HTTP job's 1-megapixel upload (no EXIF) and
  http-body.multipart         the multipart/form-data body that uploads it
  banner/banner.json          jobs B and M: the bench banner template (a copy of
  banner/background.jpg       bench/banner/banner.json) with its assets: a
  banner/logo.png             photo-like 1640x624 background JPEG (darkened
                              where the text goes) and a 300x300 logo (the
                              bundled emblem, Lanczos)
  names.csv                   job M: 200 different Vietnamese names (column
                              `name`, NFC, full diacritics)

Usage: inputs.py ROOT SCRATCH      (ROOT: the repository)
"""
import csv
import io
import os
import random
import shutil
import sys
import unicodedata

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import photo_like, to_image  # noqa: E402

F_PHOTO = "photo-4032x3024-exif6.jpg"
F_PHOTO_P3 = "photo-4032x3024-exif6-p3.jpg"
HTTP_PHOTO = "photo-1152x864.jpg"
HTTP_BODY = "http-body.multipart"
BOUNDARY = "khung-bench-http-2f7c9e41a05b"
NAMES = "names.csv"
COUNT = 200
# Job B's one banner: stacked marks on capitals and lower case (Ẩ ắ ễ ọ).
B_NAME = "Huỳnh Thị Ngọc Ẩn – Đắk Lắk"


def f_photo(root, out):
    """Portrait 3024x4032 as displayed; stored turned a quarter left (what
    orientation 6 turns back), so a reader that ignores EXIF sees it on its side."""
    shown = to_image(photo_like(os.path.join(root, "assets/photos/astronaut.png"), 3024, 4032,
                                blur=6, feather=160.0, wave=(389.0, 517.0), texture=41.0))
    stored = shown.transpose(Image.Transpose.ROTATE_90)  # counter-clockwise; orientation 6 turns it clockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the 0th row is the visual right side ("rotate 90 CW to display")
    exif[0x010F] = "Khung bench"  # Make
    exif[0x0110] = "photo-like"  # Model
    stored.save(out, "JPEG", quality=92, subsampling=2, optimize=False, exif=exif.tobytes())


def display_p3_profile():
    """Display P3 as an ICC profile (P3 primaries, D65 white, the sRGB
    curve), made by Debian's lcms2 itself: Pillow builds no RGB profile from
    primaries, and a made profile keeps a binary out of the repository."""
    import ctypes
    lcms = ctypes.CDLL("liblcms2.so.2")

    class XyY(ctypes.Structure):
        _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double), ("Y", ctypes.c_double)]

    lcms.cmsBuildParametricToneCurve.restype = ctypes.c_void_p
    lcms.cmsBuildParametricToneCurve.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
    lcms.cmsCreateRGBProfile.restype = ctypes.c_void_p
    lcms.cmsCreateRGBProfile.argtypes = [ctypes.POINTER(XyY), ctypes.POINTER(XyY * 3), ctypes.POINTER(ctypes.c_void_p * 3)]
    lcms.cmsSaveProfileToMem.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
    lcms.cmsCloseProfile.argtypes = [ctypes.c_void_p]
    lcms.cmsFreeToneCurve.argtypes = [ctypes.c_void_p]
    srgb_curve = (ctypes.c_double * 5)(2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    curve = lcms.cmsBuildParametricToneCurve(None, 4, srgb_curve)
    white = XyY(0.3127, 0.3290, 1.0)
    primaries = (XyY * 3)(XyY(0.680, 0.320, 1.0), XyY(0.265, 0.690, 1.0), XyY(0.150, 0.060, 1.0))
    curves = (ctypes.c_void_p * 3)(curve, curve, curve)
    profile = lcms.cmsCreateRGBProfile(ctypes.byref(white), ctypes.byref(primaries), ctypes.byref(curves))
    size = ctypes.c_uint32(0)
    lcms.cmsSaveProfileToMem(profile, None, ctypes.byref(size))
    data = ctypes.create_string_buffer(size.value)
    lcms.cmsSaveProfileToMem(profile, data, ctypes.byref(size))
    lcms.cmsCloseProfile(profile)
    lcms.cmsFreeToneCurve(curve)
    return data.raw[:size.value]


def f_photo_p3(photo, out):
    """Job F's photo converted into Display P3 and tagged with it."""
    from PIL import ImageCms
    p3 = display_p3_profile()
    with Image.open(photo) as img:
        exif = img.info["exif"]
        converted = ImageCms.profileToProfile(img, ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(p3)),
                                              renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    converted.save(out, "JPEG", quality=92, subsampling=2, optimize=False, exif=exif, icc_profile=p3)


def http_photo(root, photo_out, body_out):
    img = to_image(photo_like(os.path.join(root, "assets/photos/astronaut.png"), 1152, 864,
                              blur=3, feather=48.0, wave=(148.0, 111.0), texture=12.0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, subsampling=2, optimize=False)
    photo = buf.getvalue()
    if BOUNDARY.encode() in photo:
        raise SystemExit("inputs.py: the boundary occurs in the photo; change BOUNDARY")
    crlf, dash = b"\r\n", b"--" + BOUNDARY.encode()
    body = b"".join([
        dash, crlf,
        b'Content-Disposition: form-data; name="photo"; filename="photo.jpg"', crlf,
        b"Content-Type: image/jpeg", crlf, crlf, photo, crlf,
        dash, crlf, b'Content-Disposition: form-data; name="format"', crlf, crlf, b"jpeg", crlf,
        dash, b"--", crlf,
    ])
    with open(photo_out, "wb") as f:
        f.write(photo)
    with open(body_out, "wb") as f:
        f.write(body)


def banner(root, here, folder):
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(os.path.join(here, "banner", "banner.json"), os.path.join(folder, "banner.json"))
    W, H = 1640, 624
    img = photo_like(os.path.join(root, "assets/photos/astronaut.png"), W, H,
                     blur=3, feather=40.0, wave=(211.0, 97.0), texture=9.0, seed=20240602)
    # A dark red panel under the text (x from about 480), blended in over 160 px.
    xs = np.arange(W, dtype=np.float32)
    t = np.clip((xs - 440.0) / 160.0, 0.0, 1.0)[None, :, None]
    panel = np.array([92.0, 8.0, 22.0], np.float32)
    img = img * (1 - 0.78 * t) + panel * 0.78 * t
    to_image(img).save(os.path.join(folder, "background.jpg"), "JPEG", quality=92, subsampling=2)
    logo = Image.open(os.path.join(root, "assets/templates/images/emblem.png")).convert("RGBA")
    logo.resize((300, 300), Image.LANCZOS).save(os.path.join(folder, "logo.png"), optimize=False)


SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
            "Hồ", "Ngô", "Dương", "Lý"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Quang", "Minh", "Ngọc", "Thanh", "Xuân", "Thế", "Bá", "Khắc"]
GIVEN = ["Trỗi", "Huệ", "Dũng", "Thắng", "Tuấn", "Quyết", "Hưởng", "Nguyệt", "Yến", "Thuỷ", "Khuê", "Ẩn",
         "Ước", "Ứng", "Ốc", "Nhuận", "Duẩn", "Khải", "Toản", "Trãi", "Du", "Chiểu", "Quý Đôn", "Bỉnh Khiêm"]
PROVINCES = [
    "Hà Nội", "Hải Phòng", "Quảng Ninh", "Bắc Ninh", "Hưng Yên", "Thái Bình", "Nam Định", "Ninh Bình",
    "Thanh Hoá", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Huế", "Đà Nẵng", "Quảng Nam",
    "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hoà", "Ninh Thuận", "Bình Thuận", "Kon Tum", "Gia Lai",
    "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "Bình Phước", "Tây Ninh", "Bình Dương", "Đồng Nai", "Vũng Tàu",
    "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang",
    "Cần Thơ", "Hậu Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau", "Lào Cai", "Yên Bái", "Điện Biên",
    "Hoà Bình", "Lai Châu", "Sơn La", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Lạng Sơn", "Tuyên Quang",
    "Thái Nguyên", "Phú Thọ", "Bắc Giang", "Vĩnh Phúc", "Hải Dương", "Hà Nam", "TP Hồ Chí Minh",
]


def names(out, count=COUNT):
    """`count` different names "Họ Đệm Tên – Tỉnh", one line each on the banner."""
    rng = random.Random(20260101)
    seen = set()
    rows = []
    while len(rows) < count:
        n = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)} – {rng.choice(PROVINCES)}"
        n = unicodedata.normalize("NFC", n)
        if n not in seen:
            seen.add(n)
            rows.append(n)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name"])
        for n in rows:
            w.writerow([n])


def main(root, scratch):
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(scratch, exist_ok=True)
    f_photo(root, os.path.join(scratch, F_PHOTO))
    f_photo_p3(os.path.join(scratch, F_PHOTO), os.path.join(scratch, F_PHOTO_P3))
    http_photo(root, os.path.join(scratch, HTTP_PHOTO), os.path.join(scratch, HTTP_BODY))
    banner(root, here, os.path.join(scratch, "banner"))
    names(os.path.join(scratch, NAMES))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
