"""Hyperparameter scaling laws fitted from your own sweep, and μP's coordinate check."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Hashable, List, Optional, Tuple

import numpy as np

from ._results import Interval, Result, plain, read_interval
from ._errors import ScalingKitError, check
from ._arrays import as_counts, as_number, columns, optional, vectorised
from ._ffi import ffi, lib
from .enums import CoordVerdict, label
from ._plots import log_axes


@dataclass(frozen=True)
class SweepCell(Result):
    """The runs of one (N, D, batch): the vertex of a parabola of the loss in ln η, with a delta-method interval."""

    N: float
    D: float
    batch: float
    weight_decay: float
    runs: int
    learning_rates: int
    located: bool
    optimal_lr: Optional[float]
    #: The delta-method interval on the optimal learning rate (None without an optimum or degrees of freedom).
    interval: Optional[Interval]
    optimal_loss: Optional[float]
    #: How the cell was read (which runs the parabola went through), or why it locates no optimum.
    note: str = ""


@dataclass(frozen=True)
class SweepLaw(Result):
    """y = coefficient · N^exponent_N · D^exponent_D, fitted through the cells' optima.

    An exponent is None when its variable did not vary independently across the optima. A sweep at one D/N (the
    common D = 20·N), at one D or at one N puts its optima on a line in (ln N, ln D), which cannot separate N's
    effect from D's: the law is then fitted along that line alone (``exponent_N`` carries D's effect too), the
    ``support_*`` fields say which line, and :meth:`HPSweepResult.predict` refuses points more than 10 % off it.
    """

    coefficient: float
    exponent_N: Optional[float]
    exponent_D: Optional[float]
    #: Standard errors of the exponents: the larger of OLS's σ²(XᵀX)⁻¹ and White's HC1 (since 0.4.8).
    stderr_N: Optional[float] = None
    stderr_D: Optional[float] = None
    points: int = 0
    #: Every optimum has this N (None: N varies).
    support_N: Optional[float] = None
    #: Every optimum has D = support_D_coefficient · N^support_D_exponent (exponent 0: one D; 1: a fixed D/N);
    #: None: D varies independently of N.
    support_D_coefficient: Optional[float] = None
    support_D_exponent: Optional[float] = None


@dataclass(frozen=True)
class TimescaleLaw(Result):
    """τ_opt = coefficient · (D/N)^exponent."""

    coefficient: float
    exponent: float
    stderr: Optional[float]
    points: int

    def __call__(self, tokens_per_parameter: Any) -> Any:
        """τ_opt at a tokens-per-parameter ratio (a number or an array), evaluated by the core."""
        return vectorised(lib.sk_power_law_evaluate, "tokens_per_parameter", tokens_per_parameter, self.coefficient,
                          self.exponent)


class HPSweepResult:
    """η_opt(N, D) (and B_opt where the sweep locates it) fitted through the optima of a sweep's cells."""

    def __init__(self, handle):
        self._handle = handle
        info = ffi.new("sk_hp_sweep_info *")
        info.struct_size = ffi.sizeof("sk_hp_sweep_info")
        check(lib.sk_hp_sweep_get_info(handle, info))
        self.learning_rate = SweepLaw(info.lr_coefficient, optional(info.lr_exponent_N), optional(info.lr_exponent_D),
                                      optional(info.lr_stderr_N), optional(info.lr_stderr_D), info.lr_points,
                                      optional(info.lr_support_N), optional(info.lr_support_D_coefficient),
                                      optional(info.lr_support_D_exponent))
        self.batch = (SweepLaw(info.batch_coefficient, optional(info.batch_exponent_N), optional(info.batch_exponent_D),
                               points=info.batch_points, support_N=optional(info.batch_support_N),
                               support_D_coefficient=optional(info.batch_support_D_coefficient),
                               support_D_exponent=optional(info.batch_support_D_exponent))
                      if info.has_batch_law else None)
        self.message = ffi.string(lib.sk_hp_sweep_message(handle)).decode()
        #: τ_opt = coefficient·(D/N)^exponent (AdamW's timescale B/(ηλD); Power Lines 2025), or None.
        self.timescale = (TimescaleLaw(info.timescale_coefficient, info.timescale_exponent,
                                       optional(info.timescale_stderr), info.timescale_points)
                          if info.has_timescale_law else None)
        cells = []
        c = ffi.new("sk_hp_sweep_cell *")
        for i in range(info.cells):
            c.struct_size = ffi.sizeof("sk_hp_sweep_cell")
            check(lib.sk_hp_sweep_cell_at(handle, i, c))
            note = lib.sk_hp_sweep_cell_note(handle, i)
            cells.append(SweepCell(c.N, c.D, c.batch, c.weight_decay, c.runs, c.learning_rates, bool(c.located), optional(c.optimal_lr),
                                   read_interval(c.interval), optional(c.optimal_loss),
                                   ffi.string(note).decode() if note != ffi.NULL else ""))
        self.cells: Tuple[SweepCell, ...] = tuple(cells)

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None:
            lib.sk_hp_sweep_free(handle)
            self._handle = None

    def __repr__(self) -> str:
        return f"HPSweepResult(learning_rate={self.learning_rate}, batch={self.batch}, message={self.message!r})"

    def predict(self, N: float, D: float, confidence: float = 0.95) -> Tuple[float, Optional[Interval], Optional[float]]:
        """(learning rate, its interval at ``confidence`` or None, batch in tokens or None) at (N, D).

        The batch is None without a batch law or more than 10 % off its support.

        Raises:
            ScalingKitError: for N or D not finite and > 0, or (N, D) more than 10 % off the learning-rate law's
                support (a sweep at one D/N says nothing about another; see :class:`SweepLaw`).
        """
        lr, b = ffi.new("double *"), ffi.new("double *")
        interval = ffi.new("sk_interval *")
        check(lib.sk_hp_sweep_predict(self._handle, as_number("N", N), as_number("D", D),
                                      as_number("confidence", confidence), lr, interval, b))
        return lr[0], read_interval(interval), optional(b[0])

    def to_dict(self) -> dict:
        """The laws, message and cells as plain Python values."""
        return {"learning_rate": plain(self.learning_rate), "batch": plain(self.batch),
                "timescale": plain(self.timescale), "message": self.message, "cells": plain(self.cells)}

    def to_frame(self):
        """The cells as a pandas DataFrame (one row per (N, D, batch, weight decay))."""
        return self.cells_frame()

    def cells_frame(self):
        """The cells as a pandas DataFrame (the interval as columns ``lower``, ``upper``; NaN where undefined)."""
        import pandas as pd
        rows = []
        for c in self.cells:
            row = {f.name: getattr(c, f.name) for f in fields(SweepCell) if f.name != "interval"}
            row["lower"], row["upper"] = (c.interval.lower, c.interval.upper) if c.interval else (np.nan, np.nan)
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, ax: Any = None):
        """Each located cell's optimal learning rate (with its interval) and the fitted law: against N, one series
        per D (a sweep at one N: against D; on a line D = c·N^e such as a fixed D/N: one series along it). Returns
        the Axes."""
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        located = [c for c in self.cells if c.located]
        law = self.learning_rate
        one_N = law.support_N is not None                                   # the law is in D
        along = not one_N and law.support_D_exponent not in (None, 0.0)     # D on a line in N, e.g. a fixed D/N
        series = ([located] if one_N or along
                  else [[c for c in located if c.D == D] for D in sorted({c.D for c in located})])
        against = "D" if one_N else "N"
        for cs in series:
            cs = sorted(cs, key=lambda c: getattr(c, against))
            y = np.array([c.optimal_lr for c in cs])
            lo = np.array([c.interval.lower if c.interval else c.optimal_lr for c in cs])
            hi = np.array([c.interval.upper if c.interval else c.optimal_lr for c in cs])
            label = f"N = {cs[0].N:.2g}" if one_N else "along the sweep's D(N)" if along else f"D = {cs[0].D:.2g}"
            pts = ax.errorbar([getattr(c, against) for c in cs], y, yerr=[y - lo, hi - y], fmt="o", markersize=3,
                              label=label)
            grid = np.geomspace(getattr(cs[0], against), getattr(cs[-1], against), 50)
            if one_N:
                points = [(law.support_N, d) for d in grid]
            elif along:
                points = list(zip(grid, vectorised(lib.sk_power_law_evaluate, "N", grid, law.support_D_coefficient,
                                                   law.support_D_exponent)))
            else:
                points = [(n, cs[0].D) for n in grid]
            ax.plot(grid, [self.predict(n, d)[0] for n, d in points], "-", color=pts[0].get_color())
        return log_axes(ax, "parameters N" if against == "N" else "tokens D", "optimal learning rate")


