"""Critical batch size: the streaming gradient noise scale (McCandlish et al. 2018) for live — also data-parallel —
training loops, the steps-vs-batch trade-off fit, the several meanings of "critical batch size", published batch
laws and a CBS-following schedule."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ._results import Interval, Result, read_interval
from ._errors import ConvergenceWarning, DataWarning, ScalingKitError, check, warn
from ._arrays import as_doubles, as_number, as_size, as_text, columns, codes_and_labels, missing_column, optional, vectorised
from ._ffi import ffi, lib
from .enums import BatchUnit, Construction, CriticalBatchDefinition, Preconditioning, Smoothing, label, parse
from ._plots import log_axes

_update = lib.sk_gns_update


@dataclass(frozen=True)
class NoiseScaleReading(Result):
    """The estimator read at one time.

    ``valid``: B_simple is defined, worth at least 2 effective measurements, has a finite interval and the norms
    are consistent; ``b_simple`` is None otherwise (the components stay readable for diagnosis). The interval is
    in log space, widened by the lag allowance ``drift`` (the relative gap to the next shorter horizon's estimate).
    ``horizon``: the mean age in steps of what the reading averages (its lag behind a trend). ``batch_unit``: the
    unit of the batch sizes passed, and so of ``b_simple``. ``temperature_changed``: lr/B varied by more than 5 %
    over the horizon (``learning_rate_range`` gives the range); noise scales compare only at equal temperature.
    ``inconsistent``: the big-batch norm exceeds the small ones on average (a summed loss, norms after clipping).
    ``biased``: consecutive-step construction."""

    gradient_squared: float
    trace_covariance: float
    b_simple: Optional[float]
    stderr: Optional[float]
    #: The interval on B_simple at the estimator's ``confidence`` (None when not defined).
    interval: Optional[Interval]
    measurements: int
    effective_measurements: float
    learning_rate: Optional[float]
    batch_size: float
    temperature_changed: bool
    biased: bool
    preconditioning: str
    valid: bool = False
    construction: str = "data_parallel"
    batch_unit: str = "examples"
    horizon: float = 0.0
    drift: float = 0.0
    learning_rate_range: Tuple[Optional[float], Optional[float]] = (None, None)
    inconsistent: bool = False


class GradientNoiseScale:
    """Streams squared gradient norms at two batch sizes, reads B_simple = tr(Σ)/|G|² with an interval.

    Each step: ``update(small_sq_norm, big_sq_norm, small_batch, big_batch, lr)`` — the small norm may be the mean
    over ranks, micro-batches or examples — or ``update_ranks(local_sq_norms, reduced_sq_norm, local_batch, lr)``
    in data-parallel training. |G|² and tr(Σ) are smoothed separately (never their ratio).

    Pass norms of the gradient of the mean loss over each batch, after un-scaling a mixed-precision loss scale and
    before clipping, with the batch sizes in one unit (``batch_unit``: B_simple comes out in it).

    Args:
        smoothing: "adaptive" (default: moving averages at six horizons read by Lepski's rule, so a drifting
            B_simple is followed without lag; on closed-form SGD runs with accumulation where B_simple rises 30×
            in 250 steps, median error 20 % and 84 % interval coverage against 66 % and 3 % for one EMA at 0.99),
            "ema" (with ``beta``, default 0.99), "window" (last ``window`` steps, default 1000) or "cumulative"
            (stationary runs). Given alone, ``beta`` implies "ema" and ``window`` "window".
        construction: "data_parallel", "accumulation", "per_example" or "consecutive" (biased; flagged).
        preconditioning: "none", "whitened" (P^-1/2 g) or "update" (Adam's update direction; AdaptDL's).
        dataset_size: disjoint shards drawn without replacement from a finite data set of this size are corrected.
        groups: parameter groups per update (then pass sequences of norms, one per group).
        batch_unit: "examples", "sequences" or "tokens" (recorded in every reading).
        history: keep every reading's B_simple for :meth:`plot` (one float per step).
    """

    def __init__(self, smoothing: Optional[str] = None, beta: Optional[float] = None, window: Optional[int] = None,
                 construction: str = "data_parallel", preconditioning: str = "none",
                 dataset_size: Optional[float] = None, groups: int = 1, confidence: float = 0.95,
                 history: bool = False, batch_unit: str = "examples"):
        o = ffi.new("sk_gns_options *")
        check(lib.sk_gns_options_init(o, ffi.sizeof("sk_gns_options")))
        if smoothing is None:   # beta alone means an EMA, window alone a window
            smoothing = "ema" if beta is not None else "window" if window is not None else "adaptive"
        o.smoothing = parse("smoothing", smoothing, Smoothing)
        for name, value, kind in (("beta", beta, Smoothing.EMA), ("window", window, Smoothing.WINDOW)):
            if value is not None and o.smoothing != kind:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      f"{name} applies to smoothing={label(kind)!r}, not {label(Smoothing(o.smoothing))!r}")
        if beta is not None:
            o.ema_beta = as_number("beta", beta)
        if window is not None:
            o.window = as_size("window", window)
            if o.window < 1:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"window must be >= 1 (got {window})")
        o.construction = parse("construction", construction, Construction)
        o.preconditioning = parse("preconditioning", preconditioning, Preconditioning)
        o.dataset_size = 0.0 if dataset_size is None else as_number("dataset_size", dataset_size)
        o.groups = as_size("groups", groups)
        if o.groups < 1:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"groups must be >= 1 (got {groups})")
        o.confidence = as_number("confidence", confidence)
        o.batch_unit = parse("batch_unit", batch_unit, BatchUnit)
        out = ffi.new("sk_gns **")
        check(lib.sk_gns_create(o, out))
        self._handle = out[0]
        self.groups = o.groups
        self._reading = ffi.new("sk_gns_reading *")
        self._history: Optional[List[Tuple[int, float, float, float]]] = [] if history else None

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None:
            lib.sk_gns_free(handle)
            self._handle = None

    def update(self, small_sq_norm: Any, big_sq_norm: Any, small_batch: float, big_batch: float,
               lr: float = math.nan) -> None:
        """One step: the (mean) small-batch squared norm(s) and the big-batch one(s), one per group. Numbers, numpy
        scalars and 0-d tensors (anything with ``__float__``) are accepted."""
        if self.groups == 1:
            # The per-step hot path: cffi converts the arguments; only a failure costs more.
            try:
                rc = _update(self._handle, small_sq_norm, big_sq_norm, small_batch, big_batch, lr)
            except (TypeError, OverflowError) as e:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"norms, batch sizes and lr must be numbers: {e}") from None
            if rc:
                check(rc)
        else:
            s, b = as_doubles("small_sq_norm", small_sq_norm), as_doubles("big_sq_norm", big_sq_norm)
            if s.shape != (self.groups,) or b.shape != (self.groups,):
                raise ScalingKitError(lib.SK_ERR_LENGTH, f"pass {self.groups} small and big norms (one per group)")
            check(lib.sk_gns_update_groups(self._handle, ffi.from_buffer("double[]", s), ffi.from_buffer("double[]", b),
                                           self.groups, as_number("small_batch", small_batch),
                                           as_number("big_batch", big_batch), as_number("lr", lr)))
        if self._history is not None:
            self._record()

    def update_ranks(self, local_sq_norms: Sequence[float], reduced_sq_norm: float, local_batch: float,
                     lr: float = math.nan) -> None:
        """A data-parallel step: every rank's local squared norm (before the all-reduce) and the reduced one."""
        local = as_doubles("local_sq_norms", local_sq_norms)
        check(lib.sk_gns_update_ranks(self._handle, ffi.from_buffer("double[]", local), local.size,
                                      as_number("reduced_sq_norm", reduced_sq_norm),
                                      as_number("local_batch", local_batch), as_number("lr", lr)))
        if self._history is not None:
            self._record()

    def _record(self) -> None:
        r = self._reading
        r.struct_size = ffi.sizeof("sk_gns_reading")
        if lib.sk_gns_read(self._handle, -1, r) == lib.SK_OK:
            self._history.append((r.measurements, r.b_simple if r.valid else math.nan, r.interval.lower,
                                  r.interval.upper))

    def read(self, group: Optional[int] = None) -> NoiseScaleReading:
        """The total's reading, or one group's."""
        r = ffi.new("sk_gns_reading *")
        r.struct_size = ffi.sizeof("sk_gns_reading")
        check(lib.sk_gns_read(self._handle, -1 if group is None else as_size("group", group), r))
        return NoiseScaleReading(
            r.gradient_squared, r.trace_covariance, optional(r.b_simple) if r.valid else None, optional(r.stderr_b_simple),
            read_interval(r.interval), r.measurements, r.effective_measurements, optional(r.learning_rate),
            r.batch_size, bool(r.temperature_changed), bool(r.biased), label(Preconditioning(r.preconditioning)),
            valid=bool(r.valid), construction=label(Construction(r.construction)),
            batch_unit=label(BatchUnit(r.batch_unit)), horizon=r.horizon, drift=r.drift,
            learning_rate_range=(optional(r.learning_rate_min), optional(r.learning_rate_max)),
            inconsistent=bool(r.inconsistent))

    @property
    def b_simple(self) -> Optional[float]:
        return self.read().b_simple

    def reset(self) -> None:
        """Forgets every measurement (for example after changing the learning rate or batch)."""
        check(lib.sk_gns_reset(self._handle))
        if self._history is not None:
            self._history.clear()

    def plot(self, ax: Any = None):
        """B_simple over the steps with its interval (needs ``history=True``); returns the Axes."""
        if self._history is None:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "create the estimator with history=True to plot it")
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        if self._history:
            steps, values, lower, upper = (np.asarray(v, float) for v in zip(*self._history))
            ax.plot(steps, values, "-", label="B_simple")
            ax.fill_between(steps, lower, upper, alpha=0.3, label="interval")
            ax.legend(fontsize="small")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("B_simple (smoothed)")
        return ax


