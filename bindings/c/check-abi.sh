#!/usr/bin/env bash
# Checks the installed C library against its contract:
#  - every function declared in scalingkit.h is exported, and nothing else is (global symbols of nm -D);
#  - no Swift toolchain library is needed at run time (ldd);
#  - the ABI line (SK_ABI_LINE) matches the version ("0.MINOR" before 1.0, then MAJOR); the SONAME is
#    libscalingkit.so.LINE and its symlink exists;
#  - the header compiles as C99 and C11 with -pedantic -Werror, and as C++;
#  - the ABI gate: no exported symbol lost and no public struct layout changed within the ABI line;
#  - a program linked against another line's SONAME is refused by the dynamic loader, not run.
# Usage: bindings/c/check-abi.sh PREFIX
set -uo pipefail
PREFIX="${1:?usage: check-abi.sh PREFIX}"
header="$PREFIX/include/scalingkit.h"
lib="$PREFIX/lib/libscalingkit.so"
passed=0; failed=0
ok()   { echo "  ok    $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL  $1"; failed=$((failed + 1)); }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# Declared functions: every SK_API declaration names its function before the first '('.
sed -e 's/SK_DEPRECATED("[^"]*") //' "$header" | sed -n 's/^SK_API[^(]*[ *]\(sk_[A-Za-z0-9_]*\)(.*/\1/p' | sort -u > "$tmp/declared"
nm -D --defined-only --extern-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v '^SCALINGKIT_' | sort -u > "$tmp/exported"
if [ "$(wc -l < "$tmp/declared")" -gt 0 ] && diff -u "$tmp/declared" "$tmp/exported" > "$tmp/diff"; then
  ok "exports == header declarations ($(wc -l < "$tmp/declared") functions)"
else
  fail "exports differ from header declarations (- declared only, + exported only):"; cat "$tmp/diff"
fi
if grep -qv '^sk_' "$tmp/exported"; then fail "non-sk_ symbols exported: $(grep -v '^sk_' "$tmp/exported" | head -5 | tr '\n' ' ')"
else ok "only sk_ symbols exported"; fi

if ldd "$lib" | grep -qi swift; then fail "depends on a Swift library: $(ldd "$lib" | grep -i swift)"
else ok "self-contained: no Swift toolchain library in ldd"; fi

major=$(sed -n 's/^#define SK_VERSION_MAJOR \([0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define SK_VERSION_MINOR \([0-9]*\).*/\1/p' "$header")
line=$(sed -n 's/^#define SK_ABI_LINE "\([0-9.]*\)".*/\1/p' "$header")
if [ "$major" = 0 ]; then want_line="0.$minor"; else want_line="$major"; fi
if [ "$line" = "$want_line" ]; then ok "ABI line $line matches version $major.$minor"
else fail "SK_ABI_LINE is '$line'; version $major.$minor wants '$want_line'"; fi
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" = "libscalingkit.so.$want_line" ] && [ -e "$PREFIX/lib/$soname" ]; then ok "SONAME $soname with symlink"
else fail "SONAME is '$soname' (want libscalingkit.so.$want_line) or its symlink is missing"; fi

printf '#include "scalingkit.h"\nint main(void) { return (int)sk_version_number() < 0; }\n' > "$tmp/h.c"
cp "$tmp/h.c" "$tmp/h.cpp"
for std in c99 c11 c17; do
  if cc -std=$std -Wall -Wextra -pedantic -Werror -I"$PREFIX/include" -c "$tmp/h.c" -o "$tmp/h.o" 2> "$tmp/err"; then
    ok "header compiles as $std -pedantic -Werror"
  else fail "header fails as $std:"; cat "$tmp/err"; fi
done
if c++ -std=c++17 -Wall -Wextra -pedantic -Werror -I"$PREFIX/include" -c "$tmp/h.cpp" -o "$tmp/h.o" 2> "$tmp/err"; then
  ok "header compiles as C++17 -pedantic -Werror"
else fail "header fails as C++17:"; cat "$tmp/err"; fi

# The ABI gate: symbols and struct layouts against the committed record (bindings/c/abi/abi.txt), and a selftest
# showing that the gate catches a field inserted into a public struct.
gate="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/abi/abi_gate.py"
if python3 "$gate" check "$PREFIX" > "$tmp/gate" 2>&1; then ok "ABI gate: no symbol lost, no struct layout changed ($(grep -c '^sym' "${gate%/*}/abi.txt") symbols, $(grep -c '^size' "${gate%/*}/abi.txt") structs)"
else fail "ABI gate:"; cat "$tmp/gate"; fi
if python3 "$gate" selftest "$PREFIX" > "$tmp/self" 2>&1; then ok "ABI gate selftest: $(sed 's/^abi gate selftest: ok //' "$tmp/self")"
else fail "ABI gate selftest:"; cat "$tmp/self"; fi

# A program built for the 0.3 line (SONAME libscalingkit.so.0, whose option structs had the optimiser fields
# inline) must not start against this library: the loader refuses it, so it cannot misread a struct. A stub with
# that SONAME stands in for the old library at link time; at run time only this PREFIX is on the path.
mkdir -p "$tmp/old"
printf 'unsigned sk_version_number(void) { return 300; }\n' > "$tmp/old/lib.c"
printf 'unsigned sk_version_number(void);\nint main(void) { return sk_version_number() != 300; }\n' > "$tmp/old/client.c"
if cc -shared -fPIC -Wl,-soname,libscalingkit.so.0 "$tmp/old/lib.c" -o "$tmp/old/libscalingkit.so" \
   && cc "$tmp/old/client.c" -L"$tmp/old" -lscalingkit -o "$tmp/old/client" 2> "$tmp/err"; then
  if LD_LIBRARY_PATH="$PREFIX/lib" "$tmp/old/client" > "$tmp/old/out" 2>&1; then
    fail "a program linked against libscalingkit.so.0 (0.3 line) ran against the $line library"
  elif grep -q "libscalingkit.so.0: cannot open shared object" "$tmp/old/out"; then
    ok "a 0.3-line program is refused by the loader: $(sed 's/^.*: error while loading shared libraries: //' "$tmp/old/out")"
  else fail "a 0.3-line program failed, but not at load time:"; cat "$tmp/old/out"; fi
else fail "could not build the 0.3-line stand-in:"; cat "$tmp/err"; fi

echo "abi check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
