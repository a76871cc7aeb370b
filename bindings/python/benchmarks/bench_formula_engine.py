"""Cost of a law compiled from a formula against the hand-written Chinchilla objective, on the same problem.

Both fits minimise the same objective (Huber 1e-3 of log residuals of E + A N^-alpha + B D^-beta, with E, A, B in
log space) over the 240 Epoch runs from all 4,500 starts of Hoffmann's grid (screen=0: every start refined), on the
same threads: `fit_chinchilla` runs the hand-written four-lane objective, `fit("chinchilla", search="start_grid")`
the formula engine. The figure that matters is the cost per objective evaluation (seconds / evaluations), since the
two optimisers may take slightly different paths. Best of --repeat runs.

    .venv/bin/python bindings/python/benchmarks/bench_formula_engine.py [--repeat 3] [--threads 0]
"""
from __future__ import annotations

import argparse
import csv
import os
import time

import numpy as np

import scalingkit

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    with open(os.path.join(ROOT, "examples", "data", "chinchilla_epoch.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    N, D, L = (np.array([float(r[k]) for r in rows]) for k in ("N", "D", "loss"))
    keep = np.sort(np.argsort(L)[:-5])
    N, D, L = N[keep], D[keep], L[keep]

    def best(run):
        out = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fit = run()
            dt = time.perf_counter() - t0
            if out is None or dt < out[0]:
                out = (dt, fit)
        return out

    t_hand, hand = best(lambda: scalingkit.fit_chinchilla(N, D, L, screen=0, threads=args.threads))
    t_formula, formula = best(lambda: scalingkit.fit("chinchilla", {"N": N, "D": D, "loss": L}, search="start_grid",
                                                       screen=0, threads=args.threads))
    per_hand = t_hand / hand.evaluations
    per_formula = t_formula / formula.evaluations
    print(f"hand-written objective: {t_hand:.3f} s, {hand.evaluations} evaluations, {per_hand * 1e6:.2f} us each, "
          f"objective {hand.objective:.13e}")
    print(f"formula engine:         {t_formula:.3f} s, {formula.evaluations} evaluations, {per_formula * 1e6:.2f} us each, "
          f"objective {formula.objective:.13e}")
    print(f"cost per evaluation, formula / hand-written: {per_formula / per_hand:.2f}x "
          f"(whole fit {t_formula / t_hand:.2f}x)")


if __name__ == "__main__":
    main()
