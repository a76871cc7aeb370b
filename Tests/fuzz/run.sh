#!/usr/bin/env bash
# Runs the libFuzzer targets (formula, abi, csv, jsonl) of build/fuzz/skfuzz.
#
#   Tests/fuzz/run.sh smoke [seconds]    every regression input once, then each target for a few seconds
#                                        (default 5) from its seeds and committed corpus; run by the test command
#   Tests/fuzz/run.sh campaign RUNS      each target for RUNS executions (the issue asks >= 1000000), growing
#                                        build/fuzz/corpus/<target>; prints the execution counts
#   Tests/fuzz/run.sh merge              minimises the committed corpus plus build/fuzz/corpus/<target> into
#                                        Tests/fuzz/corpus/<target>.tar.gz
#
# A crash, a broken contract (see fuzz.c), a leak, a > 10 s input or > 2 GB of memory fails the run and leaves
# the input as build/fuzz/artifacts/<kind>-<hash>: add it to Tests/fuzz/regressions/<target>/ with the fix.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
B="$ROOT/build/fuzz"
"$ROOT/Tests/fuzz/build.sh" "$B" >/dev/null
export SWIFT_BACKTRACE=enable=no            # let ASan and libFuzzer report crashes, not Swift's backtracer
mkdir -p "$B/artifacts"
FLAGS=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$B/artifacts/" -print_final_stats=1)
read -r -a targets <<< "${SK_FUZZ_TARGETS:-formula abi csv jsonl}"   # a subset: SK_FUZZ_TARGETS="csv jsonl"
mode="${1:-smoke}"

runs_of() { grep -oE "stat::number_of_executed_units: *[0-9]+" "$1" | grep -oE "[0-9]+$" | tail -1; }

unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
for t in "${targets[@]}"; do
  seeds=("$ROOT/Tests/fuzz/seeds/$t")
  # The committed corpus: a campaign's inputs minimised by `merge`, one tarball per target.
  if [ -f "$ROOT/Tests/fuzz/corpus/$t.tar.gz" ]; then
    mkdir -p "$unpacked/$t" && tar -xzf "$ROOT/Tests/fuzz/corpus/$t.tar.gz" -C "$unpacked/$t"
    seeds+=("$unpacked/$t")
  fi
  log="$B/$t.log"
  case "$mode" in
    smoke)
      if [ -d "$ROOT/Tests/fuzz/regressions/$t" ]; then
        SK_FUZZ_TARGET=$t "$B/skfuzz" "${FLAGS[@]}" "$ROOT/Tests/fuzz/regressions/$t"/* >"$log" 2>&1 \
          || { tail -40 "$log"; echo "fuzz: regression inputs of $t fail"; exit 1; }
      fi
      work="$(mktemp -d)"
      SK_FUZZ_TARGET=$t "$B/skfuzz" "${FLAGS[@]}" -max_total_time="${2:-5}" "$work" "${seeds[@]}" >"$log" 2>&1 \
        || { rm -rf "$work"; tail -40 "$log"; echo "fuzz: $t failed (log above)"; exit 1; }
      rm -rf "$work"
      echo "fuzz smoke: $t $(runs_of "$log") runs clean"
      ;;
    campaign)
      mkdir -p "$B/corpus/$t"
      SK_FUZZ_TARGET=$t "$B/skfuzz" "${FLAGS[@]}" -runs="${2:?RUNS}" "$B/corpus/$t" "${seeds[@]}" >"$log" 2>&1 \
        || { tail -40 "$log"; echo "fuzz: $t failed (log above)"; exit 1; }
      echo "fuzz campaign: $t $(runs_of "$log") runs clean, corpus $(ls "$B/corpus/$t" | wc -l) inputs"
      ;;
    merge)
      merged="$unpacked/merged-$t"; mkdir -p "$merged" "$ROOT/Tests/fuzz/corpus"
      SK_FUZZ_TARGET=$t "$B/skfuzz" "${FLAGS[@]}" -merge=1 "$merged" "${seeds[@]:1}" "$B/corpus/$t" >"$log" 2>&1
      tar -czf "$ROOT/Tests/fuzz/corpus/$t.tar.gz" --sort=name --mtime=@0 --owner=0 --group=0 -C "$merged" .
      echo "fuzz merge: $t $(ls "$merged" | wc -l) inputs into Tests/fuzz/corpus/$t.tar.gz"
      ;;
    *) echo "usage: $0 smoke [seconds] | campaign RUNS | merge" >&2; exit 2 ;;
  esac
done
