#!/usr/bin/env bash
# Checks that every public symbol of the Swift core has a DocC abstract: a `///` comment whose first line is a
# summary (not only "- Parameters:" / "- Throws:" fields, which DocC does not show as an abstract). Reads the
# compiler's symbol graph, the input DocC renders from. Members the compiler derives (Hashable's hash(into:),
# RawRepresentable's init(rawValue:), Equatable's ==) are skipped: their declaration is not in our text.
# Usage: scripts/check_docs.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
swift build -c release --package-path "$ROOT" --scratch-path "$ROOT/.build-docs" --target ScalingKit \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$work" >/dev/null
python3 "$ROOT/scripts/check_docs.py" "$work/ScalingKit.symbols.json"
