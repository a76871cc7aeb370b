"""Bootstrap confidence intervals: results of sk_chinchilla_bootstrap / sk_law_bootstrap as dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

import numpy as np

from ._results import Interval, Result, read_interval
from ._arrays import as_number, as_size
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

    def plan(self, compute: float) -> Dict[str, Estimate]:
        """Intervals of the compute-optimal plan at ``compute`` FLOPs: keys ``a``, ``N``, ``D``,
        ``tokens_per_parameter``, ``loss``. Closed form for Chinchilla; numerical for any other law of N and D
        (``a`` is then the local exponent d ln N_opt / d ln C)."""
        outs = [ffi.new("sk_estimate *") for _ in range(5)]
        for o in outs:
            o.struct_size = ffi.sizeof("sk_estimate")
        check(lib.sk_bootstrap_plan(self._handle, as_number("compute", compute), *outs))
        keys = ("a", "N", "D", "tokens_per_parameter", "loss")
        return {k: _estimate(o) for k, o in zip(keys, outs)}


def _estimate(p) -> Estimate:
    return Estimate(estimate=p.estimate, standard_error=p.standard_error, interval=read_interval(p.interval))


def options(replicates: int, seed: int, confidence: float, threads: int):
    o = ffi.new("sk_bootstrap_options *")
    check(lib.sk_bootstrap_options_init(o, ffi.sizeof("sk_bootstrap_options")))
    o.replicates = as_size("replicates", replicates)
    o.seed = as_size("seed", seed)
    o.confidence = as_number("confidence", confidence)
    o.threads = as_size("threads", threads)
    return o


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
