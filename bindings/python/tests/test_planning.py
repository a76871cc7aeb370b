"""Compute-optimal planning through the binding: closed form and numerical minimisation agree, inverse, errors."""
import numpy as np
import pytest

import scalingkit
from scalingkit import ScalingKitError


@pytest.fixture(scope="module")
def fits(chinchilla_data):
    N, D, L = chinchilla_data
    closed = scalingkit.fit_chinchilla(N, D, L, exclude_highest_loss=5)
    keep = np.ones(len(L), bool)
    keep[list(closed.excluded)] = False
    start = {"E": [closed.E], "A": [closed.A], "alpha": [closed.alpha], "B": [closed.B], "beta": [closed.beta]}
    law = scalingkit.fit("chinchilla", N=N[keep], D=D[keep], loss=L[keep], start=start)
    return closed, law


def test_plan_matches_between_closed_form_and_numerical(fits):
    closed, law = fits
    c = scalingkit.plan(closed, 5.76e23)
    n = scalingkit.plan(law, 5.76e23)
    assert c == closed.compute_optimal(5.76e23)
    assert n.N == pytest.approx(c.N, rel=1e-5) and n.D == pytest.approx(c.D, rel=1e-5)
    assert n.a == pytest.approx(c.a, abs=1e-4) and c.a == pytest.approx(closed.beta / (closed.alpha + closed.beta))
    many = scalingkit.plan(closed, [1e21, 1e25])
    assert [p.compute for p in many] == [1e21, 1e25] and many[1].N > many[0].N


def test_minimum_compute_inverts_plan(fits):
    closed, _ = fits
    target = scalingkit.plan(closed, 1e24).loss
    p = scalingkit.minimum_compute(closed, target)
    assert p.compute == pytest.approx(1e24, rel=1e-9) and p.loss == pytest.approx(target, abs=1e-12)


def test_a_target_within_the_floors_interval_gets_no_plan(fits):
    """E = 1.817 on these runs, its floor's 95 % interval [1.767, 1.869] (the demo's 4,000-replicate bootstrap of
    E: [1.769, 1.869]): a target of 1.82 used to "need" 3.7e33 FLOPs (N = 8e15, 10^11 times the largest run)
    without a word. Now refused with the interval, for both fits and the inference-aware planner; a target above
    the interval is planned."""
    for fit in fits:
        with pytest.raises(ScalingKitError, match=r"loss 1\.82 lies within the 95 % confidence interval of the law's "
                                                  r"floor .*\[1\.76\d*, 1\.86\d*\]: the runs do not say"):
            scalingkit.minimum_compute(fit, 1.82)
    with pytest.raises(ScalingKitError, match="confidence interval of the law's floor"):
        scalingkit.inference_aware(fits[0], 1.82, 1e12)
    assert scalingkit.minimum_compute(fits[0], 1.88).loss == pytest.approx(1.88, abs=1e-9)


@pytest.mark.parametrize("call,needle", [
    (lambda f: scalingkit.plan(f, 0), "compute budget must be finite and > 0"),
    (lambda f: scalingkit.plan(f, "big"), "compute must be a number"),
    (lambda f: scalingkit.minimum_compute(f, 1.0), "irreducible"),
    (lambda f: scalingkit.plan(object(), 1e22), "needs a fit"),
])
def test_plan_errors(fits, call, needle):
    with pytest.raises(ScalingKitError, match=needle):
        call(fits[0])


def test_inference_aware_plan(fits):
    closed, law = fits
    target = scalingkit.plan(closed, 1e23).loss
    none = scalingkit.inference_aware(closed, target, 0)
    assert none.N == pytest.approx(none.optimal_N, rel=1e-4) and abs(none.saved_flops) < 1e-6 * none.total_flops
    heavy = scalingkit.inference_aware(closed, target, 1e13)
    assert heavy.N < heavy.optimal_N and heavy.D > heavy.optimal_D and heavy.saved_flops > 0
    assert heavy.total_flops == pytest.approx(6 * heavy.N * heavy.D + 2 * heavy.N * 1e13, rel=1e-12)
    numeric = scalingkit.inference_aware(law, target, 1e13)
    assert numeric.N == pytest.approx(heavy.N, rel=1e-3)
    with pytest.raises(ScalingKitError, match="inference tokens"):
        scalingkit.inference_aware(closed, target, -1)


def test_overtraining_penalty(fits):
    closed, _ = fits
    best = scalingkit.plan(closed, 1e23)
    same = scalingkit.at_tokens_per_parameter(closed, 1e23, best.tokens_per_parameter)
    assert same.loss == pytest.approx(best.loss, abs=1e-12)
    over = scalingkit.at_tokens_per_parameter(closed, 1e23, 640)
    assert over.loss > best.loss and over.D / over.N == pytest.approx(640) and 6 * over.N * over.D == pytest.approx(1e23)
    with pytest.raises(ScalingKitError, match="tokens per parameter"):
        scalingkit.at_tokens_per_parameter(closed, 1e23, 0)


