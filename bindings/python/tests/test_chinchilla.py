"""The Chinchilla fit through the Python binding, against published numbers and scipy run side by side."""
import warnings

import numpy as np
import pytest

import scalingkit
from scalingkit import ChinchillaFit, ComputeOptimalPlan, fit_chinchilla

import scipy_reference

# Besiroglu et al. (2024), "replicate exactly" cell of Epoch's notebook: the Huber-loss optimum on 240 runs.
EPOCH = {"objective": 1.0182740346e-3, "E": 1.817236, "A": 477.842, "B": 2143.864, "alpha": 0.3473127,
         "beta": 0.3671826}

# A reduced grid keeps the scipy side of the comparison to ~10 s.
REDUCED = {"alpha": [0, 0.5, 1], "beta": [0, 0.5, 1], "e": [-1, 0, 1], "a": [0, 10, 20], "b": [0, 10, 20]}


def rel(x, y):
    return abs(x - y) / abs(y)


@pytest.fixture(scope="module")
def full_fit(chinchilla_data):
    N, D, L = chinchilla_data
    return fit_chinchilla(N, D, L, exclude_highest_loss=5)


def test_reaches_published_optimum(full_fit):
    f = full_fit
    assert isinstance(f, ChinchillaFit) and f.success
    assert f.starts == 4500 and f.points_used == 240 and f.excluded == (0, 1, 2, 3, 4)
    assert f.objective <= EPOCH["objective"] + 1e-12
    for k in ("E", "alpha", "beta"):          # 4 significant digits
        assert rel(getattr(f, k), EPOCH[k]) < 1e-4, k
    for k in ("A", "B"):                      # 3 significant digits: the surface is flat along A and B
        assert rel(getattr(f, k), EPOCH[k]) < 1e-3, k
    # Converged as a law fit is (since 0.4.9): stationary by the Newton decrement, confirmed by several starts.
    assert f.predicted_decrease <= 1e-10 and f.starts_at_optimum >= 2


def test_one_start_is_not_a_confirmed_optimum(chinchilla_data):
    """As for a law fit: one start, however well it converges, did not check the global optimum (before 0.4.9 the
    Chinchilla engine said success)."""
    N, D, L = chinchilla_data
    f = fit_chinchilla(N, D, L, exclude_highest_loss=5,
                       grid={"a": [6.0], "b": [7.0], "e": [0.5], "alpha": [0.3], "beta": [0.3]})
    assert f.starts == 1 and not f.success
    assert f.message.startswith("one start: the global optimum was not checked")


def test_explained_against_scipy(chinchilla_data, full_fit):
    """``explained`` = 1 − objective / (the same Huber loss minimised by one constant), Koenker & Machado's R¹; the
    constant's optimum from scipy's bounded scalar minimiser on the 240 runs the fit kept: 0.9516."""
    from scipy.optimize import minimize_scalar
    N, D, L = chinchilla_data
    y = np.log(np.delete(L, full_fit.excluded))

    def huber(c, delta=1e-3):
        a = np.abs(c - y)
        return np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta)).sum()

    best = minimize_scalar(huber, bounds=(y.min(), y.max()), method="bounded", options={"xatol": 1e-12})
    assert full_fit.explained == pytest.approx(1 - full_fit.objective / best.fun, rel=1e-9)
    assert 0.95 < full_fit.explained < 0.96


def test_screening_finds_the_exhaustive_optimum(chinchilla_data, full_fit):
    """The default screen (best 64 of 4,500 starts by initial objective) against running every start."""
    N, D, L = chinchilla_data
    every = fit_chinchilla(N, D, L, exclude_highest_loss=5, screen=0)
    assert full_fit.starts_refined == 64 and every.starts_refined == 4500
    assert full_fit.objective <= every.objective * (1 + 1e-13)
    for k in ("E", "A", "B", "alpha", "beta"):
        assert rel(getattr(full_fit, k), getattr(every, k)) < 1e-6, k
    assert full_fit.evaluations * 10 < every.evaluations
    assert "screened 4500 starts" in full_fit.message
    with pytest.raises(scalingkit.ScalingKitError, match="confirmations"):
        fit_chinchilla(N, D, L, screen=2, confirmations=3)
    with pytest.raises(scalingkit.ScalingKitError, match="screen"):
        fit_chinchilla(N, D, L, screen=-1)


