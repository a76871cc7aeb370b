#!/usr/bin/env bash
# The main job: build ScalingKit, fit the Chinchilla law to the bundled real data (Epoch AI's reconstruction of
# Hoffmann et al. 2022, 245 runs; the 5 highest-loss runs excluded as Besiroglu et al. 2024 did), and print the
# parameters and the compute-optimal plan for a few budgets, with 95% bootstrap intervals (4,000 replicates).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" >/dev/null
cd "$ROOT"
exec build/bin/scalingkit fit examples/data/chinchilla_epoch.csv \
  --exclude-highest-loss 5 --budget 1e21 --budget 5.76e23 --budget 1e25 --bootstrap 4000 --seed 42 "$@"