def fit_hp_sweep(data: Any = None, *, N: Any = None, D: Any = None, learning_rate: Any = None, batch: Any = None,
                 loss: Any = None, weight_decay: Any = None) -> HPSweepResult:
    """Fits η_opt(N, D) = k·N^a·D^b (and B_opt where 3+ batches per (N, D) locate it) from a sweep.

    Each (N, D, batch) cell's optimum is the vertex of a parabola in ln η through its best learning rate and two
    neighbours on each side, or one on each side where that vertex lands more than half a grid step from the best
    run: real sweeps are lopsided and diverge at the top, which drags a parabola through every run toward the
    gentle side (each ``SweepCell.note`` says which runs it used). A cell whose best run is at an end of the sweep
    locates nothing. A loss of NaN or inf is a run that diverged, as training logs record it: its rate counts as
    swept and worse than any run that trained, and no parabola goes through it. A sweep at one tokens-per-parameter
    ratio, one D or one N is fitted along that line and predicts on it only (see :class:`SweepLaw`).

    Args:
        data: a DataFrame (or mapping) with columns ``N``, ``D``, ``learning_rate``, ``batch``, ``loss``; or pass
            the arrays. ``batch`` in tokens; one value everywhere is fine (then no batch law). An optional
            ``weight_decay`` column (PyTorch's coupled λ) swept at fixed learning rates also fits τ_opt(D/N).

    Raises:
        ScalingKitError: for mismatched arrays, values ≤ 0, or a sweep with fewer than 3 learning rates per cell
            ("no optimum can be located").
    """
    cols, n = columns(data, N=N, D=D, learning_rate=learning_rate, batch=batch, loss=loss)
    has_wd = weight_decay is not None or (data is not None and weight_decay is None and "weight_decay" in data)
    wd = columns(data, weight_decay=weight_decay)[0]["weight_decay"] if has_wd else None
    if wd is not None and len(wd) != n:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: 'weight_decay' has {len(wd)}, the others {n}")
    out = ffi.new("sk_hp_sweep **")
    check(lib.sk_hp_sweep_fit(*(ffi.from_buffer("double[]", cols[k]) for k in ("N", "D", "learning_rate", "batch", "loss")),
                              ffi.from_buffer("double[]", wd) if wd is not None else ffi.NULL, n, out))
    return HPSweepResult(out[0])


