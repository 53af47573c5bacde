"""Khung: framed profile photos and Vietnamese-text banners.

The same renderer as the ``khung`` command line: load a template (a bundled
id or a JSON file), render it with fields and a photo, and save or encode the
result, or hand its pixels to numpy and Pillow::

    import khung

    cover = khung.render("cover", fields={"unit": "Công đoàn Điện lực Hà Nội"})
    cover.save("cover.png")

    avatar = khung.Template("frame-ring").render("me.jpg", zoom=1.2, focus="face")
    jpeg = avatar.encode("jpeg", quality=85)

Renders release the GIL and may run from several threads at once. Errors are
khung.Error (a ValueError) or one of its subclasses, with the messages the
command line prints.
"""

from pathlib import Path as _Path

from . import _khung
from ._khung import (
    Error,
    Field,
    FileError,
    Image,
    ImageError,
    LayoutError,
    Template,
    TemplateError,
    render,
    templates,
    text,
)

__version__: str = _khung.__version__

# What `from khung import *` and help(khung) show: every public name
# imported above, listed once there. (The stub lists them for type checkers;
# stubtest checks that the two agree.)
__all__ = sorted(name for name in globals() if not name.startswith("_"))


def _use_packaged_data() -> None:
    # An installed package carries fonts/ and assets/ in khung/data; a module
    # built in the source tree has none and uses the tree itself.
    # KHUNG_DATA_DIR, when set, still wins over both.
    data = _Path(__file__).with_name("data")
    if (data / "fonts").is_dir():
        _khung._set_default_data_dir(str(data))


_use_packaged_data()
