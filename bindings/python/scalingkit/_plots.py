"""Plots shared by the fit results (matplotlib, imported only when a plot is asked for)."""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from ._errors import ExtrapolationWarning


def fit_against_data(fit: Any, N: Any, D: Any, loss: Any, *, extrapolate_to: Optional[float] = None,
                     bootstrap: Any = None, ax: Any = None):
    """Loss against compute C = 6ND, runs coloured by size, with the fit's compute-optimal frontier L*(C) drawn out
    to ``extrapolate_to`` FLOPs and, given a bootstrap, its percentile band. Every number comes from the core
    (``plan``, and the bootstrap's plan intervals)."""
    import matplotlib.pyplot as plt
    from .planning import plan
    ax = ax or plt.gca()
    N, D, loss = (np.asarray(v, float) for v in (N, D, loss))
    C = 6 * N * D
    points = ax.scatter(C, loss, c=np.log10(N), s=10, cmap="viridis", label="runs")
    plt.colorbar(points, ax=ax, label="log10 N")
    top = max(C.max(), extrapolate_to or 0)
    grid = np.geomspace(C.min(), top, 40)
    # A drawing, not a recommendation: the grid's D/N leaving the fitted ratios is no news to warn about 40 times.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        frontier = [plan(fit, c).loss for c in grid]
        bands = [bootstrap.plan(c).loss for c in grid] if bootstrap is not None else []
    ax.plot(grid, frontier, "-", color="black", label="compute-optimal L*(C)")
    if bootstrap is not None:
        ax.fill_between(grid, [b.interval.lower for b in bands], [b.interval.upper for b in bands], color="grey", alpha=0.3,
                        label="bootstrap interval")
    if extrapolate_to is not None:
        ax.axvline(C.max(), linestyle=":", color="grey")
    ax.set_xscale("log")
    ax.set_xlabel("training compute C = 6ND (FLOPs)")
    ax.set_ylabel("loss")
    ax.legend(fontsize="small")
    return ax


def residuals(observed: Any, predicted: Any, x: Any, xlabel: str, ax: Any = None):
    """log(observed) − log(predicted) against ``x`` (log scale), with zero marked."""
    import matplotlib.pyplot as plt
    ax = ax or plt.gca()
    r = np.log(np.asarray(observed, float)) - np.log(np.asarray(predicted, float))
    ax.scatter(np.asarray(x, float), r, s=10)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("log residual (observed - fitted)")
    return ax


def log_axes(ax: Any, xlabel: str, ylabel: str, *, legend: bool = True):
    """Both axes logarithmic, labelled, with a small legend: the finish of every log-log plot; returns ``ax``."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(fontsize="small")
    return ax
