"""Compute-optimal planning from any fit: ``plan(fit, compute)`` and ``minimum_compute(fit, target_loss)``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Union

import numpy as np

from ._results import ComputeOptimalPlan, FittedRange, Result, allocate, read_fitted, warn_outside_fitted
from ._errors import check
from ._arrays import as_number
from ._ffi import ffi, lib
from ._fitresult import fit_handle


def plan(fit: Any, compute: Union[float, Sequence[float], np.ndarray]) -> Union[ComputeOptimalPlan, List[ComputeOptimalPlan]]:
    """The (N, D) minimising the fitted loss for ``compute`` FLOPs under C = 6ND, for one budget or a list.

    Closed form for a Chinchilla fit (Hoffmann et al. 2022, eq. 4); numerical minimisation along the budget for any
    law fit whose inputs are N and D (optionally also C). ``a`` and ``b`` are the local exponents
    d ln N_opt / d ln C and d ln D_opt / d ln C. Each plan carries the span of the fitted runs (``fitted``); a plan
    whose D/N lies outside the fitted runs' D/N is warned about once per call (``ratio_within_fitted``).

    Raises:
        ScalingKitError: for budgets ≤ 0, laws without a finite optimum (an exponent ≤ 0), or laws of other inputs.
    """
    handle = fit_handle(fit)
    budgets = np.atleast_1d(np.asarray(compute, dtype=object))
    plans = [allocate(lib.sk_plan_allocate, handle, as_number("compute", c)) for c in budgets]
    warn_outside_fitted(plans)
    return plans if np.ndim(compute) else plans[0]


def at_tokens_per_parameter(fit: Any, compute: float, tokens_per_parameter: float) -> ComputeOptimalPlan:
    """The allocation of ``compute`` FLOPs at a fixed D/N ratio and its loss; minus ``plan(fit, compute).loss`` it is
    the over-training penalty (Gadre et al. 2024 train at ratios up to 640)."""
    return allocate(lib.sk_plan_at_ratio, fit_handle(fit), as_number("compute", compute),
                    as_number("tokens_per_parameter", tokens_per_parameter))


def minimum_compute(fit: Any, target_loss: float) -> ComputeOptimalPlan:
    """The least compute whose compute-optimal allocation reaches ``target_loss``, with that allocation.

    Warns, as :func:`plan`, when the allocation's D/N lies outside the fitted runs' D/N.

    Raises:
        ScalingKitError: for a target the law does not reach (at or below its irreducible loss).
    """
    result = allocate(lib.sk_plan_minimum_compute, fit_handle(fit), as_number("target_loss", target_loss))
    warn_outside_fitted([result])
    return result


@dataclass(frozen=True)
class InferenceAwarePlan(Result):
    """Least training plus inference FLOPs for a model of a given loss (Sardana et al. 2024), next to the
    training-optimal model of the same loss.

    ``fitted`` is the span of the runs behind the fit; ``ratio_within_fitted`` says whether the plan's D/N lies
    among their ratios (None where unknown). Heavy inference pushes D/N past the training-optimal ratio: beyond the
    fitted ones, the loss reached at that D, and so the saving, is the law's extrapolation."""

    loss: float
    inference_tokens: float
    N: float
    D: float
    training_flops: float
    inference_flops: float
    total_flops: float
    optimal_N: float
    optimal_D: float
    optimal_total_flops: float
    saved_flops: float
    fitted: Optional[FittedRange] = None
    ratio_within_fitted: Optional[bool] = None

    @property
    def tokens_per_parameter(self) -> float:
        """D/N of the plan."""
        return self.D / self.N


def inference_aware(fit: Any, target_loss: float, inference_tokens: float) -> InferenceAwarePlan:
    """Sardana et al. (2024): the (N, D_train) minimising 6·N·D_train + 2·N·inference_tokens at ``target_loss``.

    Heavy inference favours smaller models trained longer than the training-optimal (Chinchilla) choice;
    ``saved_flops`` is what that saves over the model's life. Warns when the plan's D/N lies outside the fitted
    runs' ratios (``ratio_within_fitted``).
    """
    out = ffi.new("sk_inference_plan *")
    out.struct_size = ffi.sizeof("sk_inference_plan")
    check(lib.sk_plan_inference_aware(fit_handle(fit), as_number("target_loss", target_loss),
                                      as_number("inference_tokens", inference_tokens), out))
    fitted, within = read_fitted(out)
    result = InferenceAwarePlan(loss=out.loss, inference_tokens=out.inference_tokens, N=out.params, D=out.tokens,
                                training_flops=out.training_flops, inference_flops=out.inference_flops,
                                total_flops=out.total_flops, optimal_N=out.optimal_params, optimal_D=out.optimal_tokens,
                                optimal_total_flops=out.optimal_total_flops, saved_flops=out.saved_flops,
                                fitted=fitted, ratio_within_fitted=within)
    warn_outside_fitted([result], lambda p: f"the inference-aware plan trains to D/N = {p.tokens_per_parameter:.3g}",
                        "the loss it reaches there, and so the saving, is the law's extrapolation")
    return result
