"""Critical batch size through the binding: the streamed noise scale against the closed form of a linear regression
(per-example, data-parallel and accumulation), the finite-data correction, the trade-off fit against scipy, and the
definitions, laws and schedule."""

import numpy as np
import pytest

import scalingkit
from scalingkit import GradientNoiseScale, ScalingKitError

LAMBDA = 1 / np.arange(1, 9)
DELTA = 0.6 * np.array([0.3, -0.5, 0.8, 0.1, -0.2, 0.6, -0.4, 0.35]) / np.linalg.norm([0.3, -0.5, 0.8, 0.1, -0.2, 0.6, -0.4, 0.35])


def truth():
    """Linear regression, x ~ N(0, diag(λ)), unit label noise, at w − w* = δ: G = Sδ and
    tr Σ = (δᵀSδ + 1)·tr S + |Sδ|² (Isserlis; the batch-size notes, case A)."""
    g2 = np.sum(LAMBDA ** 2 * DELTA ** 2)
    tr = (np.sum(LAMBDA * DELTA ** 2) + 1) * LAMBDA.sum() + g2
    return tr / g2


def per_example_gradients(rng, n):
    x = rng.standard_normal((n, 8)) * np.sqrt(LAMBDA)
    residual = x @ DELTA - rng.standard_normal(n)
    return x * residual[:, None]


