"""Builds the `khung` Python package with the project's CMake build.

pip runs this through pyproject.toml. The extension is the CMake target
khung_python, configured with only the Python module on and built in
setuptools' temporary folder; fonts/ and assets/ go into the package as
khung/data, which khung/__init__.py hands to the library at import.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# What the library reads at run time: the bundled fonts, the templates with
# their images, and the sample photo (not the artwork sources).
DATA = ["fonts", "assets/templates", "assets/photos"]


def project_version() -> str:
    match = re.search(r"project\(khung VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    if not match:
        raise RuntimeError("CMakeLists.txt: no project(khung VERSION ...)")
    return match.group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class BuildWithCMake(build_ext):
    """Builds the extension with CMake instead of setuptools' compiler calls."""

    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(self.build_temp).resolve() / "cmake"
        subprocess.run(
            ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
             "-DKHUNG_BUILD_PYTHON=ON", "-DKHUNG_BUILD_CLI=OFF", "-DKHUNG_BUILD_TESTS=OFF",
             f"-DPython3_EXECUTABLE={sys.executable}"],
            check=True)
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "khung_python", "khung_cv", "khung_face",
             "--parallel", str(os.cpu_count() or 1)],
            check=True)
        built = next((build_dir / "python" / "khung").glob("_khung*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)
        # The OpenCV modules, opened on first need, are looked for beside the
        # extension.
        for module in ("libkhung-cv.so", "libkhung-face.so"):
            shutil.copy2(build_dir / module, target.parent / module)


class BuildWithData(build_py):
    """Copies the package, then fonts/ and assets/ into it as khung/data."""

    def run(self) -> None:
        super().run()
        data = Path(self.build_lib) / "khung" / "data"
        for folder in DATA:
            shutil.copytree(ROOT / folder, data / folder, dirs_exist_ok=True)


setup(
    version=project_version(),
    ext_modules=[CMakeExtension("khung._khung")],
    cmdclass={"build_ext": BuildWithCMake, "build_py": BuildWithData},
)