@dataclass(frozen=True)
class CoordLayer(Result):
    """One layer of a coordinate check: the slope of ln RMS against ln width of largest magnitude over the steps, and
    whether it is stable (μP: ≈ 0), grows or vanishes with width."""

    layer: Any
    worst_slope: float
    verdict: str


#: Column names a coordinate-check table may use: this package's, then ``mup.get_coord_data``'s
#: (``module``, ``width``, ``t``, ``l1``: the mean |activation|, whose slope against width is the RMS's).
_COORD_COLUMNS = (("layer", "module"), ("width",), ("step", "t"), ("rms", "l1"))


def _coord_records(layer: Any, width: Any, step: Any, rms: Any) -> Tuple[Any, Any, Any, Any]:
    """The four per-record columns, from the arrays, or from a table (DataFrame or mapping) passed as ``layer``
    with the columns of :data:`_COORD_COLUMNS`."""
    if width is not None or step is not None or rms is not None or not hasattr(layer, "keys"):
        missing = [name for name, v in (("width", width), ("step", step), ("rms", rms)) if v is None]
        if missing:
            raise ScalingKitError(lib.SK_ERR_NULL_POINTER, f"{', '.join(missing)} missing: pass layer, width, step "
                                  "and rms per record, or one table (mup.get_coord_data's DataFrame) alone")
        return layer, width, step, rms
    keys = [str(k) for k in layer.keys()]
    found = []
    for names in _COORD_COLUMNS:
        name = next((n for n in names if n in keys), None)
        if name is None:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"the table has no column {' or '.join(repr(n) for n in names)} (it has "
                                  f"{', '.join(keys)}): pass layer, width, step, rms, or mup.get_coord_data's "
                                  "module, width, t, l1")
        found.append(layer[name])
    return tuple(found)  # type: ignore[return-value]


