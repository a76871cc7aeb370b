"""Hyperparameter transfer through the binding: every parameter of the mup and unit-scaling reference vectors,
presets, batch rules, the sweep fitter and the coordinate check."""
import csv
import math
import os

import numpy as np
import pytest

import scalingkit
from scalingkit import ScalingKitError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS = os.path.join(ROOT, "Tests", "data", "transfer")


def rows(name):
    with open(os.path.join(VECTORS, name), newline="") as f:
        return list(csv.DictReader(f))


def test_every_mup_parameter_matches():
    data = rows("mup_vectors.csv")
    assert len(data) == 225
    for family in {r["family"] for r in data}:
        for width in {r["width"] for r in data}:
            part = [r for r in data if r["family"] == family and r["width"] == width]
            groups = [dict(name=r["name"], base=r["base"], delta=r["delta"], target=r["target"],
                           role="readout" if r["module"].endswith("Readout") and r["name"].endswith("weight") else None)
                      for r in part]
            adam = scalingkit.transfer(groups)
            sgd = scalingkit.transfer(groups, optimizer="sgd")
            for r, a, s in zip(part, adam.groups, sgd.groups):
                assert a.scaled_axes == int(r["ninf"])
                for got, key in [(a.width_mult, "width_mult"), (a.lr_mult, "adam_lr"), (a.wd_mult, "adam_wd"),
                                 (s.lr_mult, "sgd_lr"), (s.wd_mult, "sgd_wd"), (a.forward_mult, "forward_mult")]:
                    assert got == pytest.approx(float(r[key]), rel=1e-12), (family, width, r["name"], key)
                quirk = family == "transformer_tied" and r["name"] in ("embed.weight", "readout.bias")
                expected = float(r["init_std_ratio"]) / (math.sqrt(a.width_mult) if quirk else 1)   # mup issue #55
                assert a.init_std_mult == pytest.approx(expected, rel=1e-12), (family, width, r["name"])


def test_every_unit_scaling_parameter_matches():
    for r in rows("umup_vectors.csv"):
        depth = int(r["mup_scaling_depth"])
        assert scalingkit.umup_lr_scale(r["mup_type"], r["shape"], depth) == pytest.approx(float(r["adam_lr_scale"]), rel=1e-12)
        assert scalingkit.umup_lr_scale(r["mup_type"], r["shape"], depth, "sgd") == pytest.approx(float(r["sgd_lr_scale"]), rel=1e-12)
        # unit-scaling's own group weight decay, for its AdamW at lr 1e-2 and weight_decay 0.1
        assert scalingkit.umup_weight_decay(0.1, float(r["group_lr"])) == pytest.approx(float(r["group_weight_decay"]), rel=1e-12)


def test_umup_residual_taus_and_attention_scale():
    for r in rows("umup_residual.csv"):
        tau = scalingkit.umup_residual_tau(int(r["index"]), int(r["layers"]), float(r["residual_mult"]),
                                           float(r["residual_attn_ratio"]))
        assert tau == pytest.approx(float(r["tau"]), rel=1e-12)
    assert scalingkit.attention_scale(256, 64) == pytest.approx(8 / 256)
    assert scalingkit.attention_scale(256, 64, "standard") == pytest.approx(1 / 16)
    with pytest.raises(ScalingKitError, match="index"):
        scalingkit.umup_residual_tau(4, 4)


def test_transfer_says_what_it_kept():
    """μP moves the learning rate with width only. A target batch 8x the proxy's without a batch rule, or 100x its
    tokens without a horizon exponent, used to keep the proxy's rate without a word."""
    import warnings
    groups = [("h", (64, 64), (1024, 1024))]
    proxy = dict(learning_rate=3e-3, batch_tokens=5e5, tokens=1e9)
    with pytest.warns(scalingkit.TransferWarning) as caught:
        r = scalingkit.transfer(groups, proxy=proxy, target_batch_tokens=4e6, target_tokens=1e11)
    assert len(r.notes) == 2 and [str(w.message) for w in caught] == list(r.notes)
    assert "no batch rule" in r.notes[0] and "no horizon exponent" in r.notes[1]
    assert r["h"].learning_rate == pytest.approx(3e-3 / 16)          # kept, and now said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Rules set, or the run within 2x: nothing to say.
        assert scalingkit.transfer(groups, proxy=proxy, target_batch_tokens=4e6, target_tokens=1e11, batch_rule="sqrt",
                                   horizon_exponent=0.3).notes == ()
        assert scalingkit.transfer(groups, proxy=proxy, target_batch_tokens=1e6, target_tokens=2e9).notes == ()
        assert scalingkit.transfer(groups).notes == ()


