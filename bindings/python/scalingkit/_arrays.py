"""Conversion of Python inputs to the C layer's pointer + length pairs (no validation of values: the core does)."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ._errors import ScalingKitError, check
from ._ffi import ffi, lib


def as_doubles(name: str, values: Any) -> np.ndarray:
    """A contiguous 1-D float64 array; lists, tuples, numpy arrays and pandas Series are accepted.

    Refused by name rather than converted silently: complex values (numpy would drop the imaginary part), dates and
    times (numpy would give nanoseconds since 1970), text, and integers beyond a double's range."""
    try:
        probe = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is not numeric: {exc}") from None
    kind = probe.dtype.kind
    if kind == "c" or (kind == "O" and any(isinstance(v, complex) for v in probe.ravel()[:1000])):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is complex; give real numbers")
    if kind in "mM":
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"'{name}' holds dates or durations ({probe.dtype}), not numbers: convert them first")
    if kind in "USV":
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is not numeric (it holds {probe.dtype} values)")
    try:
        arr = np.ascontiguousarray(probe.astype(np.float64))
    except OverflowError:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"'{name}' has an integer beyond the range of a double (about 1.8e308)") from None
    except (TypeError, ValueError) as exc:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is not numeric: {exc}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"'{name}' must be 1-D (got shape {arr.shape})")
    return arr


def as_counts(name: str, values: Any, dtype: Any = np.int64, what: str = "value") -> np.ndarray:
    """A 1-D array of whole non-negative numbers (steps, counts) below 2^63, refused by name otherwise (a float
    step of 2.5, a NaN or a negative value is never truncated)."""
    arr = as_doubles(name, values)
    if arr.size:
        if not np.all(np.isfinite(arr)):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' has a value that is not finite")
        if not np.all(np.mod(arr, 1) == 0):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must hold whole {what} numbers")
        if np.min(arr) < 0:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' has a negative {what} ({np.min(arr):g})")
        if np.max(arr) >= 2.0**63:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' has a value of 2^63 or more")
    return np.ascontiguousarray(arr.astype(dtype))


def same_length(**arrays: np.ndarray) -> int:
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{k}' has {n}" for k, n in lengths.items())
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: {detail}")
    return next(iter(lengths.values()))


def as_size(name: str, value: Any, maximum: int = 2**63) -> int:
    """A non-negative integer for a size_t (or int64) field: whole numbers only (64.5 is refused, not truncated),
    at most ``maximum``."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (complex, np.complexfloating)):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be an integer (got {value!r})")
    try:
        v = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be an integer (got {value!r})") from None
    if v != value or v < 0:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be a non-negative integer (got {value!r})")
    if v > maximum:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is {value!r}: at most {maximum} is accepted")
    return v


def as_text(name: str, value: Any) -> bytes:
    """UTF-8 bytes for a C string; a NUL byte would end the string early in C, so it is refused."""
    if not isinstance(value, str):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be a string (got {type(value).__name__})")
    if "\x00" in value:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"'{name}' contains a NUL character at position {value.index(chr(0))}")
    return value.encode("utf-8", "surrogatepass")


def as_number(name: str, value: Any) -> float:
    """A float (the core judges its range), or ScalingKitError naming the argument for what is not a number."""
    if isinstance(value, (complex, np.complexfloating)):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"{name} must be a real number (got {value!r})")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"{name} must be a number (got {value!r})") from None


def as_finite(name: str, value: Any) -> float:
    """A finite float (a NaN where a value is required would read as 'not given' in C)."""
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' must be a number (got {value!r})") from None
    if not math.isfinite(v):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'{name}' is not finite ({value!r})")
    return v


def set_clusters(opts: Any, labels: Any) -> np.ndarray:
    """Points an options struct's ``clusters``/``clusters_len`` (sk_bootstrap_options, sk_law_fit_options,
    sk_chinchilla_options) at the codes of ``labels``; returns the codes, which the caller keeps alive through the
    C call."""
    codes = label_codes("clusters", labels)
    opts.clusters = ffi.cast("const long long *", ffi.from_buffer("int64_t[]", codes))
    opts.clusters_len = codes.size
    return codes


def label_codes(name: str, labels: Any) -> np.ndarray:
    """One int64 code per label (a run name, a model id: anything hashable), equal labels equal codes, in order of
    first appearance. A missing label (None or NaN) is refused: it would silently form a group of its own."""
    return codes_and_labels(name, labels)[0]


def codes_and_labels(name: str, labels: Any) -> Tuple[np.ndarray, List[Any]]:
    """:func:`label_codes` and the distinct labels by code (code k is ``distinct[k]``)."""
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"{name} must be one label per row (a column or sequence), got {type(labels).__name__}")
    index: Dict[Any, int] = {}
    codes = []
    for i, label in enumerate(labels):
        try:
            hash(label)
        except TypeError as e:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"{name}: labels must be hashable ({e})") from None
        if _missing(label):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"{name}[{i}] is missing ({label!r})")
        codes.append(index.setdefault(label, len(index)))
    return np.ascontiguousarray(codes, dtype=np.int64), list(index)


def _missing(label: Any) -> bool:
    """None, and what is unequal to itself: NaN, NaT, pandas' NA (whose comparison is NA, not a bool)."""
    if label is None:
        return True
    try:
        return bool(label != label)
    except (TypeError, ValueError):
        return True


