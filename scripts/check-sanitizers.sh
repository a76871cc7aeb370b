#!/usr/bin/env bash
# Sanitizer and leak checks (issue 8, part 3). Each part can run alone:
#
#   scripts/check-sanitizers.sh valgrind   the C test programs and C examples under valgrind memcheck: zero errors
#                                          and zero definite leaks, no suppressions (~3 min)
#   scripts/check-sanitizers.sh address    the Swift test suite under AddressSanitizer (swift test --sanitize=address;
#                                          ~5 min cold on 2 cores, most of it the build)
#   scripts/check-sanitizers.sh thread     the Swift test suite under ThreadSanitizer (~4 min cold)
#   scripts/check-sanitizers.sh all        all three. The test command (and so CI) runs all three.
#
# The fuzz targets (Tests/fuzz) run under AddressSanitizer as well.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
what="${1:-all}"

memcheck() {
  [ -x build/test_scalingkit ] || { echo "build the C tests first (scripts/test.sh builds them)"; exit 1; }
  command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
  local runs=(
    "build/test_scalingkit" "build/bad_input_matrix" "build/concurrency"
    "build/fit_chinchilla examples/data/chinchilla_epoch.csv" "build/fit_law examples/data/chinchilla_epoch.csv"
    "build/transfer" "build/train_loop_gns" "build/train_loop_accumulation"
  )
  for cmd in "${runs[@]}"; do
    # --errors-for-leak-kinds=definite: blocks still reachable at exit (the Swift runtime's metadata caches) and
    # "possibly lost" thread-local blocks of the worker pool are not leaks of the caller's memory.
    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      $cmd >/dev/null 2>build/valgrind.log || { cat build/valgrind.log; echo "valgrind: $cmd FAILED"; exit 1; }
    echo "valgrind memcheck: ${cmd%% *}: 0 errors, 0 definite leaks"
  done
}

swift_sanitizer() {
  local kind="$1" log="build/swift-test-$1.log"
  mkdir -p build
  # Release with @testable (as the test command): unoptimised multi-start fits are 10-50x slower.
  LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0" \
  swift test -c release -Xswiftc -enable-testing --sanitize="$kind" --scratch-path ".build-$kind" 2>&1 \
    | grep -vE '^\[[0-9]+/[0-9]+\]' > "$log" || true
  if grep -qE "ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: .*Sanitizer" "$log" \
     || ! grep -qE "Test run with [0-9]+ tests? in [0-9]+ suites? passed" "$log" \
     || ! grep -qE "Executed [1-9][0-9]* tests?, with 0 failures" "$log"; then
    grep -E -A30 "Sanitizer|✘" "$log" | head -80
    echo "swift test --sanitize=$kind FAILED (log: $log)"; exit 1
  fi
  echo "swift test --sanitize=$kind: $(grep -oE 'Test run with [0-9]+ tests? in [0-9]+ suites? passed' "$log"), XCTest $(grep -oE 'Executed [0-9]+ tests?, with 0 failures' "$log" | tail -1), no reports"
}

case "$what" in
  valgrind) memcheck ;;
  address|thread) swift_sanitizer "$what" ;;
  all) memcheck; swift_sanitizer address; swift_sanitizer thread ;;
  *) echo "usage: $0 valgrind|address|thread|all" >&2; exit 2 ;;
esac
