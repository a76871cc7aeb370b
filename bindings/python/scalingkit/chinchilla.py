"""The Chinchilla law L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, eq. 2): fit and plan.

All computation happens in the Swift core behind the C header; this module converts arguments and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from ._results import ComputeOptimalPlan, FitDiagnostics, allocate, warn_outside_fitted
from ._arrays import as_doubles, as_number, as_size, same_length, set_clusters, set_optimizer_options
from . import bootstrap as _bootstrap
from ._errors import ScalingKitError, check
from ._fitresult import fit_handle, predict_intervals, read_excluded, read_fit, warn_unconverged
from ._ffi import ffi, lib

ArrayLike = Union[Sequence[float], np.ndarray, Any]

_GRID_AXES = ("alpha", "beta", "e", "a", "b")


@dataclass(frozen=True)
class ChinchillaFit(FitDiagnostics):
    """A fitted Chinchilla law with the diagnostics of its fit (:class:`FitDiagnostics`: ``success``, ``message``, ``x``, ``nit``, ``nfev`` ...)."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    #: 0-based row indices removed by ``exclude_highest_loss``.
    excluded: tuple = ()
    _handle: Any = field(default=None, repr=False, compare=False)
    _data: Any = field(default=None, repr=False, compare=False)

    @property
    def params(self) -> dict:
        """``{"E": ..., "A": ..., "B": ..., "alpha": ..., "beta": ...}``."""
        return {"E": self.E, "A": self.A, "B": self.B, "alpha": self.alpha, "beta": self.beta}

    def predict(self, N: ArrayLike, D: ArrayLike, *, interval: Optional[str] = None, level: float = 0.95):
        """The fitted loss L(N, D) for each pair; with ``interval="confidence"`` or ``"prediction"`` a
        :class:`~scalingkit.PredictionIntervals` instead (see :meth:`scalingkit.LawFit.predict`; rows count as
        independent runs: for checkpoints of fewer runs, ``bootstrap(clusters=...)``). A ConvergenceWarning first
        if the fit did not converge."""
        n_arr, d_arr = as_doubles("N", N), as_doubles("D", D)
        n = same_length(N=n_arr, D=d_arr)
        warn_unconverged(self, "predicting from", "every prediction")
        out = np.empty(n, dtype=np.float64)
        if interval is not None:
            return predict_intervals(self._handle, [n_arr, d_arr], n, interval, level)
        check(lib.sk_chinchilla_predict(self._handle, ffi.from_buffer("double[]", n_arr),
                                        ffi.from_buffer("double[]", d_arr), n,
                                        ffi.from_buffer("double[]", out, require_writable=True)))
        return out

    def bootstrap(self, replicates: int = 1000, *, seed: int = 0, confidence: float = 0.95,
                  threads: int = 0, clusters: Any = None) -> "_bootstrap.Bootstrap":
        """Nonparametric bootstrap: resample the runs, refit each resample from this optimum with this fit's
        options (Besiroglu et al. 2024 use 4,000 replicates). Deterministic for a given ``seed``.

        ``clusters``: one label per row of the fit's data (the model a checkpoint belongs to, a run id); by default
        the fit's own ``clusters`` (since 0.4.8), else rows. Replicates then resample whole clusters: rows that are
        checkpoints of one run are not independent, and resampling them as such understates every interval."""
        N, D, loss = self._data
        warn_unconverged(self, "bootstrapping", "every interval")
        out = ffi.new("sk_bootstrap **")
        opts, _codes = _bootstrap.options(replicates, seed, confidence, threads, clusters)
        check(lib.sk_chinchilla_bootstrap(ffi.from_buffer("double[]", N), ffi.from_buffer("double[]", D),
                                          ffi.from_buffer("double[]", loss), len(N), self._handle, opts, out))
        handle, info, samples = _bootstrap.wrap(out[0])
        return _bootstrap.make(handle, info, samples, ("E", "A", "B", "alpha", "beta"))

    def plot(self, N: ArrayLike, D: ArrayLike, loss: ArrayLike, *, extrapolate_to: Optional[float] = None,
             bootstrap: Any = None, ax: Any = None):
        """The runs' loss against compute with the fitted compute-optimal frontier, extrapolated to
        ``extrapolate_to`` FLOPs with the bootstrap's band if given; the excluded runs crossed out and those far off
        the law ringed when these are the fit's own runs. Returns the matplotlib Axes."""
        from ._plots import fit_against_data
        return fit_against_data(self, N, D, loss, extrapolate_to=extrapolate_to, bootstrap=bootstrap, ax=ax)

    def plot_residuals(self, N: ArrayLike, D: ArrayLike, loss: ArrayLike, ax: Any = None):
        """Log residuals against compute 6ND, the excluded and outlying runs marked when these are the fit's own
        runs; returns the Axes."""
        from ._plots import residuals
        N, D = np.asarray(N, float), np.asarray(D, float)
        return residuals(loss, self.predict(N, D), 6 * N * D, "training compute C = 6ND (FLOPs)", ax, fit=self)

    def compute_optimal(self, compute: float) -> ComputeOptimalPlan:
        """The (N, D) that minimise the fitted loss for ``compute`` FLOPs under C = 6ND."""
        # sk_plan_allocate: the closed form for a Chinchilla fit (Hoffmann et al. 2022, eq. 4).
        result = allocate(lib.sk_plan_allocate, fit_handle(self), as_number("compute", compute))
        warn_outside_fitted([result])
        return result


