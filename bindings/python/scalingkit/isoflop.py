"""IsoFLOP profiles, Hoffmann et al. (2022) Approach 2: per-budget parabolas, then N_opt ∝ C^a and D_opt ∝ C^b."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import numpy as np

from ._results import Interval, Result, read_interval
from ._arrays import as_number, as_size, columns, label_codes, missing_column, optional, vectorised
from ._errors import ScalingKitError, check
from ._ffi import ffi, lib
from ._plots import log_axes


@dataclass(frozen=True)
class PowerLaw(Result):
    """``y = coefficient · C^exponent`` with the exponent's standard error and confidence interval (None when only
    two budgets were used)."""

    exponent: float
    coefficient: float
    stderr: Optional[float]
    #: The exponent's Student-t interval (None with only 2 budgets or points).
    interval: Optional[Interval]

    def __call__(self, compute: Any) -> Any:
        """coefficient · compute^exponent (a number, or an array for an array), evaluated by the core."""
        return vectorised(lib.sk_power_law_evaluate, "compute", compute, self.coefficient, self.exponent)


@dataclass(frozen=True)
class IsoFLOPBudget(Result):
    """One budget's profile: the vertices of its parabolas in log N and log D, and whether it was used."""

    compute: float
    runs: int
    used: bool
    N_opt: Optional[float]
    D_opt: Optional[float]
    min_loss: Optional[float]
    curvature_N: float
    curvature_D: float
    note: str


