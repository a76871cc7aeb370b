"""Any scaling law — from the catalogue or written as a formula — fitted to a table of runs.

All computation happens in the Swift core behind the C header; this module converts arguments and results.
"""
from __future__ import annotations

import inspect
import math
import re
import warnings
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._results import FitDiagnostics, PredictionErrors, Result, errors_struct, read_errors
from . import bootstrap as _bootstrap
from ._arrays import (as_doubles, as_finite, as_number, as_size, as_text, optimizer_settings, set_clusters,
                      set_optimizer_options)
from ._errors import ScalingKitError, check
from ._fitresult import PredictionIntervals, predict_intervals as _intervals, read_excluded, read_fit, warn_unconverged
from ._ffi import ffi, lib
from .enums import Loss, Method, Search, Space, parse



def catalogue() -> Tuple[str, ...]:
    """Names of the built-in laws."""
    return tuple(ffi.string(lib.sk_law_catalogue()).decode().split(","))


def _text(p) -> str:
    return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else ""


@dataclass(frozen=True)
class LawFit(FitDiagnostics):
    """A fitted law with the diagnostics of its fit (:class:`FitDiagnostics`: ``success``, ``message``, ``x``, ``nit``, ``nfev`` ...)."""

    law: str
    formula: str
    citation: str
    params: Dict[str, float]
    inputs: Tuple[str, ...]
    #: Free parameters that ended on a bound (their value is set by the bound, not the data).
    at_bound: Tuple[str, ...] = ()
    #: The search that produced the starts, in words: grid (with its step) or Latin hypercube (with its seed), the
    #: range of every searched parameter, and the parameters solved by least squares at each start.
    search: str = ""
    #: 0-based row indices removed by ``exclude_highest_loss``.
    excluded: tuple = ()
    #: Everything needed to reproduce the fit: law, formula, inputs, loss, δ, grid/starts, bounds, fixed values,
    #: tolerances, points used, library version (the (Mis)Fitting reporting checklist).
    config: Dict[str, Any] = field(default_factory=dict, compare=False)
    _handle: Any = field(default=None, repr=False, compare=False)
    #: The converted problem (law handle, data, options) for the bootstrap and leave-one-out.
    _problem: Any = field(default=None, repr=False, compare=False)

    def leave_one_out(self) -> "LeaveOneOut":
        """Each run predicted by the law refitted without it (warm-started from this optimum)."""
        p = self._problem
        predictions = np.empty(p.n, dtype=np.float64)
        errors = errors_struct()
        check(lib.sk_law_leave_one_out(p.law, p.columns(), len(p.arrays), ffi.from_buffer("double[]", p.y), p.n,
                                       p.opts, self._handle,
                                       ffi.from_buffer("double[]", predictions, require_writable=True), errors))
        return LeaveOneOut(predictions=predictions, failed=errors.failed,
                           errors=read_errors(errors))

    def bootstrap(self, replicates: int = 1000, *, seed: int = 0, confidence: float = 0.95,
                  threads: int = 0, clusters: Any = None) -> "_bootstrap.Bootstrap":
        """Nonparametric bootstrap of this fit (resampled runs, refitted from this optimum with this fit's options;
        fixed parameters stay fixed). Deterministic for a given ``seed``. ``clusters``: one label per row (the
        model a checkpoint belongs to) to resample whole clusters, as :meth:`ChinchillaFit.bootstrap`; by default
        the fit's own ``clusters`` (since 0.4.8), else rows."""
        p = self._problem
        warn_unconverged(self, "bootstrapping", "every interval")
        out = ffi.new("sk_bootstrap **")
        opts, _codes = _bootstrap.options(replicates, seed, confidence, threads, clusters)
        check(lib.sk_law_bootstrap(p.law, p.columns(), len(p.arrays), ffi.from_buffer("double[]", p.y), p.n, p.opts,
                                   self._handle, opts, out))
        handle, info, samples = _bootstrap.wrap(out[0])
        return _bootstrap.make(handle, info, samples, tuple(self.params))

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self, data: Any = None, *, interval: Optional[str] = None, level: float = 0.95,
                **columns: Any) -> Union[np.ndarray, "PredictionIntervals"]:
        """The law's prediction for new inputs, given as a DataFrame/mapping with the input columns or as keywords.

        A :class:`~scalingkit.ConvergenceWarning` first if the fit did not converge (``success`` False): every
        prediction inherits its doubt. Without ``interval``: an array of predictions. With ``interval="prediction"`` (where one new run's loss
        will fall, the runs' own scatter included) or ``interval="confidence"`` (where the mean law is): a
        :class:`PredictionIntervals` of nominal coverage ``level``, by the delta method with the fit's
        M-estimator covariance (see ``sk_fit_predict_interval`` in the C header for the model, its sources and
        the coverage measured). The covariance treats rows as independent runs unless the fit was given
        ``clusters``: where rows are checkpoints of fewer runs, fit with ``clusters=run_labels`` (or use
        ``bootstrap(clusters=run_labels)``), or the intervals are too narrow.
        """
        arrays = [as_doubles(name, _column(data, columns, name)) for name in self.inputs]
        n = _common_length(arrays, self.inputs)
        warn_unconverged(self, "predicting from", "every prediction")
        if interval is not None:
            return _intervals(self._handle, arrays, n, interval, level)
        ptrs = ffi.new("double *[]", [ffi.from_buffer("double[]", a) for a in arrays])
        out = np.empty(n, dtype=np.float64)
        check(lib.sk_fit_predict(self._handle, ptrs, len(arrays), n,
                                 ffi.from_buffer("double[]", out, require_writable=True)))
        return out

    def plot(self, data: Any = None, *, observed: Any, x: Optional[str] = None, ax: Any = None, **columns: Any):
        """Observed against fitted values (a parity plot on log axes) — or, with ``x`` naming an input, both against
        that input; the excluded runs crossed out and those far off the law ringed when these are the fit's own runs.
        For laws of N and D, ``ChinchillaFit.plot``-style frontiers come from ``scalingkit.plan``."""
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        y = np.asarray(observed if not isinstance(observed, str) else _column(data, columns, observed), float)
        fitted = self.predict(data, **columns)
        from ._plots import mark_rows
        if x is None:
            lo, hi = min(y.min(), fitted.min()), max(y.max(), fitted.max())
            ax.scatter(fitted, y, s=10)
            mark_rows(ax, self, fitted, y)
            ax.plot([lo, hi], [lo, hi], "-", color="black", linewidth=0.8)
            ax.set_xlabel("fitted")
            ax.set_ylabel("observed")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize="small")
        else:
            xs = np.asarray(_column(data, columns, x), float)
            ax.scatter(xs, y, s=10, label="observed")
            mark_rows(ax, self, xs, y)
            order = np.argsort(xs)
            ax.plot(xs[order], fitted[order], ".", markersize=3, label="fitted")
            ax.set_xlabel(x)
            ax.set_ylabel("observed / fitted")
            ax.legend(fontsize="small")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(self.formula)
        return ax

    def plot_residuals(self, data: Any = None, *, observed: Any, x: str, ax: Any = None, **columns: Any):
        """Log residuals against the input ``x``, the excluded and outlying runs marked when these are the fit's own
        runs; returns the Axes."""
        from ._plots import residuals
        y = observed if not isinstance(observed, str) else _column(data, columns, observed)
        return residuals(y, self.predict(data, **columns), _column(data, columns, x), x, ax, fit=self)


