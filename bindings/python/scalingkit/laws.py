"""Any scaling law — from the catalogue or written as a formula — fitted to a table of runs.

All computation happens in the Swift core behind the C header; this module converts arguments and results.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import bootstrap as _bootstrap
from ._arrays import as_doubles, as_size
from ._errors import ScalingKitError, check
from ._ffi import ffi, lib

_LOSSES = {"huber": lib.SK_LOSS_HUBER, "squared": lib.SK_LOSS_SQUARED}
_SPACES = {"log": lib.SK_SPACE_LOG, "linear": lib.SK_SPACE_LINEAR}


def catalogue() -> Tuple[str, ...]:
    """Names of the built-in laws."""
    return tuple(ffi.string(lib.sk_law_catalogue()).decode().split(","))


def _text(p) -> str:
    return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else ""


@dataclass(frozen=True)
class LawFit:
    """A fitted law with the diagnostics of its fit (fields follow scipy's ``OptimizeResult``)."""

    law: str
    formula: str
    citation: str
    params: Dict[str, float]
    inputs: Tuple[str, ...]
    objective: float
    gradient_norm: float
    success: bool
    message: str
    iterations: int
    evaluations: int
    starts: int
    starts_converged: int
    starts_at_optimum: int
    points_used: int
    #: Free parameters that ended on a bound (their value is set by the bound, not the data).
    at_bound: Tuple[str, ...] = ()
    _handle: Any = field(default=None, repr=False, compare=False)
    #: (law handle, input arrays, observed, options struct, arrays the options point to) for the bootstrap.
    _problem: Any = field(default=None, repr=False, compare=False)

    def bootstrap(self, replicates: int = 1000, *, seed: int = 0, confidence: float = 0.95,
                  threads: int = 0) -> "_bootstrap.Bootstrap":
        """Nonparametric bootstrap of this fit (resampled runs, refitted from this optimum with this fit's options;
        fixed parameters stay fixed). Deterministic for a given ``seed``."""
        law_handle, arrays, y, opts, _keep = self._problem
        ptrs = ffi.new("double *[]", [ffi.from_buffer("double[]", a) for a in arrays]) if arrays else ffi.NULL
        out = ffi.new("sk_bootstrap **")
        check(lib.sk_law_bootstrap(law_handle, ptrs, len(arrays), ffi.from_buffer("double[]", y), len(y), opts,
                                   self._handle, _bootstrap.options(replicates, seed, confidence, threads), out))
        handle, info, samples = _bootstrap.wrap(out[0])
        return _bootstrap.make(handle, info, samples, tuple(self.params))

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self, data: Any = None, **columns: Any) -> np.ndarray:
        """The law's prediction for new inputs, given as a DataFrame/mapping with the input columns or as keywords."""
        arrays = [as_doubles(name, _column(data, columns, name)) for name in self.inputs]
        n = _common_length(arrays, self.inputs)
        ptrs = ffi.new("double *[]", [ffi.from_buffer("double[]", a) for a in arrays])
        out = np.empty(n, dtype=np.float64)
        check(lib.sk_fit_predict(self._handle, ptrs, len(arrays), n, ffi.from_buffer("double[]", out, require_writable=True)))
        return out


def _column(data: Any, columns: Mapping[str, Any], name: str) -> Any:
    if name in columns:
        return columns[name]
    if data is not None:
        try:
            return data[name]
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"no data for input '{name}'")


def _common_length(arrays, names) -> int:
    lengths = {name: len(a) for name, a in zip(names, arrays)}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{k}' has {v}" for k, v in lengths.items())
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: {detail}")
    return next(iter(lengths.values())) if lengths else 0


def _candidate_columns(data: Any, columns: Mapping[str, Any], observed: Any) -> list:
    names = list(columns)
    if data is not None and hasattr(data, "keys"):
        names += [str(k) for k in data.keys() if str(k) not in names]
    skip = observed if isinstance(observed, str) else None
    out = []
    for name in names:
        if name == skip:
            continue
        try:
            np.asarray(_column(data, columns, name), dtype=np.float64)
        except (TypeError, ValueError):
            continue                     # text columns (run names) cannot be inputs
        out.append(name)
    return out