@dataclass(frozen=True)
class BatchTradeoffFit(Result):
    """S = S_min (1 + B_crit/B) fitted in log space (McCandlish et al. 2018, eq. 2.11), with Student-t intervals.
    ``identified`` is False when the batch grid does not straddle B_crit (then B_crit is not pinned down); the
    intervals are None too where B_crit is only a bound of the search (steps that never fall with the batch, or
    fall as 1/B throughout)."""

    target_loss: Optional[float]
    min_steps: float
    min_examples: float
    critical_batch: float
    critical_batch_interval: Optional[Interval]
    min_steps_interval: Optional[Interval]
    min_examples_interval: Optional[Interval]
    rms_log_residual: float
    points: int
    identified: bool
    #: What the fit found, from the core: "fitted on 6 points; ..." or "warning: ..." where B_crit is not identified
    #: or is a bound of the search (a :class:`~scalingkit.ConvergenceWarning` quotes it when the fit is made).
    message: str = ""

    @property
    def success(self) -> bool:
        """True when B_crit is an estimate the sweep pins down: identified, with an interval."""
        return self.identified and self.critical_batch_interval is not None

    def steps(self, batch: Any) -> Any:
        """S_min (1 + B_crit/B) at a batch size (a number or an array), evaluated by the core."""
        return vectorised(lib.sk_cbs_steps, "batch", batch, self.min_steps, self.critical_batch)

    def plot(self, batch: Any = None, steps: Any = None, ax: Any = None):
        """Steps against batch size (log-log), the fitted hyperbola, and B_crit marked; returns the Axes."""
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        lo, hi = self.critical_batch / 100, self.critical_batch * 100
        if batch is not None:
            b = np.asarray(batch, float)
            ax.plot(b, steps, "o", markersize=3, label="runs")
            lo, hi = min(lo, b.min()), max(hi, b.max())
        grid = np.geomspace(lo, hi, 200)
        ax.plot(grid, self.steps(grid), "-", label=f"S_min (1 + B_crit/B), B_crit = {self.critical_batch:.3g}")
        ax.axvline(self.critical_batch, linestyle=":", color="grey")
        return log_axes(ax, "batch size", "steps to target")


