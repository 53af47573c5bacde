"""Do the tools do the same work? The checks bench/run prints under its table:
references, PSNR, the text's ink, and the contact sheet of the Vietnamese text.
Debian's /usr/bin/python3 with numpy and Pillow."""
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from benchlib import load_rgb, psnr

INK_THRESHOLD = 48  # a pixel is text ink where it differs from the text-free base by more than this (any channel)


# ---- job F -----------------------------------------------------------------------

def frame_window(overlay_path):
    """The overlay's photo window: the bounding box (x, y, size) of its hole
    (alpha < 128), and the hole itself as a boolean mask."""
    a = np.asarray(Image.open(overlay_path).convert("RGBA"))[:, :, 3]
    hole = a < 128
    ys, xs = np.nonzero(hole)
    w, h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    if w != h:
        raise SystemExit("bench/run: the ring's hole is expected to be round")
    return (int(xs.min()), int(ys.min()), int(w)), hole


class FrameReference:
    """The full-quality reference of job F, in float: the photo decoded at full
    resolution, turned upright by EXIF (Pillow's exif_transpose), the centred
    square cut exactly, resized to the window with Lanczos in float (mode F,
    per channel), on white, with the overlay composited in float.

    shifted(d) is the window's photo with the square moved d source pixels
    along the photo's long side: a tool that rounds its crop's offset
    differently matches one of those better."""

    def __init__(self, photo_path, overlay_path, window):
        self.window = window
        im = ImageOps.exif_transpose(Image.open(photo_path)).convert("RGB")
        self.w, self.h = im.size
        self.chans = [c.convert("F") for c in im.split()]
        ov = np.asarray(Image.open(overlay_path).convert("RGBA"), dtype=np.float64)
        self.ov_rgb, self.ov_a = ov[:, :, :3], ov[:, :, 3:4] / 255.0
        self.full = self.frame(self.shifted(0))

    def shifted(self, d):
        size = self.window[2]
        s = min(self.w, self.h)
        x0, y0 = (self.w - s) / 2, (self.h - s) / 2
        if self.h > self.w:
            y0 += d
        else:
            x0 += d
        box = (x0, y0, x0 + s, y0 + s)
        return np.stack([np.asarray(c.resize((size, size), Image.LANCZOS, box=box), dtype=np.float64)
                         for c in self.chans], axis=2)

    def frame(self, photo):
        x, y, size = self.window
        canvas = np.full(self.ov_rgb.shape[:2] + (3,), 255.0)
        canvas[y:y + size, x:x + size] = photo
        return self.ov_rgb * self.ov_a + canvas * (1 - self.ov_a)


def to_uint8(img):
    return Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")


def frame_checks(outputs, ref, hole, shifts=(-3, -2, -1, 1, 2, 3)):
    """{tool: path} -> {tool: dict(size, bytes, psnr, psnr_window, and
    psnr_aligned, shift: the best window PSNR over the crop shifted by a few
    source pixels, measured in the window's central 70%)}."""
    x, y, size = ref.window
    m = round(size * 0.15)
    central = np.zeros((size, size), bool)
    central[m:size - m, m:size - m] = True
    refs = {0: ref.full[y:y + size, x:x + size]}
    res = {}
    for tool, path in outputs.items():
        if not os.path.exists(path):
            res[tool] = {"error": "no output"}
            continue
        im = Image.open(path)
        r = {"size": f"{im.size[0]}x{im.size[1]}", "bytes": os.path.getsize(path)}
        if im.size == (ref.full.shape[1], ref.full.shape[0]):
            a = load_rgb(path)
            r["psnr"] = psnr(a, ref.full)
            r["psnr_window"] = psnr(a, ref.full, hole)
            win = a[y:y + size, x:x + size]
            best = (psnr(win, refs[0], central), 0)
            for d in shifts:
                if d not in refs:
                    refs[d] = ref.shifted(d)
                best = max(best, (psnr(win, refs[d], central), d))
            r["psnr_central"] = psnr(win, refs[0], central)
            r["psnr_aligned"], r["shift"] = best
        res[tool] = r
    return res


# ---- jobs B and M ------------------------------------------------------------------

def banner_base(spec):
    """The banner without its text, in float: the background JPEG (decoded by
    Pillow) with the logo composited in float."""
    bg = np.asarray(Image.open(spec["background"]).convert("RGB"), dtype=np.float64)
    logo = np.asarray(Image.open(spec["logo"]["src"]).convert("RGBA"), dtype=np.float64)
    x, y = spec["logo"]["x"], spec["logo"]["y"]
    h, w = logo.shape[:2]
    a = logo[:, :, 3:4] / 255.0
    out = bg.copy()
    out[y:y + h, x:x + w] = logo[:, :, :3] * a + bg[y:y + h, x:x + w] * (1 - a)
    return out


def text_mask(spec, shape, margin=12):
    """True inside the text lines' boxes (grown by `margin`)."""
    m = np.zeros(shape[:2], bool)
    for line in spec["lines"]:
        x, y, w, h = line["box"]
        m[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin] = True
    return m


def ink(img, base, box):
    """The ink mask of a text line inside its box (box-relative)."""
    x, y, w, h = box
    d = np.abs(img[y:y + h, x:x + w] - base[y:y + h, x:x + w]).max(axis=2)
    return d > INK_THRESHOLD