def fit_chinchilla(
    N: ArrayLike,
    D: Optional[ArrayLike] = None,
    loss: Optional[ArrayLike] = None,
    *,
    huber_delta: float = 1e-3,
    exclude_highest_loss: int = 0,
    max_iterations: int = 1000,
    gradient_tolerance: Optional[float] = None,
    function_tolerance: Optional[float] = None,
    threads: int = 0,
    grid: Optional[Mapping[str, Sequence[float]]] = None,
    screen: Optional[int] = None,
    confirmations: Optional[int] = None,
    clusters: Any = None,
) -> ChinchillaFit:
    """Fit ``L(N, D) = E + A/N^alpha + B/D^beta`` to training runs.

    Method: Hoffmann et al. (2022) Approach 3 as replicated by Besiroglu et al. (2024): minimise
    Σ Huber_δ(LSE(a − α log N, b − β log D, e) − log L) with L-BFGS and exact gradients from every point of a
    starting grid (default: Hoffmann's 4,500 points), on all cores; deterministic for any thread count.

    Args:
        N, D, loss: parameters, training tokens and final loss per run (1-D, same length, finite, > 0).
            ``N`` may instead be a pandas DataFrame (or a mapping) with columns ``N``, ``D`` and ``loss``.
        huber_delta: δ of the Huber loss on log residuals (Hoffmann et al. use 1e-3).
        exclude_highest_loss: drop this many highest-loss runs first (Besiroglu et al. drop 5 of 245).
        max_iterations: L-BFGS iterations per start.
        gradient_tolerance, function_tolerance: stopping tests per start (defaults from the core).
        threads: worker threads, 0 = one per core. The result does not depend on it.
        grid: starting grid axes ``{"alpha", "beta", "e", "a", "b"}`` (e, a, b are log E, log A, log B);
            axes left out keep their defaults.
        screen, confirmations: start screening: evaluate the objective at every start, run L-BFGS from the best
            ``screen`` starts (batches of that size) until ``confirmations`` of them agree on the optimum.
            ``None`` keeps the library default (64 and 4); ``screen=0`` runs every start, as Hoffmann et al. did.
        clusters: one label per run (or, with a DataFrame, the name of one of its columns) for rows that are not
            independent runs, such as checkpoints (the model each belongs to): the fit's intervals, outlier
            influence and floor check then use a cluster-robust covariance, as :func:`scalingkit.fit`'s
            ``clusters``. :meth:`ChinchillaFit.bootstrap` resamples these clusters unless given its own.

    Returns:
        ChinchillaFit.

    Raises:
        ScalingKitError: (a ``ValueError``) on empty, mismatched, non-finite or non-positive input or bad options.
    """
    if D is None and loss is None and (hasattr(N, "columns") or isinstance(N, Mapping)):
        # A DataFrame, or a mapping of columns as fit() and the other fitters take.
        frame = N
        names = list(frame.columns) if hasattr(frame, "columns") else list(frame.keys())
        missing = [c for c in ("N", "D", "loss") if c not in names]
        if missing:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"{type(frame).__name__} lacks column(s) {missing}; columns are {names}")
        N, D, loss = frame["N"], frame["D"], frame["loss"]
        if isinstance(clusters, str):
            if clusters not in names:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      f"clusters: no column '{clusters}'; columns are {names}")
            clusters = frame[clusters]
    if D is None or loss is None:
        raise ScalingKitError(lib.SK_ERR_NULL_POINTER,
                              "pass N, D and loss (or one DataFrame or mapping with those columns)")

    n_arr, d_arr, l_arr = as_doubles("N", N), as_doubles("D", D), as_doubles("loss", loss)
    n = same_length(N=n_arr, D=d_arr, loss=l_arr)

    opts = ffi.new("sk_chinchilla_options *")
    check(lib.sk_chinchilla_options_init(opts, ffi.sizeof("sk_chinchilla_options")))
    opts.huber_delta = as_number("huber_delta", huber_delta)
    opts.exclude_highest_loss = as_size("exclude_highest_loss", exclude_highest_loss)
    set_optimizer_options(opts, max_iterations=max_iterations, gradient_tolerance=gradient_tolerance,
                          function_tolerance=function_tolerance, threads=threads, screen=screen,
                          confirmations=confirmations)
    keep_alive = []
    for axis, values in (grid or {}).items():
        if axis not in _GRID_AXES:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"unknown grid axis '{axis}'; axes are {', '.join(_GRID_AXES)}")
        arr = as_doubles(f"grid['{axis}']", values)
        keep_alive.append(arr)
        setattr(opts, f"start_{axis}", ffi.from_buffer("double[]", arr))
        setattr(opts, f"start_{axis}_len", len(arr))

    if clusters is not None:
        keep_alive.append(set_clusters(opts, clusters))

    out = ffi.new("sk_fit **")
    check(lib.sk_chinchilla_fit(ffi.from_buffer("double[]", n_arr), ffi.from_buffer("double[]", d_arr),
                                ffi.from_buffer("double[]", l_arr), n, opts, out))
    handle = ffi.gc(out[0], lib.sk_fit_free)
    return _wrap(handle, (n_arr, d_arr, l_arr))


def _wrap(handle: Any, data: Any) -> ChinchillaFit:
    params, diagnostics = read_fit(handle)
    return ChinchillaFit(**params, **diagnostics, excluded=read_excluded(handle), _handle=handle, _data=data)