def missing_column(name: str, data: Any) -> str:
    """The message for a column neither passed nor in ``data``: the data's columns, so that 'lr' beside a missing
    'learning_rate' is seen at once."""
    message = f"'{name}' is missing: pass it, or a DataFrame with it"
    try:
        present = [str(c) for c in (data.keys() if hasattr(data, "keys") else [])]
    except Exception:           # an object that only looks like a mapping: the plain message will do
        present = []
    if present:
        shown = ", ".join(present[:20]) + (f", ... ({len(present) - 20} more)" if len(present) > 20 else "")
        message += f" (the data has {shown}: pass {name}=data['...'] to use one of them)"
    return message


def columns(data: Any, **given: Any) -> Tuple[Dict[str, Any], int]:
    """Each named column from its keyword or else from ``data`` (a DataFrame or mapping), as float64 arrays of one
    length."""
    arrays = {}
    for name, values in given.items():
        if values is None:
            if data is None or name not in data:
                raise ScalingKitError(lib.SK_ERR_NULL_POINTER, missing_column(name, data))
            values = data[name]
        arrays[name] = as_doubles(name, values)
    n = len(next(iter(arrays.values())))
    if any(len(v) != n for v in arrays.values()):
        detail = ", ".join(f"'{k}' has {len(v)}" for k, v in arrays.items())
        raise ScalingKitError(lib.SK_ERR_LENGTH, f"length mismatch: {detail}")
    return arrays, n


def optional(x: float) -> Optional[float]:
    """None for the C layer's NaN meaning 'not available'."""
    return None if math.isnan(x) else x


def vectorised(c_function, name: str, values: Any, *leading: float) -> Any:
    """Calls an ``sk_*(leading..., const double *x, size_t n, double *y)`` evaluator on a number or an array:
    a float back for a number, an array for an array."""
    x = as_doubles(name, values)
    y = np.empty(len(x))
    if len(x) == 0:
        return y
    try:
        check(c_function(*leading, ffi.from_buffer("double[]", x), len(x),
                         ffi.from_buffer("double[]", y, require_writable=True)))
    except ScalingKitError as e:
        raise ScalingKitError(e.status, f"'{name}': {e.message}") from None
    return float(y[0]) if np.ndim(values) == 0 else y


def set_optimizer_options(opts: Any, *, max_iterations: Any, gradient_tolerance: Any, function_tolerance: Any,
                          threads: Any, screen: Any, confirmations: Any) -> None:
    """Fills the sk_optimizer_options nested in every fit's options struct (sk_chinchilla_options,
    sk_law_fit_options, sk_mpl_options), converted once; None keeps the library default."""
    o = opts.optimizer
    o.max_iterations = as_size("max_iterations", max_iterations)
    o.threads = as_size("threads", threads)
    if screen is not None:
        o.screen_refine = as_size("screen", screen)
    if confirmations is not None:
        o.screen_confirmations = as_size("confirmations", confirmations)
    if gradient_tolerance is not None:
        o.gradient_tolerance = as_number("gradient_tolerance", gradient_tolerance)
    if function_tolerance is not None:
        o.function_tolerance = as_number("function_tolerance", function_tolerance)


def optimizer_settings(opts: Any) -> dict:
    """The optimiser settings a fit ran with (for its `config`), read back from the nested sk_optimizer_options."""
    o = opts.optimizer
    return {"screen": o.screen_refine, "confirmations": o.screen_confirmations, "max_iterations": o.max_iterations,
            "gradient_tolerance": o.gradient_tolerance, "function_tolerance": o.function_tolerance}
