"""The multi-power law (Luo et al. 2025) for whole loss curves under any learning-rate schedule.

    >>> curves = [scalingkit.LossCurve(lr_cosine, steps, loss), scalingkit.LossCurve(lr_constant, steps2, loss2)]
    >>> fit = scalingkit.fit_multi_power(curves)
    >>> fit.predict(lr_wsd, steps3)          # the loss curve of a schedule it was not fitted to
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._results import FitDiagnostics, PredictionErrors, Result, errors_struct, read_errors
from ._arrays import as_counts, as_doubles, as_number, as_size, optimizer_settings, set_optimizer_options
from ._errors import ScalingKitError, check
from ._ffi import ffi, lib
from ._fitresult import read_fit, warn_unconverged

PARAMETERS = ("L0", "A", "alpha", "B", "C", "beta", "gamma")


@dataclass(frozen=True)
class LossCurve:
    """One training run: the learning rate of every optimiser step (from step 0, warmup included), the steps at
    which the loss was measured, and the loss there.

    ``warmup_steps`` sets where the law's time starts: 0 (the default, and the convention of Luo et al.'s released
    parameters) uses the whole schedule; W > 0 starts at step W and counts the warmup only by its area.
    """

    learning_rates: Any
    steps: Any
    loss: Any = None
    warmup_steps: int = 0


def _steps(name: str, values: Any) -> np.ndarray:
    return as_counts(name, values, np.uint64, "step")


def _c_curve(curve: Union[LossCurve, Mapping[str, Any]], label: str, slot: Any, keep: list, with_loss: bool) -> None:
    """Fills one sk_loss_curve from a LossCurve (or a mapping with its field names); arrays go to `keep`."""
    if isinstance(curve, Mapping):
        curve = LossCurve(**curve)
    rates = as_doubles(f"{label}.learning_rates", curve.learning_rates)
    steps = _steps(f"{label}.steps", curve.steps)
    keep += [rates, steps]
    slot.learning_rates = ffi.from_buffer("double[]", rates)
    slot.n_steps = len(rates)
    slot.warmup_steps = as_size(f"{label}.warmup_steps", curve.warmup_steps)
    slot.steps = ffi.cast("size_t *", ffi.from_buffer("uint64_t[]", steps))
    slot.n_obs = len(steps)
    if with_loss:
        if curve.loss is None:
            raise ScalingKitError(lib.SK_ERR_NULL_POINTER, f"{label} has no loss to fit")
        loss = as_doubles(f"{label}.loss", curve.loss)
        if len(loss) != len(steps):
            raise ScalingKitError(lib.SK_ERR_LENGTH, f"{label}: {len(steps)} steps but {len(loss)} losses")
        keep.append(loss)
        slot.loss = ffi.from_buffer("double[]", loss)


def multi_power_predict(params: Union[Mapping[str, float], Sequence[float]], learning_rates: Any, steps: Any,
                        warmup_steps: int = 0) -> np.ndarray:
    """The multi-power law's loss at ``steps`` of a run with schedule ``learning_rates``.

    ``params``: ``{"L0", "A", "alpha", "B", "C", "beta", "gamma"}`` or the 7 values in that (Luo et al.'s) order.
    """
    if isinstance(params, Mapping):
        missing = [p for p in PARAMETERS if p not in params]
        if missing:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"params lacks {missing}")
        values = as_doubles("params", [params[p] for p in PARAMETERS])
    else:
        values = as_doubles("params", params)
    keep: list = []
    curve = ffi.new("sk_loss_curve *")
    _c_curve(LossCurve(learning_rates, steps, None, warmup_steps), "curve", curve, keep, with_loss=False)
    out = np.empty(curve.n_obs)
    check(lib.sk_mpl_predict(ffi.from_buffer("double[]", values), len(values), curve,
                             ffi.from_buffer("double[]", out, require_writable=True)))
    return out


@dataclass(frozen=True)
class WeakParameter(Result):
    """A parameter a multi-power fit's curves leave weakly determined (the core's ``WeaklyDetermined.Parameter``,
    C's ``sk_weak_param``): its standard error at the optimum, from Huber's M-estimator covariance, exceeds its
    value. The curves fix a combination of such parameters, not each value; the fit may still predict well, so
    validate its predictions on held-out curves (:func:`leave_one_curve_out`) rather than read the value. Residuals
    along a loss curve are autocorrelated, which makes the standard error if anything too small."""

    name: str
    value: float
    standard_error: float
    #: The free parameter most correlated with it, where that correlation is at least 0.9 in size; None otherwise.
    partner: Optional[str] = None
    #: That correlation; None without a partner.
    correlation: Optional[float] = None


@dataclass(frozen=True)
class MultiPowerFit(FitDiagnostics):
    """A fitted multi-power law with the diagnostics of its fit (:class:`FitDiagnostics`). ``weakly_determined``
    maps the parameters the curves do not fix one by one to a :class:`WeakParameter` (the fit also warns,
    :class:`~scalingkit.DataWarning`); empty when the curves determine every free parameter (since 0.4.11)."""

    params: Dict[str, float]
    at_bound: Tuple[str, ...] = ()
    weakly_determined: Dict[str, WeakParameter] = field(default_factory=dict)
    config: Dict[str, Any] = field(default_factory=dict)
    citation: str = ("Luo et al. 2025, A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules "
                     "(ICLR), eq. 5-6")

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self, learning_rates: Any, steps: Any, warmup_steps: int = 0) -> np.ndarray:
        """The loss curve of a run with this schedule, at ``steps`` (a ConvergenceWarning first if the fit did not
        converge: every prediction inherits its doubt)."""
        warn_unconverged(self, "predicting from", "every prediction")
        return multi_power_predict(self.params, learning_rates, steps, warmup_steps)

    def plot(self, curves: Sequence[Union[LossCurve, Mapping[str, Any]]], ax: Any = None, labels: Optional[Sequence[str]] = None):
        """Measured curves (points) against the law's predictions (lines); returns the matplotlib Axes."""
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        for i, c in enumerate(curves):
            c = LossCurve(**c) if isinstance(c, Mapping) else c
            label = labels[i] if labels else f"curve {i}"
            points = ax.plot(c.steps, c.loss, ".", markersize=3, label=f"{label} (measured)")
            ax.plot(c.steps, self.predict(c.learning_rates, c.steps, c.warmup_steps), "-",
                    color=points[0].get_color(), label=f"{label} (multi-power law)")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend()
        return ax


def _prepare(curves: Any, huber_delta: float, start: Optional[Mapping[str, Sequence[float]]],
             screen: Optional[int], confirmations: Optional[int], max_iterations: int,
             gradient_tolerance: Optional[float], function_tolerance: Optional[float], threads: int):
    """The curves as an ``sk_loss_curve[]`` and the options as an ``sk_mpl_options``, checked; ``keep`` holds the
    arrays they point into for as long as the call runs."""
    if isinstance(curves, (LossCurve, Mapping)):
        curves = [curves]
    keep: list = []
    c_curves = ffi.new("sk_loss_curve[]", max(len(curves), 1))
    for i, curve in enumerate(curves):
        _c_curve(curve, f"curves[{i}]", c_curves[i], keep, with_loss=True)
    opts = ffi.new("sk_mpl_options *")
    check(lib.sk_mpl_options_init(opts, ffi.sizeof("sk_mpl_options")))
    opts.huber_delta = as_number("huber_delta", huber_delta)
    set_optimizer_options(opts, max_iterations=max_iterations, gradient_tolerance=gradient_tolerance,
                          function_tolerance=function_tolerance, threads=threads, screen=screen,
                          confirmations=confirmations)
    if start:
        unknown = [k for k in start if k not in PARAMETERS]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"starting values for {unknown}, which are not parameters {list(PARAMETERS)}")
        values = [as_doubles(f"start['{p}']", start[p]) if p in start else np.empty(0) for p in PARAMETERS]
        flat = np.ascontiguousarray(np.concatenate(values))
        counts = np.array([len(v) for v in values], dtype=np.uint64)
        keep += [flat, counts]
        opts.start_values = ffi.from_buffer("double[]", flat)
        opts.start_counts = ffi.cast("size_t *", ffi.from_buffer("uint64_t[]", counts))
        opts.start_counts_len = len(PARAMETERS)
    return curves, c_curves, opts, keep


