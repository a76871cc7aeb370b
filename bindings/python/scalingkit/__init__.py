"""ScalingKit: fit neural scaling laws and plan compute-optimal training runs.

    >>> import scalingkit, numpy as np
    >>> fit = scalingkit.fit_chinchilla(N, D, loss, exclude_highest_loss=5)
    >>> fit.alpha, fit.beta, fit.compute_optimal(5.76e23)
    >>> law = scalingkit.fit("E + A*N^-alpha + B*D^-beta", frame, observed="loss")   # any law, any formula

A thin layer over the C library ``libscalingkit.so`` (bundled). Set ``SCALINGKIT_LIBRARY`` to the path of another
build of ``libscalingkit.so.0.4`` (its ABI line) to load it instead of the bundled copy.
"""
from __future__ import annotations

import ctypes as _ctypes
import os as _os

# Library lookup: the SCALINGKIT_LIBRARY override is loaded first (the extension then binds to it by SONAME);
# otherwise the extension's RUNPATH ($ORIGIN) finds the bundled copy, then the system's search path applies.
if _os.environ.get("SCALINGKIT_LIBRARY"):
    _ctypes.CDLL(_os.environ["SCALINGKIT_LIBRARY"], mode=_ctypes.RTLD_GLOBAL)

from ._ffi import ffi as _ffi, lib as _lib  # noqa: E402
from ._errors import ConvergenceWarning, DataWarning, ExtrapolationWarning, ScalingKitError, TransferWarning  # noqa: E402
from ._results import FitDiagnostics, OutlierInfluence  # noqa: E402
from . import enums  # noqa: E402
from .chinchilla import ChinchillaFit, ComputeOptimalPlan, fit_chinchilla  # noqa: E402
from .laws import (Holdout, LawFit, LeaveOneOut, PredictionErrors, PredictionIntervals, catalogue, compare, fit, holdout,  # noqa: E402
                   schedule_areas)
from .bootstrap import Bootstrap, BootstrapPlan, Estimate  # noqa: E402
from ._results import FittedRange, Interval  # noqa: E402
from .multipower import (CurveValidation, HeldOutCurve, LossCurve, MultiPowerFit, WeakParameter, fit_multi_power,  # noqa: E402
                         leave_one_curve_out, multi_power_predict)
from .planning import InferenceAwarePlan, at_tokens_per_parameter, inference_aware, minimum_compute, plan  # noqa: E402
from .isoflop import EnvelopeResult, IsoFLOPBudget, IsoFLOPResult, PowerLaw, envelope, isoflop  # noqa: E402
from .accounting import TransformerCount, count_parameters, nearest_shapes  # noqa: E402
from .timeaware import TimeAwareFrontier, TimedPlan, cheapest_within, time_aware  # noqa: E402
from .transfer import (AdamHyperparameters, GroupHyperparameters, HyperparameterPrediction, TransferResult,  # noqa: E402
                       adam_sqrt_rule, adamw_timescale, attention_scale, hp_law, optimal_learning_rate, transfer,
                       umup_lr_scale, umup_residual_tau, umup_weight_decay)
from .batchsize import (BatchCost, BatchTradeoffFit, GradientNoiseScale, KaplanBatchLaw, NoiseScaleReading,  # noqa: E402
                        batch_cost, batch_law, batch_schedule, convert_critical_batch, fit_batch_law,
                        fit_batch_tradeoff, StepsToTarget, steps_to_target)
from .hpsweep import (CoordLayer, HPSweepResult, SweepCell, SweepLaw, TimescaleLaw, coord_check, fit_hp_sweep,  # noqa: E402
                      plot_coord_check)

__version__ = _ffi.string(_lib.sk_version_string()).decode()
__all__ = ["Bootstrap", "BootstrapPlan", "ChinchillaFit", "ComputeOptimalPlan", "Estimate", "FitDiagnostics", "FittedRange", "OutlierInfluence", "enums", "Holdout", "Interval", "IsoFLOPBudget", "IsoFLOPResult",
           "LawFit", "LeaveOneOut", "PowerLaw", "TransformerCount", "count_parameters", "isoflop",
           "EnvelopeResult", "envelope", "nearest_shapes",
           "LossCurve", "MultiPowerFit", "WeakParameter", "CurveValidation", "HeldOutCurve", "leave_one_curve_out", "PredictionErrors", "PredictionIntervals", "ConvergenceWarning", "DataWarning", "ExtrapolationWarning", "ScalingKitError", "TransferWarning", "catalogue", "compare", "fit",
           "fit_chinchilla", "fit_multi_power", "holdout", "inference_aware", "InferenceAwarePlan", "library_version",
           "minimum_compute", "multi_power_predict", "at_tokens_per_parameter",
           "plan", "schedule_areas", "TimeAwareFrontier", "TimedPlan", "cheapest_within", "time_aware",
           "AdamHyperparameters", "GroupHyperparameters", "HyperparameterPrediction", "TransferResult", "adam_sqrt_rule",
           "adamw_timescale", "attention_scale", "umup_residual_tau", "hp_law", "optimal_learning_rate", "transfer", "umup_lr_scale", "umup_weight_decay", "CoordLayer",
           "HPSweepResult", "SweepCell", "SweepLaw", "TimescaleLaw", "coord_check", "fit_hp_sweep", "plot_coord_check",
           "BatchCost", "BatchTradeoffFit", "GradientNoiseScale", "KaplanBatchLaw", "NoiseScaleReading", "batch_cost",
           "batch_law", "batch_schedule", "convert_critical_batch", "fit_batch_law", "fit_batch_tradeoff",
           "StepsToTarget", "steps_to_target"]

if _lib.sk_version_number() != _lib.SK_VERSION_NUMBER:
    raise ImportError(f"scalingkit was built against header {_lib.SK_VERSION_NUMBER} "
                      f"but loaded library {_lib.sk_version_number()}")


def library_version() -> str:
    """The version of the loaded C library."""
    return __version__
