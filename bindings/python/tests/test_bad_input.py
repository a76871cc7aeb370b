"""Bad input raises ScalingKitError (a ValueError) with the C status and a message naming the problem."""
import math

import numpy as np
import pytest

from scalingkit import ScalingKitError, fit_chinchilla

N = np.array([1e7, 3e7, 1e8, 3e8, 1e9, 3e9])
D = np.array([1e9, 3e9, 1e10, 3e10, 1e11, 3e11])
L = np.array([4.0, 3.6, 3.2, 2.9, 2.6, 2.4])
SMALL = {"alpha": [0.5], "beta": [0.5], "e": [0.5], "a": [5], "b": [5]}


def with_value(arr, i, v):
    out = arr.copy()
    out[i] = v
    return out


CASES = [
    ("empty", ([], [], []), {}, "SK_ERR_LENGTH", "no data"),
    ("mismatched", (N, D[:4], L), {}, "SK_ERR_LENGTH", "length mismatch"),
    ("NaN loss", (N, D, with_value(L, 2, math.nan)), {}, "SK_ERR_INVALID_ARGUMENT", "'loss'[2] is not finite"),
    ("+Inf N", (with_value(N, 0, math.inf), D, L), {}, "SK_ERR_INVALID_ARGUMENT", "'N'[0] is not finite"),
    ("-Inf D", (N, with_value(D, 1, -math.inf), L), {}, "SK_ERR_INVALID_ARGUMENT", "'D'[1] is not finite"),
    ("zero N", (with_value(N, 3, 0.0), D, L), {}, "SK_ERR_INVALID_ARGUMENT", "'N'[3] must be > 0"),
    ("negative D", (N, with_value(D, 4, -5.0), L), {}, "SK_ERR_INVALID_ARGUMENT", "'D'[4] must be > 0"),
    ("negative loss", (N, D, with_value(L, 5, -1.0)), {}, "SK_ERR_INVALID_ARGUMENT", "'loss'[5] must be > 0"),
    ("2-D", (N.reshape(2, 3), D, L), {}, "SK_ERR_LENGTH", "1-D"),
    ("strings", (["a"] * 6, D, L), {}, "SK_ERR_INVALID_ARGUMENT", "not numeric"),
    ("too few runs", (N[:4], D[:4], L[:4]), {}, "SK_ERR_LENGTH", "fewer than 5"),
    ("exclusion leaves too few", (N, D, L), {"exclude_highest_loss": 2}, "SK_ERR_LENGTH", "fewer than 5"),
    ("negative exclusion", (N, D, L), {"exclude_highest_loss": -1}, "SK_ERR_INVALID_ARGUMENT", "exclude_highest_loss"),
    ("negative delta", (N, D, L), {"huber_delta": -1e-3}, "SK_ERR_INVALID_ARGUMENT", "huber delta"),
    ("NaN delta", (N, D, L), {"huber_delta": math.nan}, "SK_ERR_INVALID_ARGUMENT", "huber delta"),
    ("zero iterations", (N, D, L), {"max_iterations": 0}, "SK_ERR_INVALID_ARGUMENT", "iterations"),
    ("negative tolerance", (N, D, L), {"gradient_tolerance": -1.0}, "SK_ERR_INVALID_ARGUMENT", "gradient tolerance"),
    ("unknown grid axis", (N, D, L), {"grid": {"gamma": [1.0]}}, "SK_ERR_INVALID_ARGUMENT", "unknown grid axis"),
    ("empty grid axis", (N, D, L), {"grid": {"alpha": []}}, "SK_ERR_LENGTH", "start_alpha"),
    ("NaN in grid", (N, D, L), {"grid": {"beta": [0.5, math.nan]}}, "SK_ERR_INVALID_ARGUMENT", "non-finite"),
]


@pytest.mark.parametrize("name,args,kwargs,code,needle", CASES, ids=[c[0] for c in CASES])
def test_fit_rejects(name, args, kwargs, code, needle):
    with pytest.raises(ScalingKitError) as info:
        fit_chinchilla(*args, **kwargs)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == code, err
    assert needle in err.message, err.message
    assert err.status < 0


def test_missing_columns():
    pd = pytest.importorskip("pandas")
    with pytest.raises(ScalingKitError, match="lacks column"):
        fit_chinchilla(pd.DataFrame({"N": N, "D": D}))


def test_missing_arrays():
    with pytest.raises(ScalingKitError, match="pass N, D and loss"):
        fit_chinchilla(N, D)


@pytest.fixture(scope="module")
def small_fit():
    return fit_chinchilla(N, D, L, grid=SMALL)


@pytest.mark.parametrize("compute", [0.0, -1e20, math.nan, math.inf])
def test_plan_rejects_bad_budget(small_fit, compute):
    with pytest.raises(ScalingKitError, match="compute budget") as info:
        small_fit.compute_optimal(compute)
    assert info.value.code == "SK_ERR_INVALID_ARGUMENT"


def test_plan_rejects_non_number(small_fit):
    with pytest.raises(ScalingKitError, match="must be a number"):
        small_fit.compute_optimal("lots")


@pytest.mark.parametrize("n,d,code,needle", [
    ([], [], "SK_ERR_LENGTH", "no data"),
    ([1e9, 2e9], [1e10], "SK_ERR_LENGTH", "length mismatch"),
    ([1e9, math.nan], [1e10, 1e10], "SK_ERR_INVALID_ARGUMENT", "'N'[1] is not finite"),
    ([1e9], [0.0], "SK_ERR_INVALID_ARGUMENT", "'D'[0] must be > 0"),
])
def test_predict_rejects(small_fit, n, d, code, needle):
    with pytest.raises(ScalingKitError) as info:
        small_fit.predict(n, d)
    assert info.value.code == code and needle in info.value.message
