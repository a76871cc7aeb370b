"""Plots shared by the fit results (matplotlib, imported only when a plot is asked for)."""
from __future__ import annotations

import warnings
from typing import Any, Optional, Tuple

import numpy as np

from ._errors import ExtrapolationWarning


def fitted_rows(fit: Any, rows: int) -> Tuple[np.ndarray, np.ndarray]:
    """The rows the fit left out (``excluded``) and those it found far off the law (``outlier_rows``), as indices
    into a plotted table of ``rows`` rows — only when that table is the fit's own (as many rows as it was given);
    otherwise none, since indices into another table would mark the wrong runs."""
    excluded = tuple(getattr(fit, "excluded", ()))
    outliers = tuple(getattr(fit, "outlier_rows", ()))
    if rows != getattr(fit, "points_used", -1) + len(excluded):
        return np.zeros(0, int), np.zeros(0, int)
    return np.asarray(excluded, int), np.asarray(outliers, int)


def mark_rows(ax: Any, fit: Any, x: np.ndarray, y: np.ndarray) -> None:
    """Rings the runs far off the law and crosses out the excluded ones (see :func:`fitted_rows`), labelled."""
    excluded, outliers = fitted_rows(fit, len(x))
    if len(outliers):
        score = getattr(fit, "outlier_score", None)
        label = f"far off the law (up to {score:.3g} robust SDs)" if score is not None else "far off the law"
        ax.scatter(x[outliers], y[outliers], s=60, facecolors="none", edgecolors="red", linewidths=1.2, label=label)
    if len(excluded):
        ax.scatter(x[excluded], y[excluded], s=30, marker="x", color="grey", label="excluded")


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
    mark_rows(ax, fit, C, loss)
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


def residuals(observed: Any, predicted: Any, x: Any, xlabel: str, ax: Any = None, fit: Any = None):
    """log(observed) − log(predicted) against ``x`` (log scale), with zero marked, and the fit's excluded and
    outlying runs marked when the table is its own."""
    import matplotlib.pyplot as plt
    ax = ax or plt.gca()
    r = np.log(np.asarray(observed, float)) - np.log(np.asarray(predicted, float))
    xs = np.asarray(x, float)
    ax.scatter(xs, r, s=10)
    if fit is not None:
        mark_rows(ax, fit, xs, r)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
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
