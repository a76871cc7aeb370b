"""Bootstrap confidence intervals: results of sk_chinchilla_bootstrap / sk_law_bootstrap as dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np

from ._results import FittedRange, Interval, Result, read_fitted, read_interval, warn_outside_fitted
from ._arrays import as_number, as_size, set_clusters
from ._errors import check
from ._ffi import ffi, lib


@dataclass(frozen=True)
class Estimate(Result):
    """A quantity's full-data value, its bootstrap standard error and percentile ``interval`` (C's
    ``sk_estimate``)."""

    estimate: float
    standard_error: float
    interval: Interval


@dataclass(frozen=True)
class Bootstrap(Result):
    """Bootstrap replicates of a fit (resampled runs, each refitted from the full-data optimum)."""

    params: Dict[str, Estimate]
    #: Kept replicates × parameters, columns in ``names`` order.
    samples: np.ndarray
    names: Tuple[str, ...]
    replicates: int
    kept: int
    failed: int
    #: Kept replicates whose optimiser stopped at a point stationary to working precision (Huber kinks).
    stalled: int
    confidence: float
    _handle: Any = field(default=None, repr=False, compare=False)

    def plan(self, compute: float) -> "BootstrapPlan":
        """Intervals of the compute-optimal plan at ``compute`` FLOPs (C's ``sk_bootstrap_allocate``). Closed form
        for Chinchilla; numerical for any other law of N and D (``a`` is then the local exponent
        d ln N_opt / d ln C, and ``failed`` counts replicates without an optimum at this budget). Warns, as
        :func:`scalingkit.plan` does, when the full-data plan's D/N lies outside the fitted runs' ratios."""
        out = ffi.new("sk_bootstrap_allocation *")
        out.struct_size = ffi.sizeof("sk_bootstrap_allocation")
        check(lib.sk_bootstrap_allocate(self._handle, as_number("compute", compute), out))
        fitted, within = read_fitted(out)
        result = BootstrapPlan(compute=out.compute, a=_estimate(out.a), N=_estimate(out.params),
                               D=_estimate(out.tokens), tokens_per_parameter=_estimate(out.tokens_per_param),
                               loss=_estimate(out.loss), failed=out.failed, fitted=fitted, ratio_within_fitted=within)
        warn_outside_fitted([result])
        return result


@dataclass(frozen=True)
class BootstrapPlan(Result):
    """A compute-optimal plan's bootstrap intervals at one budget: the exponent ``a`` (N_opt ∝ C^a), ``N``, ``D``,
    ``tokens_per_parameter`` and ``loss``, each an :class:`Estimate`. ``failed`` replicates had no finite optimum
    at this budget and are left out. ``fitted`` is the span of the runs behind the fit; ``ratio_within_fitted``
    False means the full-data plan's D/N lies outside the fitted ratios, where its interval is the spread of the
    law's form over resamples rather than a ratio any run constrained. ``plan["a"]`` reads as ``plan.a``."""

    compute: float
    a: Estimate
    N: Estimate
    D: Estimate
    tokens_per_parameter: Estimate
    loss: Estimate
    failed: int
    fitted: Optional[FittedRange] = None
    ratio_within_fitted: Optional[bool] = None

    _KEYS = ("a", "N", "D", "tokens_per_parameter", "loss")

    def __getitem__(self, key: str) -> Estimate:
        if key not in self._KEYS:
            raise KeyError(f"{key!r}; a bootstrap plan has {', '.join(self._KEYS)}")
        return getattr(self, key)

    def keys(self) -> Tuple[str, ...]:
        """The names of the five estimates (``plan[name]`` for each)."""
        return self._KEYS

    def to_frame(self):
        """A pandas DataFrame, one row per quantity: estimate, standard error and interval ends."""
        import pandas as pd
        rows = []
        for key in self._KEYS:
            e = getattr(self, key)
            rows.append({"quantity": key, "estimate": e.estimate, "standard_error": e.standard_error,
                         "lower": e.interval.lower if e.interval else None,
                         "upper": e.interval.upper if e.interval else None})
        return pd.DataFrame(rows)


def _estimate(p) -> Estimate:
    return Estimate(estimate=p.estimate, standard_error=p.standard_error, interval=read_interval(p.interval))


def options(replicates: int, seed: int, confidence: float, threads: int, clusters: Any = None):
    """An sk_bootstrap_options and the array it points into: ``clusters`` (one hashable label per run: a model
    name, a run id) become integer codes, which the caller keeps alive through the bootstrap call."""
    o = ffi.new("sk_bootstrap_options *")
    check(lib.sk_bootstrap_options_init(o, ffi.sizeof("sk_bootstrap_options")))
    o.replicates = as_size("replicates", replicates)
    o.seed = as_size("seed", seed)
    o.confidence = as_number("confidence", confidence)
    o.threads = as_size("threads", threads)
    return o, None if clusters is None else set_clusters(o, clusters)


def wrap(raw_handle) -> Bootstrap:
    handle = ffi.gc(raw_handle, lib.sk_bootstrap_free)
    info = ffi.new("sk_bootstrap_info *")
    info.struct_size = ffi.sizeof("sk_bootstrap_info")
    check(lib.sk_bootstrap_get_info(handle, info))
    samples = np.empty((info.kept, info.param_count), dtype=np.float64)
    check(lib.sk_bootstrap_samples(handle, ffi.from_buffer("double[]", samples, require_writable=True), samples.size))
    return handle, info, samples


def make(handle, info, samples, names) -> Bootstrap:
    params = {}
    for name in names:
        out = ffi.new("sk_estimate *")
        out.struct_size = ffi.sizeof("sk_estimate")
        check(lib.sk_bootstrap_param(handle, name.encode(), out))
        params[name] = _estimate(out)
    return Bootstrap(params=params, samples=samples, names=tuple(names), replicates=info.replicates, kept=info.kept,
                     failed=info.failed, stalled=info.stalled, confidence=info.confidence, _handle=handle)