def _tradeoff(t) -> BatchTradeoffFit:
    return BatchTradeoffFit(optional(t.target_loss), t.min_steps, t.min_examples, t.critical_batch,
                            read_interval(t.critical_batch_interval), read_interval(t.min_steps_interval),
                            read_interval(t.min_examples_interval), t.rms_log_residual, t.points,
                            bool(t.identified), ffi.string(t.message).decode("utf-8", "replace"))


def _warn_unpinned(fits: Sequence[BatchTradeoffFit]) -> None:
    """A ConvergenceWarning quoting each fit whose B_crit the sweep does not pin down, at the user's line."""
    for fit in fits:
        if not fit.success:
            target = "" if fit.target_loss is None else f"target loss {fit.target_loss:.4g}: "
            warn(target + fit.message, ConvergenceWarning)


@dataclass(frozen=True)
class KaplanBatchLaw(Result):
    """B_crit(L) = b_star / L^(1/alpha_b) (Kaplan et al. 2020, eq. 1.4) through the targets whose fit is
    ``identified`` (their batch grid straddles B_crit). b_star is an extrapolation to L = 1: report B_crit at a loss
    inside the fitted range. ``b_star`` and ``alpha_b`` are None when fewer than 2 targets are identified; every
    target's fit is in ``fits`` either way."""

    b_star: Optional[float]
    alpha_b: Optional[float]
    fits: Tuple[BatchTradeoffFit, ...]

    def critical_batch(self, loss: Any) -> Any:
        """B_crit at a loss (a number or an array), evaluated by the core."""
        if self.b_star is None or self.alpha_b is None:
            raise ScalingKitError(lib.SK_ERR_UNSUPPORTED, "no B_crit(L) law: fewer than 2 targets have an identified "
                                  "B_crit (see each fit's message)")
        return vectorised(lib.sk_cbs_kaplan_critical_batch, "loss", loss, self.b_star, self.alpha_b)


