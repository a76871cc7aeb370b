#!/usr/bin/env bash
# Builds the libFuzzer binary build/fuzz/skfuzz: the Swift core, the C ABI shims and the CLI's readers compiled
# with coverage instrumentation and AddressSanitizer (swiftc -sanitize=fuzzer,address), and the C harness
# Tests/fuzz/fuzz.c (clang -fsanitize=fuzzer-no-link,address). Pick the target with SK_FUZZ_TARGET.
# Usage: Tests/fuzz/build.sh [out dir]     (takes ~1.5 min; rebuilds only what changed)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
B="${1:-$ROOT/build/fuzz}"
mkdir -p "$B"
SAN=(-sanitize=fuzzer,address -O -g -parse-as-library -wmo)
newer() { local out="$1"; shift; [ ! -e "$out" ] || [ -n "$(find "$@" -newer "$out" -print -quit)" ]; }

core=$(find "$ROOT/Sources/ScalingKit" -name '*.swift' | sort)
if newer "$B/ScalingKit.o" $core; then
  swiftc "${SAN[@]}" -module-name ScalingKit -emit-module -emit-module-path "$B/ScalingKit.swiftmodule" \
    -c $core -o "$B/ScalingKit.o"
fi
if newer "$B/ScalingKitC.o" "$B/ScalingKit.o" "$ROOT"/Sources/ScalingKitC/*.swift "$ROOT/include/scalingkit.h"; then
  swiftc "${SAN[@]}" -module-name ScalingKitC -I "$B" -I "$ROOT/include" \
    -c "$ROOT"/Sources/ScalingKitC/*.swift -o "$B/ScalingKitC.o"
fi
readers=("$ROOT/Tools/scalingkit-cli/Sources/scalingkit-cli/CSVTable.swift" "$ROOT/Tools/scalingkit-cli/Sources/scalingkit-cli/JSONLines.swift" "$ROOT/Tests/fuzz/Readers.swift")
if newer "$B/Readers.o" "${readers[@]}"; then
  swiftc "${SAN[@]}" -module-name FuzzReaders -c "${readers[@]}" -o "$B/Readers.o"
fi
clang -O1 -g -fsanitize=fuzzer-no-link,address -Wall -Wextra -Werror -I "$ROOT/include" \
  -c "$ROOT/Tests/fuzz/fuzz.c" -o "$B/fuzz.o"
# ld.gold warns that it cannot export ASan's local thunks; harmless, so filtered.
swiftc -sanitize=fuzzer,address "$B/ScalingKit.o" "$B/ScalingKitC.o" "$B/Readers.o" "$B/fuzz.o" -lm \
  -o "$B/skfuzz" 2>&1 | { grep -v "Cannot export local symbol" || true; }
echo "built $B/skfuzz"
