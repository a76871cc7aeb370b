"""Published scaling-law fits reproduced on their authors' data, with the law and procedure they used."""
import os

import numpy as np
import pytest

import scalingkit
from conftest import ROOT

DATA = os.path.join(ROOT, "Tests", "data")
pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def gemstones():
    return pd.read_csv(os.path.join(DATA, "gemstones_hot.csv"))


def test_gemstones_delta_1e3(gemstones):
    """McLeish et al. (2025) Approach 3, δ = 1e-3, Epoch's grid: objective 1.9816129e-3, α 0.2929, β 0.7129, e 0.7623."""
    g = gemstones
    f = scalingkit.fit_chinchilla(g.N.values, g.D.values, g.loss.values, huber_delta=1e-3)
    assert f.success and f.points_used == 220
    assert f.objective <= 1.9816129e-3 + 1e-12
    assert f.alpha == pytest.approx(0.2929, abs=1e-3)
    assert f.beta == pytest.approx(0.7129, abs=1e-3)
    assert np.log(f.E) == pytest.approx(0.7623, abs=1e-3)


def test_gemstones_delta_1e4_beats_the_early_stopped_release(gemstones):
    """At δ = 1e-4 the released fit (objective 2.076018e-4, β 0.6928) stopped early: ours must be no worse."""
    g = gemstones
    f = scalingkit.fit_chinchilla(g.N.values, g.D.values, g.loss.values, huber_delta=1e-4)
    assert f.success and f.objective <= 2.076018e-4


def test_gadre_extrapolation_errors():
    """Gadre et al. (2024): the over-training law fitted by least squares to 5 small RedPajama runs predicts the
    C4 eval loss of the 1.4B (M=640) and 6.9B (M=20) runs with relative errors 0.7103 % and 0.7320 %."""
    df = pd.read_csv(os.path.join(DATA, "gadre_models_losses.csv"))
    rpj = df[df.dataset == "rpj"]
    train = rpj[rpj.gadre_default_fit_point == 1]
    targets = rpj[rpj.gadre_fig1_target == 1].set_index("model")
    f = scalingkit.fit("gadre_overtraining", N=train.N, M=train.tok_mult, loss=train.loss_c4_val,
                       objective="squared", space="linear")
    assert f.success
    # Their fit: a 166.21, b 366.69, eta -0.2729, E 1.8366.
    assert f["a"] == pytest.approx(166.21, rel=1e-3) and f["b"] == pytest.approx(366.69, rel=1e-3)
    assert f["eta"] == pytest.approx(-0.2729, abs=1e-4) and f["E"] == pytest.approx(1.8366, abs=1e-4)
    for model, published in (("open_lm_1b", 0.7103), ("open_lm_7b", 0.7320)):
        row = targets.loc[model]
        pred = f.predict(N=[row.N], M=[row.tok_mult])[0]
        error = 100 * abs(pred - row.loss_c4_val) / row.loss_c4_val
        assert error == pytest.approx(published, abs=5e-4), model


def test_gadre_with_levenberg_marquardt_matches_scipy():
    """The same least-squares fit by Levenberg–Marquardt, checked against scipy's MINPACK LM side by side."""
    from scipy.optimize import least_squares

    df = pd.read_csv(os.path.join(DATA, "gadre_models_losses.csv"))
    train = df[(df.dataset == "rpj") & (df.gadre_default_fit_point == 1)]
    N, M, L = train.N.values, train.tok_mult.values, train.loss_c4_val.values
    lm = scalingkit.fit("gadre_overtraining", N=N, M=M, loss=L, objective="squared", space="linear", method="lm")
    lbfgs = scalingkit.fit("gadre_overtraining", N=N, M=M, loss=L, objective="squared", space="linear")
    assert lm.success and lm.objective == pytest.approx(lbfgs.objective, rel=1e-8)

    def residuals(p):
        a, eta, b, E = p
        return a * N**eta + b * 6 ** (eta / 2) * (M * N) ** eta + E - L

    ref = least_squares(residuals, [100, -0.3, 100, 2], method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    assert lm.objective <= 0.5 * np.sum(ref.fun**2) * (1 + 1e-8)
    for name, value in zip(("a", "eta", "b", "E"), ref.x):
        assert lm[name] == pytest.approx(value, rel=1e-4), name
