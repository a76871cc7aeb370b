"""Time-aware planning through the binding, against a numpy brute force of the same model."""
import warnings

import numpy as np
import pytest

import scalingkit
from scalingkit import ExtrapolationWarning, ScalingKitError, TimeAwareFrontier, TimedPlan

MACHINE = dict(critical_batch=(8.0, 0.462), devices=1024, flops_per_second=4e14, tokens_per_device=32768)


@pytest.fixture(scope="module")
def setup(chinchilla_data):
    N, D, L = chinchilla_data
    fit = scalingkit.fit_chinchilla(N, D, L, exclude_highest_loss=5)
    loss = scalingkit.plan(fit, 1e24).loss
    return fit, loss, scalingkit.time_aware(fit, loss, **MACHINE)


def brute_force(fit, loss):
    """Every (N, B) on a 1,500 × 300 log grid: D_min from the law in closed form, then McCandlish's trade-off."""
    N = np.logspace(9.5, 11.5, 1500)[:, None]
    rest = loss - fit.E - fit.A / N ** fit.alpha
    N, rest = N[rest[:, 0] > 0], rest[rest[:, 0] > 0]
    Dmin = (fit.B / rest) ** (1 / fit.beta)
    B = 32768 * np.logspace(0, np.log10(1024), 300)[None, :]
    C = 6 * N * Dmin * (1 + B / (8.0 * Dmin ** 0.462))
    T = C / (np.minimum(1024, B / 32768) * 4e14)
    return T.ravel(), C.ravel()


def test_frontier_is_not_beaten_by_brute_force(setup):
    fit, loss, f = setup
    assert isinstance(f, TimeAwareFrontier) and isinstance(f.fastest, TimedPlan) and len(f.points) > 20
    T, C = brute_force(fit, loss)
    order = np.argsort(T)
    T, best = T[order], np.minimum.accumulate(C[order])
    assert f.fastest.seconds == pytest.approx(T[0], rel=1e-3)
    for p in f.points:
        i = np.searchsorted(T, p.seconds * (1 + 1e-9), side="right") - 1
        if i >= 0:
            assert best[i] >= p.compute * (1 - 1e-9)          # nothing on the grid is faster and cheaper
    times = [p.seconds for p in f.points]
    assert times == sorted(times) and f.fastest.compute > f.cheapest.compute
    assert f.fastest.N < f.cheapest.N                            # the fastest plan trains a smaller model longer


def test_deadline_and_numerical_law_agree(setup, chinchilla_data):
    fit, loss, f = setup
    mid = f.points[len(f.points) // 2]
    p = scalingkit.cheapest_within(fit, loss, mid.seconds, **MACHINE)
    assert p.compute == pytest.approx(mid.compute, rel=1e-9) and p.seconds <= mid.seconds * (1 + 1e-12)
    assert scalingkit.cheapest_within(fit, loss, f.fastest.seconds / 2, **MACHINE) is None
    # The same plans from the law engine's numerical surface.
    N, D, L = chinchilla_data
    keep = np.ones(len(L), bool)
    keep[list(fit.excluded)] = False
    start = {"E": [fit.E], "A": [fit.A], "alpha": [fit.alpha], "B": [fit.B], "beta": [fit.beta]}
    law = scalingkit.fit("chinchilla", N=N[keep], D=D[keep], loss=L[keep], start=start)
    q = scalingkit.cheapest_within(law, loss, mid.seconds, **MACHINE)
    assert q.N == pytest.approx(p.N, rel=1e-3) and q.compute == pytest.approx(p.compute, rel=1e-4)


def test_frame_and_plot(setup):
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    _, _, f = setup
    frame = f.to_frame()
    assert list(frame.columns)[:3] == ["N", "D_min", "D"] and len(frame) == len(f.points)
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    f.plot(ax=ax)
    plt.close(fig)
    assert ax.get_xscale() == "log" and len(ax.lines) == 1


@pytest.mark.parametrize("change,needle", [
    (dict(critical_batch=8.0), "critical_batch must be"),
    (dict(critical_batch=(0.0, 0.462)), "critical batch coefficient"),
    (dict(devices=0), "devices must be"),
    (dict(devices=2.5), "devices must be"),
    (dict(flops_per_second=-1), "FLOP/s"),
    (dict(tokens_per_device=float("nan")), "tokens per device"),
    (dict(points=1), "capacity"),
])
def test_bad_input(setup, change, needle):
    fit, loss, _ = setup
    with pytest.raises(ScalingKitError, match=needle):
        scalingkit.time_aware(fit, loss, **{**MACHINE, **change})


def test_unreachable_loss_and_bad_deadline(setup):
    fit, _, _ = setup
    with pytest.raises(ScalingKitError, match="irreducible"):
        scalingkit.time_aware(fit, fit.E - 0.1, **MACHINE)
    with pytest.raises(ScalingKitError, match="deadline"):
        scalingkit.cheapest_within(fit, 2.2, 0, **MACHINE)


def test_plans_carry_the_fitted_span(setup):
    fit, loss, f = setup
    span = scalingkit.plan(fit, 1e24).fitted
    assert all(p.fitted == span and p.ratio_within_fitted is True for p in f.points)   # D_min/N 17-80 in 0.46-341
    frame = f.to_frame()
    assert "ratio_within_fitted" in frame.columns and "fitted" not in frame.columns
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        scalingkit.time_aware(fit, loss, **MACHINE)


def test_plans_reading_the_law_outside_the_fitted_ratios_warn_once(off_ratio_runs):
    n, d, loss = off_ratio_runs
    fit = scalingkit.fit("chinchilla", N=n, D=d, loss=loss)
    with pytest.warns(ExtrapolationWarning):
        loss = scalingkit.plan(fit, 1e22).loss
    with pytest.warns(ExtrapolationWarning, match="TimedPlan.ratio_within_fitted") as record:
        f = scalingkit.time_aware(fit, loss, **MACHINE)
    assert len(record) == 1 and f.cheapest.ratio_within_fitted is False
    assert f.cheapest.fitted.tokens_per_parameter == pytest.approx((1.4, 218.4), rel=1e-3)
    with pytest.warns(ExtrapolationWarning, match="TimedPlan.ratio_within_fitted"):
        scalingkit.cheapest_within(fit, loss, 2 * f.fastest.seconds, **MACHINE)