def _column(data: Any, columns: Mapping[str, Any], name: str) -> Any:
    if name in columns:
        return columns[name]
    if data is not None:
        try:
            return data[name]
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    given = list(columns) + ([str(k) for k in data.keys()] if data is not None and hasattr(data, "keys") else [])
    hint = (f"; the data have {', '.join(repr(k) for k in given)}: rename a column or pass {name}=data[<column>]"
            if given else "")
    raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"no data for input '{name}'{hint}")


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
            with warnings.catch_warnings():     # a probe: complex columns are refused by name when converted
                warnings.simplefilter("ignore")
                np.asarray(_column(data, columns, name), dtype=np.float64)
        except OverflowError:
            pass                         # numbers beyond a double: an input, refused by name when converted
        except (TypeError, ValueError):
            continue                     # text columns (run names) cannot be inputs
        out.append(name)
    return out


@dataclass
class _Problem:
    """Everything sk_law_fit needs, converted once; the arrays must stay alive while the C side reads them."""

    law: Any
    input_names: Tuple[str, ...]
    param_names: Tuple[str, ...]
    arrays: list
    y: np.ndarray
    n: int
    opts: Any
    keep: list
    #: The settings as the C layer received them (defaults included), for LawFit.config.
    settings: Dict[str, Any] = field(default_factory=dict)

    def columns(self):
        return ffi.new("double *[]", [ffi.from_buffer("double[]", a) for a in self.arrays]) if self.arrays else ffi.NULL