def fit_multi_power(
    curves: Sequence[Union[LossCurve, Mapping[str, Any]]],
    *,
    huber_delta: float = 1e-3,
    start: Optional[Mapping[str, Sequence[float]]] = None,
    screen: Optional[int] = None,
    confirmations: Optional[int] = None,
    max_iterations: int = 1000,
    gradient_tolerance: Optional[float] = None,
    function_tolerance: Optional[float] = None,
    threads: int = 0,
) -> MultiPowerFit:
    """Fit the multi-power law (Luo et al. 2025, eq. 5–6) to loss curves, each with its own schedule::

        L(t) = L0 + A·(S1(t) + S_W)^(−α) − B·Σ_{k≤t} (η_{k−1} − η_k)·(1 − (C·η_k^(−γ)·S_k(t) + 1)^(−β))

    Minimises Σ Huber_δ(log predicted − log measured) with projected L-BFGS (parameters ≥ 0) and the exact
    gradient, from a small data-scaled grid of starts (screened). Fit to a few schedules, predict others.

    Args:
        curves: :class:`LossCurve` objects (or mappings with ``learning_rates``, ``steps``, ``loss``,
            ``warmup_steps``).
        huber_delta: δ on log residuals (Luo et al. use 1e-3).
        start: starting values per parameter name (the grid is their product); others keep the defaults.
        screen, confirmations: start screening (``None`` keeps the library defaults, 4 and 2; ``screen=0``
            refines every start).
        max_iterations, gradient_tolerance, function_tolerance: per-start stopping rules.
        threads: worker threads, 0 = one per core; results do not depend on it.

    Raises:
        ScalingKitError: (a ``ValueError``) for bad schedules, steps or losses, schedules that never change after
            warmup (then B, C, β, γ are not identified), or bad options.
    """
    curves, c_curves, opts, keep = _prepare(curves, huber_delta, start, screen, confirmations, max_iterations,
                                            gradient_tolerance, function_tolerance, threads)
    out = ffi.new("sk_fit **")
    check(lib.sk_mpl_fit(c_curves, len(curves), opts, out))
    return _wrap(ffi.gc(out[0], lib.sk_fit_free), opts, start, curves)


