# Type stub of the khung package (its classes and functions live in the
# compiled khung._khung and are re-exported here). Docstrings are on the
# runtime objects: help(khung.render).

import os
from pathlib import Path
from typing import Any, ClassVar, Literal, Mapping, Optional, Union

import numpy
import numpy.typing

__version__: str
__all__ = [
    "Error",
    "Field",
    "FileError",
    "Image",
    "ImageError",
    "LayoutError",
    "Template",
    "TemplateError",
    "render",
    "templates",
    "text",
]

_StrPath = Union[str, os.PathLike[str]]
# A member's photo: a file, the bytes of a file, pixels (uint8 HxW, HxWx3 or
# HxWx4, any strides), or an image Khung made.
_Photo = Union[str, os.PathLike[str], bytes, bytearray, memoryview, numpy.typing.NDArray[Any], Image]
_Focus = Literal["center", "face"]
_Format = Literal["png", "jpeg", "jpg", "webp"]

class Error(ValueError):
    """Every error Khung raises; raised as itself for a bad parameter."""
    code: str  # "invalid_argument", "not_found", "io", "font", "layout", "unsupported", "image", "template"

class TemplateError(Error):
    """An invalid template, or no template with that id or file."""

class ImageError(Error):
    """An unreadable, unsupported or over-limit photo; a wrong numpy array."""

class LayoutError(Error):
    """Text that cannot fit its box."""

class FileError(Error, OSError):
    """A file that cannot be read or written."""

class Image:
    """An RGBA image, 8 bits a channel, straight alpha, in sRGB."""
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    def save(self, path: _StrPath, quality: Optional[int] = None) -> None: ...
    def encode(self, format: _Format, quality: Optional[int] = None) -> bytes: ...
    def to_numpy(self) -> numpy.typing.NDArray[numpy.uint8]: ...
    @staticmethod
    def from_numpy(array: numpy.typing.NDArray[Any]) -> Image: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class Field:
    """A {{placeholder}} of a template's text."""
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def sample(self) -> str: ...
    @property
    def default(self) -> Optional[str]: ...

class Template:
    """A template: a canvas with layers, read from JSON."""
    def __init__(self, id_or_path: _StrPath) -> None: ...
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> Literal["frame", "banner"]: ...
    @property
    def fields(self) -> list[Field]: ...
    @property
    def size(self) -> tuple[int, int]: ...
    @property
    def has_photo(self) -> bool: ...
    @property
    def path(self) -> Path: ...
    def render(
        self,
        photo: Optional[_Photo] = None,
        fields: Optional[Mapping[str, str]] = None,
        *,
        zoom: float = 1.0,
        offset: tuple[float, float] = (0.0, 0.0),
        rotate: float = 0.0,
        focus: _Focus = "center",
        width: Optional[int] = None,
    ) -> Image: ...

def templates() -> list[Template]: ...
def render(
    template: Union[Template, _StrPath],
    photo: Optional[_Photo] = None,
    fields: Optional[Mapping[str, str]] = None,
    *,
    zoom: float = 1.0,
    offset: tuple[float, float] = (0.0, 0.0),
    rotate: float = 0.0,
    focus: _Focus = "center",
    width: Optional[int] = None,
) -> Image: ...
def text(
    string: str,
    font: _StrPath,
    size: float,
    color: str = "black",
    *,
    weight: int = 400,
    italic: bool = False,
    margin: Optional[int] = None,
) -> Image: ...