def test_independent_weight_decay():
    proxy = dict(learning_rate=1e-2, weight_decay=0.1, batch_tokens=1e5, tokens=1e9)
    r = scalingkit.transfer([("h", (256, 64), (4096, 1024), None, True)], proxy=proxy, target_batch_tokens=4e5,
                            weight_decay_rule="independent", batch_rule="sqrt", depth=(0.5, 2, 8))
    assert r.groups[0].learning_rate * r.groups[0].weight_decay == pytest.approx(1e-3, rel=1e-12)


def test_live_mup_when_installed():
    """Side by side with the real package when torch and mup are importable (the committed vectors cover CI)."""
    torch = pytest.importorskip("torch")
    mup = pytest.importorskip("mup")
    make = lambda w: torch.nn.Sequential(torch.nn.Linear(16, w), torch.nn.Linear(w, w), mup.MuReadout(w, 4))
    model = make(512)
    mup.set_base_shapes(model, make(32), delta=make(64))
    opt = mup.MuAdam(model.parameters(), lr=1.0)
    lr = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
    base = {n: tuple(p.shape) for n, p in make(32).named_parameters()}
    groups = [(n, base[n], tuple(p.shape), "readout" if n == "2.weight" else None) for n, p in model.named_parameters()]
    ours = scalingkit.transfer(groups)
    for (n, p), g in zip(model.named_parameters(), ours.groups):
        assert g.lr_mult == pytest.approx(lr[id(p)], rel=1e-12), n


def test_transfer_in_one_call_and_optimizer_groups():
    groups = [("wte", (50304, 256), (50304, 2048), "input"), ("c_fc", (1024, 256), (8192, 2048), None, True),
              ("lm_head", (50304, 256), (50304, 2048), "readout")]
    proxy = dict(learning_rate=6e-3, weight_decay=0.1, init_std=0.02, batch_tokens=2.5e5, tokens=2e9)
    with pytest.warns(scalingkit.TransferWarning, match="no horizon exponent"):
        r = scalingkit.transfer(groups, proxy=proxy, target_batch_tokens=1e6, target_tokens=2e10, depth=(1, 4, 16),
                                batch_rule="sqrt")
    assert r.residual_mult == pytest.approx(0.25) and r.lr_scale == pytest.approx(2.0) and len(r.notes) == 1
    assert r["c_fc"].learning_rate == pytest.approx(6e-3 / 8 * 2) and r["lm_head"].forward_mult == pytest.approx(1 / 8)
    with pytest.warns(scalingkit.TransferWarning):
        held = scalingkit.transfer(groups, proxy=proxy, target_batch_tokens=1e6, target_tokens=2e10, hold_timescale=True)
    tau = scalingkit.adamw_timescale(2.5e5, 6e-3, 0.1, 2e9)
    for g in held.groups:
        assert scalingkit.adamw_timescale(1e6, g.learning_rate, g.weight_decay, 2e10) == pytest.approx(tau, rel=1e-12)
    params = {name: object() for name, *_ in groups}
    opt_groups = r.optimizer_groups(params)
    assert opt_groups[1]["params"] == [params["c_fc"]] and opt_groups[1]["lr"] == r["c_fc"].learning_rate
    pd = pytest.importorskip("pandas")
    assert isinstance(r.to_frame(), pd.DataFrame) and list(r.to_frame().index) == ["wte", "c_fc", "lm_head"]
    with pytest.raises(ScalingKitError, match="needs transfer"):
        scalingkit.transfer(groups).optimizer_groups(params)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(groups=[("w", (64, 64), (32, 64))]), "shrinks"),
    (dict(groups=[("w", (8, 8, 8), (16, 16, 16))]), "3 width-scaled axes"),
    (dict(groups=[("w", (0, 64), (64, 64))]), "size <= 0"),
    (dict(groups=[("w", (64,), (64, 64))]), "same rank"),
    (dict(groups=[("w", (64, 64), (128, 128), "attention")]), "unknown role"),
    (dict(groups=[("w", (64, 64), (128, 128))], optimizer="lion"), "unknown optimizer"),
    (dict(groups=[("w", (64, 64), (128, 128))], depth=(2.0, 4, 8)), "depth alpha"),
    (dict(groups=[]), "no parameter groups"),
    (dict(groups=[("w", (64, 64), (128, 128))], proxy=dict(learning_rate=1e-3)), "proxy lacks 'batch_tokens'"),
    (dict(groups=[("w", (64, 64), (128, 128))], proxy=dict(learning_rate=1e-3, batch_tokens=1, tokens=1),
          batch_rule="linear"), "linear batch rule"),
])
def test_bad_input(kwargs, needle):
    with pytest.raises(ScalingKitError, match=needle):
        scalingkit.transfer(**kwargs)