@dataclass(frozen=True)
class IsoFLOPResult(Result):
    """Approach 2's exponents (``a`` for N_opt, ``b`` for D_opt), every budget, and a one-line summary."""

    a: PowerLaw
    b: PowerLaw
    budgets: List[IsoFLOPBudget]
    confidence: float
    message: str

    def optimum(self, compute: float) -> Tuple[float, float]:
        """(N_opt, D_opt) at ``compute`` from the two fitted power laws."""
        return self.a(compute), self.b(compute)

    def plot(self, N: Any, loss: Any, budget: Any, ax: Any = None):
        """Loss against N per budget (points) with each budget's vertex marked; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt
        import numpy as np
        ax = ax or plt.gca()
        N, loss, budget = np.asarray(N, float), np.asarray(loss, float), np.asarray(budget, float)
        for b in self.budgets:
            rows = budget == b.compute
            points = ax.plot(N[rows], loss[rows], "o", markersize=3, label=f"C = {b.compute:.1e}")
            if b.N_opt is not None and b.min_loss is not None:
                ax.plot([b.N_opt], [b.min_loss], "*" if b.used else "x", color=points[0].get_color(), markersize=10)
        ax.set_xscale("log")
        ax.set_xlabel("parameters N")
        ax.set_ylabel("loss")
        ax.legend(fontsize="small")
        return ax

    def plot_frontier(self, ax: Any = None, extrapolate_to: Optional[float] = None):
        """Each budget's N_opt against its compute (used budgets as points, excluded ones as crosses) and the fitted
        N_opt ∝ C^a, drawn out to ``extrapolate_to`` FLOPs; returns the Axes."""
        import matplotlib.pyplot as plt
        import numpy as np
        ax = ax or plt.gca()
        used = [b for b in self.budgets if b.N_opt is not None and b.used]
        dropped = [b for b in self.budgets if b.N_opt is not None and not b.used]
        ax.plot([b.compute for b in used], [b.N_opt for b in used], "o", label="budget vertices")
        if dropped:
            ax.plot([b.compute for b in dropped], [b.N_opt for b in dropped], "x", color="grey", label="excluded")
        C = [b.compute for b in self.budgets]
        grid = np.geomspace(min(C), max(max(C), extrapolate_to or 0), 50)
        ax.plot(grid, [self.a(c) for c in grid], "-", label=f"N_opt ∝ C^{self.a.exponent:.3f}")
        return log_axes(ax, "compute C (FLOPs)", "N_opt")


def isoflop(data: Any = None, *, N: Any = None, D: Any = None, loss: Any = None, budget: Any = None,
            require_interior_minimum: bool = True, min_runs_per_budget: int = 3,
            confidence: float = 0.95) -> IsoFLOPResult:
    """Hoffmann et al. (2022) Approach 2 on runs grouped by compute budget.

    Per budget a least-squares parabola of loss against log10 N and one against log10 D give N* and D*; then
    N* ∝ C^a and D* ∝ C^b by least squares with Student-t intervals. Budgets whose profile has no interior minimum
    are excluded (``require_interior_minimum=False`` keeps their extrapolated vertex) and named in ``message``.
    Approach 2 is biased against a full-surface fit when the surface is asymmetric: compare with
    :func:`fit_chinchilla`.

    Args:
        data: a DataFrame (or mapping) with columns ``N``, ``D``, ``loss`` and ``budget``; or pass the arrays.
        budget: the nominal budget of each run. Runs of one budget share its value to within rounding (1e-6
            relative, so ``6 * N * D`` computed per run groups as it should); budgets closer than 5 % are refused
            as one budget measured per run.

    Raises:
        ScalingKitError: for bad input, budgets closer than 5 %, or fewer than 2 budgets with an interior minimum.
    """
    arrays, n = columns(data, N=N, D=D, loss=loss, budget=budget)
    opts = ffi.new("sk_isoflop_options *")
    check(lib.sk_isoflop_options_init(opts, ffi.sizeof("sk_isoflop_options")))
    opts.min_runs_per_budget = as_size("min_runs_per_budget", min_runs_per_budget)
    opts.require_interior_minimum = 1 if require_interior_minimum else 0
    opts.confidence = as_number("confidence", confidence)
    out = ffi.new("sk_isoflop **")
    check(lib.sk_isoflop_fit(*(ffi.from_buffer("double[]", arrays[k]) for k in ("N", "D", "loss", "budget")), n, opts, out))
    handle = ffi.gc(out[0], lib.sk_isoflop_free)
    info = ffi.new("sk_isoflop_info *")
    info.struct_size = ffi.sizeof("sk_isoflop_info")
    check(lib.sk_isoflop_get_info(handle, info))
    intervals = bool(info.has_intervals)
    a = PowerLaw(info.a, info.n_coefficient, info.a_stderr if intervals else None,
                 read_interval(info.a_interval) if intervals else None)
    b = PowerLaw(info.b, info.d_coefficient, info.b_stderr if intervals else None,
                 read_interval(info.b_interval) if intervals else None)
    budgets = []
    for i in range(lib.sk_isoflop_budget_count(handle)):
        x = ffi.new("sk_isoflop_budget *")
        x.struct_size = ffi.sizeof("sk_isoflop_budget")
        check(lib.sk_isoflop_budget_at(handle, i, x))
        budgets.append(IsoFLOPBudget(compute=x.compute, runs=x.runs, used=bool(x.used), N_opt=optional(x.n_opt),
                                     D_opt=optional(x.d_opt), min_loss=optional(x.min_loss), curvature_N=x.curvature_n,
                                     curvature_D=x.curvature_d,
                                     note=ffi.string(lib.sk_isoflop_budget_note(handle, i)).decode()))
    return IsoFLOPResult(a=a, b=b, budgets=budgets, confidence=info.a_interval.level,
                         message=ffi.string(lib.sk_isoflop_message(handle)).decode())


@dataclass(frozen=True)
class EnvelopeResult(Result):
    """Approach 1: exponents through the lower envelope of the training curves. ``segments`` counts the stretches
    of compute won by one size; the intervals count those, not the ``points`` (which repeat one run's observation
    over each stretch), and are None below 3 segments."""

    a: PowerLaw
    b: PowerLaw
    points: int
    sizes: int
    segments: int


def envelope(data: Any = None, *, run: Any = None, N: Any = None, compute: Any = None, loss: Any = None,
             grid_points: int = 1500, min_runs_covering: int = 2, exclude_edge_sizes: bool = True,
             confidence: float = 0.95) -> EnvelopeResult:
    """Hoffmann et al. (2022) Approach 1 on checkpoint rows (``run`` label: a name or number, anything hashable;
    size ``N``, ``compute`` so far, ``loss``):
    at each of ``grid_points`` log-spaced compute values the run with the lowest loss, then N_opt ∝ C^a and
    D_opt ∝ C^b through those points. Values where the smallest or largest run is best are dropped by default (the
    optimum may lie beyond the sizes trained). The exponents' intervals count segments, not points (see
    :class:`EnvelopeResult`): a regression through ~1,500 points from ~10 runs claims ~10× the precision it has.
    """
    if run is None:
        if data is None or "run" not in data:
            raise ScalingKitError(lib.SK_ERR_NULL_POINTER, missing_column("run", data))
        run = data["run"]
    # Run labels are names as often as numbers: the core groups rows by equal labels, so any hashable label
    # becomes a code here.
    arrays, n = columns(data, run=label_codes("run", run).astype(np.float64), N=N, compute=compute, loss=loss)
    opts = ffi.new("sk_envelope_options *")
    check(lib.sk_envelope_options_init(opts, ffi.sizeof("sk_envelope_options")))
    opts.grid_points = as_size("grid_points", grid_points)
    opts.min_runs_covering = as_size("min_runs_covering", min_runs_covering)
    opts.exclude_edge_sizes = 1 if exclude_edge_sizes else 0
    opts.confidence = as_number("confidence", confidence)
    info = ffi.new("sk_envelope_info *")
    info.struct_size = ffi.sizeof("sk_envelope_info")
    check(lib.sk_envelope_fit(*(ffi.from_buffer("double[]", arrays[k]) for k in ("run", "N", "compute", "loss")), n,
                              opts, info))

    def power(exponent, coefficient, se, interval):
        return PowerLaw(exponent, coefficient, optional(se), read_interval(interval))

    return EnvelopeResult(a=power(info.a, info.n_coefficient, info.a_stderr, info.a_interval),
                          b=power(info.b, info.d_coefficient, info.b_stderr, info.b_interval),
                          points=info.points, sizes=info.sizes, segments=info.segments)
