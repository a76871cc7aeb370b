"""What every result object offers: ``to_dict()`` for JSON and logs, ``to_frame()`` for pandas."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from ._errors import ExtrapolationWarning, check, warn
from ._ffi import ffi


def plain(value: Any) -> Any:
    """A result as plain Python values: dataclasses as dicts (private fields left out), arrays as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class Result:
    """Mixed into the result dataclasses."""

    def to_dict(self) -> Dict[str, Any]:
        """The fields as plain Python values (nested results as dicts, arrays as lists): ready for ``json.dumps``."""
        return plain(self)

    def to_frame(self):
        """A pandas DataFrame: one row per item for results that hold a list of items (points, groups, budgets,
        cells, fits), else one row of the scalar fields."""
        import pandas as pd
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (list, tuple)) and value and dataclasses.is_dataclass(value[0]):
                return pd.DataFrame([plain(v) for v in value])
        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, (list, dict))}
        return pd.DataFrame([row])


@dataclass(frozen=True)
class Interval(Result):
    """An interval estimate of one quantity: ``lower <= x <= upper`` at nominal coverage ``level`` (the core's
    ``ConfidenceInterval``, C's ``sk_interval``). The one interval type: the noise scale, the batch trade-off,
    IsoFLOP and envelope exponents, sweep cells and the bootstrap all report one (``None`` where undefined)."""

    lower: float
    upper: float
    #: Nominal coverage, in (0, 1).
    level: float

    def __contains__(self, x: float) -> bool:
        return self.lower <= x <= self.upper

    @property
    def ratio(self) -> float:
        """upper / lower: the width as a factor (how such intervals on positive quantities are read)."""
        return self.upper / self.lower


def read_interval(c: Any) -> Optional[Interval]:
    """An ``sk_interval`` as an :class:`Interval`, or None where the core left it undefined (NaN ends)."""
    if math.isnan(c.lower) or math.isnan(c.upper):
        return None
    return Interval(float(c.lower), float(c.upper), float(c.level))


@dataclass(frozen=True)
class FittedRange(Result):
    """The span of the runs a fit used (weight > 0, not excluded): smallest and largest N, D and D/N."""

    N: Tuple[float, float]
    D: Tuple[float, float]
    tokens_per_parameter: Tuple[float, float]


@dataclass(frozen=True)
class ComputeOptimalPlan(Result):
    """Train ``N`` parameters on ``D`` tokens with ``compute`` = 6ND FLOPs (Hoffmann et al. 2022, eq. 4).

    ``fitted`` is the span of the runs behind the fit (None for a fit without N and D columns). A plan's N is
    usually far beyond the largest fitted N (that is what planning is for); its D/N outside the fitted ratios
    (``ratio_within_fitted`` False) means the split of the budget between N and D comes from the law's functional
    form, not from runs: :func:`scalingkit.plan` warns then."""

    compute: float
    N: float
    D: float
    tokens_per_parameter: float
    loss: float
    #: N_opt ∝ C^a
    a: float
    #: D_opt ∝ C^b
    b: float
    fitted: Optional[FittedRange] = None
    #: Whether tokens_per_parameter lies within the fitted runs' D/N; None where the range is unknown.
    ratio_within_fitted: Optional[bool] = None


def read_fitted(c: Any) -> Tuple[Optional[FittedRange], Optional[bool]]:
    """A plan struct's ``fitted`` (``sk_fitted_range``) and ``ratio_within_fitted``, None where unknown."""
    r = c.fitted
    fitted = None if math.isnan(r.params_min) else FittedRange(
        N=(float(r.params_min), float(r.params_max)), D=(float(r.tokens_min), float(r.tokens_max)),
        tokens_per_parameter=(float(r.ratio_min), float(r.ratio_max)))
    return fitted, None if c.ratio_within_fitted < 0 else bool(c.ratio_within_fitted)


def allocate(c_planner: Callable[..., int], *args: Any) -> ComputeOptimalPlan:
    """Calls a planner of the C ABI that fills an ``sk_allocation`` (its last argument) and reads the result as a
    :class:`ComputeOptimalPlan`."""
    c = ffi.new("sk_allocation *")
    c.struct_size = ffi.sizeof("sk_allocation")
    check(c_planner(*args, c))
    fitted, within = read_fitted(c)
    return ComputeOptimalPlan(compute=c.compute, N=c.params, D=c.tokens, tokens_per_parameter=c.tokens_per_param,
                              loss=c.loss, a=c.a, b=c.b, fitted=fitted, ratio_within_fitted=within)


#: What a plan outside the fitted ratios rests on, unless its kind says more precisely.
SPLIT_FROM_FORM = "there the split of the budget between N and D comes from the law's functional form, not from runs"


def plan_at_budget(p: Any) -> str:
    """How a compute-optimal plan (or a bootstrap plan: its full-data estimate) names itself in the warning."""
    ratio = p.tokens_per_parameter
    return f"the plan at C = {p.compute:.3g} FLOPs has D/N = {getattr(ratio, 'estimate', ratio):.3g}"


def warn_outside_fitted(plans: Sequence[Any], head: Callable[[Any], str] = plan_at_budget,
                        tail: str = SPLIT_FROM_FORM) -> None:
    """One :class:`ExtrapolationWarning` for the plans whose D/N lies outside the fitted runs' ratios (the core's
    ``ratio_within_fitted``): ``head(plan)`` names the first, ``tail`` says what the plan then rests on. Every kind
    of plan (compute-optimal, bootstrap, inference-aware, time-aware) warns through here."""
    outside = [p for p in plans if p.ratio_within_fitted is False]
    if outside:
        p = outside[0]
        lo, hi = p.fitted.tokens_per_parameter
        more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
        warn(f"{head(p)}{more}, outside the fitted runs' D/N range [{lo:.3g}, {hi:.3g}]: {tail} "
             f"({type(p).__name__}.ratio_within_fitted)", ExtrapolationWarning)


