"""Property-based fuzzing of the public Python API (Hypothesis).

The property, for every public function: given any arguments (numbers of every size and kind, NaN and inf, huge
Python ints, complex, text with NUL bytes, dates, object and 2-D arrays, wrong types, mismatched lengths), the call
returns or raises ScalingKitError (a ValueError). Anything else fails: another exception type, a crash of the
process (a Swift trap is SIGILL/SIGTRAP, a bad pointer SIGSEGV), or a result holding NaN where the call claimed
success.

    python bindings/python/fuzz/fuzz_public.py                  # the full campaign (about 10^6 calls)
    python bindings/python/fuzz/fuzz_public.py --scale 0.01     # a quick pass
    python bindings/python/fuzz/fuzz_public.py --target fit     # one target, in this process

The campaign runs each target in its own subprocess, so a crash names its target instead of ending the run; the
totals go to stdout and, with --json, to a file. tests/test_fuzz_smoke.py runs every target briefly in CI.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import warnings
from typing import Any, Callable, Dict, List

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import scalingkit as sk
from scalingkit import ExtrapolationWarning, ScalingKitError

# Arbitrary budgets over arbitrary fits plan far outside the fitted ratios: the warning is right and no finding.
warnings.simplefilter("ignore", ExtrapolationWarning)

# ---------------------------------------------------------------------------------------------------------------
# Values

_special = st.sampled_from([0.0, -0.0, -1.0, 1.0, math.nan, math.inf, -math.inf, 1e-320, 5e-324, 1.7976931348623157e308,
                            -1e308, 1e19, 2.0**63, 2.0**64, 1e-8, 0.5])
_plausible = st.floats(min_value=1e-3, max_value=1e13, allow_nan=False, allow_infinity=False)
#: A number, mostly plausible, often on an edge.
number = st.one_of(_plausible, _special, st.floats(allow_nan=True, allow_infinity=True),
                   st.integers(min_value=-2**70, max_value=2**70))
#: Anything a user might pass where a number belongs.
anything = st.one_of(number, st.none(), st.booleans(), st.text(max_size=6), st.just("\x00"),
                     st.complex_numbers(max_magnitude=1e6), st.integers(min_value=-2**400, max_value=2**400),
                     st.just(np.datetime64("2024-01-01")), st.lists(number, max_size=3), st.just({}),
                     st.just(np.array([[1.0, 2.0]])))
text = st.one_of(st.text(max_size=12), st.sampled_from(["", "\x00", "a\x00b", "é", "N", "loss", "chinchilla",
                                                        "kaplan_nd", "E + A*N^-alpha", "E + A*N^-alpha\x00 + B"]))


@st.composite
def column(draw, n=None, values=number):
    """A column of length ``n`` (or any length up to 12) in one of the containers and dtypes users pass."""
    n = draw(st.integers(0, 12)) if n is None else n
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(anything, st.just(np.zeros((2, n))),
                              st.just(np.array(["x"] * n)), st.just(np.arange(n).astype("datetime64[s]")),
                              st.just(np.ones(n, dtype=complex)), st.just(np.array([object()] * n, dtype=object))))
    items = draw(st.lists(values, min_size=n, max_size=n))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return items
    if kind == 1:
        return tuple(items)
    try:
        arr = np.array(items, dtype=float)
    except (OverflowError, TypeError, ValueError):
        return items
    if kind == 2:
        return arr
    with np.errstate(over="ignore"):
        return arr.astype(np.float32)


@st.composite
def runs(draw):
    """N, D, loss of one length (sometimes not), mostly plausible so that some calls get deep into the core."""
    n = draw(st.integers(0, 10))
    good = draw(st.booleans())
    if good:
        N = draw(st.lists(st.floats(1e6, 1e10), min_size=n, max_size=n))
        D = draw(st.lists(st.floats(1e8, 1e12), min_size=n, max_size=n))
        L = draw(st.lists(st.floats(1.5, 6.0), min_size=n, max_size=n))
        return N, D, L
    m = n if draw(st.booleans()) else draw(st.integers(0, 10))
    return draw(column(n)), draw(column(n)), draw(column(m))


# ---------------------------------------------------------------------------------------------------------------
# Checks

def _finite_result(value: Any) -> None:
    """A returned result must not hold NaN in a field the call claims is a success (None stands for 'missing')."""
    fields = getattr(value, "__dataclass_fields__", None)
    if not fields or not getattr(value, "success", True):
        return
    for name in ("objective", "loss", "N", "D", "compute", "tokens_per_parameter"):
        v = getattr(value, name, None)
        if isinstance(v, float) and math.isnan(v):
            raise AssertionError(f"{type(value).__name__}.{name} is NaN in a successful result")


CALLS = [0]


def call(fn: Callable, *args, **kwargs) -> None:
    """One execution of a public function: it returns a sane result or raises ScalingKitError."""
    CALLS[0] += 1
    try:
        value = fn(*args, **kwargs)
    except ScalingKitError as e:
        assert isinstance(e, ValueError)
        assert str(e), "an error without a message"
        return
    _finite_result(value)


# ---------------------------------------------------------------------------------------------------------------
# Targets: one function each, taking Hypothesis-drawn arguments.

_small_fit: Dict[str, Any] = {}


def _a_fit():
    """One real Chinchilla fit (fitted once per process) for the planning targets."""
    if "fit" not in _small_fit:
        rng = np.random.default_rng(0)
        N = np.repeat(np.geomspace(1e7, 1e9, 6), 3)
        D = N * np.tile([10.0, 20.0, 40.0], 6)
        L = 1.69 + 406.4 / N**0.34 + 410.7 / D**0.28
        _small_fit["fit"] = sk.fit_chinchilla(N, D, L * np.exp(rng.normal(0, 0.01, len(N))))
        _small_fit["law"] = sk.fit("E + A*N^-alpha + B*D^-beta", N=N, D=D, loss=L)
        _small_fit["boots"] = (_small_fit["fit"].bootstrap(8, seed=0), _small_fit["law"].bootstrap(8, seed=0))
    return _small_fit["fit"], _small_fit["law"]


TARGETS: Dict[str, Any] = {}


def target(weight: float):
    def register(f):
        TARGETS[f.__name__] = (f, weight)
        return f
    return register


@target(0.02)
@given(runs(), anything, anything)
def fit_chinchilla(data, exclude, delta):
    N, D, L = data
    call(sk.fit_chinchilla, N, D, L, exclude_highest_loss=exclude if isinstance(exclude, int) else 0,
         huber_delta=delta if isinstance(delta, float) else 1e-3, screen=4, confirmations=2, grid={"alpha": [0.3], "beta": [0.3]})


@target(0.02)
@given(text, runs(), st.dictionaries(text, anything, max_size=2), st.dictionaries(text, st.tuples(anything, anything), max_size=2),
       st.sampled_from(["auto", "single", "start_grid", "nope", None, 3]))
def fit(law, data, fixed, bounds, search):
    N, D, L = data
    call(sk.fit, law, N=N, D=D, loss=L, fixed=fixed, bounds=bounds, search=search, max_iterations=50)


@target(0.02)
@given(runs(), anything, anything)
def fit_formula_with_options(data, step, seed):
    N, D, L = data
    call(sk.fit, "E + A*N^-alpha + B*D^-beta", N=N, D=D, loss=L, grid_step=step, seed=seed, search="single",
         max_iterations=30)


@target(0.05)
@given(column(), column(), st.one_of(anything, st.sampled_from(["k", "b", "law", "data", "space", "start", "weights",
                                                                 "fixed", "seed", "observed", "D"])))
def fit_batch_law(x, b, variable):
    """The variable's name goes into a formula: a name of one of fit's own arguments or of the law's parameters
    once leaked a TypeError (or, for 'k', fitted another law)."""
    call(sk.fit_batch_law, x, b, variable if isinstance(variable, str) else "D")


@target(0.08)
@given(anything, anything, anything, anything, anything, anything)
def planning(compute, target, ratio, inference, seconds, devices):
    f, law = _a_fit()
    for fitted in (f, law):
        call(sk.plan, fitted, compute)
        call(sk.minimum_compute, fitted, target)
        call(sk.at_tokens_per_parameter, fitted, compute, ratio)
        call(sk.inference_aware, fitted, target, inference)
    for boot in _small_fit["boots"]:
        call(boot.plan, compute)
    call(sk.cheapest_within, f, target, seconds, critical_batch=(compute, ratio), devices=devices,
         flops_per_second=inference, tokens_per_device=seconds)


@target(0.02)
@given(st.one_of(st.lists(st.integers(0, 3), min_size=18, max_size=18), st.lists(anything, max_size=20),
                 st.lists(st.lists(st.integers(0, 1), max_size=2), min_size=18, max_size=18), anything),
       st.integers(-1, 6))
def bootstrap_clusters(labels, replicates):
    """Cluster labels of every kind (one per run, too few or many, unhashable, a bare scalar or string) for both
    fits' bootstraps; a few replicates, so that the labels, not the refits, take the time."""
    f, law = _a_fit()
    for fitted in (f, law):
        call(fitted.bootstrap, replicates, clusters=labels, seed=0)