def test_matches_scipy_side_by_side(chinchilla_data, full_fit):
    N, D, L = chinchilla_data
    keep = np.ones(len(L), dtype=bool)
    keep[list(full_fit.excluded)] = False
    ref = scipy_reference.fit(N[keep], D[keep], L[keep], REDUCED)
    ours = fit_chinchilla(N, D, L, exclude_highest_loss=5, grid=REDUCED)
    for f in (ours, full_fit):
        assert f.objective <= ref["objective"] + 1e-12
        for k in ("E", "alpha", "beta"):
            assert rel(getattr(f, k), ref[k]) < 1e-4, k
        for k in ("A", "B"):
            assert rel(getattr(f, k), ref[k]) < 1e-3, k


def test_compute_optimal_plan(full_fit):
    f = full_fit
    plan = f.compute_optimal(5.76e23)
    assert isinstance(plan, ComputeOptimalPlan)
    assert plan.a == pytest.approx(f.beta / (f.alpha + f.beta), rel=1e-12)
    assert plan.a + plan.b == pytest.approx(1.0, abs=1e-12)
    assert 6 * plan.N * plan.D == pytest.approx(5.76e23, rel=1e-9)
    # Epoch's fit implies ~18 tokens per parameter at Chinchilla's budget (Hoffmann's published law: ~73).
    assert 17 < plan.tokens_per_parameter < 19
    assert plan.loss == pytest.approx(float(f.predict([plan.N], [plan.D])[0]), rel=1e-12)
    # The allocation minimises the loss on the iso-FLOP line C = 6ND.
    for scale in (0.8, 1.25):
        n = plan.N * scale
        assert f.predict([n], [5.76e23 / (6 * n)])[0] > plan.loss


def test_predict_matches_formula(full_fit):
    f = full_fit
    N, D = np.array([1e8, 1e9, 7e10]), np.array([2e9, 2e10, 1.4e12])
    expected = f.E + f.A / N**f.alpha + f.B / D**f.beta
    np.testing.assert_allclose(f.predict(N, D), expected, rtol=1e-13)


def test_recovers_a_known_law_exactly():
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(7, 10, 60)
    D = 10 ** rng.uniform(9, 12, 60)
    L = 1.7 + 410.0 / N**0.34 + 1500.0 / D**0.29
    f = fit_chinchilla(N, D, L, grid=REDUCED)
    assert f.objective < 1e-15
    assert f.alpha == pytest.approx(0.34, rel=1e-6) and f.beta == pytest.approx(0.29, rel=1e-6)
    assert f.E == pytest.approx(1.7, rel=1e-6) and f.A == pytest.approx(410, rel=1e-5)


def test_two_series_mixed_fit_no_better_than_a_constant():
    """Open-Athena's Llama 3 IsoFLOP extract holds each run twice, with its raw and its exp loss. Fitted as one
    sweep, the law does no better than one constant (the optimiser stops at a start of its grid): not a success,
    and the message says why. Either series alone is an ordinary fit that explains most of the spread."""
    import csv
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "data", "isoflops", "extract_llama_3.csv")
    rows = list(csv.DictReader(open(path)))
    N, D, L = (np.array([float(r[k]) for r in rows]) for k in ("params", "tokens", "loss"))
    for fit in (fit_chinchilla(N, D, L), scalingkit.fit("E + A*N^-alpha + B*D^-beta", N=N, D=D, loss=L)):
        assert not fit.success and fit.message.startswith("no better than a constant") and abs(fit.explained) < 0.01
    raw = np.array([r["condition"] == "raw_loss" for r in rows])
    alone = fit_chinchilla(N[raw], D[raw], L[raw])
    assert alone.success and "constant" not in alone.message


def test_deterministic_across_thread_counts(chinchilla_data):
    N, D, L = chinchilla_data
    one = fit_chinchilla(N, D, L, exclude_highest_loss=5, grid=REDUCED, threads=1)
    two = fit_chinchilla(N, D, L, exclude_highest_loss=5, grid=REDUCED, threads=2)
    assert one.params == two.params and one.objective == two.objective
    assert one.evaluations == two.evaluations


def test_dataframe_input(chinchilla_data):
    pd = pytest.importorskip("pandas")
    N, D, L = chinchilla_data
    frame = pd.DataFrame({"N": N, "D": D, "loss": L})
    f = fit_chinchilla(frame, exclude_highest_loss=5, grid=REDUCED)
    g = fit_chinchilla(list(N), list(D), list(L), exclude_highest_loss=5, grid=REDUCED)
    assert f.params == g.params


