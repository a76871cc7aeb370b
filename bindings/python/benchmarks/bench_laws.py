"""Laws x data benchmark of the default fit (issue 14): ScalingKit's ``fit(law, data)`` with no hints against an
exhaustive, independent scipy search of the same objective on the same data.

Objective (both sides): sum of Huber_1e-3 of log residuals, the library default (Hoffmann et al. 2022). The
reference: the formula evaluated by numpy, scipy's L-BFGS-B (finite-difference gradient, ftol 1e-15, gtol 1e-10)
run to the end from every one of ``--starts`` Latin-hypercube points of a hand-written box per case
(``law_cases.py``), no screening; the lowest objective found is the reference optimum. A case passes when the
default fit either reaches it (objective <= reference * (1 + 1e-7)) or says success = False; it fails when it
claims success above it.

    .venv/bin/python bindings/python/benchmarks/bench_laws.py               # table (markdown) from a fresh search
    .venv/bin/python bindings/python/benchmarks/bench_laws.py --write-reference   # also rewrite laws_reference.json

The test command checks the default fits against the committed laws_reference.json (tests/test_law_benchmark.py);
the timings stay out of the tests.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

import scalingkit

sys.path.insert(0, os.path.dirname(__file__))
from law_cases import CASES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "laws_reference.json")
DELTA = 1e-3


def _lse(*xs):
    return np.logaddexp.reduce(np.stack(np.broadcast_arrays(*xs)), axis=0)


def numpy_law(formula: str, params, inputs):
    """The formula as a numpy function of (parameter vector, columns)."""
    expr = formula.replace("^", "**")
    code = compile(expr, "<formula>", "eval")
    funcs = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "min": np.minimum, "max": np.maximum, "logsumexp": _lse}

    def f(theta, columns):
        ns = dict(funcs)
        ns.update(zip(params, theta))
        ns.update(columns)
        with np.errstate(all="ignore"):
            return eval(code, {"__builtins__": {}}, ns)
    return f


def reference_search(case, formula, params, starts, seed=0):
    data = case.data()
    y = data["loss"]
    columns = {k: v for k, v in data.items() if k != "loss"}
    law = numpy_law(formula, params, columns)
    log_output = bool(case.kwargs.get("log_output"))
    logy = np.log(y)
    boxes = [case.box[p] for p in params]
    is_log = np.array([b[2] == "log" for b in boxes])

    def theta(u):
        return np.where(is_log, np.exp(np.clip(u, -700, 700)), u)

    def objective(u):
        v = law(theta(u), columns)
        r = (v if log_output else np.log(v)) - logy
        if not np.all(np.isfinite(r)):
            return 1e30
        a = np.abs(r)
        return float(np.sum(np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA))))

    lo = np.array([math.log(b[0]) if b[2] == "log" else b[0] for b in boxes])
    hi = np.array([math.log(b[1]) if b[2] == "log" else b[1] for b in boxes])
    points = qmc.scale(qmc.LatinHypercube(d=len(params), seed=seed).random(starts), lo, hi)
    best = None
    t0 = time.perf_counter()
    for u0 in points:
        r = minimize(objective, u0, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
        if np.isfinite(r.fun) and (best is None or r.fun < best.fun):
            best = r
    elapsed = time.perf_counter() - t0
    return {"objective": best.fun, "params": dict(zip(params, theta(best.x).tolist())), "seconds": elapsed,
            "starts": starts}


def default_fit(case):
    data = case.data()
    t0 = time.perf_counter()
    fit = scalingkit.fit(case.law, data, **case.kwargs)
    return fit, time.perf_counter() - t0


def judge(fit, reference):
    """'pass' (reached), 'honest' (success False), or 'FAIL' (success above the reference)."""
    if fit.objective <= reference * (1 + 1e-7):
        return "pass" if fit.success else "honest (reached, success False)"
    return "honest" if not fit.success else "FAIL"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=400)
    ap.add_argument("--write-reference", action="store_true")
    ap.add_argument("--only", default=None, help="run the cases whose name contains this text")
    args = ap.parse_args()
    reference = json.load(open(REFERENCE)) if os.path.exists(REFERENCE) else {}
    rows = []
    print("| case | default fit objective | reference (scipy) | rel. gap | success | ScalingKit s | scipy s | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        fit, seconds = default_fit(case)
        ref = reference_search(case, fit.formula, list(fit.params), args.starts)
        best = min(ref["objective"], fit.objective)
        reference[case.name] = {"law": case.law, "formula": fit.formula, "objective": best,
                                "scipy_objective": ref["objective"], "scipy_params": ref["params"],
                                "scipy_starts": ref["starts"]}
        gap = (fit.objective - ref["objective"]) / ref["objective"]
        verdict = judge(fit, ref["objective"])
        rows.append(verdict)
        print(f"| {case.name} | {fit.objective:.10e} | {ref['objective']:.10e} | {gap:+.1e} | {fit.success} | "
              f"{seconds:.2f} | {ref['seconds']:.1f} | {verdict} |", flush=True)
    if args.write_reference:
        with open(REFERENCE, "w") as f:
            json.dump(reference, f, indent=1, sort_keys=True)
            f.write("\n")
    print(f"\n{sum(r == 'pass' for r in rows)} pass, {sum(r.startswith('honest') for r in rows)} honest, "
          f"{sum(r == 'FAIL' for r in rows)} FAIL of {len(rows)}")


if __name__ == "__main__":
    main()
