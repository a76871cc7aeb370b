"""Every warning the package raises points at the line of the caller's code that made the call, however many of
the package's own functions lie between: found as a user, ``fit_batch_law`` on mixed runs pointed its
DataWarning at ``scalingkit/batchsize.py`` (a fixed stacklevel, one wrapper too shallow)."""
import warnings

import numpy as np
import pytest

import scalingkit


def caught_here(call):
    """The warnings ``call()`` raised, each checked to point at this file."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert caught, "no warning"
    for w in caught:
        assert w.filename == __file__, f"{w.category.__name__} points at {w.filename}:{w.lineno}"
    return caught


def test_each_public_path_warns_at_the_callers_line():
    # Runs sharing a D with losses far apart: the DataWarning, through fit_batch_law -> fit -> read_fit.
    said = caught_here(lambda: scalingkit.fit_batch_law([1e9, 1e9, 1e9, 1e10, 1e11], [256, 512, 1024, 2048, 4096]))
    assert any(issubclass(w.category, scalingkit.DataWarning) for w in said)
    # The same note through fit() directly, and through fit_chinchilla.
    N = np.repeat(np.geomspace(1e7, 1e9, 5), 4)
    D = N * np.tile([10.0, 20, 30, 40], 5)                     # D/N from 10 to 40
    L = 1.7 + 400 / N ** 0.34 + 410 / D ** 0.28
    mixed = dict(N=np.r_[N, N], D=np.r_[D, D], loss=np.r_[L, L * 1.1])
    caught_here(lambda: scalingkit.fit("E + A*N^-alpha + B*D^-beta", mixed))
    caught_here(lambda: scalingkit.fit_chinchilla(mixed))
    # A plan far outside the fitted D/N: ExtrapolationWarning through plan -> allocate -> warn_outside_fitted.
    fit = scalingkit.fit_chinchilla(dict(N=N, D=D, loss=L))
    said = caught_here(lambda: scalingkit.plan(fit, 1e30))
    assert any(issubclass(w.category, scalingkit.ExtrapolationWarning) for w in said)
    # A prediction from a fit that did not converge ('d' fitted as a parameter: the data have 'D').
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unidentified = scalingkit.fit("E + A*N^-alpha + B*d^-beta", dict(N=N, D=D, loss=L))
    assert not unidentified.success
    said = caught_here(lambda: unidentified.predict(N=[7e10]))
    assert [w.category for w in said] == [scalingkit.ConvergenceWarning]
    assert str(said[0].message).startswith("predicting from a fit that did not converge, so every prediction")
    with pytest.warns(scalingkit.ConvergenceWarning), \
            pytest.raises(scalingkit.ScalingKitError, match="no intervals for this fit: its covariance does not exist"):
        unidentified.predict(N=[7e10], interval="prediction")       # refused outright: no covariance
    # compare() ranks a law that did not converge like any other: its row says so, and now a warning names it.
    said = caught_here(lambda: scalingkit.compare(["E + A*N^-alpha + B*d^-beta", "chinchilla"], dict(N=N, D=D, loss=L),
                                                  split=N * D, threshold=np.quantile(N * D, 0.75)))
    unconverged = [str(w.message) for w in said if issubclass(w.category, scalingkit.ConvergenceWarning)]
    assert len(unconverged) == 1 and unconverged[0].startswith("ranking 'E + A*N^-alpha + B*d^-beta' from a fit that")
    # A batch trade-off whose grid ends below B_crit; a transfer that keeps the proxy's batch.
    caught_here(lambda: scalingkit.fit_batch_tradeoff(batch=[8, 16, 32, 64], steps=[1000 * (1 + 2000 / b) for b in (8, 16, 32, 64)]))
    caught_here(lambda: scalingkit.transfer([("h", (64, 64), (1024, 1024))], proxy=dict(learning_rate=3e-3, batch_tokens=5e5, tokens=1e9),
                                            target_batch_tokens=4e6))


def test_param_groups_warning_points_at_the_caller():
    torch = pytest.importorskip("torch")
    from scalingkit.torch import param_groups
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 2))
    caught_here(lambda: param_groups(model, model, lr=1e-3, readout=["1"]))