@dataclass(frozen=True)
class StepsToTarget(Result):
    """Steps each run needed to reach each target loss (:func:`steps_to_target`), one row per (run, target) reached:
    a mapping of columns ``run``, ``batch``, ``steps``, ``target_loss`` that :func:`fit_batch_tradeoff` takes as is
    (``fit_batch_tradeoff(table)``), or ``to_frame()`` for a DataFrame. ``not_reached`` lists the (run, target)
    pairs whose curve never got there within its logged steps (the run needed more: left out, not counted as its
    last step); ``at_first_step`` those already there at the first logged step (too easy a target for the log)."""

    run: Tuple[Any, ...]
    batch: np.ndarray
    steps: np.ndarray
    target_loss: np.ndarray
    not_reached: Tuple[Tuple[Any, float], ...]
    at_first_step: Tuple[Tuple[Any, float], ...]

    _COLUMNS = ("run", "batch", "steps", "target_loss")

    def keys(self) -> Tuple[str, ...]:
        return self._COLUMNS

    def __contains__(self, name: object) -> bool:
        return name in self._COLUMNS

    def __getitem__(self, name: str) -> Any:
        if name not in self._COLUMNS:
            raise KeyError(name)
        return getattr(self, name)

    def to_frame(self):
        """The reached rows as a pandas DataFrame (columns run, batch, steps, target_loss)."""
        import pandas as pd
        return pd.DataFrame({k: list(self.run) if k == "run" else getattr(self, k) for k in self._COLUMNS})


