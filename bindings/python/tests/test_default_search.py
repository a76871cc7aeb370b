"""The default search of scalingkit.fit (issue 14): no hints needed, the search reported, honest success, and
confidence and prediction intervals on every law fit."""
import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest

import scalingkit
from scalingkit import ScalingKitError


@pytest.fixture(scope="module")
def epoch(chinchilla_data):
    N, D, L = chinchilla_data
    keep = np.sort(np.argsort(L)[:-5])
    return pd.DataFrame({"N": N[keep], "D": D[keep], "loss": L[keep]})


def test_the_issues_formulas_reach_the_catalogue_optimum(epoch):
    reference = scalingkit.fit("chinchilla", epoch)
    assert reference.success
    for formula in ["E + A*N^-alpha + B*D^-beta", "L0 + (n0/N)^a + (d0/D)^b", "E + A*N^alpha + B*D^beta"]:
        f = scalingkit.fit(formula, epoch)
        assert f.success, f.message
        assert f.objective <= reference.objective * (1 + 1e-7), (formula, f.objective, reference.objective)
        assert "variable projection" in f.search and "step 0.02" in f.search, f.search
        assert f.predicted_decrease <= 1e-10 and math.isfinite(f.relative_gradient)
        assert f.config["search"] == "auto" and f.config["grid_step"] == 0.02


def test_loss_versus_compute_typed_as_a_formula_converges(chinchilla_data):
    # All 245 runs, most off the compute frontier: 226 residuals in the Huber loss's linear part. The typed
    # formula reaches the catalogue law's optimum and says so; it was reported "stalled" (relative gradient
    # 1.19e-5) while the Hessian taken across Huber kinks came out indefinite.
    N, D, L = chinchilla_data
    runs = pd.DataFrame({"C": 6 * N * D, "loss": L})
    named = scalingkit.fit("compute", runs)
    typed = scalingkit.fit("E + A*C^-gamma", runs)
    assert named.success and typed.success, typed.message
    assert typed.predicted_decrease <= 1e-10
    assert typed.params["E"] == pytest.approx(named.params["Linf"], rel=1e-6)
    assert typed.params["gamma"] == pytest.approx(named.params["alpha"], rel=1e-6)


def test_search_options(epoch):
    single = scalingkit.fit("E + A*N^-alpha + B*D^-beta", epoch, search="single")
    assert not single.success and "global optimum was not checked" in single.message and single.starts == 1
    legacy = scalingkit.fit("E + A*N^-alpha + B*D^-beta", epoch, search="start_grid")
    assert legacy.starts == 1 and not legacy.success and "starting grid" in legacy.search
    coarse = scalingkit.fit("E + A*N^-alpha + B*D^-beta", epoch, grid_step=0.1)
    assert "step 0.1" in coarse.search and coarse.starts == 31 * 31
    with pytest.raises(ScalingKitError, match="unknown search"):
        scalingkit.fit("chinchilla", epoch, search="exhaustive")
    with pytest.raises(ScalingKitError, match="gridStep must be finite and > 0"):
        scalingkit.fit("chinchilla", epoch, grid_step=0)
    with pytest.raises(ScalingKitError, match="gridStep applies to the automatic search"):
        scalingkit.fit("chinchilla", epoch, search="start_grid", grid_step=0.05)


def test_prediction_and_confidence_intervals(epoch):
    f = scalingkit.fit("chinchilla", epoch)
    at = {"N": [7e10, 1e9], "D": [1.4e12, 2e10]}
    mean = f.predict(at)
    c = f.predict(at, interval="confidence")
    p = f.predict(at, interval="prediction", level=0.9)
    assert isinstance(c, scalingkit.PredictionIntervals) and c.kind == "confidence" and p.level == 0.9
    np.testing.assert_allclose(c.estimate, mean, rtol=1e-12)
    assert np.all(c.lower < mean) and np.all(mean < c.upper)
    assert np.all(p.lower < c.lower) and np.all(c.upper < p.upper)
    # The dedicated Chinchilla engine gives the same intervals (the catalogue law's covariance at its optimum).
    fc = scalingkit.fit_chinchilla(epoch["N"], epoch["D"], epoch["loss"])
    pc = fc.predict(at["N"], at["D"], interval="prediction", level=0.9)
    np.testing.assert_allclose(pc.lower, p.lower, rtol=1e-6)
    np.testing.assert_allclose(pc.upper, p.upper, rtol=1e-6)
    frame = p.to_frame()
    assert list(frame.columns) == ["estimate", "lower", "upper"] and len(frame) == 2
    with pytest.raises(ScalingKitError, match="unknown interval"):
        f.predict(at, interval="credible")
    with pytest.raises(ScalingKitError, match="level must be in"):
        f.predict(at, interval="prediction", level=95)


