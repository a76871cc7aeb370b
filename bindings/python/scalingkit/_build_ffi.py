"""cffi API-mode builder for scalingkit._ffi.

The cdef is derived from include/scalingkit.h itself (preprocessor lines and the SK_API macro removed), and the
extension compiles against the real header, so cffi checks every declaration, struct layout and constant
against the C compiler's view: the binding cannot silently drift from the contract.
"""
import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
# The header: native/include in an sdist (scripts/release.sh), else the repository's include/.
INCLUDE = next(d for d in (os.path.join(HERE, "..", "native", "include"), os.path.join(HERE, "..", "..", "..", "include"))
               if os.path.exists(os.path.join(d, "scalingkit.h")))
INCLUDE = os.path.normpath(INCLUDE)


def header_cdef(path: str) -> str:
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)         # comments (they hold non-ASCII text)
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue                                            # macros, guards, includes
        if stripped.startswith('extern "C"') or stripped == "}":  # the C++ linkage block
            continue
        out.append(re.sub(r'SK_DEPRECATED\("[^"]*"\)\s*', "", line.replace("SK_API ", "")))
    cdef = "\n".join(out)
    # Array sizes named by an integer macro (char message[SK_TRADEOFF_MESSAGE_SIZE]): cffi wants the number.
    for name, value in re.findall(r"^#define (SK_\w+_SIZE) (\d+)\b", text, flags=re.M):
        cdef = cdef.replace(f"[{name}]", f"[{value}]") + f"\n#define {name} {value}"
    # Integer macros cffi can read as "...": values come from the compiler at build time.
    for name in ("SK_VERSION_MAJOR", "SK_VERSION_MINOR", "SK_VERSION_PATCH", "SK_VERSION_NUMBER"):
        cdef += f"\n#define {name} ..."
    return cdef


def abi_line(path: str) -> str:
    """SK_ABI_LINE of the header: the suffix of the library's SONAME, libscalingkit.so.LINE."""
    m = re.search(r'^#define SK_ABI_LINE "([0-9.]+)"', open(path, encoding="utf-8").read(), flags=re.M)
    if not m:
        raise RuntimeError("SK_ABI_LINE not found in " + path)
    return m.group(1)


ffibuilder = FFI()
ffibuilder.cdef(header_cdef(os.path.join(INCLUDE, "scalingkit.h")))
ffibuilder.set_source(
    "scalingkit._ffi",
    '#include "scalingkit.h"\n',
    include_dirs=[INCLUDE],
    library_dirs=[HERE],
    libraries=[":libscalingkit.so." + abi_line(os.path.join(INCLUDE, "scalingkit.h"))],
    extra_link_args=["-Wl,-rpath,$ORIGIN"],
    py_limited_api=True,   # the stable ABI: the wheel is tagged cp39-abi3 (setup.py)
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
