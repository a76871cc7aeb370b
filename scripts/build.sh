#!/usr/bin/env bash
# Builds the shipped artefacts and installs them under a prefix (default: ./build):
#   PREFIX/LIBDIR/libscalingkit.so.X.Y.Z (+ .so.LINE and .so links)  self-contained: static Swift stdlib, exports
#                                                                   only sk_*, SONAME libscalingkit.so.LINE
#   PREFIX/include/scalingkit.h
#   PREFIX/LIBDIR/pkgconfig/scalingkit.pc                           relocatable (prefix found from ${pcfiledir})
#   PREFIX/LIBDIR/cmake/ScalingKit/ScalingKitConfig.cmake           imported target ScalingKit::scalingkit
#                                 ScalingKitConfigVersion.cmake     (relocatable too, + version file)
#   PREFIX/bin/scalingkit                                           the CLI (Tools/scalingkit-cli)
# Usage: scripts/build.sh [--prefix DIR] [--libdir DIR] [--lib-only] [--debug-file FILE]
#   --libdir DIR       the library directory, relative to the prefix (default lib; e.g. lib/x86_64-linux-gnu)
#   --lib-only         skip the CLI
#   --debug-file FILE  keep the library's debug information in FILE (objcopy --only-keep-debug) and link it from
#                      the stripped library by .gnu_debuglink, so a crash report can be symbolised later
#   DESTDIR=DIR        stage the install under DIR (DIR/PREFIX/...), as packagers expect; the files describe PREFIX
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/build"
LIBDIR="lib"
LIB_ONLY=0
DEBUG_FILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --libdir) LIBDIR="$2"; shift 2 ;;
    --lib-only) LIB_ONLY=1; shift ;;
    --debug-file) DEBUG_FILE="$2"; shift 2 ;;
    *) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$LIBDIR" in /*|*..*|"") echo "build.sh: --libdir must be a relative path inside the prefix (got '$LIBDIR')" >&2; exit 2 ;; esac
LIBDIR="${LIBDIR%/}"
DESTDIR="${DESTDIR:-}"
if [ -z "$DESTDIR" ]; then mkdir -p "$PREFIX"; PREFIX="$(cd "$PREFIX" && pwd)"; fi
case "$PREFIX" in /*) ;; *) echo "build.sh: with DESTDIR, --prefix must be absolute (got '$PREFIX')" >&2; exit 2 ;; esac
STAGE="$DESTDIR$PREFIX"

header="$ROOT/include/scalingkit.h"
major=$(sed -n 's/^#define SK_VERSION_MAJOR \([0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define SK_VERSION_MINOR \([0-9]*\).*/\1/p' "$header")
patch=$(sed -n 's/^#define SK_VERSION_PATCH \([0-9]*\).*/\1/p' "$header")
version="$major.$minor.$patch"
line=$(sed -n 's/^#define SK_ABI_LINE "\([0-9.]*\)".*/\1/p' "$header")   # the SONAME's suffix (see the header)
[ -n "$line" ] || { echo "build.sh: SK_ABI_LINE not found in $header" >&2; exit 1; }
command -v swift >/dev/null || {
  echo "build.sh: building ScalingKit from source needs a Swift 6.1+ toolchain (https://swift.org/install)" >&2; exit 1; }

# The library: its own scratch path, because its link flags differ from the CLI's and the tests'.
swift build -c release --package-path "$ROOT" --scratch-path "$ROOT/.build-lib" --product scalingkit \
  -Xswiftc -static-stdlib \
  -Xlinker --version-script="$ROOT/bindings/c/scalingkit.map" \
  -Xlinker -soname="libscalingkit.so.$line"

libdir="$STAGE/$LIBDIR"
mkdir -p "$libdir/pkgconfig" "$libdir/cmake/ScalingKit" "$STAGE/include"
lib="$libdir/libscalingkit.so.$version"
rm -f "$libdir/libscalingkit.so" "$libdir/libscalingkit.so.$line" "$lib"
for link in "$libdir"/libscalingkit.so.*; do   # a link of another ABI line's name to this very version
  if [ -L "$link" ] && [ "$(readlink "$link")" = "libscalingkit.so.$version" ]; then rm -f "$link"; fi
done
cp "$ROOT/.build-lib/release/libscalingkit.so" "$lib"
if [ -n "$DEBUG_FILE" ]; then
  objcopy --only-keep-debug "$lib" "$DEBUG_FILE"
  strip --strip-unneeded "$lib"
  objcopy --add-gnu-debuglink="$DEBUG_FILE" "$lib"
else
  strip --strip-unneeded "$lib" 2>/dev/null || true
fi
ln -s "libscalingkit.so.$version" "$libdir/libscalingkit.so.$line"
ln -s "libscalingkit.so.$line" "$libdir/libscalingkit.so"
cp "$header" "$STAGE/include/scalingkit.h"

# pkg-config and CMake files find the prefix from where they lie, so an unpacked tarball works wherever it is.
up() { local d="$1" out=""; while [ "$d" != "." ]; do out="$out/.."; d="$(dirname "$d")"; done; echo "${out#/}"; }
pc_up="$(up "$LIBDIR/pkgconfig")"          # from PREFIX/LIBDIR/pkgconfig back to PREFIX
cmake_up="$(up "$LIBDIR/cmake/ScalingKit")"
case "$PREFIX" in
  /usr|/usr/local) rpath="" ;;            # the loader's default paths
  *) rpath="-Wl,-rpath,\${libdir}" ;;
esac
subst=(-e "s|@PC_PREFIX@|\${pcfiledir}/$pc_up|" -e "s|@CMAKE_PREFIX@|$cmake_up|" -e "s|@LIBDIR@|$LIBDIR|"
       -e "s|@VERSION@|$version|" -e "s|@MAJOR@|$major|" -e "s|@MINOR@|$minor|" -e "s|@LINE@|$line|"
       -e "s|@RPATH@|$rpath|")
sed "${subst[@]}" "$ROOT/bindings/c/scalingkit.pc.in" > "$libdir/pkgconfig/scalingkit.pc"
sed "${subst[@]}" "$ROOT/bindings/c/cmake/ScalingKitConfig.cmake.in" > "$libdir/cmake/ScalingKit/ScalingKitConfig.cmake"
sed "${subst[@]}" "$ROOT/bindings/c/cmake/ScalingKitConfigVersion.cmake.in" \
  > "$libdir/cmake/ScalingKit/ScalingKitConfigVersion.cmake"

if [ "$LIB_ONLY" = 0 ]; then
  # The CLI (a package of its own, Tools/scalingkit-cli) links the core statically too, so the installed binary
  # needs no Swift toolchain.
  cli="$ROOT/Tools/scalingkit-cli"
  swift build -c release --package-path "$cli" --product scalingkit-cli -Xswiftc -static-stdlib
  mkdir -p "$STAGE/bin"
  cp "$cli/.build/release/scalingkit-cli" "$STAGE/bin/scalingkit"
fi
echo "build.sh: installed libscalingkit $version under $STAGE"