def fit(
    law: str,
    data: Any = None,
    *,
    observed: Union[str, Sequence[float], np.ndarray] = "loss",
    inputs: Optional[Sequence[str]] = None,
    objective: str = "huber",
    huber_delta: float = 1e-3,
    space: str = "log",
    over_prediction_weight: float = 1.0,
    weights: Optional[Sequence[float]] = None,
    fixed: Optional[Mapping[str, float]] = None,
    bounds: Optional[Mapping[str, Tuple[Optional[float], Optional[float]]]] = None,
    start: Optional[Mapping[str, Sequence[float]]] = None,
    log_scale: Sequence[str] = (),
    max_iterations: int = 1000,
    gradient_tolerance: Optional[float] = None,
    function_tolerance: Optional[float] = None,
    threads: int = 0,
    **columns: Any,
) -> LawFit:
    """Fit a scaling law to runs.

    Args:
        law: a catalogue name (see :func:`catalogue`, for example ``"chinchilla"``) or a formula such as
            ``"E + A*N^-alpha + B*D^-beta"`` (``+ - * / ^``, exp, log, sqrt, min, max, logsumexp).
        data: a pandas DataFrame or a mapping of column name → values. Columns can also be passed as keywords.
        observed: the column (name) or array with the measured value per run, default ``"loss"``.
        inputs: for a formula, the names that are data columns; default: every numeric column the formula names.
        objective: the loss on residuals: ``"huber"`` (default, δ = ``huber_delta``) or ``"squared"``.
            (Named so that ``loss=`` stays free for the column of measured losses.)
        space: ``"log"`` (default: relative errors) or ``"linear"`` residuals.
        over_prediction_weight: weight of residuals where the law over-predicts (> 1 follows the lower envelope).
        weights: per-run weights.
        fixed: parameters held at a value, for example ``{"E": 1.69}``.
        bounds: ``{name: (low, high)}``; ``None`` keeps the law's default for that side.
        start: starting values per parameter (the grid is their product); others keep the law's defaults.
        log_scale: parameters to fit in log space (for scales spanning orders of magnitude, such as C0 ~ 1e16).
        max_iterations, gradient_tolerance, function_tolerance: per-start stopping rules.
        threads: worker threads, 0 = one per core; results do not depend on it.

    Returns:
        LawFit.

    Raises:
        ScalingKitError: (a ``ValueError``) on bad formulas (with the position), unknown names, bad data or options.
    """
    handle = ffi.new("sk_law **")
    # A bare name is a catalogue law (a misspelt one is an error, not a one-parameter formula).
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", law.strip()):
        check(lib.sk_law_from_name(law.strip().encode(), handle))
    else:
        candidates = list(inputs) if inputs is not None else _candidate_columns(data, columns, observed)
        encoded = [ffi.new("char[]", name.encode()) for name in candidates]
        check(lib.sk_law_from_formula(law.encode(), ffi.new("char *[]", encoded) if encoded else ffi.NULL,
                                      len(encoded), handle))
    law_handle = ffi.gc(handle[0], lib.sk_law_free)

    input_names = tuple(_text(lib.sk_law_input_name(law_handle, j)) for j in range(lib.sk_law_input_count(law_handle)))
    param_names = tuple(_text(lib.sk_law_param_name(law_handle, j)) for j in range(lib.sk_law_param_count(law_handle)))

    arrays = [as_doubles(name, _column(data, columns, name)) for name in input_names]
    y = as_doubles("observed", _column(data, columns, observed) if isinstance(observed, str) else observed)
    n = _common_length(arrays + [y], list(input_names) + ["observed"])

    opts = ffi.new("sk_law_fit_options *")
    check(lib.sk_law_fit_options_init(opts, ffi.sizeof("sk_law_fit_options")))
    if objective not in _LOSSES:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"unknown objective '{objective}'; use one of {sorted(_LOSSES)}")
    if space not in _SPACES:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"unknown space '{space}'; use one of {sorted(_SPACES)}")
    opts.loss, opts.space = _LOSSES[objective], _SPACES[space]
    opts.huber_delta = float(huber_delta)
    opts.over_prediction_weight = float(over_prediction_weight)
    opts.max_iterations = as_size("max_iterations", max_iterations)
    opts.threads = as_size("threads", threads)
    if gradient_tolerance is not None:
        opts.gradient_tolerance = float(gradient_tolerance)
    if function_tolerance is not None:
        opts.function_tolerance = float(function_tolerance)

    keep = []

    def per_parameter(values: Mapping[str, Any], what: str, pick) -> Any:
        unknown = [k for k in values if k not in param_names]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"{what} for {unknown}, not parameters of the law ({', '.join(param_names)})")
        arr = np.array([pick(values[p]) if p in values else math.nan for p in param_names], dtype=np.float64)
        keep.append(arr)
        return ffi.from_buffer("double[]", arr)

    if weights is not None:
        w = as_doubles("weights", weights)
        keep.append(w)
        opts.weights, opts.weights_len = ffi.from_buffer("double[]", w), len(w)
    if fixed:
        opts.fixed, opts.fixed_len = per_parameter(fixed, "fixed values", float), len(param_names)
    if bounds:
        def side(i):
            return lambda b: math.nan if b[i] is None else float(b[i])
        opts.lower, opts.lower_len = per_parameter(bounds, "bounds", side(0)), len(param_names)
        opts.upper, opts.upper_len = per_parameter(bounds, "bounds", side(1)), len(param_names)
    if start:
        unknown = [k for k in start if k not in param_names]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"starting values for {unknown}, not parameters of the law ({', '.join(param_names)})")
        values = [as_doubles(f"start['{p}']", start[p]) if p in start else np.empty(0) for p in param_names]
        flat = np.ascontiguousarray(np.concatenate(values)) if values else np.empty(0)
        counts = ffi.new("size_t[]", [len(v) for v in values])
        keep += [flat, counts]
        opts.start_values = ffi.from_buffer("double[]", flat) if len(flat) else ffi.NULL
        opts.start_counts, opts.start_counts_len = counts, len(param_names)

    if log_scale:
        unknown = [k for k in log_scale if k not in param_names]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"log_scale for {unknown}, not parameters of the law ({', '.join(param_names)})")
        flags = ffi.new("int[]", [1 if p in log_scale else 0 for p in param_names])
        keep.append(flags)
        opts.log_scaled, opts.log_scaled_len = flags, len(param_names)

    ptrs = ffi.new("double *[]", [ffi.from_buffer("double[]", a) for a in arrays]) if arrays else ffi.NULL
    out = ffi.new("sk_fit **")
    check(lib.sk_law_fit(law_handle, ptrs, len(arrays), ffi.from_buffer("double[]", y), n, opts, out))
    fit_handle = ffi.gc(out[0], lib.sk_fit_free)

    count = lib.sk_fit_param_count(fit_handle)
    vals = ffi.new("double[]", count)
    check(lib.sk_fit_params(fit_handle, vals, count))
    info = ffi.new("sk_fit_info *")
    info.struct_size = ffi.sizeof("sk_fit_info")
    check(lib.sk_fit_get_info(fit_handle, info))
    return LawFit(
        law=_text(lib.sk_law_name(law_handle)), formula=_text(lib.sk_law_formula(law_handle)),
        citation=_text(lib.sk_law_citation(law_handle)),
        params={param_names[j]: vals[j] for j in range(count)}, inputs=input_names,
        objective=info.objective, gradient_norm=info.gradient_norm, success=bool(info.converged),
        message=_text(lib.sk_fit_message(fit_handle)), iterations=info.iterations, evaluations=info.evaluations,
        starts=info.starts, starts_converged=info.starts_converged, starts_at_optimum=info.starts_at_optimum,
        points_used=info.points_used,
        at_bound=tuple(param_names[j] for j in range(count) if lib.sk_fit_param_at_bound(fit_handle, j)),
        _handle=fit_handle, _problem=(law_handle, arrays, y, opts, keep))