def _wrap(handle: Any, opts: Any, start: Optional[Mapping[str, Sequence[float]]], curves: Sequence[Any]) -> MultiPowerFit:
    """An owned ``sk_fit`` of the multi-power law as a :class:`MultiPowerFit`."""
    params, diagnostics = read_fit(handle)
    at_bound = tuple(PARAMETERS[j] for j in range(len(PARAMETERS)) if lib.sk_fit_param_at_bound(handle, j))
    config = {"law": "multi_power", "huber_delta": opts.huber_delta, **optimizer_settings(opts),
              "start": {k: list(v) for k, v in (start or {}).items()},
              "warmup_steps": [c.warmup_steps if isinstance(c, LossCurve) else c.get("warmup_steps", 0) for c in curves],
              "scalingkit_version": ffi.string(lib.sk_version_string()).decode()}
    return MultiPowerFit(params=params, at_bound=at_bound, weakly_determined=_weak(handle), config=config, **diagnostics)


def _weak(handle: Any) -> Dict[str, WeakParameter]:
    """The fit's ``sk_weak_param`` entries by parameter name."""
    out = {}
    for i in range(lib.sk_fit_weak_param_count(handle)):
        w = ffi.new("sk_weak_param *")
        w.struct_size = ffi.sizeof("sk_weak_param")
        check(lib.sk_fit_weak_param_at(handle, i, w))
        partner = None if w.partner < 0 else PARAMETERS[w.partner]
        out[PARAMETERS[w.param]] = WeakParameter(name=PARAMETERS[w.param], value=w.value,
                                                 standard_error=w.standard_error, partner=partner,
                                                 correlation=None if partner is None else w.correlation)
    return out


@dataclass(frozen=True)
class HeldOutCurve(Result):
    """One curve of :func:`leave_one_curve_out`: predicted by the law refitted to the other curves."""

    #: The curve's position in the list given.
    curve: int
    #: Whether it was predicted (a refit was made and converged).
    predicted: bool
    #: Observations of the other curves, which the refit used (0: they cannot identify the law, no refit was made).
    fitted: int
    #: The refit's predictions at the curve's steps (NaN where not predicted).
    predictions: np.ndarray
    #: Their errors against the curve's loss (None where not predicted).
    errors: Optional[PredictionErrors]
    #: The law refitted to the other curves (None where no refit was made).
    fit: Optional[MultiPowerFit] = None
    #: Why it was not predicted (None where it was): no refit possible, or the refit's message.
    reason: Optional[str] = None


