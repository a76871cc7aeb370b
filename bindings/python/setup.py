"""Build: compile libscalingkit.so with scripts/build.sh, bundle it in the package, and compile the cffi extension
(API mode, the stable ABI: one cp39-abi3 wheel serves CPython 3.9 and later) against include/scalingkit.h, so a
header change that breaks the binding fails here, at build time, instead of in a user's run.

The Swift sources are the repository's (a checkout: ../..) or the copy under native/ (an sdist, made by
scripts/release.sh). Reading this file builds nothing: `python -m build --sdist` needs no Swift. Building a wheel
needs a Swift 6.1+ toolchain, unless SCALINGKIT_PREBUILT_PREFIX names an install of the library (scripts/build.sh
--prefix) to bundle instead.
"""
import glob
import os
import re
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.join(HERE, "build", "native")
SWIFT_MINIMUM = (6, 1)


def fail(message: str) -> None:
    """Stops the build with one line (no traceback): pip shows it as the build's error."""
    raise SystemExit(f"scalingkit: {message}")


def source_root() -> str:
    """The Swift package to build: native/ in an sdist, else the repository around bindings/python."""
    for root in (os.path.join(HERE, "native"), os.path.dirname(os.path.dirname(HERE))):
        if os.path.exists(os.path.join(root, "include", "scalingkit.h")):
            return root
    fail("include/scalingkit.h not found: build from a ScalingKit checkout or its sdist")


ROOT = source_root()
with open(os.path.join(ROOT, "include", "scalingkit.h"), encoding="utf-8") as _f:
    HEADER = _f.read()


def header_version() -> str:
    """The package's version is the C header's SK_VERSION_*: one source of truth."""
    parts = [re.search(rf"#define SK_VERSION_{k} (\d+)", HEADER).group(1) for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


VERSION = header_version()
ABI_LINE = re.search(r'#define SK_ABI_LINE "([0-9.]+)"', HEADER).group(1)   # the SONAME: libscalingkit.so.LINE
BUNDLED = os.path.join(HERE, "scalingkit", f"libscalingkit.so.{ABI_LINE}")


def check_swift() -> None:
    """A source build needs `swift` 6.1 or newer on PATH; say so in one line when it is missing or too old."""
    advice = ("a Swift 6.1+ toolchain is needed to build ScalingKit from source (https://swift.org/install); "
              "or install a wheel, or set SCALINGKIT_PREBUILT_PREFIX to an install of libscalingkit")
    swift = shutil.which("swift")
    if swift is None:
        fail(advice)
    try:
        out = subprocess.run([swift, "--version"], capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError) as e:
        fail(f"`swift --version` failed ({e}); {advice}")
    m = re.search(r"Swift version (\d+)\.(\d+)", out)
    if m is None or (int(m.group(1)), int(m.group(2))) < SWIFT_MINIMUM:
        found = m.group(0) if m else "an unknown version"
        fail(f"found {found}; {advice}")


def build_native_library() -> None:
    """Builds the self-contained .so and copies it next to the Python sources as libscalingkit.so.LINE (its SONAME)."""
    prebuilt = os.environ.get("SCALINGKIT_PREBUILT_PREFIX")
    prefix = prebuilt or NATIVE
    if not prebuilt:
        check_swift()
        if subprocess.call(["bash", os.path.join(ROOT, "scripts", "build.sh"), "--lib-only", "--prefix", prefix]):
            fail("scripts/build.sh failed (its output is above)")
    lib = os.path.join(prefix, "lib", f"libscalingkit.so.{VERSION}")
    if not os.path.exists(lib):
        fail(f"{lib} not found (the header says version {VERSION})")
    for stale in glob.glob(os.path.join(HERE, "scalingkit", "libscalingkit.so.*")):   # another ABI line's copy
        os.remove(stale)
    shutil.copyfile(lib, BUNDLED)


class BuildPyWithNative(build_py):
    """Builds (incrementally) and bundles the library before the package data is copied."""
    def run(self):
        build_native_library()
        super().run()


class BuildExtWithNative(build_ext):
    """The extension links against the library: make sure it exists (cffi wraps this class to write its C source)."""
    def run(self):
        if not os.path.exists(BUNDLED):
            build_native_library()
        # cffi's generated C source takes macro values (the version, "...") from the compiler and so does not change
        # when only they do: without the header as a dependency a stale extension survives a version bump.
        for ext in self.extensions:
            ext.depends = list(ext.depends) + [os.path.join(ROOT, "include", "scalingkit.h")]
        super().run()


setup(
    version=VERSION,
    cmdclass={"build_py": BuildPyWithNative, "build_ext": BuildExtWithNative},
    cffi_modules=["scalingkit/_build_ffi.py:ffibuilder"],
    options={"bdist_wheel": {"py_limited_api": "cp39"}},
    zip_safe=False,
)