def coord_check(layer: Any, width: Any = None, step: Any = None, rms: Any = None,
                threshold: float = 0.25) -> List[CoordLayer]:
    """μP's coordinate check (TP5; ``mup.coord_check``) on recorded activation RMS values.

    Args:
        layer: per record a layer label (any hashable: names or indices); width, step, rms: per record. Or a
            table alone (a DataFrame or mapping) with columns ``layer``, ``width``, ``step``, ``rms`` — or the
            DataFrame ``mup.get_coord_data`` returns (``module``, ``width``, ``t``, ``l1``), as it is.
        threshold: |slope| above which a layer is flagged.
    """
    layer, width, step, rms = _coord_records(layer, width, step, rms)
    sequence = isinstance(layer, (list, tuple)) or (hasattr(layer, "__len__") and hasattr(layer, "tolist")
                                                    and np.ndim(layer) == 1)
    labels = list(layer) if sequence else None
    if labels is None:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'layer' must be a sequence of labels (got {type(layer).__name__})")
    if any(not isinstance(x, Hashable) for x in labels):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "'layer' labels must be hashable (names or indices)")
    order = list(dict.fromkeys(labels))
    index = {name: i for i, name in enumerate(order)}
    ids = np.ascontiguousarray([index[x] for x in labels], dtype=np.int64)
    steps = as_counts("step", step, what="step")
    cols, n = columns(None, width=width, rms=rms)
    if len(ids) != n or len(steps) != n:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"{len(ids)} layer labels, {len(steps)} steps, {n} widths and RMS values")
    worst = ffi.new("double[]", max(len(order), 1))
    verdict = ffi.new("int[]", max(len(order), 1))
    count = ffi.new("size_t *")
    check(lib.sk_coord_check(ffi.from_buffer("int64_t[]", ids), ffi.from_buffer("double[]", cols["width"]),
                             ffi.from_buffer("int64_t[]", steps),
                             ffi.from_buffer("double[]", cols["rms"]), n, as_number("threshold", threshold), worst, verdict,
                             max(len(order), 1), count))
    return [CoordLayer(order[k], worst[k], label(CoordVerdict(verdict[k]))) for k in range(count[0])]


def plot_coord_check(layer: Any, width: Any = None, step: Any = None, rms: Any = None, ax: Any = None):
    """RMS against width per layer at the last recorded step, log-log (the picture of ``mup``'s coord check); takes
    what :func:`coord_check` takes, a table from ``mup.get_coord_data`` too."""
    import matplotlib.pyplot as plt
    ax = ax or plt.gca()
    layer, width, step, rms = _coord_records(layer, width, step, rms)
    layer, width, step, rms = list(layer), np.asarray(width, float), np.asarray(step), np.asarray(rms, float)
    last = step.max()
    for name in dict.fromkeys(layer):
        rows = [i for i, x in enumerate(layer) if x == name and step[i] == last]
        rows.sort(key=lambda i: width[i])
        ax.plot(width[rows], rms[rows], "o-", markersize=3, label=str(name))
    return log_axes(ax, "width", f"activation RMS at step {last}")