def test_identity_when_base_equals_target():
    r = scalingkit.transfer([("w", (256, 256), (256, 256))])
    g = r.groups[0]
    assert g.scaled_axes == 0 and g.lr_mult == g.wd_mult == g.init_std_mult == 1


def test_presets_and_batch_rules():
    d = scalingkit.hp_law("deepseek", C=1e21)
    assert d.learning_rate == pytest.approx(7.394e-4, rel=1e-4) and d.batch_tokens == pytest.approx(2.16e6, rel=1e-3)
    s = scalingkit.hp_law("step_law", N=7e9, D=1.4e12)
    assert s.learning_rate == pytest.approx(9.166e-4, rel=1e-4) and s.batch_tokens == pytest.approx(5.0e6, rel=1e-3)
    with pytest.raises(ScalingKitError, match="unknown hyperparameter law"):
        scalingkit.hp_law("kaplan", N=1e9, D=1e10)
    with pytest.raises(ScalingKitError, match="finite and > 0"):
        scalingkit.hp_law("step_law", N=7e9)
    a = scalingkit.adam_sqrt_rule(4, 1e-3, 0.9, 0.99, 1e-8)
    assert (a.learning_rate, a.beta1, a.beta2, a.epsilon) == pytest.approx((2e-3, 0.6, 0.96, 5e-9))
    assert scalingkit.optimal_learning_rate(512, 512, 1e-3) == pytest.approx(1e-3)
    assert scalingkit.optimal_learning_rate(512, 512, 1e-3, "sgd") == pytest.approx(5e-4)


def synthetic_sweep(noise, seed=0):
    """Optima following Step Law: a bowl in (ln η, ln B) around η* = 1.79 N^−0.713 D^0.307, B* = 0.58 D^0.571."""
    rng = np.random.default_rng(seed)
    rows = []
    for N in (1e8, 3e8, 1e9):
        for tpp in (20, 80, 320):
            D = tpp * N
            lr0, b0 = 1.79 * N ** -0.713 * D ** 0.307, 0.58 * D ** 0.571
            for j in range(-2, 3):
                for i in range(-3, 4):
                    lr, B = lr0 * 2 ** (i + 0.2), b0 * 2 ** (j + 0.3)
                    loss = 2 + 0.05 * np.log(lr / lr0) ** 2 + 0.03 * np.log(B / b0) ** 2 + noise * rng.standard_normal()
                    rows.append((N, D, lr, B, loss))
    return np.array(rows)


def test_sweep_recovers_step_law():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(synthetic_sweep(0.0), columns=["N", "D", "learning_rate", "batch", "loss"])
    r = scalingkit.fit_hp_sweep(frame)
    assert r.learning_rate.exponent_N == pytest.approx(-0.713, abs=1e-9)
    assert r.learning_rate.exponent_D == pytest.approx(0.307, abs=1e-9)
    assert r.batch.exponent_D == pytest.approx(0.571, abs=1e-9) and r.batch.coefficient == pytest.approx(0.58, rel=1e-8)
    lr, interval, batch = r.predict(7e9, 1.4e12)
    assert lr == pytest.approx(scalingkit.hp_law("step_law", N=7e9, D=1.4e12).learning_rate, rel=1e-8)
    assert len(r.cells) == 45 and all(c.located for c in r.cells) and len(r.cells_frame()) == 45
    noisy = scalingkit.fit_hp_sweep(*[None], **dict(zip(["N", "D", "learning_rate", "batch", "loss"], synthetic_sweep(2e-3).T)))
    law = noisy.learning_rate
    assert abs(law.exponent_N + 0.713) < 4 * law.stderr_N and abs(law.exponent_D - 0.307) < 4 * law.stderr_D
    lr, interval, _ = noisy.predict(7e9, 1.4e12)
    assert lr in interval and interval.level == 0.95