def test_runs_at_weight_zero_do_not_narrow_the_intervals(epoch):
    """Weight 0 leaves a run out: the intervals equal those of the fit without its rows. They used to count its
    zero residual, which shrank the scatter and inflated the degrees of freedom (half the runs at weight 0:
    intervals about 1/sqrt(2) as wide)."""
    at = {"N": [7e10], "D": [1.4e12]}
    w = np.where(np.arange(len(epoch)) % 2 == 0, 1.0, 0.0)
    weighted = scalingkit.fit("chinchilla", epoch, weights=w)
    subset = scalingkit.fit("chinchilla", epoch[w > 0].reset_index(drop=True))
    assert weighted.params == pytest.approx(subset.params, rel=1e-6)
    for kind in ("confidence", "prediction"):
        a, b = weighted.predict(at, interval=kind), subset.predict(at, interval=kind)
        assert (a.lower[0], a.upper[0]) == pytest.approx((b.lower[0], b.upper[0]), rel=1e-6), kind


def test_checkpoints_are_counted_as_runs_with_clusters():
    """Gemstones: 220 checkpoints of 22 models. Labelled by run, the covariance is cluster-robust and the interval
    at 7e10 parameters and 1.4e12 tokens widens from 0.101 to 0.142 (the same estimate); a column name and the
    column itself give the same fit; bad labels are refused."""
    from conftest import ROOT
    g = pd.read_csv(os.path.join(ROOT, "Tests", "data", "gemstones_hot.csv"))
    at = {"N": [7e10], "D": [1.4e12]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scalingkit.DataWarning)
        rows = scalingkit.fit("chinchilla", g)
        runs = scalingkit.fit("chinchilla", g, clusters="run_name")
        same = scalingkit.fit("chinchilla", g, clusters=g["run_name"].to_numpy())
    a, b = rows.predict(at, interval="confidence"), runs.predict(at, interval="confidence")
    assert b.estimate[0] == pytest.approx(a.estimate[0], rel=1e-12)
    assert (b.upper[0] - b.lower[0]) > 1.3 * (a.upper[0] - a.lower[0])
    assert runs.config["clustered"] and not rows.config["clustered"]
    c = same.predict(at, interval="confidence")
    assert (c.lower[0], c.upper[0]) == (b.lower[0], b.upper[0])
    # The dedicated Chinchilla engine takes the same labels and gives the same interval.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scalingkit.DataWarning)
        engine = scalingkit.fit_chinchilla(g, clusters="run_name")
    e = engine.predict(at["N"], at["D"], interval="confidence")
    assert (e.lower[0], e.upper[0]) == pytest.approx((b.lower[0], b.upper[0]), rel=1e-6)
    # Both engines' bootstraps resample the fit's clusters unless told otherwise.
    assert np.array_equal(engine.bootstrap(20, seed=3).samples,
                          engine.bootstrap(20, seed=3, clusters=g["run_name"]).samples)
    assert np.array_equal(runs.bootstrap(20, seed=3).samples, runs.bootstrap(20, seed=3, clusters=g["run_name"]).samples)
    assert not np.array_equal(runs.bootstrap(20, seed=3).samples, rows.bootstrap(20, seed=3).samples)
    with pytest.raises(ScalingKitError, match="'clusters' has 2 labels for 220 runs"):
        scalingkit.fit_chinchilla(g, clusters=["a", "b"])
    with pytest.raises(ScalingKitError, match="clusters: no column 'run'"):
        scalingkit.fit_chinchilla(g, clusters="run")
    with pytest.raises(ScalingKitError, match="'clusters_len' is 3 for 220 runs"):
        scalingkit.fit("chinchilla", g, clusters=["a", "b", "c"])
    with pytest.raises(ScalingKitError, match="lie in 1 cluster"):
        scalingkit.fit("chinchilla", g, clusters=["x"] * len(g))
    with pytest.raises(ScalingKitError, match="clusters"):
        scalingkit.fit("chinchilla", g, clusters=[None] * len(g))
    with pytest.raises(ScalingKitError, match="no data for input 'run'"):
        scalingkit.fit("chinchilla", g, clusters="run")


def test_prediction_interval_coverage_on_synthetic_sweeps():
    """A quick coverage check through Python (the Swift suite runs 600 sweeps): 200 sweeps of a power law with
    known log-normal scatter; a nominal 95 % prediction interval covers a fresh run 90-99 % of the time."""
    rng = np.random.default_rng(7)
    N = np.logspace(7, 10, 30)
    mean = lambda n: 1.8 + 480 * n ** -0.34
    hits = 0
    for _ in range(200):
        y = mean(N) * np.exp(0.02 * rng.standard_normal(N.size))
        f = scalingkit.fit("E + A*N^-alpha", {"N": N, "loss": y})
        p = f.predict({"N": [1e11]}, interval="prediction")
        fresh = mean(1e11) * math.exp(0.02 * rng.standard_normal())
        hits += p.lower[0] <= fresh <= p.upper[0]
    assert 0.90 <= hits / 200 <= 0.99, hits