@pytest.mark.parametrize("small", [1, 8, 16])
def test_streamed_estimate_converges_to_the_closed_form(small):
    """80,000 steps of B_big = 64 (per-example norms; 8 ranks of 8; 4 micro-batches of 16): the standard error is
    0.3-0.45 % of B_simple, so 1 % is a 2-3 sigma bound."""
    rng = np.random.default_rng(small)
    gns = GradientNoiseScale(smoothing="cumulative")
    big = 64
    for _ in range(8):
        g = per_example_gradients(rng, 10000 * big).reshape(10000, big // small, small, 8)
        parts = g.mean(axis=2)                              # per-rank (or micro-batch) mean gradients
        for s, b in zip((parts ** 2).sum(-1).mean(-1), (parts.mean(axis=1) ** 2).sum(-1)):
            gns.update(s, b, small, big, lr=0.1)
    r = gns.read()
    assert r.b_simple == pytest.approx(truth(), rel=0.01)
    assert truth() in r.interval and r.interval.level == 0.95 and r.measurements == 80000 and not r.temperature_changed


def test_data_parallel_helper_equals_the_mean_of_ranks():
    a, b = GradientNoiseScale(smoothing="cumulative"), GradientNoiseScale(smoothing="cumulative")
    rng = np.random.default_rng(0)
    for _ in range(50):
        local = rng.uniform(1, 2, 4)
        a.update_ranks(local, 0.8, 16, lr=0.1)
        b.update(local.mean(), 0.8, 16, 64, lr=0.1)
    assert a.read().b_simple == pytest.approx(b.read().b_simple, rel=1e-14)


def test_matches_an_independent_numpy_estimator():
    """The same stream through a plain numpy transcription of McCandlish App. A.1 with a bias-corrected EMA."""
    rng = np.random.default_rng(3)
    small = rng.uniform(1.0, 2.0, 300)
    big = small * rng.uniform(0.3, 0.7, 300)
    gns = GradientNoiseScale(smoothing="ema", beta=0.95)
    g_ema = t_ema = 0.0
    for k, (s, b) in enumerate(zip(small, big), 1):
        gns.update(s, b, 8, 128)
        g = (128 * b - 8 * s) / 120
        t = (s - b) / (1 / 8 - 1 / 128)
        g_ema, t_ema = 0.95 * g_ema + 0.05 * g, 0.95 * t_ema + 0.05 * t
    debias = 1 - 0.95 ** 300
    r = gns.read()
    assert r.gradient_squared == pytest.approx(g_ema / debias, rel=1e-12)
    assert r.b_simple == pytest.approx(t_ema / g_ema, rel=1e-12)


def test_finite_data_correction():
    rng = np.random.default_rng(7)
    N = 256
    data = per_example_gradients(rng, N)
    mean = data.mean(0)
    exact = ((data - mean) ** 2).sum(1).mean() / (mean ** 2).sum()
    plain = GradientNoiseScale(smoothing="cumulative")
    fixed = GradientNoiseScale(smoothing="cumulative", dataset_size=N)
    for _ in range(20000):
        idx = rng.permutation(N)[:64].reshape(8, 8)      # 8 disjoint shards of 8, without replacement
        parts = data[idx].mean(1)
        s, b = (parts ** 2).sum(1).mean(), (parts.mean(0) ** 2).sum()
        plain.update(s, b, 8, 64)
        fixed.update(s, b, 8, 64)
    assert plain.read().b_simple / exact - 1 > 0.1
    assert fixed.read().b_simple == pytest.approx(exact, rel=0.02)


def test_groups_history_plot_and_errors():
    gns = GradientNoiseScale(groups=2, smoothing="cumulative", history=True)
    gns.update([2.0, 1.5], [1.0, 1.4], 4, 16)
    total, first = gns.read(), gns.read(0)
    assert total.gradient_squared == pytest.approx((16 - 8) / 12 + (16 * 1.4 - 6) / 12)
    assert first.gradient_squared == pytest.approx(8 / 12)
    with pytest.raises(ScalingKitError, match="one per group"):
        gns.update(2.0, 1.0, 4, 16)
    one = GradientNoiseScale()
    with pytest.raises(ScalingKitError, match="no measurements yet"):
        one.read()
    with pytest.raises(ScalingKitError, match="step rejected"):
        one.update(float("nan"), 1.0, 4, 16)
    with pytest.raises(ScalingKitError, match="smaller than the big"):
        one.update(2.0, 1.0, 16, 16)
    with pytest.raises(ScalingKitError, match="must be numbers"):
        one.update("2.0", 1.0, 4, 16)
    one.update(np.float64(2.0), np.float32(1.0), np.int64(4), 16)      # numpy scalars are numbers
    assert one.read().measurements == 1
    with pytest.raises(ScalingKitError, match="unknown construction"):
        GradientNoiseScale(construction="sequential-ish")
    flagged = GradientNoiseScale(construction="consecutive", preconditioning="update")
    flagged.update(2.0, 1.0, 4, 16)
    assert flagged.read().biased and flagged.read().preconditioning == "update"
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    gns.plot(ax=ax)
    plt.close(fig)
    assert ax.get_yscale() == "log"


def test_tradeoff_matches_scipy_and_covers_the_truth():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(11)
    grid = np.repeat(32 * 2.0 ** np.arange(12), 3)
    covered = 0
    for rep in range(200):
        steps = 1000 * (1 + 2000 / grid) * np.exp(0.05 * rng.standard_normal(grid.size))
        fit = scalingkit.fit_batch_tradeoff(batch=grid, steps=steps)
        lo, hi = fit.critical_batch_interval.lower, fit.critical_batch_interval.upper
        covered += lo <= 2000 <= hi
        if rep < 5:   # the same least-squares problem in scipy: log S = log S_min + log(1 + B_crit/B)
            f = lambda B, a, c: a + np.log1p(np.exp(c) / B)
            (a, c), _ = scipy_optimize.curve_fit(f, grid, np.log(steps), p0=[np.log(1000), np.log(1500)])
            assert fit.critical_batch == pytest.approx(np.exp(c), rel=1e-6)
            assert fit.min_steps == pytest.approx(np.exp(a), rel=1e-6)
    assert 0.90 <= covered / 200 <= 0.99


def test_tradeoff_targets_kaplan_law_and_errors():
    pd = pytest.importorskip("pandas")
    rows = []
    for L in (3.3, 3.8, 4.4):
        bc = 2e8 / L ** (1 / 0.21)
        for B in 8192 * 2.0 ** np.arange(11):
            rows.append((B, 5000 * (1 + bc / B), L))
    law = scalingkit.fit_batch_tradeoff(pd.DataFrame(rows, columns=["batch", "steps", "target_loss"]))
    assert law.alpha_b == pytest.approx(0.21, abs=1e-6) and len(law.fits) == 3
    assert law.critical_batch(3.8) == pytest.approx(2e8 / 3.8 ** (1 / 0.21), rel=1e-6)
    assert all(f.success and f.message.startswith("fitted on 11 points") for f in law.fits)
    # A grid that ends below B_crit: fitted, but the caller's line gets a warning quoting the core's message.
    with pytest.warns(scalingkit.ConvergenceWarning, match=r"^warning: the batch grid \(8 to 64\) does not straddle "
                      r"B_crit = 2000 .*not identified") as caught:
        low = scalingkit.fit_batch_tradeoff(batch=[8, 16, 32, 64], steps=[1000 * (1 + 2000 / b) for b in (8, 16, 32, 64)])
    assert not low.identified and not low.success and low.message == str(caught[0].message)
    assert caught[0].filename == __file__
    # A target whose grid does not straddle its B_crit stays in fits but not in the law; with one identified
    # target there is no law, and every fit still comes back (the first target alone came back before).
    rng = np.random.default_rng(3)
    extra = [(B, 5000 * (1 + 2e8 / 2.0 ** (1 / 0.21) / B) * np.exp(0.03 * rng.standard_normal()), 2.0)
             for B in 8192 * 2.0 ** np.arange(11)]
    with pytest.warns(scalingkit.ConvergenceWarning, match="^target loss 2: warning: the batch grid") as caught:
        mixed = scalingkit.fit_batch_tradeoff(pd.DataFrame(extra + rows, columns=["batch", "steps", "target_loss"]))
    assert len(caught) == 1 and caught[0].filename == __file__
    assert [f.identified for f in mixed.fits] == [False, True, True, True]
    assert mixed.alpha_b == pytest.approx(0.21, abs=1e-6)
    with pytest.warns(scalingkit.ConvergenceWarning):
        lone = scalingkit.fit_batch_tradeoff(pd.DataFrame(extra + rows[:11], columns=["batch", "steps", "target_loss"]))
    assert len(lone.fits) == 2 and lone.b_star is None and lone.alpha_b is None
    with pytest.raises(ScalingKitError, match="fewer than 2 targets have an identified"):
        lone.critical_batch(3.0)
    with pytest.raises(ScalingKitError, match="at least 3 batch sizes"):
        scalingkit.fit_batch_tradeoff(batch=[32, 64], steps=[10, 5])
    # Examples (batch x steps) passed as steps: refused with the likely cause, not fitted at the search's bound.
    grid = 32 * 2.0 ** np.arange(8)
    with pytest.raises(ScalingKitError, match=r"steps rise with the batch size .*were examples or tokens"):
        scalingkit.fit_batch_tradeoff(batch=grid, steps=grid * 1000 * (1 + 500 / grid))
    with pytest.warns(scalingkit.ConvergenceWarning, match="the steps do not fall with the batch.*no interval"):
        flat = scalingkit.fit_batch_tradeoff(batch=grid, steps=np.full(8, 1000.0))
    assert not flat.identified and flat.critical_batch_interval is None


def test_definitions_laws_schedule():
    assert scalingkit.convert_critical_batch(2000, "zhang", reference_batch=32) == pytest.approx(438.4)
    assert scalingkit.convert_critical_batch(2000, "zhang", reference_batch=256) == pytest.approx(707.2)
    assert scalingkit.convert_critical_batch(2000, "overhead", theta=0.1) == pytest.approx(200)
    c = scalingkit.batch_cost(2000, 2000, initial_batch=128, noise_scale=768)
    assert (c.relative_steps, c.relative_examples) == (2, 2) and c.efficiency == pytest.approx(896 / 2768)
    assert scalingkit.batch_law("step_law", 1.4e12) == pytest.approx(5.0e6, rel=1e-3)
    assert scalingkit.batch_law("kaplan", 3.0) == pytest.approx(2e8 / 3 ** (1 / 0.21))
    schedule = scalingkit.batch_schedule(0.58, 0.571, 1e12, 65536, 8388608)
    assert schedule[0] == (0.0, 65536.0) and schedule[-1][1] == 2097152
    assert all(b <= 0.58 * t ** 0.571 for t, b in schedule[1:])
    with pytest.raises(ScalingKitError, match="unknown batch law"):
        scalingkit.batch_law("power_lines", 1e12)


def test_fit_batch_law_with_the_engine():
    rng = np.random.default_rng(0)
    D = np.logspace(9, 12, 12)
    B = 0.58 * D ** 0.571 * np.exp(0.03 * rng.standard_normal(12))
    f = scalingkit.fit_batch_law(D, B)
    slope, intercept = np.polyfit(np.log(D), np.log(B), 1)       # the same least squares, in numpy
    assert f.params["b"] == pytest.approx(slope, rel=1e-6) and f.params["k"] == pytest.approx(np.exp(intercept), rel=1e-5)
    assert abs(f.params["b"] - 0.571) < 0.02
    L = np.linspace(3.3, 4.4, 6)
    kaplan = scalingkit.fit_batch_law(L, 2e8 / L ** (1 / 0.21), variable="L")
    assert kaplan.params["b"] == pytest.approx(-1 / 0.21, rel=1e-6)
    with pytest.raises(ScalingKitError, match="variable"):
        scalingkit.fit_batch_law(D, B, variable="2x")


@pytest.mark.parametrize("name", ["space", "objective", "observed", "weights", "start", "fixed", "law", "data", "seed"])
def test_fit_batch_law_variable_named_like_an_argument_of_fit(name):
    """The variable is a column whatever it is called: named like one of fit's own arguments, it used to collide
    with them (a TypeError, numpy's truth-value error, or 'reads none of the data's columns')."""
    D = np.logspace(9, 12, 8)
    f = scalingkit.fit_batch_law(D, 0.58 * D ** 0.571, variable=name)
    assert f.inputs == (name,) and f.params["b"] == pytest.approx(0.571, rel=1e-6)


@pytest.mark.parametrize("name", ["k", "b"])
def test_fit_batch_law_refuses_a_variable_named_like_its_parameters(name):
    """'k * k^b' fitted x^(1+b) with one parameter and reported success (b = -0.76 for a true exponent 0.57)."""
    D = np.logspace(9, 12, 8)
    with pytest.raises(ScalingKitError, match="parameter of the law"):
        scalingkit.fit_batch_law(D, 0.58 * D ** 0.571, variable=name)


def _adaptive_reference(g, t, betas=(0.8, 0.9, 0.95, 0.98, 0.99, 0.995), kappa=1.5, confidence=0.95):
    """A plain numpy transcription of the default reading: bias-corrected EMAs of (g, t, g², t², gt) at six horizons,
    the delta-method standard error of log B_simple per horizon, Lepski's rule (keep the longest horizon within
    kappa·sqrt(se_i² − se_j²) of every shorter one) and the interval widened by the gap to the next shorter."""
    from scipy import stats
    n = len(g)
    est = []
    for b in betas:
        w = (1 - b) * b ** np.arange(n)[::-1]
        W, W2 = w.sum(), (w * w).sum()
        mg, mt = w @ g / W, w @ t / W
        vg, vt = max(w @ (g * g) / W - mg * mg, 0), max(w @ (t * t) / W - mt * mt, 0)
        c = w @ (g * t) / W - mg * mt
        neff = W * W / W2
        r = mt / mg
        v = (vt - 2 * r * c + r * r * vg) * W2 / W ** 2 * neff / (neff - 1) / mg ** 2
        est.append((np.log(r), np.sqrt(v) / r, neff, r, np.sqrt(v)))
    pick = 0
    for j in range(1, len(est)):
        if any(abs(est[j][0] - est[i][0]) > kappa * np.sqrt(max(est[i][1] ** 2 - est[j][1] ** 2, 1e-3 * est[i][1] ** 2))
               for i in range(j)):
            break
        pick = j
    c, rel, neff, r, se = est[pick]
    allowance = abs(c - est[pick - 1][0]) if pick else 0.0
    z = stats.t.ppf(0.5 + confidence / 2, neff - 1)
    return r, r * np.exp(-(z * rel + allowance)), r * np.exp(z * rel + allowance), np.exp(allowance) - 1, pick


@pytest.mark.parametrize("drifting", [False, True])
def test_adaptive_reading_matches_a_numpy_transcription(drifting):
    rng = np.random.default_rng(11)
    steps = 400
    level = np.exp(-np.arange(steps) / 60) if drifting else np.ones(steps)   # |G|^2 decays: B_simple rises
    g_true, t_true = 0.5 * level, np.full(steps, 8.0)
    # Norms whose components (McCandlish A.1) are the truth plus noise, at B_small = 16, B_big = 64.
    g = g_true + rng.normal(0, 0.02, steps)
    t = t_true * (1 + rng.normal(0, 0.1, steps))
    small = g + t / 16
    big = g + t / 64
    gns = GradientNoiseScale()
    for s, b in zip(small, big):
        gns.update(s, b, 16, 64, 1e-3)
    gc = (64 * big - 16 * small) / 48
    tc = (small - big) / (1 / 16 - 1 / 64)
    r_ref, lo_ref, hi_ref, drift_ref, pick = _adaptive_reference(gc, tc)
    r = gns.read()
    assert r.valid and r.b_simple == pytest.approx(r_ref, rel=1e-9)
    assert r.interval.lower == pytest.approx(lo_ref, rel=1e-9) and r.interval.upper == pytest.approx(hi_ref, rel=1e-9)
    assert r.drift == pytest.approx(drift_ref, rel=1e-9, abs=1e-12)
    if drifting:
        assert pick < 5 and r.horizon < 100      # a shorter memory while B_simple moves
    else:
        assert pick >= 4 and r.horizon > 80       # a long memory when flat (99 or 199 steps)


def test_readings_say_what_they_are():
    gns = GradientNoiseScale(construction="accumulation", batch_unit="tokens")
    gns.update(2.0, 1.0, 16, 64, lr=0.0)                      # warm-up at lr = 0 is a valid temperature
    r = gns.read()
    assert not r.valid and r.b_simple is None and r.learning_rate_range == (0.0, 0.0)
    assert r.batch_unit == "tokens" and r.construction == "accumulation"
    for k in range(50):
        gns.update(2.0 + 0.01 * (k % 3), 1.0, 16, 64, lr=1e-3 * (k + 1) / 50)
    r = gns.read()
    assert r.valid and r.temperature_changed and r.learning_rate_range[1] == pytest.approx(1e-3)
    # A loss summed over the big batch instead of averaged: its squared norm is 64^2 times too large.
    summed = GradientNoiseScale()
    for k in range(100):
        summed.update(2.0 + 0.01 * (k % 3), 1.0 * 64 ** 2, 16, 64)
    bad = summed.read()
    assert bad.inconsistent and not bad.valid and bad.b_simple is None
    with pytest.raises(ScalingKitError, match="beta applies to smoothing='ema'"):
        GradientNoiseScale(smoothing="adaptive", beta=0.9)
    GradientNoiseScale(beta=0.9)                               # beta alone means an EMA
    with pytest.raises(ScalingKitError, match="learning rate"):
        gns.update(2.0, 1.0, 16, 64, lr=-1e-3)


def test_steps_to_target_from_curves_recovers_the_critical_batch():
    """A batch sweep's logged curves (McCandlish's model: a run at batch B progresses as S / (1 + B_crit/B); noise
    shrinking as 1/sqrt(B)) into the trade-off. The first logged step under the target comes early on the noisy,
    small-batch runs and put B_crit near 400 (truth 2000) with an interval excluding it; the monotone fit's crossing
    recovers it within its interval."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    rows = []
    for B in 128 * 2 ** np.arange(9):
        steps = np.arange(10, 40001, 10)
        loss = 2 + 3 * (steps / (1 + 2000 / B) + 50) ** -0.5 + 0.02 * np.sqrt(256 / B) * rng.standard_normal(steps.size)
        rows += [(f"b{B}", B, s, v) for s, v in zip(steps, loss)]
    runs = pd.DataFrame(rows, columns=["run", "batch", "step", "loss"])
    table = scalingkit.steps_to_target(runs, targets=[2.1, 2.15])
    assert len(table.run) == 18 and table.not_reached == () and table.at_first_step == ()
    law = scalingkit.fit_batch_tradeoff(table)                 # the table is a mapping of its columns
    for fit in law.fits:
        assert fit.success and 2000 in fit.critical_batch_interval
        assert fit.critical_batch == pytest.approx(2000, rel=0.1)
    first = runs[runs.loss <= 2.1].groupby("run").step.min()
    naive = scalingkit.fit_batch_tradeoff(batch=runs.groupby("run").batch.first()[first.index].values, steps=first.values)
    assert naive.critical_batch < 600 and 2000 not in naive.critical_batch_interval
    assert list(table.to_frame().columns) == ["run", "batch", "steps", "target_loss"]


def test_steps_to_target_says_what_it_left_out():
    runs = dict(run=["a"] * 4 + ["b"] * 4, batch=[64] * 4 + [256] * 4, step=[0, 10, 20, 30] * 2,
                loss=[4, 3, 2, 1.5, 4, 3.5, 3.2, 3.0])
    with pytest.warns(scalingkit.DataWarning, match=r"1 \(run, target\) pair\(s\) never reach .*'b' at 2\.5") as said:
        table = scalingkit.steps_to_target(runs, targets=2.5)
    assert said[0].filename == __file__
    assert table.run == ("a",) and table.steps[0] == pytest.approx(15) and table.not_reached == (("b", 2.5),)
    with pytest.warns(scalingkit.DataWarning, match="at or before their first logged step"):
        assert scalingkit.steps_to_target(runs, targets=5.0).at_first_step == (("a", 5.0), ("b", 5.0))
    with pytest.raises(ScalingKitError, match="run 'a' has batch sizes 64 and 65"):
        scalingkit.steps_to_target(dict(runs, batch=[64, 64, 64, 65] + [256] * 4), targets=2.5)
    with pytest.raises(ScalingKitError, match=r"run 'a': .*a run that diverged\?"):
        scalingkit.steps_to_target(dict(runs, loss=[4, np.nan, 2, 1.5, 4, 3.5, 3.2, 3.0]), targets=2.5)
    with pytest.raises(ScalingKitError, match="'run' is missing"):
        scalingkit.steps_to_target({k: v for k, v in runs.items() if k != "run"}, targets=2.5)