def test_sweep_law_standard_errors_match_numpy():
    """The η_opt law's exponents' standard errors, recomputed in numpy from the cells' optima: OLS of ln η on
    (1, ln N, ln D), the larger of σ²(XᵀX)⁻¹ and White's HC1 sandwich (since 0.4.8)."""
    r = scalingkit.fit_hp_sweep(**dict(zip(["N", "D", "learning_rate", "batch", "loss"], synthetic_sweep(2e-3, seed=3).T)))
    # The law goes through one optimum per (N, D): that of its cell (batch) with the lowest optimal loss.
    best = {}
    for c in (c for c in r.cells if c.located):
        if (c.N, c.D) not in best or c.optimal_loss < best[c.N, c.D].optimal_loss:
            best[c.N, c.D] = c
    cells = list(best.values())
    X = np.array([[1.0, math.log(c.N), math.log(c.D)] for c in cells])
    y = np.log([c.optimal_lr for c in cells])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    n, p = X.shape
    inverse = np.linalg.inv(X.T @ X)
    textbook = inverse * (e @ e) / (n - p)
    hc1 = inverse @ (X.T * e**2) @ X @ inverse * n / (n - p)
    se = np.sqrt(np.maximum(np.diag(textbook), np.diag(hc1)))
    law = r.learning_rate
    assert (law.exponent_N, law.exponent_D) == pytest.approx(tuple(beta[1:]), rel=1e-9)
    assert (law.stderr_N, law.stderr_D) == pytest.approx(tuple(se[1:]), rel=1e-7)


def test_sweep_fits_the_weight_decay_timescale():
    rows = []
    for N in (1e8, 4e8):
        for tpp in (20, 80, 320):
            D, B, eta0, tau_star = tpp * N, 1e6, 3e-3, 0.2 * tpp ** -0.527
            for j in range(-2, 3):
                tau = tau_star * 2 ** (j + 0.3)
                rows.append((N, D, eta0, B, 2 + 0.04 * np.log(tau / tau_star) ** 2, B / (eta0 * tau * D)))
            for i in range(-2, 3):
                eta = 1e-3 * 2 ** (i + 0.2)
                rows.append((N, D, eta, B, 2.1 + 0.05 * np.log(eta / 1e-3) ** 2, 0.1))
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(rows, columns=["N", "D", "learning_rate", "batch", "loss", "weight_decay"])
    r = scalingkit.fit_hp_sweep(frame)
    assert r.timescale.exponent == pytest.approx(-0.527, abs=1e-9) and r.timescale(80) == pytest.approx(0.2 * 80 ** -0.527)
    assert scalingkit.fit_hp_sweep(frame.drop(columns="weight_decay").iloc[5:10]).timescale is None


def ratio_sweep(cells):
    """Optima lr* = 0.3 N^-0.25 (D/1e9)^-0.05 at each (N, D), 5 learning rates each, no noise."""
    rows = []
    for N, D in cells:
        best = 0.3 * N ** -0.25 * (D / 1e9) ** -0.05
        for i in range(-2, 3):
            lr = best * 2 ** (i + 0.25)
            rows.append((N, D, lr, 5e5, 2 + 0.05 * np.log(lr / best) ** 2))
    return dict(zip(["N", "D", "learning_rate", "batch", "loss"], np.array(rows).T))


def test_sweep_at_one_tokens_per_parameter():
    """The commonest sweep, every size at D = 20 N, was refused ("do not determine a power law in N and D"): it is
    now fitted along that line, predicts on it, and refuses a prediction at another D/N."""
    sizes = [1.2e7, 3.1e7, 1.05e8, 2.9e8]
    r = scalingkit.fit_hp_sweep(**ratio_sweep([(N, 20 * N) for N in sizes]))
    law = r.learning_rate
    assert law.exponent_N == pytest.approx(-0.30, abs=1e-9) and law.exponent_D is None and law.support_N is None
    assert law.support_D_coefficient == pytest.approx(20) and law.support_D_exponent == pytest.approx(1)
    assert "along D = 20·N alone" in r.message
    lr, interval, batch = r.predict(7e9, 1.4e11)
    assert lr == pytest.approx(0.3 * 7e9 ** -0.25 * 140 ** -0.05, rel=1e-8) and batch is None
    with pytest.raises(ScalingKitError, match=r"fitted along D = 20·N .*D/N = 200"):
        r.predict(7e9, 1.4e12)
    one_D = scalingkit.fit_hp_sweep(**ratio_sweep([(N, 2e9) for N in sizes])).learning_rate
    assert one_D.support_D_coefficient == 2e9 and one_D.support_D_exponent == 0 and one_D.exponent_N == pytest.approx(-0.25)
    plane = scalingkit.fit_hp_sweep(**ratio_sweep([(N, t * N) for N in (1e8, 4e8) for t in (20, 80, 320)])).learning_rate
    assert plane.support_N is None and plane.support_D_coefficient is None and plane.exponent_D == pytest.approx(-0.05)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = r.plot()
    (line,) = ax.get_lines()[1:]       # the errorbar's points, then the law along D = 20 N
    assert len(line.get_xdata()) == 50 and line.get_ydata()[0] == pytest.approx(r.predict(sizes[0], 20 * sizes[0])[0])
    plt.close("all")


