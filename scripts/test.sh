#!/usr/bin/env bash
# Runs every test: Swift (core + C ABI from Swift), DocC abstracts on the public API, the ABI check, the C test
# program, bad-input matrix and concurrency stress, the C examples (built with pkg-config), valgrind memcheck,
# the Swift suite under ASan and TSan, a fuzz smoke,
# pytest (Python binding + CLI), and the release artefacts (wheel, sdist, C tarball) checked with the Swift
# toolchain hidden. Installs what is missing first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
step() { printf '\n==== %s ====\n' "$*"; }
summary=()

step "setup"
scripts/setup.sh --python

step "swift test (core + C ABI from Swift)"
# Optimised (the multi-start fits in the tests are 10-50x slower unoptimised), @testable kept by -enable-testing,
# in its own scratch path so the release builds of the library and the CLI are not invalidated by the flag.
swift test -c release -Xswiftc -enable-testing --scratch-path .build-test 2>&1 | tee build-swift-test.log | grep -vE '^\[[0-9]+/[0-9]+\]' || true
if ! grep -qE "Test run with [0-9]+ tests? in [0-9]+ suites? passed" build-swift-test.log \
   || ! grep -qE "Executed [1-9][0-9]* tests?, with 0 failures" build-swift-test.log; then
  echo "swift test failed"; exit 1
fi
summary+=("swift test: $(grep -oE 'Test run with [0-9]+ tests? in [0-9]+ suites? passed' build-swift-test.log)")
summary+=("XCTest: $(grep -oE 'Executed [0-9]+ tests?, with [0-9]+ failures' build-swift-test.log | tail -1)")
rm -f build-swift-test.log

step "DocC abstracts on the public Swift API"
scripts/check_docs.sh 2>/dev/null | tee build-docs.log
summary+=("$(head -1 build-docs.log)")
rm -f build-docs.log

step "build libscalingkit.so and the CLI (release, self-contained)"
scripts/build.sh
export PKG_CONFIG_PATH="$ROOT/build/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

step "ABI check (exports vs header, ldd, SONAME, header as C99/C11/C++)"
bindings/c/check-abi.sh build
summary+=("abi check: passed")

step "C test program"
cc -std=c11 -Wall -Wextra -pedantic -Werror bindings/c/tests/test_scalingkit.c \
  $(pkg-config --cflags --libs scalingkit) -lpthread -lm -o build/test_scalingkit
build/test_scalingkit
summary+=("C tests: $(build/test_scalingkit | tail -1)")
cc -std=c11 -Wall -Wextra -pedantic -Werror bindings/c/tests/bad_input_matrix.c \
  $(pkg-config --cflags --libs scalingkit) -lm -o build/bad_input_matrix
build/bad_input_matrix
summary+=("C $(build/bad_input_matrix | tail -1)")
cc -std=c11 -Wall -Wextra -pedantic -Werror bindings/c/tests/concurrency.c \
  $(pkg-config --cflags --libs scalingkit) -lpthread -lm -o build/concurrency
build/concurrency | tee build/concurrency.out
summary+=("C concurrency: $(tail -1 build/concurrency.out | cut -d"(" -f1 | sed "s/^concurrency: //")passed, bit-identical")

step "C examples (built with pkg-config)"
cc -std=c11 -Wall -Wextra -pedantic -Werror examples/c/fit_chinchilla.c \
  $(pkg-config --cflags --libs scalingkit) -o build/fit_chinchilla
build/fit_chinchilla examples/data/chinchilla_epoch.csv | tee build/fit_chinchilla.out
grep -q "alpha  = 0.34731" build/fit_chinchilla.out
cc -std=c11 -Wall -Wextra -pedantic -Werror examples/c/fit_law.c \
  $(pkg-config --cflags --libs scalingkit) -o build/fit_law
build/fit_law examples/data/chinchilla_epoch.csv | tee build/fit_law.out
grep -q "held out" build/fit_law.out
cc -std=c11 -Wall -Wextra -pedantic -Werror examples/c/transfer.c \
  $(pkg-config --cflags --libs scalingkit) -o build/transfer
build/transfer | tee build/transfer.out
grep -q "residual branches x 0.25" build/transfer.out
cc -std=c11 -Wall -Wextra -pedantic -Werror examples/c/train_loop_gns.c \
  $(pkg-config --cflags --libs scalingkit) -lm -o build/train_loop_gns
build/train_loop_gns | tee build/train_loop_gns.out
grep -q "B_simple" build/train_loop_gns.out
cc -std=c11 -Wall -Wextra -pedantic -Werror examples/c/train_loop_accumulation.c \
  $(pkg-config --cflags --libs scalingkit) -lm -o build/train_loop_accumulation
build/train_loop_accumulation | tee build/train_loop_accumulation.out
grep -q "the interval covered the closed-form B_simple" build/train_loop_accumulation.out
summary+=("C examples: ran")

step "valgrind memcheck: C tests and examples (0 errors, 0 definite leaks, no suppressions)"
scripts/check-sanitizers.sh valgrind | tee build/valgrind.out
summary+=("valgrind memcheck: $(wc -l < build/valgrind.out) programs, 0 errors, 0 definite leaks")

step "Swift test suite under AddressSanitizer and ThreadSanitizer"
scripts/check-sanitizers.sh address | tee build/asan.out
scripts/check-sanitizers.sh thread | tee build/tsan.out
summary+=("ASan: $(cut -d: -f2- build/asan.out | cut -c1-110)" "TSan: $(cut -d: -f2- build/tsan.out | cut -c1-110)")

step "fuzz smoke: libFuzzer targets (formula, C ABI, CSV, JSON Lines), regression inputs + a few seconds each"
Tests/fuzz/run.sh smoke 5 | tee build/fuzz-smoke.out
summary+=("$(paste -sd';' build/fuzz-smoke.out)")

step "Python binding: pip install ./bindings/python, then pytest"
# The real user path: pip builds the library itself (incrementally here) and bundles it.
.venv/bin/python -m pip install -q --force-reinstall --no-deps ./bindings/python
(cd /tmp && "$ROOT/.venv/bin/python" -c "import scalingkit; print('scalingkit', scalingkit.__version__, 'imported from', scalingkit.__file__)")
.venv/bin/python -m pytest -q -rs -p no:cacheprovider bindings/python/tests Tests/cli | tee build/pytest.out
summary+=("pytest: $(grep -E '[0-9]+ passed' build/pytest.out | tail -1 | sed 's/=//g; s/^ *//')")

step "release artefacts: scripts/release.sh, then scripts/check-release.sh (full form, toolchain hidden)"
scripts/release.sh
scripts/check-release.sh | tee build/release.out
summary+=("$(tail -1 build/release.out)")

step "summary"
printf '%s\n' "${summary[@]}"