def _problem(arguments: Mapping[str, Any]) -> _Problem:
    """Converts the arguments of :func:`fit` (see there; all of them, defaults included: ``locals()`` of fit, or
    :func:`_fit_arguments`) for the C layer."""
    args = SimpleNamespace(**arguments)
    law, data = args.law, args.data
    handle = ffi.new("sk_law **")
    as_text("law", law)
    # A bare name is a catalogue law (a misspelt one is an error, not a one-parameter formula).
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", law.strip()):
        check(lib.sk_law_from_name(law.strip().encode(), handle))
    else:
        candidates = list(args.inputs) if args.inputs is not None else _candidate_columns(data, args.columns, args.observed)
        encoded = [ffi.new("char[]", as_text("inputs", str(name))) for name in candidates]
        check(lib.sk_law_from_formula(law.encode(), ffi.new("char *[]", encoded) if encoded else ffi.NULL,
                                      len(encoded), handle))
    law_handle = ffi.gc(handle[0], lib.sk_law_free)

    input_names = tuple(_text(lib.sk_law_input_name(law_handle, j)) for j in range(lib.sk_law_input_count(law_handle)))
    param_names = tuple(_text(lib.sk_law_param_name(law_handle, j)) for j in range(lib.sk_law_param_count(law_handle)))

    arrays = [as_doubles(name, _column(data, args.columns, name)) for name in input_names]
    y = as_doubles("observed", _column(data, args.columns, args.observed) if isinstance(args.observed, str) else args.observed)
    n = _common_length(arrays + [y], list(input_names) + ["observed"])

    opts = ffi.new("sk_law_fit_options *")
    check(lib.sk_law_fit_options_init(opts, ffi.sizeof("sk_law_fit_options")))
    opts.loss, opts.space = parse("objective", args.objective, Loss), parse("space", args.space, Space)
    opts.huber_delta = as_number("huber_delta", args.huber_delta)
    opts.over_prediction_weight = as_number("over_prediction_weight", args.over_prediction_weight)
    set_optimizer_options(opts, max_iterations=args.max_iterations, gradient_tolerance=args.gradient_tolerance,
                          function_tolerance=args.function_tolerance, threads=args.threads, screen=args.screen,
                          confirmations=args.confirmations)
    opts.method = parse("method", args.method, Method)
    opts.search = parse("search", args.search, Search)
    opts.exclude_highest_loss = as_size("exclude_highest_loss", args.exclude_highest_loss)
    if args.grid_step is not None:
        opts.grid_step = as_number("grid_step", args.grid_step)
    opts.log_output = -1 if args.log_output is None else int(bool(args.log_output))
    opts.random_starts = as_size("random_starts", args.random_starts)
    opts.seed = as_size("seed", args.seed)

    keep = []

    def per_parameter(values: Mapping[str, Any], what: str, pick) -> Any:
        unknown = [k for k in values if k not in param_names]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"{what} for {unknown}, not parameters of the law ({', '.join(param_names)})")
        arr = np.array([pick(values[p]) if p in values else math.nan for p in param_names], dtype=np.float64)
        keep.append(arr)
        return ffi.from_buffer("double[]", arr)

    if args.weights is not None:
        w = as_doubles("weights", args.weights)
        keep.append(w)
        opts.weights, opts.weights_len = ffi.from_buffer("double[]", w), len(w)
    if args.clusters is not None:
        labels = _column(data, {}, args.clusters) if isinstance(args.clusters, str) else args.clusters
        keep.append(set_clusters(opts, labels))
    if args.fixed:
        # NaN means "fitted" in the C array, so a NaN given here would silently fit the parameter.
        opts.fixed, opts.fixed_len = per_parameter(args.fixed, "fixed values", lambda v: as_finite("fixed value", v)), len(param_names)
    if args.bounds:
        def side(i):
            def pick(b):
                if not isinstance(b, (tuple, list)) or len(b) != 2:
                    raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"a bound must be a (lower, upper) pair (got {b!r})")
                if b[i] is None:
                    return math.nan
                v = as_number("bound", b[i])
                if math.isnan(v):
                    raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "a bound is NaN: give None to keep the law's default")
                return v
            return pick
        opts.lower, opts.lower_len = per_parameter(args.bounds, "bounds", side(0)), len(param_names)
        opts.upper, opts.upper_len = per_parameter(args.bounds, "bounds", side(1)), len(param_names)
    if args.start:
        unknown = [k for k in args.start if k not in param_names]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"starting values for {unknown}, not parameters of the law ({', '.join(param_names)})")
        values = [as_doubles(f"start['{p}']", args.start[p]) if p in args.start else np.empty(0) for p in param_names]
        flat = np.ascontiguousarray(np.concatenate(values)) if values else np.empty(0)
        counts = ffi.new("size_t[]", [len(v) for v in values])
        keep += [flat, counts]
        opts.start_values = ffi.from_buffer("double[]", flat) if len(flat) else ffi.NULL
        opts.start_counts, opts.start_counts_len = counts, len(param_names)

    if args.log_scale:
        unknown = [k for k in args.log_scale if k not in param_names]
        if unknown:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"log_scale for {unknown}, not parameters of the law ({', '.join(param_names)})")
        flags = ffi.new("int[]", [1 if p in args.log_scale else 0 for p in param_names])
        keep.append(flags)
        opts.log_scaled, opts.log_scaled_len = flags, len(param_names)

    settings = {
        "objective": args.objective, "huber_delta": opts.huber_delta if args.objective == "huber" else None, "space": args.space,
        "over_prediction_weight": opts.over_prediction_weight, "weighted": args.weights is not None,
        "clustered": args.clusters is not None,
        "fixed": dict(args.fixed or {}), "bounds": dict(args.bounds or {}), "start": {k: list(v) for k, v in (args.start or {}).items()},
        "log_scale": list(args.log_scale), "method": args.method, "log_output": args.log_output,
        "random_starts": opts.random_starts, "seed": opts.seed, **optimizer_settings(opts), "search": args.search,
        "grid_step": opts.grid_step, "exclude_highest_loss": opts.exclude_highest_loss,
    }
    return _Problem(law=law_handle, input_names=input_names, param_names=param_names, arrays=arrays, y=y, n=n,
                    opts=opts, keep=keep, settings=settings)


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
    screen: Optional[int] = None,
    confirmations: Optional[int] = None,
    random_starts: int = 0,
    seed: int = 0,
    method: str = "lbfgs",
    log_output: Optional[bool] = None,
    search: str = "auto",
    grid_step: Optional[float] = None,
    exclude_highest_loss: int = 0,
    clusters: Any = None,
    **columns: Any,
) -> LawFit:
    """Fit a scaling law to runs.

    Args:
        law: a catalogue name (see :func:`catalogue`, for example ``"chinchilla"``) or a formula such as
            ``"E + A*N^-alpha + B*D^-beta"`` (``+ - * / ^``, exp, log, sqrt, min, max, logsumexp; log10, log2, ln, pow).
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
        screen: start screening: evaluate the objective at every start and run the optimiser from the best
            ``screen`` starts (batches of that size) until ``confirmations`` agree on the optimum. ``None`` keeps
            the library default (64 and 4); ``0`` runs every start.
        method: ``"lbfgs"`` (default, any objective) or ``"lm"`` (Levenberg–Marquardt, ``objective="squared"``).
        log_output: ``True`` when the formula gives log of the observed value (log-sum-exp forms such as
            ``"logsumexp(a - alpha*log(N), b - beta*log(D), e)"``); ``None`` keeps the law's own setting.
        random_starts: if > 0, start from this many points of a seeded Latin hypercube (``seed``) spanning each
            searched parameter's range, instead of the grid.
        search: how starts are laid out. ``"auto"`` (default): parameters that enter linearly (a term on its own,
            a term's coefficient, the scale ``p`` of a term ``(p/x)^q``) are solved by least squares at every start
            (variable projection); the others are searched over ranges derived from their role in the formula and
            from the data, on a grid of step ``grid_step`` (default 0.02) when one or two are searched, else on a
            seeded Latin hypercube. No hints are needed. ``"start_grid"``: exactly the law's starting grid (the
            0.3.0 behaviour). ``"single"``: one start; ``success`` is then always False (the global optimum is
            not checked). ``LawFit.search`` describes the search that ran.
        grid_step: step of the automatic grid (units for exponents, 5x in natural log for log-scaled parameters).
        exclude_highest_loss: drop this many runs with the highest observed value before fitting (Besiroglu et al.
            2024 drop 5 of Chinchilla's 245), the rule of :func:`fit_chinchilla` for any law; ``LawFit.excluded``
            lists them, and the fit's bootstrap and leave-one-out leave them out too.
        clusters: one label per row (or the name of a column of ``data``) for rows that are not independent runs,
            such as checkpoints of a few runs (the run or model each belongs to). The fit's intervals
            (:meth:`LawFit.predict`), its outlier influence and the planners' floor check then count clusters,
            not rows: a cluster-robust covariance (Liang & Zeger 1986; Cameron & Miller 2015) with clusters − 1
            degrees of freedom. Simulated runs of 8 checkpoints each: 92 % coverage of a nominal 95 % with 12 runs,
            96 % with 24, against 65-69 % counting rows. Needs 2 clusters; reliable from about 20. The fit's
            bootstrap resamples these clusters unless given its own.

    Returns:
        LawFit.

    Raises:
        ScalingKitError: (a ``ValueError``) on bad formulas (with the position), unknown names, bad data or options.
    """
    p = _problem(locals())
    out = ffi.new("sk_fit **")
    check(lib.sk_law_fit(p.law, p.columns(), len(p.arrays), ffi.from_buffer("double[]", p.y), p.n, p.opts, out))
    return _wrap_fit(ffi.gc(out[0], lib.sk_fit_free), p)