@target(0.06)
@given(column(), column(), st.sampled_from([None, "confidence", "prediction", "bogus", 1]), anything)
def predict(N, D, interval, level):
    f, law = _a_fit()
    call(f.predict, N, D, interval=interval, level=level)
    call(law.predict, {"N": N, "D": D}, interval=interval, level=level)


@target(0.05)
@given(runs(), column(), anything, anything, anything)
def isoflop(data, budget, interior, runs_per_budget, confidence):
    N, D, L = data
    call(sk.isoflop, N=N, D=D, loss=L, budget=budget, require_interior_minimum=bool(interior) if isinstance(interior, bool) else True,
         min_runs_per_budget=runs_per_budget, confidence=confidence)


@target(0.05)
@given(runs(), column(), anything, anything)
def envelope(data, run, grid, confidence):
    N, D, L = data
    call(sk.envelope, run=run, N=N, compute=D, loss=L, grid_points=grid, confidence=confidence)


@target(0.1)
@given(st.one_of(st.none(), text, st.sampled_from(["gpt2", "llama2_7b", "chinchilla_70b"])),
       *(anything for _ in range(8)), st.sampled_from(["standard", "gated", "moe", 1]),
       st.sampled_from(["layernorm", "rms", "x"]), st.sampled_from(["rotary", "learned", "relative", "?"]))