@dataclass(frozen=True)
class OutlierInfluence(Result):
    """What a fit's outlying runs do to it (``FitDiagnostics.outlier_influence``; the core's ``OutlierInfluence``):
    the fit is run again without them and each parameter's move is divided by its standard error in that refit
    (DFBETAS for the group; log-scaled parameters in log). Above 2 the refit leaves the fit's own 95 %
    interval, which assumes independent runs (on checkpoints of a few runs it is too narrow: read the values too).
    On Hoffmann et al.'s 245 runs the 4 outlying ones move beta 0.453 -> 0.371 (5.1 standard errors) and the
    allocation exponent 0.565 -> 0.516 (2.7); the message lists every move beyond 2."""

    #: The parameter that moves most.
    parameter: str
    #: Its move, in its standard errors.
    standard_errors: float
    #: Its value in the fit with the outlying runs.
    with_runs: float
    #: Its value without them.
    without_runs: float
    #: Chinchilla fits: the allocation exponent a = beta/(alpha+beta) without them; None for law fits.
    allocation_without: Optional[float]
    #: Chinchilla fits: a's move in its (delta-method) standard errors; None for law fits.
    allocation_shift: Optional[float]

    @property
    def material(self) -> bool:
        """Whether some parameter leaves the fit's own 95 % interval (a move above 2 standard errors)."""
        return self.standard_errors > 2


@dataclass(frozen=True)
class FitDiagnostics(Result):
    """What every fit reports about how it found its optimum (the core's ``FitDiagnostics``; fields follow scipy's
    ``OptimizeResult``, with ``fun``, ``nit``, ``nfev`` and ``x`` as aliases). Every fit result derives from it."""

    #: The objective (summed loss over the points used) at the optimum.
    objective: float
    #: max |projected gradient| at the optimum, in the optimiser's coordinates.
    gradient_norm: float
    #: Whether the optimum met every convergence test of its fit.
    success: bool
    message: str
    #: Iterations of the winning start.
    iterations: int
    #: Objective evaluations over all starts.
    evaluations: int
    starts: int
    #: Starts run to convergence (fewer than ``starts`` when screening stopped early).
    starts_refined: int
    starts_converged: int
    starts_at_optimum: int
    points_used: int
    #: max |projected gradient| * max(|x|, 1) / |objective| at the optimum (every fit measures it since 0.4.9).
    relative_gradient: float
    #: The relative decrease a Newton step would still make at the optimum (NaN where the Hessian is not positive
    #: definite). A fit converges only if it is <= 1e-10 (else only if relative_gradient <= 1e-5).
    predicted_decrease: float
    #: The share of the objective one constant for every run leaves that the law removes (Koenker & Machado's R¹;
    #: R² for squared residuals). Below 0.1 the fit is not a success: "no better than a constant". NaN when every
    #: observation is equal.
    explained: float
    #: Input points (one N and D) held by 2+ runs whose observations differ by more than 2 %, as replicate seeds do
    #: not: a table mixing datasets, loss definitions or a learning-rate sweep (each fit also warns,
    #: :class:`~scalingkit.DataWarning`, and its message ends with a note). 0 for none.
    repeated_points: int
    #: The runs at those points.
    repeated_runs: int
    #: The largest relative spread (max/min - 1) among them; None without.
    repeat_spread: Optional[float]
    #: Rows (0-based, of the data passed to the fit) of runs whose residual lies more than 12 robust standard
    #: deviations (1.4826 x the median absolute deviation) off the law: runs it does not describe, which pull every
    #: parameter (each fit also warns, :class:`~scalingkit.DataWarning`). Empty for none.
    outlier_rows: Tuple[int, ...]
    #: The largest distance among them, in robust standard deviations; None without.
    outlier_score: Optional[float]
    #: True when they are exactly the highest-loss runs used (``exclude_highest_loss=len(outlier_rows)`` drops them).
    outliers_highest: bool
    #: How far the fit moves without them; None without outlying runs, or where the refit did not converge.
    outlier_influence: Optional[OutlierInfluence]

    @property
    def fun(self) -> float:
        """scipy's name for ``objective``."""
        return self.objective

    @property
    def nit(self) -> int:
        """scipy's name for ``iterations``."""
        return self.iterations

    @property
    def nfev(self) -> int:
        """scipy's name for ``evaluations``."""
        return self.evaluations

    @property
    def x(self) -> np.ndarray:
        """The parameter values in the law's order (scipy's ``x``); ``params`` has them by name."""
        return np.array(list(getattr(self, "params").values()), dtype=float)


@dataclass(frozen=True)
class PredictionErrors(Result):
    """Errors of predictions on runs the law was not fitted to (``sk_prediction_errors``)."""

    count: int
    rmse: float
    max_relative_error: float
    mean_relative_error: float


def errors_struct(n: int = 0) -> Any:
    """A new ``sk_prediction_errors`` (an array of ``n`` when ``n`` > 0) with ``struct_size`` set."""
    e = ffi.new("sk_prediction_errors[]", n) if n else ffi.new("sk_prediction_errors *")
    for item in (e if n else [e[0]]):
        item.struct_size = ffi.sizeof("sk_prediction_errors")
    return e


def read_errors(e: Any) -> PredictionErrors:
    """An ``sk_prediction_errors`` as :class:`PredictionErrors`."""
    return PredictionErrors(count=e.count, rmse=e.rmse, max_relative_error=e.max_relative_error,
                            mean_relative_error=e.mean_relative_error)
