"""Issue 15: Python computes nothing numeric; every evaluation of a fitted relation goes through the core (and is
checked there), and options accept the enums built from the header."""
from __future__ import annotations

import numpy as np
import pytest

import scalingkit as sk
from scalingkit import ScalingKitError
from scalingkit.batchsize import BatchTradeoffFit, KaplanBatchLaw
from scalingkit.enums import Search


def test_power_law_evaluates_in_the_core():
    law = sk.PowerLaw(exponent=0.5, coefficient=0.1, stderr=None, interval=None)
    assert law(1e22) == pytest.approx(1e10, rel=1e-15)
    np.testing.assert_allclose(law([1e20, 1e24]), [1e9, 1e11], rtol=1e-15)
    # numpy would have given NaN (or a complex number) for a negative budget; the core refuses it by name.
    with pytest.raises(ScalingKitError, match=r"'compute'.*finite and > 0"):
        law(-1e22)
    with pytest.raises(ScalingKitError, match="overflows"):
        sk.PowerLaw(exponent=2.0, coefficient=1e300, stderr=None, interval=None)(1e300)


def test_tradeoff_and_kaplan_law_evaluate_in_the_core():
    fit = BatchTradeoffFit(None, 5000.0, 1e7, 2000.0, None, None, None, 0.0, 3, True)
    assert fit.steps(2000) == 10000
    np.testing.assert_array_equal(fit.steps([1000, 4000]), [15000, 7500])
    with pytest.raises(ScalingKitError, match=r"'batch'.*batch\[0\]"):
        fit.steps(0)
    kaplan = KaplanBatchLaw(b_star=2e8, alpha_b=0.21, fits=())
    assert kaplan.critical_batch(3.0) == pytest.approx(sk.batch_law("kaplan", 3.0), rel=1e-12)


def test_isoflop_optimum_goes_through_the_same_evaluator(tmp_path):
    N, D, L, C = [], [], [], []
    for k in range(3):
        c, star = 1e19 * 10**k, 8 + k / 2
        for j in range(-2, 3):
            logn = star + 0.25 * j
            N.append(10**logn); D.append(c / (6 * 10**logn)); C.append(c); L.append(2 + 0.1 * (logn - star) ** 2)
    r = sk.isoflop(N=N, D=D, loss=L, budget=C)
    n_opt, d_opt = r.optimum(1e20)
    assert n_opt == pytest.approx(10**8.5, rel=1e-9) and n_opt == r.a(1e20)
    assert [b.N_opt for b in r.budgets] == pytest.approx([1e8, 10**8.5, 1e9], rel=1e-9)


def test_options_take_the_header_enums():
    N = np.repeat(np.geomspace(1e7, 1e9, 5), 3)
    D = N * np.tile([10.0, 20.0, 40.0], 5)
    L = 1.69 + 406.4 / N**0.34 + 410.7 / D**0.28
    by_enum = sk.fit("chinchilla", N=N, D=D, loss=L, search=Search.START_GRID)
    by_name = sk.fit("chinchilla", N=N, D=D, loss=L, search="start_grid")
    assert by_enum.params == by_name.params


def test_every_fit_shares_one_diagnostics_base_with_scipy_aliases():
    from scalingkit._results import FitDiagnostics
    N = np.repeat(np.geomspace(1e7, 1e9, 5), 3)
    D = N * np.tile([10.0, 20.0, 40.0], 5)
    L = 1.69 + 406.4 / N**0.34 + 410.7 / D**0.28
    fits = [sk.fit_chinchilla(N, D, L), sk.fit("E + A*N^-alpha + B*D^-beta", N=N, D=D, loss=L)]
    for f in fits:
        assert isinstance(f, FitDiagnostics)
        assert f.fun == f.objective and f.nit == f.iterations and f.nfev == f.evaluations
        np.testing.assert_array_equal(f.x, list(f.params.values()))
    assert issubclass(sk.MultiPowerFit, FitDiagnostics)
    # Both engines measure stationarity (the dedicated Chinchilla engine since 0.4.9; NaN before, not a made-up 0).
    # (On these noise-free runs both fits are exact, where relative measures divide by ~1e-31 and say nothing.)
    assert all(np.isfinite(f.relative_gradient) and np.isfinite(f.predicted_decrease) for f in fits)


def test_highest_loss_exclusion_is_one_rule_for_every_law():
    import pandas as pd
    import pathlib
    frame = pd.read_csv(pathlib.Path(__file__).resolve().parents[3] / "examples" / "data" / "chinchilla_epoch.csv")
    dedicated = sk.fit_chinchilla(frame.N, frame.D, frame.loss, exclude_highest_loss=5)
    law = sk.fit("chinchilla", frame, exclude_highest_loss=5)
    assert law.excluded == dedicated.excluded and len(law.excluded) == 5
    assert law.points_used == dedicated.points_used == len(frame) - 5
    for k in ("alpha", "beta"):
        assert law.params[k] == pytest.approx(dedicated.params[k], rel=1e-3)
    with pytest.raises(ScalingKitError, match="exclude_highest_loss"):
        sk.fit("chinchilla", frame, exclude_highest_loss=len(frame))


def test_compare_ranks_with_the_core_rule():
    """compare's order comes from sk_law_rank: the law with the irreducible loss extrapolates best."""
    N = np.logspace(6, 10, 24)
    y = 1.7 + 400 * N ** -0.34
    table = sk.compare(["kaplan_n", "E + A*N^-alpha"], {"N": N, "loss": y}, split=N, threshold=1e9)
    assert list(table.index) == ["E + A*N^-alpha", "kaplan_n"]
    assert table["rmse"].iloc[0] < table["rmse"].iloc[1] / 100
    with pytest.raises(sk.ScalingKitError, match="empty"):
        sk.compare([], {"N": N, "loss": y}, split=N, threshold=1e9)
