"""Reading an sk_fit handle: shared by every fit wrapper."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import numpy as np

from ._errors import ConvergenceWarning, DataWarning, ScalingKitError, check, warn
from ._arrays import as_number
from ._ffi import ffi, lib
from ._results import OutlierInfluence, Result
from .enums import IntervalKind, label, parse


def fit_handle(fit: Any):
    """The sk_fit handle behind a fit result (ChinchillaFit, LawFit), for the planning functions: every planner
    takes its fit through here, so a fit that did not converge is warned about once per plan call
    (:class:`~scalingkit.ConvergenceWarning`, pointing at the caller's line), whichever planner reads it."""
    handle = getattr(fit, "_handle", None)
    # Other results hold handles too (a Bootstrap's sk_bootstrap *, a sweep's, a torch hook's): only an sk_fit *
    # is a fit. cffi's own TypeError named neither the argument nor what to pass.
    if not isinstance(handle, ffi.CData) or ffi.typeof(handle) is not ffi.typeof("sk_fit *"):
        hint = " (a bootstrap plans with its own .plan(compute))" if type(fit).__name__ == "Bootstrap" else ""
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"plan needs a fit from fit_chinchilla or fit (got {type(fit).__name__}){hint}")
    warn_unconverged(fit, "planning from", "the plan")
    return handle


def warn_unconverged(fit: Any, doing: str, result: str) -> None:
    """One :class:`~scalingkit.ConvergenceWarning` when ``fit`` did not converge, quoting its message: what is
    read from it (``result``: a plan, bootstrap intervals) inherits its doubt. At the user's line."""
    if getattr(fit, "success", True) is False:
        warn(f"{doing} a fit that did not converge, so {result} inherits its doubt: {fit.message}", ConvergenceWarning)


def read_fit(handle: Any) -> Tuple[Dict[str, float], Dict[str, Any]]:
    """Parameter values by name, and the fields of :class:`FitDiagnostics` (every fit reports them)."""
    count = lib.sk_fit_param_count(handle)
    values = ffi.new("double[]", count)
    check(lib.sk_fit_params(handle, values, count))
    params = {ffi.string(lib.sk_fit_param_name(handle, i)).decode(): values[i] for i in range(count)}
    info = ffi.new("sk_fit_info *")
    info.struct_size = ffi.sizeof("sk_fit_info")
    check(lib.sk_fit_get_info(handle, info))
    diagnostics = dict(
        objective=info.objective, gradient_norm=info.gradient_norm, success=bool(info.converged),
        message=ffi.string(lib.sk_fit_message(handle)).decode("utf-8", "replace"),
        iterations=info.iterations, evaluations=info.evaluations, starts=info.starts,
        starts_refined=info.starts_refined, starts_converged=info.starts_converged,
        starts_at_optimum=info.starts_at_optimum, points_used=info.points_used,
        relative_gradient=info.relative_gradient, predicted_decrease=info.predicted_decrease,
        explained=info.explained, repeated_points=info.repeated_points, repeated_runs=info.repeated_runs,
        repeat_spread=None if info.repeated_points == 0 else info.repeat_spread,
        outlier_rows=read_rows(lib.sk_fit_outliers, handle, info.outlying_runs),
        outlier_score=None if info.outlying_runs == 0 else info.outlier_score,
        outliers_highest=bool(info.outliers_highest), outlier_influence=_influence(info, params))
    note = ffi.string(lib.sk_fit_data_note(handle)).decode("utf-8", "replace")
    if note:
        warn(note, DataWarning)
    return params, diagnostics


def _influence(info: Any, params: Dict[str, float]) -> Optional[OutlierInfluence]:
    """sk_fit_info's outlier_* fields (since 0.4.7) as an OutlierInfluence; None where the fit has none."""
    if info.outlier_influence_param < 0:
        return None
    name = list(params)[info.outlier_influence_param]
    allocation = not math.isnan(info.outlier_allocation_shift)
    return OutlierInfluence(parameter=name, standard_errors=info.outlier_influence, with_runs=params[name],
                            without_runs=info.outlier_influence_without,
                            allocation_without=info.outlier_allocation_without if allocation else None,
                            allocation_shift=info.outlier_allocation_shift if allocation else None)


def read_rows(getter: Any, handle: Any, count: int) -> Tuple[int, ...]:
    """``count`` row indices from an ``sk_fit_*(fit, size_t *rows, size_t len)`` getter."""
    rows = ffi.new("size_t[]", max(1, count))
    check(getter(handle, rows if count else ffi.NULL, count))
    return tuple(int(rows[i]) for i in range(count))


def read_excluded(handle: Any) -> Tuple[int, ...]:
    """The rows the fit's exclude_highest_loss removed (0-based, ascending)."""
    return read_rows(lib.sk_fit_excluded, handle, lib.sk_fit_excluded_count(handle))


def predict_intervals(handle, arrays, n: int, interval: str, level: Any) -> "PredictionIntervals":
    """sk_fit_predict_interval for a fit handle (law fits and Chinchilla fits)."""
    kind = parse("interval", interval, IntervalKind)
    level = as_number("level", level)
    ptrs = ffi.new("double *[]", [ffi.from_buffer("double[]", a) for a in arrays])
    out, lower, upper = np.empty(n), np.empty(n), np.empty(n)
    check(lib.sk_fit_predict_interval(handle, ptrs, len(arrays), n, kind, level,
                                      *(ffi.from_buffer("double[]", a, require_writable=True) for a in (out, lower, upper))))
    return PredictionIntervals(kind=label(kind), level=level, estimate=out, lower=lower, upper=upper)


@dataclass(frozen=True)
class PredictionIntervals(Result):
    """Predictions with intervals: ``lower[i] <= estimate[i] <= upper[i]`` at each input point."""

    kind: str
    level: float
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def to_frame(self):
        """One row per input point: estimate, lower, upper."""
        import pandas as pd
        return pd.DataFrame({"estimate": self.estimate, "lower": self.lower, "upper": self.upper})