def count_parameters(preset, d, layers, heads, kv, hd, ff, vocab, seq, mlp, norm, pos):
    kw = dict(d_model=d, layers=layers, heads=heads, kv_heads=kv, head_dim=hd, d_ff=ff, vocab=vocab, sequence_length=seq,
              mlp=mlp, norm=norm, positional=pos)
    call(sk.count_parameters, preset, **kw) if preset is not None else call(sk.count_parameters, **kw)


@target(0.03)
@given(anything, st.sampled_from(["llama2_7b", "gpt2", "nope", ""]), anything)
def nearest_shapes(target_parameters, preset, count):
    call(sk.nearest_shapes, target_parameters, preset, count)


@target(0.04)
@given(st.lists(st.tuples(text, st.one_of(st.tuples(anything, anything), anything),
                          st.one_of(st.tuples(anything, anything), anything),
                          st.sampled_from(["hidden", "readout", "input", "bias", "norm", "attention", None])),
                max_size=3),
       st.one_of(st.none(), st.dictionaries(st.sampled_from(["learning_rate", "init_std", "weight_decay", "batch_tokens",
                                                            "tokens", "x"]), anything, max_size=3)),
       anything, anything, st.sampled_from(["mup", "standard", "sp", "mup_table3", "?"]),
       st.one_of(st.none(), st.tuples(anything, anything, anything)),
       st.sampled_from(["none", "sqrt", "linear", "cube"]))
def transfer(groups, proxy, batch_tokens, tokens, parametrization, depth, batch_rule):
    call(sk.transfer, [tuple(x for x in g if x is not None) for g in groups], proxy=proxy,
         target_batch_tokens=batch_tokens, target_tokens=tokens, parametrization=parametrization, depth=depth,
         batch_rule=batch_rule)


@target(0.12)
@given(*(anything for _ in range(6)), st.sampled_from(["weight", "bias", "norm", "output", "?", 3]),
       st.sampled_from(["kaplan", "deepseek", "step_law", "porian", "?", ""]))