@dataclass(frozen=True)
class CurveValidation(Result):
    """Leave-one-curve-out validation of the multi-power law (:func:`leave_one_curve_out`).

    ``errors`` pools the curves predicted: ``count`` is their number, ``rmse`` and ``max_relative_error`` run over
    all their observations, and ``mean_relative_error`` is the mean over curves of each one's mean relative error
    (Luo et al.'s PredE); None where no curve was predicted. ``failed``: curves not predicted."""

    curves: Tuple[HeldOutCurve, ...]
    errors: Optional[PredictionErrors]
    failed: int

    def to_frame(self):
        """One row per curve: whether it was predicted, its errors, and why not (predictions left out)."""
        import pandas as pd
        rows = []
        for h in self.curves:
            e = h.errors
            rows.append({"curve": h.curve, "predicted": h.predicted, "fitted": h.fitted,
                         "count": e.count if e else 0, "rmse": e.rmse if e else np.nan,
                         "max_relative_error": e.max_relative_error if e else np.nan,
                         "mean_relative_error": e.mean_relative_error if e else np.nan, "reason": h.reason})
        return pd.DataFrame(rows)


def leave_one_curve_out(curves: Sequence[Union[LossCurve, Mapping[str, Any]]], **options: Any) -> CurveValidation:
    """Each curve predicted by the multi-power law refitted to the others: the test Luo et al. (2025) put the law
    to (fit some schedules, predict another), and the honest measure of its error on a schedule it was not fitted
    to. Parameter covariances miss that error: on Luo et al.'s curves the delta method's nominal 95 % intervals
    covered 1–66 % of the held-out points, since a long extrapolation's error is the law's misspecification.

    ``options`` are :func:`fit_multi_power`'s keyword arguments (``huber_delta``, ``start``, ``screen``, ...). Each
    refit is :func:`fit_multi_power` with them, from its own starts (never from a fit that saw the curve), so this
    costs one fit per curve. A curve is not predicted where the other curves cannot identify the
    law (a cosine and a constant run: without the cosine, no rate decreases) or where the refit does not converge;
    ``reason`` says which.

        >>> v = scalingkit.leave_one_curve_out([cosine, constant, wsd])
        >>> v.errors.mean_relative_error          # PredE over the three held-out curves
        >>> v.to_frame()                          # one row per curve

    Raises:
        ScalingKitError: (a ``ValueError``) for fewer than 2 curves, and for what :func:`fit_multi_power` rejects.
    """
    try:    # fit_multi_power's signature is the one list of the options and their defaults
        bound = inspect.signature(fit_multi_power).bind(curves, **options)
    except TypeError as e:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"leave_one_curve_out: {e}") from None
    bound.apply_defaults()
    a = bound.arguments
    start = a["start"]
    curves, c_curves, opts, keep = _prepare(curves, a["huber_delta"], start, a["screen"], a["confirmations"],
                                            a["max_iterations"], a["gradient_tolerance"], a["function_tolerance"],
                                            a["threads"])
    predictions: List[np.ndarray] = [np.empty(c_curves[i].n_obs, dtype=np.float64) for i in range(len(curves))]
    outputs = ffi.new("double *[]", [ffi.from_buffer("double[]", a, require_writable=True) for a in predictions]
                      or [ffi.NULL])
    per, pooled = errors_struct(max(len(curves), 1)), errors_struct()
    fits = ffi.new("sk_fit *[]", max(len(curves), 1))
    check(lib.sk_mpl_leave_one_out(c_curves, len(curves), opts, outputs, per, pooled, fits))
    # Every handle owned first, so that none leaks if reading one raises.
    owned = [ffi.gc(fits[i], lib.sk_fit_free) if fits[i] != ffi.NULL else None for i in range(len(curves))]
    refits = [None if h is None else _wrap(h, opts, start, [c for j, c in enumerate(curves) if j != i])
              for i, h in enumerate(owned)]
    held = []
    for i, (values, refit) in enumerate(zip(predictions, refits)):
        e = per[i]
        reason = None
        if refit is None:
            reason = ("the other curves cannot identify the law: fewer than 7 observations, or no rate of theirs "
                      "changes after warmup")
        elif e.failed:
            reason = f"the refit to the other curves did not converge: {refit.message}"
        held.append(HeldOutCurve(curve=i, predicted=not e.failed, fitted=int(e.fitted), predictions=values,
                                 errors=None if e.failed else read_errors(e), fit=refit, reason=reason))
    return CurveValidation(curves=tuple(held), errors=read_errors(pooled) if pooled.count else None,
                           failed=int(pooled.failed))