def test_bootstrap_intervals_on_a_numerical_plan(chinchilla_data):
    """Every answer carries an interval: a bootstrap of a Kaplan L(N, D) fit, planned numerically per replicate."""
    N, D, L = chinchilla_data
    law = scalingkit.fit("kaplan_nd", N=N[5:], D=D[5:], loss=L[5:])
    b = law.bootstrap(60, seed=3)
    p = b.plan(1e23)
    point = scalingkit.plan(law, 1e23)
    assert p["N"].estimate == pytest.approx(point.N, rel=1e-9) and point.N in p["N"].interval
    assert p["a"].estimate in p["a"].interval
    # Results that hold other handles are not fits: a clear error, not cffi's TypeError (found as a user:
    # plan(bootstrap, C) raised "initializer for ctype 'struct sk_fit *' must be a pointer to same type").
    with pytest.raises(ScalingKitError, match=r"needs a fit .*\(got Bootstrap\) \(a bootstrap plans with its own"):
        scalingkit.plan(b, 1e23)
    for other in (scalingkit.GradientNoiseScale(), scalingkit.fit_multi_power):
        with pytest.raises(ScalingKitError, match="needs a fit"):
            scalingkit.minimum_compute(other, 2.0)


def test_results_convert_to_dicts_and_frames(fits):
    """Every result has to_dict() (JSON-ready) and to_frame(); repr stays readable."""
    import json
    pd = pytest.importorskip("pandas")
    closed, law = fits
    plan = scalingkit.plan(closed, 1e24)
    assert json.loads(json.dumps(plan.to_dict()))["N"] == plan.N
    assert isinstance(plan.to_frame(), pd.DataFrame) and plan.to_frame().loc[0, "D"] == plan.D
    assert "ChinchillaFit(" in repr(closed) or "E=" in repr(closed)
    d = closed.to_dict()
    assert d["alpha"] == closed.alpha and json.dumps(d)
    assert json.dumps(law.to_dict()) and law.to_frame().shape[0] == 1
    frontier = scalingkit.time_aware(closed, plan.loss, critical_batch=(8, 0.462), devices=64, flops_per_second=4e14,
                                     tokens_per_device=32768, points=8)
    assert frontier.to_frame().shape[0] == len(frontier.points) and len(frontier.to_dict()["points"]) == len(frontier.points)
    t = scalingkit.fit_batch_tradeoff(batch=[64, 256, 1024, 4096], steps=[1000 * (1 + 2000 / b) for b in (64, 256, 1024, 4096)])
    assert t.to_dict()["critical_batch"] == t.critical_batch and t.to_frame().shape == (1, len(t.to_frame().columns))


def test_plans_carry_the_fitted_range(fits, chinchilla_data, recwarn):
    closed, law = fits
    N, D, L = chinchilla_data
    keep = np.ones(len(L), bool)
    keep[list(closed.excluded)] = False
    p = scalingkit.plan(closed, 5.76e23)
    assert p.fitted.N == (N[keep].min(), N[keep].max()) and p.fitted.D == (D[keep].min(), D[keep].max())
    assert p.fitted.tokens_per_parameter == ((D / N)[keep].min(), (D / N)[keep].max())
    assert p.ratio_within_fitted is True and scalingkit.plan(law, 5.76e23).ratio_within_fitted is True
    far = scalingkit.at_tokens_per_parameter(closed, 5.76e23, 1e5)     # the caller chose the ratio: no warning
    assert far.ratio_within_fitted is False and not [w for w in recwarn if "fitted runs" in str(w.message)]
    assert p.to_dict()["fitted"]["tokens_per_parameter"] == list(p.fitted.tokens_per_parameter)


def test_a_plan_outside_the_fitted_ratios_warns():
    # A sweep like (Mis)Fitting's (N 6e7-1.2e9, D/N 1.4-218) and its Hoffmann-form fit (alpha 0.20, beta 0.64):
    # at 1e22 FLOPs the plan's D/N is about 0.4, below every fitted ratio.
    n = 6e7 * 20.0 ** (np.arange(6) / 5)
    r = 1.4 * 156.0 ** (np.arange(6) / 5)
    N = np.repeat(n, 6)
    D = N * np.tile(r, 6)
    L = 1.8 + 51.4 * N ** -0.2 + 4.675e5 * D ** -0.636
    fit = scalingkit.fit("chinchilla", N=N, D=D, loss=L)
    with pytest.warns(UserWarning, match=r"D/N = 0\.4\d*, outside the fitted runs' D/N range \[1\.4, 218\]"):
        plans = scalingkit.plan(fit, [1e19, 1e22])
    assert [q.ratio_within_fitted for q in plans] == [True, False]
    with pytest.warns(UserWarning, match="outside the fitted runs"):
        assert scalingkit.minimum_compute(fit, plans[1].loss).ratio_within_fitted is False