def rules(a, b, c, d, e, f, umup_type, name):
    call(sk.adam_sqrt_rule, a, b, c, d, e)
    call(sk.adamw_timescale, a, b, c, d)
    call(sk.attention_scale, a, b)
    call(sk.umup_residual_tau, a, b, c, d)
    call(sk.umup_weight_decay, a, b)
    call(sk.optimal_learning_rate, a, b, c)
    call(sk.umup_lr_scale, umup_type, [a, b] if not isinstance(a, list) else a, c)
    call(sk.hp_law, name, N=a, D=b, C=c)
    call(sk.batch_law, name, a)
    call(sk.batch_cost, a, b, initial_batch=c, noise_scale=d)
    call(sk.batch_schedule, a, b, c, d, e, f)
    call(sk.convert_critical_batch, a, name, theta=b, reference_batch=c)


@target(0.08)
@given(column(), column(), column(), anything)
def batch_tradeoff(batch, steps, target, confidence):
    call(sk.fit_batch_tradeoff, batch=batch, steps=steps, confidence=confidence)
    call(sk.fit_batch_tradeoff, batch=batch, steps=steps, target_loss=target)
    call(sk.steps_to_target, run=target, batch=batch, step=steps, loss=batch, targets=confidence)


@target(0.05)
@given(st.integers(0, 12).flatmap(lambda n: st.tuples(column(n), column(n), column(n), column(n), column(n), column(n))))
def hp_sweep(cols):
    N, D, lr, batch, loss, wd = cols
    call(sk.fit_hp_sweep, N=N, D=D, learning_rate=lr, batch=batch, loss=loss)
    call(sk.fit_hp_sweep, N=N, D=D, learning_rate=lr, batch=batch, loss=loss, weight_decay=wd)


@target(0.05)
@given(st.lists(st.tuples(st.floats(1e6, 1e10), st.floats(1e8, 1e12)), min_size=1, max_size=4),
       st.integers(3, 7), st.floats(0.0, 3.0), st.floats(0.0, 0.05), st.booleans(), number, number, anything,
       st.one_of(st.none(), st.floats(-2.0, 3.0)), st.sampled_from([math.nan, math.inf, 7.0]))
def hp_sweep_predict(cells, rates, lopsided, noise, ratio, N, D, confidence, diverge, diverged_loss):
    """Sweeps whose cells locate optima (lopsided bowls, noise, cells at one D/N or anywhere, the rates above
    ``diverge`` diverged as NaN, inf or a large loss), then predictions anywhere: on the law's support, off it
    (refused), or bad values."""
    rng = np.random.default_rng(len(cells) * 7 + rates)
    cols: List[List[float]] = [[], [], [], [], []]
    for n, d in cells:
        d = 20 * n if ratio else d
        best = 0.3 * n ** -0.25
        for i in range(rates):
            x = (i - (rates - 1) / 2 + 0.3) * math.log(2)
            loss = 2 + 0.05 * x * x + lopsided * max(0.0, x) ** 3 + noise * rng.standard_normal()
            if diverge is not None and x > diverge:
                loss = diverged_loss
            for col, v in zip(cols, (n, d, best * math.exp(x), 5e5, loss)):
                col.append(v)
    try:
        r = sk.fit_hp_sweep(N=cols[0], D=cols[1], learning_rate=cols[2], batch=cols[3], loss=cols[4])
    except ScalingKitError:
        return
    call(r.predict, N, D, confidence)
    call(r.predict, cols[0][0], cols[1][0])


@target(0.05)
@given(st.integers(0, 12).flatmap(lambda n: st.tuples(st.one_of(st.lists(text, min_size=n, max_size=n), column(n)),
                                                      column(n), column(n), column(n))), anything)
def coord_check(cols, threshold):
    layer, width, step, rms = cols
    call(sk.coord_check, layer, width, step, rms, threshold)


@target(0.1)
@given(st.sampled_from(["adaptive", "ema", "window", "cumulative", "?"]), st.one_of(st.floats(0.5, 0.999), anything),
       st.one_of(st.integers(1, 50), anything),
       st.sampled_from(["data_parallel", "accumulation", "per_example", "consecutive", "?"]),
       st.sampled_from(["none", "whitened", "update", "?"]), st.one_of(st.none(), anything),
       st.lists(st.tuples(number, number, st.one_of(st.floats(1, 64), anything), st.one_of(st.floats(64, 4096), anything),
                          anything), max_size=6), st.lists(anything, max_size=4))
