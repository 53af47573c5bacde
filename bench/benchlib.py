"""What the benchmarks' Python helpers share: the photo-like input they make,
and the machine description and image comparison their reports print."""
import platform

import numpy as np
from PIL import Image, ImageFilter


def photo_like(src_path, width, height, *, blur, feather, wave, texture, seed=20240601):
    """A deterministic photo-like RGB image (float32 array, 0..255 range but not
    clipped): the photo at src_path enlarged smoothly (Lanczos) to a square of
    the frame's shorter side in the middle of the frame (landscape or
    portrait), on a blurred, dimmed stretch of itself; a vignette, slow
    shading waves (periods `wave` = (x, y) px), a fine diagonal texture
    (period `texture` px) and a seeded, slightly soft grain, so a JPEG of it
    holds about as much detail as a phone photo."""
    W, H = width, height
    S = min(W, H)
    src = Image.open(src_path).convert("RGB")

    # Background: the photo stretched to the whole frame, blurred and dimmed.
    back = src.resize((W // 8, H // 8), Image.BICUBIC).filter(ImageFilter.GaussianBlur(blur))
    img = np.asarray(back.resize((W, H), Image.BICUBIC), dtype=np.float32) * 0.55

    # Foreground: the photo enlarged smoothly to SxS, feathered into the long sides.
    fore = np.asarray(src.resize((S, S), Image.LANCZOS), dtype=np.float32)
    ss = np.arange(S, dtype=np.float32)
    weight = np.clip(np.minimum(ss, S - 1 - ss) / feather, 0.0, 1.0)
    if W >= H:
        x0 = (W - S) // 2
        w = weight[None, :, None]
        img[:, x0:x0 + S] = fore * w + img[:, x0:x0 + S] * (1 - w)
    else:
        y0 = (H - S) // 2
        w = weight[:, None, None]
        img[y0:y0 + S] = fore * w + img[y0:y0 + S] * (1 - w)

    # Light: vignette and two slow shading waves (as a lens and room give).
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2
    light = 1.0 - 0.18 * r2
    light += 0.035 * np.sin(xx / wave[0] + 0.7) * np.cos(yy / wave[1] - 0.3)
    img *= light[:, :, None]
    img += (4.0 * np.sin((xx + 0.6 * yy) / texture))[:, :, None] * np.array([0.6, 0.8, 1.0], np.float32)
    del xx, yy, r2, light

    # Grain: seeded, slightly soft (a sensor's noise after demosaicing).
    rng = np.random.default_rng(seed)
    grain = rng.normal(0.0, 3.2, (H, W)).astype(np.float32)
    for axis in (0, 1):  # [1 2 1] / 4 along each axis
        grain = (np.roll(grain, 1, axis) + 2 * grain + np.roll(grain, -1, axis)) * 0.25
    grain *= 2.4
    chroma = rng.normal(0.0, 1.2, ((H + 1) // 2, (W + 1) // 2, 3)).astype(np.float32)
    chroma = chroma.repeat(2, axis=0).repeat(2, axis=1)[:H, :W]
    img += grain[:, :, None] + chroma
    return img


def to_image(img):
    return Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8), "RGB")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def os_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def load_rgb(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


def psnr(a, b, mask=None):
    d = (a - b) ** 2
    mse = d[mask].mean() if mask is not None else d.mean()
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