def bbox(mask):
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def banner_checks(outputs, spec, base, reference_tool="khung"):
    """{tool: [png path, jpg path]} -> {tool: dict}: size and bytes of each
    output; PSNR of the PNG and the JPEG against the text-free base outside
    the text boxes; per text line the ink's box (relative to the line's box),
    its amount and overlap (IoU) against the reference tool's ink, and the
    PNG's PSNR against the reference tool's inside the text boxes."""
    shape = base.shape
    outside = ~text_mask(spec, shape)
    inside = text_mask(spec, shape, margin=0)
    res, inks, imgs = {}, {}, {}
    for tool, paths in outputs.items():
        r = {"files": []}
        for p in paths:
            if not os.path.exists(p):
                r["files"].append({"path": p, "error": "no output"})
                continue
            im = Image.open(p)
            f = {"path": p, "size": f"{im.size[0]}x{im.size[1]}", "bytes": os.path.getsize(p)}
            if im.size == (shape[1], shape[0]):
                a = load_rgb(p)
                f["psnr_outside_text"] = psnr(a, base, outside)
                if p.lower().endswith(".png"):
                    imgs[tool] = a
            r["files"].append(f)
        res[tool] = r
        if tool in imgs:
            inks[tool] = [ink(imgs[tool], base, line["box"]) for line in spec["lines"]]
    ref = inks.get(reference_tool)
    for tool, r in res.items():
        if tool not in inks:
            continue
        lines = []
        for k, m in enumerate(inks[tool]):
            d = {"ink_px": int(m.sum()), "ink_box": bbox(m)}
            if ref is not None:
                rm = ref[k]
                d["ink_vs_ref"] = m.sum() / max(1, rm.sum())
                d["iou_vs_ref"] = (m & rm).sum() / max(1, (m | rm).sum())
            lines.append(d)
        r["lines"] = lines
        if reference_tool in imgs:
            r["psnr_text_vs_ref"] = psnr(imgs[tool], imgs[reference_tool], inside)
    return res


def contact_sheet(pngs, spec, out_path, scale=2):
    """Each output's text lines (every line's box, cut to the widest ink of
    any output), enlarged `scale` times (nearest: the pixels as drawn), one
    output under another, labelled."""
    base = banner_base(spec)
    imgs = {label: load_rgb(p) for label, p in pngs.items() if os.path.exists(p)}
    strips = []
    for line in spec["lines"]:
        x, y, w, h = line["box"]
        b = [bbox(ink(a, base, line["box"])) for a in imgs.values()]
        b = [v for v in b if v]
        if not b:
            continue
        top, bottom = max(0, min(v[1] for v in b) - 6), min(h, max(v[3] for v in b) + 6)
        right = min(w, max(v[2] for v in b) + 10)
        strips.append((max(0, x - 8), y + top, x + right, y + bottom))
    label_font = ImageFont.truetype(os.path.join(os.path.dirname(spec["lines"][0]["font"]), "NotoSans-Regular.ttf"), 24)
    width = max(s[2] - s[0] for s in strips) * scale
    parts = []
    for label, a in imgs.items():
        lab = Image.new("RGB", (width, 36), "white")
        ImageDraw.Draw(lab).text((10, 4), label, fill="black", font=label_font)
        parts.append(lab)
        im = Image.fromarray(a.astype(np.uint8), "RGB")
        for s in strips:
            c = im.crop(s)
            parts.append(c.resize((c.width * scale, c.height * scale), Image.NEAREST))
    sheet = Image.new("RGB", (width, sum(p.height for p in parts)), "white")
    y = 0
    for p in parts:
        sheet.paste(p, (0, y))
        y += p.height
    sheet.save(out_path)
    return out_path


def nfd_checks(res, nfd_pngs, spec):
    """Adds to banner_checks' result, per tool, the PSNR of the banner whose
    name was given in NFD against the NFC one, inside the field lines' boxes
    (inf: the same pixels, as the product's rule asks of khung)."""
    m = np.zeros((spec["height"], spec["width"]), bool)
    for line in spec["lines"]:
        if "{{" in line["text"]:
            x, y, w, h = line["box"]
            m[y:y + h, x:x + w] = True
    for tool, p in nfd_pngs.items():
        nfc = next((f["path"] for f in res.get(tool, {}).get("files", []) if f["path"].endswith(".png")), None)
        if nfc and os.path.exists(nfc) and os.path.exists(p):
            res[tool]["psnr_nfd_vs_nfc"] = psnr(load_rgb(p), load_rgb(nfc), m)


def batch_checks(dirs, count, spec, base, reference_tool, sample=(1, 50, 100, 150, 200)):
    """{tool: dir} -> {tool: dict}: how many of the `count` JPEGs exist, their
    sizes, total bytes; for the sample rows, mean PSNR against the text-free
    base outside the text boxes and against the reference tool's output of
    the same row inside them."""
    shape = base.shape
    outside = ~text_mask(spec, shape)
    inside = text_mask(spec, shape, margin=0)
    res = {}
    for tool, d in dirs.items():
        sizes, total, n = set(), 0, 0
        for i in range(1, count + 1):
            p = os.path.join(d, f"{i}.jpg")
            if os.path.exists(p):
                n += 1
                total += os.path.getsize(p)
                with Image.open(p) as im:
                    sizes.add(f"{im.size[0]}x{im.size[1]}")
        r = {"files": n, "sizes": sorted(sizes), "bytes": total}
        po, pt = [], []
        for i in sample:
            if i > count:
                continue
            p = os.path.join(d, f"{i}.jpg")
            q = os.path.join(dirs[reference_tool], f"{i}.jpg") if reference_tool in dirs else None
            if not os.path.exists(p):
                continue
            a = load_rgb(p)
            if a.shape != shape:
                continue
            po.append(psnr(a, base, outside))
            if q and os.path.exists(q) and tool != reference_tool:
                pt.append(psnr(a, load_rgb(q), inside))
        if po:
            r["psnr_outside_text"] = float(np.mean(po))
        if pt:
            r["psnr_text_vs_ref"] = float(np.mean(pt))
        res[tool] = r
    return res
