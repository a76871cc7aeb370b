"""Reading an sk_fit handle: shared by every fit wrapper."""
from __future__ import annotations

from typing import Any, Dict, Tuple

from ._errors import check
from ._ffi import ffi, lib


def read_fit(handle: Any) -> Tuple[Dict[str, float], Dict[str, Any]]:
    """Parameter values by name, and the diagnostics every fit reports (scipy ``OptimizeResult``-style fields)."""
    count = lib.sk_fit_param_count(handle)
    values = ffi.new("double[]", count)
    check(lib.sk_fit_params(handle, values, count))
    params = {ffi.string(lib.sk_fit_param_name(handle, i)).decode(): values[i] for i in range(count)}
    info = ffi.new("sk_fit_info *")
    info.struct_size = ffi.sizeof("sk_fit_info")
    check(lib.sk_fit_get_info(handle, info))
    diagnostics = dict(
        objective=info.objective, gradient_norm=info.gradient_norm, success=bool(info.converged),
        message=ffi.string(lib.sk_fit_message(handle)).decode("utf-8", "replace"),
        iterations=info.iterations, evaluations=info.evaluations, starts=info.starts,
        starts_refined=info.starts_refined,
        starts_converged=info.starts_converged, starts_at_optimum=info.starts_at_optimum,
        points_used=info.points_used)
    return params, diagnostics
