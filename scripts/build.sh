#!/usr/bin/env bash
# Builds the shipped artefacts and installs them under a prefix (default: ./build):
#   PREFIX/lib/libscalingkit.so.X.Y.Z (+ .so.LINE and .so symlinks)  self-contained: static Swift stdlib,
#                                                                  exports only sk_*, SONAME libscalingkit.so.LINE
#   PREFIX/include/scalingkit.h
#   PREFIX/lib/pkgconfig/scalingkit.pc
#   PREFIX/bin/scalingkit                                          the CLI
# Usage: scripts/build.sh [--prefix DIR] [--lib-only]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/build"
LIB_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --lib-only) LIB_ONLY=1; shift ;;
    *) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"

header="$ROOT/include/scalingkit.h"
major=$(sed -n 's/^#define SK_VERSION_MAJOR \([0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define SK_VERSION_MINOR \([0-9]*\).*/\1/p' "$header")
patch=$(sed -n 's/^#define SK_VERSION_PATCH \([0-9]*\).*/\1/p' "$header")
version="$major.$minor.$patch"
line=$(sed -n 's/^#define SK_ABI_LINE "\([0-9.]*\)".*/\1/p' "$header")   # the SONAME's suffix (see the header)
[ -n "$line" ] || { echo "build.sh: SK_ABI_LINE not found in $header" >&2; exit 1; }

# The library: its own scratch path, because its link flags differ from the CLI's and the tests'.
swift build -c release --package-path "$ROOT" --scratch-path "$ROOT/.build-lib" --product scalingkit \
  -Xswiftc -static-stdlib \
  -Xlinker --version-script="$ROOT/bindings/c/scalingkit.map" \
  -Xlinker -soname="libscalingkit.so.$line"

mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/include" "$PREFIX/bin"
lib="$PREFIX/lib/libscalingkit.so.$version"
rm -f "$PREFIX/lib/libscalingkit.so" "$PREFIX/lib/libscalingkit.so.$line" "$lib"
for link in "$PREFIX"/lib/libscalingkit.so.*; do   # a link of another ABI line's name to this very version
  if [ -L "$link" ] && [ "$(readlink "$link")" = "libscalingkit.so.$version" ]; then rm -f "$link"; fi
done
cp "$ROOT/.build-lib/release/libscalingkit.so" "$lib"
strip --strip-unneeded "$lib" 2>/dev/null || true
ln -s "libscalingkit.so.$version" "$PREFIX/lib/libscalingkit.so.$line"
ln -s "libscalingkit.so.$line" "$PREFIX/lib/libscalingkit.so"
cp "$header" "$PREFIX/include/scalingkit.h"

case "$PREFIX" in
  /usr|/usr/local) rpath="" ;;
  *) rpath="-Wl,-rpath,\${libdir}" ;;
esac
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$version|" -e "s|@RPATH@|$rpath|" \
  "$ROOT/bindings/c/scalingkit.pc.in" > "$PREFIX/lib/pkgconfig/scalingkit.pc"

if [ "$LIB_ONLY" = 0 ]; then
  # The CLI links the core statically too, so the installed binary needs no Swift toolchain.
  swift build -c release --package-path "$ROOT" --product scalingkit-cli -Xswiftc -static-stdlib
  cp "$ROOT/.build/release/scalingkit-cli" "$PREFIX/bin/scalingkit"
fi
echo "build.sh: installed libscalingkit $version under $PREFIX"
