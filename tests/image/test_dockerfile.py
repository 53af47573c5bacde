"""The Dockerfile installs what the build needs and what the binaries load.

deploy/check-image builds the image for real, but it takes minutes and
downloads; this runs in every CI run, on the packages of this machine:
- every pkg-config module the project's CMake files ask for (outside the
  tests, fuzzing and benchmarks) comes from a package the build stage
  installs;
- every library the four files of the image link directly (their NEEDED
  entries) comes from a package the final stage installs, or from the few
  that debian:bookworm-slim already holds.
KHUNG_CLI names the built khung; khung-serve and the modules are beside it.
"""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KHUNG_CLI", ROOT / "build/ci/khung")).resolve().parent
# In debian:bookworm-slim already (the C and C++ runtimes).
IN_THE_BASE_IMAGE = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g"}


def stage_packages(stage):
    """The words after `apt-get install` in stage 1 (build) or 2 (final), flags left out."""
    packages, current, on = set(), 0, False
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            current += 1
        if current != stage:
            continue
        if "apt-get install" in line:
            on = True
            continue
        if on and line.strip().startswith("&&"):
            on = False
        if on:
            packages.update(w for w in line.replace("\\", " ").split() if not w.startswith("-"))
    return packages


def owner(path):
    """The Debian package that installed a file (dpkg may know it by its
    name before the /usr merge: /lib/... for /usr/lib/...)."""
    for name in (str(path), re.sub(r"^/usr/(lib|bin|sbin)/", r"/\1/", str(path))):
        found = subprocess.run(["dpkg", "-S", name], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":")[0].split(",")[0].strip()
    raise AssertionError(f"{path}: no Debian package holds it")


def cmake_modules():
    """pkg_check_modules(... [IMPORTED_TARGET] mod ...) of the shipped code's CMake files."""
    modules = set()
    for f in ROOT.rglob("CMakeLists.txt"):
        rel = f.relative_to(ROOT)
        if rel.parts[0] in ("tests", "fuzz", "bench", "build") or rel.parts[0].startswith("build"):
            continue
        text = re.sub(r"#[^\n]*", "", f.read_text())  # comments
        for call in re.findall(r"pkg_check_modules\(([^)]*)\)", text):
            words = call.split()[1:]
            modules.update(w for w in words if w not in ("REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL"))
    return modules


def test_the_build_stage_installs_every_pkg_config_module():
    build = stage_packages(1)
    assert "cmake" in build, "the build stage's package list was not found in the Dockerfile"
    missing = {}
    for module in sorted(cmake_modules()):
        pcdir = subprocess.run(["pkg-config", "--variable=pcfiledir", module], capture_output=True, text=True,
                               check=True).stdout.strip()
        package = owner(Path(pcdir) / f"{module}.pc")
        if package not in build:
            missing[module] = package
    assert not missing, f"the Dockerfile's build stage lacks (pkg-config module: package): {missing}"


def test_the_final_stage_installs_every_library_the_binaries_link():
    final = stage_packages(2) | IN_THE_BASE_IMAGE
    assert "opencv-data" in final, "the final stage's package list was not found in the Dockerfile"
    where = {}
    for line in subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout.splitlines():
        m = re.match(r"\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)", line)
        if m:
            where.setdefault(m.group(1), m.group(2))
    missing = {}
    for binary in ("khung", "khung-serve", "libkhung-cv.so", "libkhung-face.so"):
        path = BUILD / binary
        assert path.exists(), f"{path}: not built"
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
        for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic):
            if re.match(r"lib(a|ub|l|t)san\.so", soname):
                continue  # a sanitized test build's runtime, not the image's
            package = owner(os.path.realpath(where[soname]))
            if package not in final:
                missing[f"{binary}: {soname}"] = package
    assert not missing, f"the Dockerfile's final stage lacks (library: package): {missing}"
