"""Conversion of Python inputs to the C layer's pointer + length pairs (no validation of values: the core does)."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ._errors import ScalingKitError
from ._ffi import lib


def as_doubles(name: str, values: Any) -> np.ndarray:
    """A contiguous 1-D float64 array; lists, tuples, numpy arrays and pandas Series are accepted."""
    try:
        arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is not numeric: {exc}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"'{name}' must be 1-D (got shape {arr.shape})")
    return arr


def same_length(**arrays: np.ndarray) -> int:
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{k}' has {n}" for k, n in lengths.items())
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: {detail}")
    return next(iter(lengths.values()))


def as_size(name: str, value: Any) -> int:
    """A non-negative integer for a size_t field."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be an integer (got {value!r})") from None
    if v != value or v < 0 or v > 2**63:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be a non-negative integer (got {value!r})")
    return v


def choice(kind: str, value: Any, table: Mapping[str, int]) -> int:
    """The C enum value for a case-insensitive name, or ScalingKitError listing the known names."""
    key = str(value).lower()
    if key not in table:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"unknown {kind} {value!r}; known: {', '.join(sorted(table))}")
    return table[key]