def test_sweep_cell_with_diverged_runs():
    """The runs at 2.7x the optimum and above diverged (loss 7): one parabola through all 7 runs put the optimum at
    0.46x with a vertex loss (1.63) below every run's; the parabola near the best run finds it."""
    lr = 1e-3 * 2.0 ** (np.arange(-3, 4) + 0.3)
    x = np.log(lr / 1e-3)
    loss = np.where(x < 1, 2 + 0.05 * x ** 2, 7.0)
    r = scalingkit.fit_hp_sweep(N=np.full(7, 1e8), D=np.full(7, 2e9), learning_rate=lr, batch=np.full(7, 5e5), loss=loss)
    (cell,) = r.cells
    assert cell.optimal_lr == pytest.approx(1e-3, rel=1e-6) and cell.optimal_loss >= 2 - 1e-9
    assert cell.note.startswith("optimum located (parabola through the best of the learning rates")
    assert r.cells_frame()["note"][0] == cell.note
    with pytest.raises(ScalingKitError, match="the optimum lies outside the sweep, widen it"):
        scalingkit.fit_hp_sweep(N=np.full(7, 1e8), D=np.full(7, 2e9), learning_rate=lr, batch=np.full(7, 5e5),
                                loss=2 - 0.01 * x)


def test_sweep_with_diverged_runs_logged_as_nan():
    """Training logs record a diverged run's loss as NaN or inf; a DataFrame holding one used to refuse the whole
    sweep ('loss[5] is not finite'), and dropping the row moved the best run to the sweep's end ('widen it')."""
    pd = pytest.importorskip("pandas")
    rows = []
    for N in (1e8, 3e8, 1e9):
        opt = 0.3 * N ** -0.25
        for k, lr in enumerate(opt * 2.0 ** (np.arange(-3, 4) + 0.3)):
            x = np.log(lr / opt)
            loss = 2 + 0.05 * x * x if lr < 3 * opt else (np.nan if k % 2 else np.inf)
            rows.append(dict(N=N, D=20 * N, learning_rate=lr, batch=256, loss=loss))
    r = scalingkit.fit_hp_sweep(pd.DataFrame(rows))
    assert r.learning_rate.coefficient == pytest.approx(0.3, rel=1e-9)
    assert r.learning_rate.exponent_N == pytest.approx(-0.25, abs=1e-9)
    assert all("2 of the 7 learning rates diverged" in c.note for c in r.cells)
    # The best run's upper neighbour diverged: between them, finer than the sweep; said, not guessed.
    cut = [dict(row, loss=np.nan) if row["learning_rate"] > 1.2 * 0.3 * row["N"] ** -0.25 else row for row in rows]
    with pytest.raises(ScalingKitError, match="next to a diverged value above it"):
        scalingkit.fit_hp_sweep(pd.DataFrame(cut))


def test_sweep_errors():
    s = synthetic_sweep(0.0)
    one = s[3::7]
    with pytest.raises(ScalingKitError, match="no optimum can be located"):
        scalingkit.fit_hp_sweep(N=one[:, 0], D=one[:, 1], learning_rate=one[:, 2], batch=one[:, 3], loss=one[:, 4])
    with pytest.raises(ScalingKitError, match="length mismatch"):
        scalingkit.fit_hp_sweep(N=[1, 2], D=[1], learning_rate=[1], batch=[1], loss=[1])
    # A column under another name: the message lists the data's columns.
    with pytest.raises(ScalingKitError, match=r"'learning_rate' is missing.*the data has N, D, lr, batch, loss"):
        scalingkit.fit_hp_sweep({"N": [1.0], "D": [1.0], "lr": [1.0], "batch": [1.0], "loss": [1.0]})


def test_coord_check_and_plot():
    layer, width, step, rms = [], [], [], []
    for s in range(3):
        for w in (128, 256, 512, 1024):
            for name, v in (("embed", 1.0), ("logits", w ** (s / 4)), ("attn", w ** -0.5)):
                layer.append(name); width.append(w); step.append(s); rms.append(v)
    out = scalingkit.coord_check(layer, width, step, rms)
    assert [(c.layer, c.verdict) for c in out] == [("embed", "stable"), ("logits", "grows"), ("attn", "vanishes")]
    assert out[1].worst_slope == pytest.approx(0.5)
    with pytest.raises(ScalingKitError, match="fewer than 2 widths"):
        scalingkit.coord_check(["a"], [64], [0], [1.0])
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    scalingkit.plot_coord_check(layer, width, step, rms, ax=ax)
    plt.close(fig)
    assert len(ax.lines) == 3 and ax.get_xscale() == "log"