def noise_scale(smoothing, beta, window, construction, preconditioning, dataset, updates, ranks):
    common = dict(construction=construction, preconditioning=preconditioning, dataset_size=dataset)
    gns = None
    # beta belongs to "ema", window to "window": all three at once must be refused cleanly, then each on its own.
    for kwargs in (dict(smoothing=smoothing, beta=beta, window=window), dict(smoothing=smoothing, beta=beta),
                   dict(smoothing=smoothing, window=window), dict(smoothing=smoothing), dict(beta=beta)):
        try:
            gns = sk.GradientNoiseScale(**kwargs, **common)
            break
        except ScalingKitError:
            pass
    if gns is None:
        return
    for u in updates:
        call(gns.update, *u)
        call(gns.read)
    call(gns.update_ranks, ranks, beta, window if not isinstance(window, list) else 1.0)
    call(gns.read, group=window if isinstance(window, int) else None)


@target(0.04)
@given(column(), anything)
def schedule_areas(lr, decay):
    call(sk.schedule_areas, lr, decay)


@target(0.03)
@given(st.integers(0, 12).flatmap(lambda n: st.tuples(column(n), column(n), column(n))), anything,
       st.one_of(st.dictionaries(text, anything, max_size=7), st.lists(anything, max_size=8)))
def multi_power(cols, warmup, params):
    lr, steps, loss = cols
    call(sk.multi_power_predict, params, lr, steps, warmup if isinstance(warmup, int) else 0)
    try:
        curve = sk.LossCurve(lr, steps, loss, warmup_steps=warmup if isinstance(warmup, int) else 0)
    except ScalingKitError:
        return
    call(sk.fit_multi_power, [curve], max_iterations=20, screen=2, confirmations=1)


# ---------------------------------------------------------------------------------------------------------------
# Driver

def run_target(name: str, examples: int) -> int:
    """Runs one target for ``examples`` Hypothesis examples in this process; returns the public calls it made."""
    fn, _ = TARGETS[name]
    before = CALLS[0]
    settings(max_examples=examples, deadline=None, database=None, derandomize=False,
             phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False,
             suppress_health_check=list(HealthCheck))(fn)()
    return CALLS[0] - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the campaign (10^6 examples at 1)")
    parser.add_argument("--target", help="run one target in this process")
    parser.add_argument("--examples", type=int, help="with --target: how many examples")
    parser.add_argument("--json", help="write the totals here")
    args = parser.parse_args()
    total = 1_000_000 * args.scale
    if args.target:
        n = args.examples or max(1, int(total * TARGETS[args.target][1]))
        start = time.time()
        ran = run_target(args.target, n)
        print(json.dumps({"target": args.target, "examples": n, "calls": ran, "seconds": round(time.time() - start, 1)}))
        return 0
    weights = sum(w for _, w in TARGETS.values())
    results, failed = [], []
    for name, (_, weight) in TARGETS.items():
        n = max(1, int(round(total * weight / weights)))
        start = time.time()
        proc = subprocess.run([sys.executable, __file__, "--target", name, "--examples", str(n)],
                              capture_output=True, text=True, env=dict(os.environ, PYTHONFAULTHANDLER="1"))
        seconds = round(time.time() - start, 1)
        if proc.returncode != 0:
            failed.append(name)
            print(f"FAIL {name} (exit {proc.returncode}) after {seconds} s\n{proc.stdout[-3000:]}{proc.stderr[-6000:]}", flush=True)
            results.append({"target": name, "examples": None, "seconds": seconds, "returncode": proc.returncode})
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(row)
        print(f"ok   {name:26s} {row['examples']:>8d} examples {row['calls']:>9d} calls in {row['seconds']} s", flush=True)
    executed = sum(r.get("calls") or 0 for r in results)
    examples = sum(r["examples"] or 0 for r in results)
    print(f"fuzz: {examples} examples, {executed} calls of public functions over {len(TARGETS)} targets, "
          f"{len(failed)} failed"
          + (f": {', '.join(failed)}" if failed else ""))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"examples": examples, "calls": executed, "failed": failed, "targets": results, "library": sk.library_version()}, fh, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