def steps_to_target(data: Any = None, *, targets: Any, run: Any = None, batch: Any = None, step: Any = None,
                    loss: Any = None) -> StepsToTarget:
    """Steps each run of a batch-size sweep needed to reach each target loss, from the runs' logged loss curves:
    the input of :func:`fit_batch_tradeoff`.

    Each run's curve is made non-increasing by least squares (pool adjacent violators) before its crossing of the
    target is interpolated between the logged steps around it (the core's ``sk_cbs_steps_to_target``): the first
    logged step below a target comes early on a noisy curve, and earliest on the noisiest, small-batch runs.

    Args:
        data: a DataFrame (or mapping) with columns ``run`` (any label), ``batch`` (one value per run), ``step``
            and ``loss`` (one row per logged step); or pass the arrays.
        targets: one target loss or several.

    Returns:
        StepsToTarget: one row per (run, target) reached. Pairs never reached, or already reached at the first
        logged step, are left out and warned about (:class:`~scalingkit.DataWarning`).

    Raises:
        ScalingKitError: for mismatched or missing columns, a run with two batch sizes, steps that do not increase
            within a run, or a loss that is not finite and > 0 (a diverged run: cut its curve there).
    """
    if run is None:
        if data is None or "run" not in data:
            raise ScalingKitError(lib.SK_ERR_NULL_POINTER, missing_column("run", data))
        run = data["run"]
    cols, n = columns(data, batch=batch, step=step, loss=loss)
    codes, labels = codes_and_labels("run", run)           # code k is labels[k]
    if len(codes) != n:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: 'run' has {len(codes)}, the others {n}")
    goals = as_doubles("targets", np.atleast_1d(np.asarray(targets, dtype=object)))
    capacity = max(1, len(labels) * len(goals))
    out_run, out_batch = np.empty(capacity, dtype=np.int64), np.empty(capacity)
    out_steps, out_reached = np.empty(capacity), np.empty(capacity, dtype=np.intc)
    count = ffi.new("size_t *")
    try:
        check(lib.sk_cbs_steps_table(ffi.cast("int64_t *", ffi.from_buffer("int64_t[]", codes)),
                                     *(ffi.from_buffer("double[]", cols[k]) for k in ("batch", "step", "loss")), n,
                                     ffi.from_buffer("double[]", goals), len(goals),
                                     ffi.cast("int64_t *", ffi.from_buffer("int64_t[]", out_run, require_writable=True)),
                                     ffi.from_buffer("double[]", out_batch, require_writable=True),
                                     ffi.from_buffer("double[]", out_steps, require_writable=True),
                                     ffi.cast("int *", ffi.from_buffer("int[]", out_reached, require_writable=True)),
                                     capacity, count))
    except ScalingKitError as e:
        # The core names runs by code: give the caller's label back.
        message = re.sub(r"run (\d+)", lambda m: f"run {labels[int(m.group(1))]!r}", e.message, count=1)
        raise ScalingKitError(e.status, message) from None
    k = np.arange(count[0])
    hit = out_reached[k] == 1
    target_of = goals[k % len(goals)]
    entries = [(labels[out_run[i]], float(target_of[i])) for i in k]
    missed = tuple(entries[i] for i in k if out_reached[i] == 0)
    early = tuple(entries[i] for i in k if out_reached[i] == -1)
    for pairs, what in ((missed, "never reach their target within their logged steps (they needed more: left out, "
                                 "not counted at their last step; log longer runs or pick a higher target)"),
                        (early, "reach their target at or before their first logged step (too easy a target for "
                                "the log: left out)")):
        if pairs:
            shown = ", ".join(f"{r!r} at {t:g}" for r, t in pairs[:6]) + (", ..." if len(pairs) > 6 else "")
            warn(f"{len(pairs)} (run, target) pair(s) {what}: {shown}", DataWarning)
    return StepsToTarget(run=tuple(labels[c] for c in out_run[k][hit]), batch=out_batch[k][hit].copy(),
                         steps=out_steps[k][hit].copy(), target_loss=target_of[hit].copy(),
                         not_reached=missed, at_first_step=early)


def fit_batch_tradeoff(data: Any = None, *, batch: Any = None, steps: Any = None, target_loss: Any = None,
                       confidence: float = 0.95):
    """Fits the steps-vs-batch trade-off from a sweep (at least 3 batch sizes per target).

    Args:
        data: a DataFrame (or mapping) with columns ``batch``, ``steps`` and optionally ``target_loss``; or arrays.
        target_loss: labels the target each run reached; with several targets, a :class:`KaplanBatchLaw` comes back
            with one fit per target (its law through the identified ones), otherwise a single
            :class:`BatchTradeoffFit`.

    Raises:
        ScalingKitError: for fewer than 3 batch sizes, mismatched arrays, values ≤ 0, or steps that rise with the
            batch (examples, batch × steps, passed as steps?).
    """
    if target_loss is None and data is not None and "target_loss" in data:
        target_loss = data["target_loss"]
    cols, n = columns(data, batch=batch, steps=steps)
    b, s = ffi.from_buffer("double[]", cols["batch"]), ffi.from_buffer("double[]", cols["steps"])
    if target_loss is None:
        t = ffi.new("sk_cbs_tradeoff *")
        t.struct_size = ffi.sizeof("sk_cbs_tradeoff")
        check(lib.sk_cbs_tradeoff_fit(b, s, n, as_number("confidence", confidence), t))
        fit = _tradeoff(t)
        _warn_unpinned([fit])
        return fit
    L = columns(None, target_loss=target_loss)[0]["target_loss"]
    if len(L) != n:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: 'target_loss' has {len(L)}, the others {n}")
    capacity = max(len(set(L.tolist())), 1)
    fits = ffi.new("sk_cbs_tradeoff[]", capacity)
    fits[0].struct_size = ffi.sizeof("sk_cbs_tradeoff")
    count, b_star, alpha = ffi.new("size_t *"), ffi.new("double *"), ffi.new("double *")
    check(lib.sk_cbs_tradeoff_fit_targets(b, s, ffi.from_buffer("double[]", L), n, as_number("confidence", confidence),
                                          fits, capacity, count, b_star, alpha))
    out = tuple(_tradeoff(fits[i]) for i in range(count[0]))
    _warn_unpinned(out)
    if len(out) == 1:
        return out[0]
    return KaplanBatchLaw(optional(b_star[0]), optional(alpha[0]), out)


