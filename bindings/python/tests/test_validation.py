"""Held-out extrapolation, leave-one-out and model comparison."""
import numpy as np
import pytest

import scalingkit
from scalingkit import Holdout, ScalingKitError

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def epoch(chinchilla_data):
    N, D, L = chinchilla_data
    frame = pd.DataFrame({"N": N, "D": D, "C": 6 * N * D, "loss": L})
    return frame[frame.loss < np.sort(frame.loss)[-5]]


def test_holdout_on_the_largest_budgets(epoch):
    h = scalingkit.holdout("chinchilla", epoch, split="C", threshold=1e21)
    assert isinstance(h, Holdout) and h.fit.success
    assert h.test_count == int((epoch.C >= 1e21).sum()) and h.train_count + h.test_count == len(epoch)
    pred = h.fit.predict(epoch[epoch.C >= 1e21])
    observed = epoch[epoch.C >= 1e21].loss.values
    assert h.errors.rmse == pytest.approx(np.sqrt(np.mean((pred - observed) ** 2)), rel=1e-12)
    assert h.errors.max_relative_error == pytest.approx(np.max(np.abs(pred - observed) / observed), rel=1e-12)
    assert h.errors.rmse < 0.05       # the law extrapolates the top budgets to within a few percent


def test_compare_ranks_by_heldout_rmse(epoch):
    ranked = scalingkit.compare(["kaplan_nd", "chinchilla"], epoch, split="C", threshold=1e21)
    assert list(ranked.index) == ["chinchilla", "kaplan_nd"]
    assert ranked.rmse.is_monotonic_increasing


def test_leave_one_out_on_exact_data():
    N = np.logspace(6, 10, 12)
    loss = (8.8e13 / N) ** 0.076
    fit = scalingkit.fit("kaplan_n", N=N, loss=loss)
    loo = fit.leave_one_out()
    assert loo.failed == 0 and loo.predictions.shape == (12,)
    assert loo.errors.max_relative_error < 1e-6


@pytest.mark.parametrize("kwargs,needle", [
    ({"split": "C", "threshold": 1e30}, "nothing to score"),
    ({"split": "C", "threshold": 1.0}, "nothing to fit"),
    ({"split": [1.0, 2.0], "threshold": 1.5}, "'split' has 2 values"),
    ({"split": "C", "threshold": float("nan")}, "threshold must be finite"),
    ({"split": "nope", "threshold": 1e21}, "no data for input 'nope'"),
])
def test_holdout_rejects(epoch, kwargs, needle):
    with pytest.raises(ScalingKitError, match=needle):
        scalingkit.holdout("chinchilla", epoch, **kwargs)