def test_an_inference_aware_plan_says_when_its_ratio_leaves_the_fitted_runs(fits, recwarn):
    # Heavy inference trains a smaller model longer: past some demand its D/N leaves the fitted runs' ratios
    # (0.46-341 on the Epoch runs), and the loss it reaches there is the law's extrapolation.
    closed, _ = fits
    target = scalingkit.plan(closed, 5.76e23).loss
    light = scalingkit.inference_aware(closed, target, 1e13)
    assert light.fitted == scalingkit.plan(closed, 5.76e23).fitted
    assert light.ratio_within_fitted is True and not [w for w in recwarn if "fitted runs" in str(w.message)]
    hi = light.fitted.tokens_per_parameter[1]
    with pytest.warns(UserWarning, match=r"the inference-aware plan trains to D/N = .*, outside the fitted runs'"):
        heavy = scalingkit.inference_aware(closed, target, 1e17)
    assert heavy.ratio_within_fitted is False and heavy.tokens_per_parameter > hi
    assert heavy.to_dict()["ratio_within_fitted"] is False


def test_a_fit_on_counts_in_millions_and_billions_is_refused_by_the_planners(chinchilla_data):
    # ml-scalefit fits N/1e6 and D/1e9; the law's predictions in those units are right, but a plan in FLOPs would
    # read them as parameters and tokens (N = 3.7e12, D/N = 0.0069 at 5.76e23 FLOPs, inside the scaled D/N range).
    N, D, L = chinchilla_data
    fit = scalingkit.fit_chinchilla(N / 1e6, D / 1e9, L, exclude_highest_loss=5)
    assert fit.predict(N[100:101] / 1e6, D[100:101] / 1e9)[0] == pytest.approx(L[100], rel=0.05)
    law = scalingkit.fit("chinchilla", N=N / 1e6, D=D / 1e9, loss=L)
    for call in (lambda: fit.compute_optimal(5.76e23), lambda: scalingkit.plan(law, 1e22),
                 lambda: scalingkit.minimum_compute(fit, 2.0), lambda: scalingkit.inference_aware(fit, 2.0, 1e12),
                 lambda: fit.bootstrap(4, seed=1).plan(5.76e23)):
        with pytest.raises(ScalingKitError, match=r"needs N in parameters and D in tokens, but the fitted runs reach "
                                                  r"only N = 1.62e4 and D = 3.18e2"):
            call()


def test_a_law_of_params_and_tokens_is_told_to_name_them_N_and_D(chinchilla_data):
    # A user's own column names: the fit is fine, the plan cannot know these are the counts C = 6ND reads.
    N, D, L = chinchilla_data
    law = scalingkit.fit("E + A/params^alpha + B/tokens^beta", params=N, tokens=D, loss=L)
    with pytest.raises(ScalingKitError, match=r"reads params, tokens: if params and tokens count parameters or "
                                              r"tokens, fit the same formula with that column named N \(parameters\)"):
        scalingkit.plan(law, 1e22)


def test_planning_from_an_unconverged_fit_warns_whichever_planner(fits):
    """Every planner takes its fit through one door, which warns (ConvergenceWarning, at the caller's line, quoting
    the fit's message) when the fit did not converge, and so does a bootstrap of it; a converged fit plans without
    it. The unconverged fit: the
    Llama 3 IsoFLOP extract with its raw and exp losses mixed, no better than a constant."""
    import csv
    import os
    import warnings
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "data", "isoflops", "extract_llama_3.csv")
    rows = list(csv.DictReader(open(path)))
    N, D, L = (np.array([float(r[k]) for r in rows]) for k in ("params", "tokens", "loss"))
    bad = scalingkit.fit_chinchilla(N, D, L)
    assert not bad.success
    machine = dict(critical_batch=(8, 0.462), devices=64, flops_per_second=4e14, tokens_per_device=32768)
    calls = [lambda f: scalingkit.plan(f, 1e22), lambda f: scalingkit.minimum_compute(f, 1.7),
             lambda f: scalingkit.at_tokens_per_parameter(f, 1e22, 20), lambda f: scalingkit.inference_aware(f, 1.7, 1e12),
             lambda f: scalingkit.time_aware(f, 1.7, **machine), lambda f: scalingkit.cheapest_within(f, 1.7, 1e7, **machine),
             lambda f: f.compute_optimal(1e22), lambda f: f.bootstrap(4)]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                call(bad)
            except ScalingKitError:
                pass                        # refused for its own reason: the warning came first
        said = [w for w in caught if issubclass(w.category, scalingkit.ConvergenceWarning)]
        assert len(said) == 1 and "did not converge" in str(said[0].message)
        assert "no better than a constant" in str(said[0].message) and said[0].filename == __file__
    closed, _ = fits
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scalingkit.plan(closed, 1e22)
    assert not [w for w in caught if issubclass(w.category, scalingkit.ConvergenceWarning)]