def convert_critical_batch(critical_batch: float, definition: str, *, theta: float = 0.2,
                           reference_batch: Optional[float] = None) -> float:
    """McCandlish's B_crit in another definition: "overhead" (θ·B_crit) or "zhang" ((1+θ)·B_ref + θ·B_crit,
    Zhang et al. 2024 with θ = 0.2)."""
    out = ffi.new("double *")
    check(lib.sk_cbs_convert(parse("definition", definition, CriticalBatchDefinition),
                             as_number("critical_batch", critical_batch), as_number("theta", theta),
                             math.nan if reference_batch is None else as_number("reference_batch", reference_batch), out))
    return out[0]


@dataclass(frozen=True)
class BatchCost(Result):
    relative_steps: float
    relative_examples: float
    efficiency: Optional[float]


def batch_cost(batch: float, critical_batch: float, *, initial_batch: Optional[float] = None,
               noise_scale: Optional[float] = None) -> BatchCost:
    """Steps and examples at a batch relative to their minima (1 + B_crit/B, 1 + B/B_crit), and AdaptDL's
    statistical efficiency (φ + M0)/(φ + M) when ``noise_scale`` φ and ``initial_batch`` M0 are given."""
    s, e, eff = ffi.new("double *"), ffi.new("double *"), ffi.new("double *")
    check(lib.sk_cbs_cost(as_number("batch", batch), as_number("critical_batch", critical_batch),
                          1.0 if initial_batch is None else as_number("initial_batch", initial_batch),
                          math.nan if noise_scale is None else as_number("noise_scale", noise_scale), s, e, eff))
    return BatchCost(s[0], e[0], optional(eff[0]))


def batch_law(name: str, x: float) -> float:
    """A published batch law in tokens per step: "kaplan" (B_crit at loss x), "deepseek" (B_opt at C = x FLOPs),
    "step_law" (B_opt at D = x tokens)."""
    out = ffi.new("double *")
    check(lib.sk_cbs_law(as_text("name", name), as_number("x", x), out))
    return out[0]


def batch_schedule(coefficient: float, exponent: float, total_tokens: float, min_batch: float, max_batch: float,
                   fraction: float = 1.0) -> List[Tuple[float, float]]:
    """(tokens, batch) change points of a warm-up following B_crit = coefficient·tokens^exponent: batches
    min_batch·2^k at most fraction·B_crit and max_batch, never decreasing."""
    tokens, batch, count = ffi.new("double[]", 64), ffi.new("double[]", 64), ffi.new("size_t *")
    check(lib.sk_cbs_schedule(as_number("coefficient", coefficient), as_number("exponent", exponent),
                              as_number("total_tokens", total_tokens), as_number("min_batch", min_batch),
                              as_number("max_batch", max_batch), as_number("fraction", fraction), tokens, batch, 64, count))
    return [(tokens[i], batch[i]) for i in range(count[0])]


def fit_batch_law(x: Any, batch: Any, variable: str = "D"):
    """Fits a batch-size scaling law B = k·x^b (B_crit or B_opt against D, N, L or C) with the fitting engine:
    squared log residuals, the core's automatic start search (no hand-set grid: on Kaplan-like B(L) with exponent
    -4.76, Step-Law-like B(D) and DeepSeek-like B(C) it reaches the objective of a 104-start log-spaced grid to
    1e-15 relative). Returns the engine's ``LawFit`` (``params``, ``predict``,
    ``bootstrap`` for intervals). Compare with the presets: Power Lines' exponents 0.383 (B_opt) and 0.462 (B_crit)
    in D, Step Law's 0.571, Kaplan's −1/0.21 in L."""
    from .laws import fit
    if not isinstance(variable, str) or not variable.isidentifier():
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"variable must be a name like D, N, L or C (got {variable!r})")
    if variable in ("k", "b"):
        # "k * k^b" would read k as the column and fit x^(1+b) with one parameter, without a word.
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"variable {variable!r} is a parameter of the law "
                              "B = k·x^b; name the variable otherwise (D, N, L or C)")
    # The column goes in as data, not as a keyword, so that a variable named like one of fit's own arguments
    # ('space', 'weights', 'start') is a column and nothing else.
    return fit(f"k * {variable}^b", {variable: x}, observed=batch, objective="squared", space="log")