def _wrap_fit(fit_handle, p: _Problem) -> "LawFit":
    params, diagnostics = read_fit(fit_handle)
    name, formula = _text(lib.sk_law_name(p.law)), _text(lib.sk_law_formula(p.law))
    return LawFit(
        law=name, formula=formula, citation=_text(lib.sk_law_citation(p.law)), params=params,
        inputs=p.input_names, **diagnostics,
        at_bound=tuple(p.param_names[j] for j in range(len(params)) if lib.sk_fit_param_at_bound(fit_handle, j)),
        search=_text(lib.sk_fit_search(fit_handle)), excluded=read_excluded(fit_handle),
        config={"law": name, "formula": formula, "inputs": list(p.input_names),
                "points_used": diagnostics["points_used"], "starts": diagnostics["starts"],
                "scalingkit_version": ffi.string(lib.sk_version_string()).decode(), **p.settings},
        _handle=fit_handle, _problem=p)


@dataclass(frozen=True)
class Holdout(Result):
    """A fit on the runs below a threshold, scored on the runs at or above it."""

    fit: LawFit
    threshold: float
    train_count: int
    test_count: int
    errors: PredictionErrors


@dataclass(frozen=True)
class LeaveOneOut(Result):
    """Leave-one-out predictions (NaN where a refit did not converge) and their errors."""

    predictions: np.ndarray
    failed: int
    errors: PredictionErrors


