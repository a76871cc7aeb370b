"""Time-aware planning (Bergsma et al. 2025, "Power Lines"): model size, tokens and batch size traded off between
wall-clock time and compute, for a target loss and a machine."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Optional, Sequence, Tuple

from ._results import FittedRange, Result, read_fitted, warn_outside_fitted
from ._errors import ScalingKitError, check
from ._ffi import ffi, lib
from ._arrays import as_number
from ._fitresult import fit_handle


@dataclass(frozen=True)
class TimedPlan(Result):
    """One way to reach the target loss: N parameters on D tokens in batches of ``batch`` tokens.

    ``D = D_min (1 + batch / critical_batch)`` and ``steps = D / batch`` (McCandlish et al. 2018, eq. 2.11–2.12);
    ``seconds = compute / (devices_used · flops_per_second)``. ``fitted`` is the span of the runs behind the fit;
    ``ratio_within_fitted`` says whether D_min/N, where the law is read, lies among their D/N (None where unknown):
    outside, the N/D trade-off that places the plan is the law's functional form, not the data.
    """

    N: float
    D_min: float
    D: float
    batch: float
    critical_batch: float
    steps: float
    min_steps: float
    devices_used: float
    compute: float
    seconds: float
    fitted: Optional[FittedRange] = None
    ratio_within_fitted: Optional[bool] = None

    @property
    def days(self) -> float:
        return self.seconds / 86400


def _timed(p) -> TimedPlan:
    fitted, within = read_fitted(p)
    return TimedPlan(N=p.params, D_min=p.min_tokens, D=p.tokens, batch=p.batch, critical_batch=p.critical_batch,
                     steps=p.steps, min_steps=p.min_steps, devices_used=p.devices_used, compute=p.compute,
                     seconds=p.seconds, fitted=fitted, ratio_within_fitted=within)


def _warn_outside_fitted(plans: Sequence[TimedPlan]) -> None:
    """The warning of :func:`scalingkit.plan`, for timed plans whose D_min/N (where the law is read) is outside."""
    warn_outside_fitted(plans, lambda p: f"the time-aware plan N = {p.N:.3g}, D_min = {p.D_min:.3g} reads the law",
                        "there the N/D trade-off that places it is the law's functional form, not the data")


@dataclass(frozen=True)
class TimeAwareFrontier(Result):
    """The Pareto set between wall-clock time and compute of the plans reaching ``loss``, fastest (dearest) first."""

    loss: float
    points: Tuple[TimedPlan, ...]

    @property
    def fastest(self) -> TimedPlan:
        return self.points[0]

    @property
    def cheapest(self) -> TimedPlan:
        return self.points[-1]

    def to_frame(self):
        """The points as a pandas DataFrame, one row per plan (``fitted``, the same on every row, left out)."""
        import pandas as pd
        return pd.DataFrame([{f.name: getattr(p, f.name) for f in fields(TimedPlan) if f.name != "fitted"}
                             for p in self.points])

    def plot(self, ax: Any = None):
        """Days against compute along the frontier, with the model size marked at its ends; returns the Axes."""
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        ax.plot([p.compute for p in self.points], [p.days for p in self.points], "o-", markersize=3)
        for p, label in ((self.fastest, "fastest"), (self.cheapest, "cheapest")):
            ax.annotate(f"{label}: N = {p.N:.3g}, B = {p.batch:.3g}", (p.compute, p.days), fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training compute (FLOPs)")
        ax.set_ylabel("wall-clock time (days)")
        ax.set_title(f"time against compute at loss {self.loss:.4g}")
        return ax


def _hardware(devices: Any, flops_per_second: Any, tokens_per_device: Any):
    hw = ffi.new("sk_hardware *")
    hw.struct_size = ffi.sizeof("sk_hardware")
    count = as_number("devices", devices)
    if not count.is_integer() or count < 1 or count > 2**63:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"devices must be a whole number in 1 ... 2^63 (got {devices!r})")
    hw.devices = int(count)
    hw.flops_per_second = as_number("flops_per_second", flops_per_second)
    hw.tokens_per_device = as_number("tokens_per_device", tokens_per_device)
    return hw


def _batch_law(critical_batch: Any) -> Tuple[float, float]:
    try:
        coefficient, exponent = critical_batch
    except (TypeError, ValueError):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"critical_batch must be (coefficient, exponent) of B_crit = coefficient * "
                              f"D_min**exponent (got {critical_batch!r})") from None
    return as_number("critical_batch coefficient", coefficient), as_number("critical_batch exponent", exponent)


def time_aware(fit: Any, target_loss: float, *, critical_batch: Tuple[float, float], devices: int,
               flops_per_second: float, tokens_per_device: float, points: int = 64) -> TimeAwareFrontier:
    """The plans (N, D, batch) reaching ``target_loss`` on ``devices`` accelerators, traded off between time and compute.

    Args:
        fit: a Chinchilla fit or a law fit of N and D.
        critical_batch: ``(coefficient, exponent)`` of B_crit = coefficient · D_min^exponent tokens, D_min being
            the tokens that reach the loss at small batch (Power Lines find the exponent 0.462; fit the coefficient
            from a batch sweep).
        devices: how many accelerators; flops_per_second: the training FLOP/s one sustains; tokens_per_device: the
            tokens one needs per step to sustain it (micro-batch × sequence length).
        points: deadlines sampled, log-spaced from the fastest plan's time to the cheapest plan's.

    Warns (:class:`scalingkit.ExtrapolationWarning`, once) when plans read the law at a D_min/N outside the fitted
    runs' D/N (``TimedPlan.ratio_within_fitted``).

    Raises:
        ScalingKitError: for a loss the law does not reach, or bad hardware or batch-law values.
    """
    coefficient, exponent = _batch_law(critical_batch)
    hw = _hardware(devices, flops_per_second, tokens_per_device)
    capacity = int(as_number("points", points))
    out = ffi.new("sk_timed_plan[]", max(capacity, 1))
    out[0].struct_size = ffi.sizeof("sk_timed_plan")
    count = ffi.new("size_t *")
    check(lib.sk_plan_time_aware(fit_handle(fit), as_number("target_loss", target_loss), coefficient, exponent, hw, out,
                                 capacity, count))
    frontier = TimeAwareFrontier(loss=as_number("target_loss", target_loss),
                                 points=tuple(_timed(out[i]) for i in range(count[0])))
    _warn_outside_fitted(frontier.points)
    return frontier


def cheapest_within(fit: Any, target_loss: float, seconds: float, *, critical_batch: Tuple[float, float],
                    devices: int, flops_per_second: float, tokens_per_device: float) -> Optional[TimedPlan]:
    """The cheapest plan reaching ``target_loss`` within ``seconds`` of wall-clock time, or None when even the
    fastest plan takes longer. Arguments and warning as :func:`time_aware`."""
    coefficient, exponent = _batch_law(critical_batch)
    hw = _hardware(devices, flops_per_second, tokens_per_device)
    out = ffi.new("sk_timed_plan *")
    out.struct_size = ffi.sizeof("sk_timed_plan")
    found = ffi.new("int *")
    check(lib.sk_plan_within_deadline(fit_handle(fit), as_number("target_loss", target_loss), coefficient, exponent, hw,
                                      as_number("seconds", seconds), out, found))
    plan = _timed(out) if found[0] else None
    _warn_outside_fitted([plan] if plan else [])
    return plan