def test_version():
    """The loaded library, the binding and the installed distribution all carry the header's version."""
    import importlib.metadata
    import os
    import re
    header = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "scalingkit.h")
    with open(header, encoding="utf-8") as f:
        text = f.read()
    version = ".".join(re.search(rf"#define SK_VERSION_{k} (\d+)", text).group(1) for k in ("MAJOR", "MINOR", "PATCH"))
    assert scalingkit.__version__ == scalingkit.library_version() == version
    assert importlib.metadata.version("scalingkit") == version


def test_a_table_mixing_runs_at_one_point_warns(full_fit):
    """The Misfitting runs hold a learning-rate sweep at each (N, D): fitted as one series, every rate counts as a
    run. The fit says so (DataWarning, the fields, the message's last sentence); Epoch's one run per point does not."""
    import os
    import warnings
    pd = pytest.importorskip("pandas")
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
    runs = pd.read_csv(os.path.join(root, "Tests", "data", "misfitting_last_ckpt.csv"))
    with pytest.warns(scalingkit.DataWarning, match=r"210 runs share 65 \(N, D\) point\(s\)") as caught:
        f = fit_chinchilla(runs)
    assert caught[0].filename == __file__                     # the warning points at the caller's line
    assert (f.repeated_points, f.repeated_runs) == (65, 210) and f.repeat_spread == pytest.approx(0.1058, abs=1e-4)
    assert "replicate seeds differ by less than 2 %" in f.message
    with pytest.warns(scalingkit.DataWarning):
        law = scalingkit.fit("E + A*N^-alpha + B*D^-beta", runs)
    assert law.repeated_points == 65
    best = runs.loc[runs.groupby(["N", "D"]).loss.idxmin()]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert fit_chinchilla(best).repeated_points == 0       # one run per point: nothing to say of that
    assert not [w for w in said if "runs share" in str(w.message)]
    assert full_fit.repeated_points == 0 and full_fit.repeat_spread is None


def test_runs_far_off_the_law_are_named(full_fit):
    """Epoch's table: the 4 highest-loss runs (D/N < 0.5) lie 13-45 robust standard deviations off the default fit
    and halve its tokens per parameter at Chinchilla's budget. The default fit used to say nothing; it now names
    them (fields and DataWarning), and the fit without them (Besiroglu et al.'s) has nothing to say."""
    import os
    pd = pytest.importorskip("pandas")
    runs = pd.read_csv(os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "data", "chinchilla_epoch.csv"))
    with pytest.warns(scalingkit.DataWarning, match=r"^4 run\(s\) lie up to 45\.\d+ robust standard deviations off the law "
                      r"\(rows 0, 1, 2, 3; .*they are the 4 highest-loss run\(s\): the fit that excludes the 4 highest-loss runs "
                      r"leaves them out; without them B .*beta 0\.453 → 0\.3708 .*beyond its 95 % interval$") as said:
        f = fit_chinchilla(runs)
    assert said[0].filename == __file__
    assert f.outlier_rows == (0, 1, 2, 3) and f.outliers_highest and f.outlier_score == pytest.approx(45.2, abs=0.1)
    assert f.message.endswith(str(said[0].message))
    # They decide it: the refit without them moves B and beta by 5+ of its standard errors, and the allocation
    # exponent 0.565 -> 0.516 by 2.7 (the core's OutlierInfluence, through sk_fit_info).
    moved = f.outlier_influence
    assert moved.parameter == "B" and 4.5 < moved.standard_errors < 6 and moved.material
    assert moved.with_runs == f.params["B"] and moved.without_runs == pytest.approx(2311, rel=1e-3)
    assert moved.allocation_without == pytest.approx(0.5164, abs=1e-3) and 2.2 < moved.allocation_shift < 3.2
    assert full_fit.outlier_influence is None
    assert full_fit.outlier_rows == () and full_fit.outlier_score is None and not full_fit.outliers_highest
    with warnings.catch_warnings():
        warnings.simplefilter("error", scalingkit.DataWarning)
        besiroglu = fit_chinchilla(runs, exclude_highest_loss=5)
    assert besiroglu.outlier_rows == ()
    # A law fit reports rows of the caller's data, excluded rows counted.
    with pytest.warns(scalingkit.DataWarning, match=r"\(rows 2; .*left: the fit that excludes the 4 highest-loss runs leaves them out"):
        law = scalingkit.fit("chinchilla", runs, exclude_highest_loss=3)
    assert law.excluded == (0, 1, 3) and law.outlier_rows == (2,)
    assert law.outlier_influence.allocation_without is None and law.outlier_influence.parameter in law.params