def _fit_arguments(law: str, data: Any, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """Every argument of :func:`fit` for ``fit(law, data, **kwargs)``, defaults included: :func:`fit`'s signature
    is the one list of the options and their defaults."""
    bound = inspect.signature(fit).bind(law, data, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def holdout(law: str, data: Any = None, *, split: Union[str, Sequence[float], np.ndarray], threshold: float,
            **kwargs: Any) -> Holdout:
    """Extrapolation test: fit ``law`` on the runs with ``split < threshold`` and score the runs at or above it.

    ``split`` is a column name of ``data`` (for example ``"C"``) or an array, one value per run; it need not be an
    input of the law. Other keyword arguments are those of :func:`fit`. Runs they leave out are left out of both
    sides: ``exclude_highest_loss`` drops the highest-loss runs of the whole table before the split (since 0.4.7),
    and runs of weight 0 are neither fitted nor scored.
    """
    split_values = as_doubles("split", _column(data, kwargs, split) if isinstance(split, str) else split)
    kwargs = {k: v for k, v in kwargs.items() if not (isinstance(split, str) and k == split)}
    p = _problem(_fit_arguments(law, data, kwargs))
    if len(split_values) != p.n:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"'split' has {len(split_values)} values for {p.n} runs")
    errors = errors_struct()
    out = ffi.new("sk_fit **")
    t = as_number("threshold", threshold)
    check(lib.sk_law_holdout(p.law, p.columns(), len(p.arrays), ffi.from_buffer("double[]", p.y), p.n,
                             ffi.from_buffer("double[]", split_values), t, p.opts, errors, out))
    fit_result = _wrap_fit(ffi.gc(out[0], lib.sk_fit_free), p)
    return Holdout(fit=fit_result, threshold=t, train_count=errors.fitted, test_count=errors.count,
                   errors=read_errors(errors))


def compare(laws: Sequence[str], data: Any = None, *, split: Union[str, Sequence[float], np.ndarray],
            threshold: float, **kwargs: Any):
    """Fit several laws (catalogue names or formulas) on the same runs below ``threshold`` and rank them by their
    held-out RMSE on the runs at or above it, best first (the core's rule, ``sk_law_rank``: an exact tie goes to
    the law with fewer parameters, a non-finite RMSE ranks last). Returns a pandas DataFrame indexed by law when
    pandas is installed, else a list of dicts. A law whose fit did not converge is ranked too (``converged`` False
    in its row) and raises a :class:`~scalingkit.ConvergenceWarning` naming it."""
    laws = list(laws)
    if not laws:
        raise ScalingKitError(lib.SK_ERR_LENGTH, "'laws' is empty: nothing to compare")
    rows = []
    for law in laws:
        h = holdout(law, data, split=split, threshold=threshold, **kwargs)
        # A law whose fit did not converge is ranked all the same (its row says converged=False): say so.
        warn_unconverged(h.fit, f"ranking {law!r} from", "its held-out error")
        rows.append({"law": law, "rmse": h.errors.rmse, "max_relative_error": h.errors.max_relative_error,
                     "mean_relative_error": h.errors.mean_relative_error, "objective": h.fit.objective,
                     "parameters": len(h.fit.params), "converged": h.fit.success, "fit": h.fit})
    rmse = np.array([r["rmse"] for r in rows], dtype=np.float64)
    counts = np.array([r["parameters"] for r in rows], dtype=np.uint64)
    order = np.empty(len(rows), dtype=np.uint64)
    check(lib.sk_law_rank(ffi.from_buffer("double[]", rmse), ffi.cast("size_t *", ffi.from_buffer("uint64_t[]", counts)),
                          len(rows), ffi.cast("size_t *", ffi.from_buffer("uint64_t[]", order, require_writable=True))))
    rows = [rows[i] for i in order]
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows).set_index("law")


def schedule_areas(lr: Union[Sequence[float], np.ndarray], decay: float = 0.999) -> Tuple[np.ndarray, np.ndarray]:
    """Inputs of the ``lr_annealing`` law (Tissue et al. 2024) from the learning rate of every step:
    ``(S1, S2)``, the forward area and the annealing area with momentum ``decay`` (λ ≈ 0.999)."""
    rates = as_doubles("lr", lr)
    s1, s2 = np.empty(len(rates)), np.empty(len(rates))
    check(lib.sk_lr_schedule_areas(ffi.from_buffer("double[]", rates), len(rates), as_number("decay", decay),
                                   ffi.from_buffer("double[]", s1, require_writable=True),
                                   ffi.from_buffer("double[]", s2, require_writable=True)))
    return s1, s2
