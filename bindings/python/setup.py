"""Build: compile libscalingkit.so with the repository's scripts/build.sh, bundle it in the package, and compile
the cffi extension (API mode) against include/scalingkit.h, so a header change that breaks the binding fails here,
at build time, instead of in a user's run."""
import glob
import os
import re
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NATIVE = os.path.join(HERE, "build", "native")


with open(os.path.join(ROOT, "include", "scalingkit.h"), encoding="utf-8") as _f:
    HEADER = _f.read()


def header_version() -> str:
    """The package's version is the C header's SK_VERSION_*: one source of truth."""
    parts = [re.search(rf"#define SK_VERSION_{k} (\d+)", HEADER).group(1) for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


VERSION = header_version()
ABI_LINE = re.search(r'#define SK_ABI_LINE "([0-9.]+)"', HEADER).group(1)   # the SONAME: libscalingkit.so.LINE
BUNDLED = os.path.join(HERE, "scalingkit", f"libscalingkit.so.{ABI_LINE}")


def build_native_library() -> None:
    """Builds the self-contained .so and copies it next to the Python sources as libscalingkit.so.LINE (its SONAME)."""
    prebuilt = os.environ.get("SCALINGKIT_PREBUILT_PREFIX")
    prefix = prebuilt or NATIVE
    if not prebuilt:
        subprocess.check_call(["bash", os.path.join(ROOT, "scripts", "build.sh"), "--lib-only", "--prefix", prefix])
    lib = os.path.join(prefix, "lib", f"libscalingkit.so.{VERSION}")
    if not os.path.exists(lib):
        raise RuntimeError(f"{lib} not found (the header says version {VERSION})")
    for stale in glob.glob(os.path.join(HERE, "scalingkit", "libscalingkit.so.*")):   # another ABI line's copy
        os.remove(stale)
    shutil.copyfile(lib, BUNDLED)


class BuildPyWithNative(build_py):
    def run(self):
        build_native_library()
        super().run()


# The extension links against the library built above; make sure it exists before cffi compiles.
if not os.path.exists(BUNDLED):
    build_native_library()

setup(
    version=VERSION,
    cmdclass={"build_py": BuildPyWithNative},
    cffi_modules=["scalingkit/_build_ffi.py:ffibuilder"],
    zip_safe=False,
)
