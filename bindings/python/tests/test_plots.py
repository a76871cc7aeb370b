"""Every plot renders to a file with its axes labelled (matplotlib's Agg backend; no display needed)."""
import os

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import scalingkit  # noqa: E402


def render(tmp_path, name, draw):
    fig, ax = plt.subplots()
    draw(ax)
    path = os.path.join(tmp_path, f"{name}.png")
    fig.savefig(path)
    plt.close(fig)
    assert os.path.getsize(path) > 5000, name
    return ax


def test_fit_plots(tmp_path, chinchilla_data):
    N, D, L = chinchilla_data
    fit = scalingkit.fit_chinchilla(N, D, L, exclude_highest_loss=5)
    boot = fit.bootstrap(50, seed=1)
    ax = render(tmp_path, "fit", lambda ax: fit.plot(N, D, L, extrapolate_to=5.76e23, bootstrap=boot, ax=ax))
    assert ax.get_xscale() == "log" and "6ND" in ax.get_xlabel() and len(ax.collections) >= 2
    ax = render(tmp_path, "residuals", lambda ax: fit.plot_residuals(N, D, L, ax=ax))
    assert "residual" in ax.get_ylabel()
    law = scalingkit.fit("kaplan_nd", N=N, D=D, loss=L)
    ax = render(tmp_path, "parity", lambda ax: law.plot(N=N, D=D, observed=L, ax=ax))
    assert ax.get_xlabel() == "fitted"
    ax = render(tmp_path, "law_vs_N", lambda ax: law.plot(N=N, D=D, observed=L, x="N", ax=ax))
    assert ax.get_xlabel() == "N"
    render(tmp_path, "law_residuals", lambda ax: law.plot_residuals(N=N, D=D, observed=L, x="D", ax=ax))


def test_plots_mark_the_excluded_and_the_outlying_runs(tmp_path, chinchilla_data):
    """The fit's own table: excluded runs crossed out, runs far off the law ringed and labelled; another table
    (here a subset) is not marked, since the fit's row indices do not point into it."""
    import warnings
    N, D, L = chinchilla_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = scalingkit.fit_chinchilla(N, D, L)
        law = scalingkit.fit("chinchilla", N=N, D=D, loss=L)
    cleaned = scalingkit.fit_chinchilla(N, D, L, exclude_highest_loss=5)

    def labels(ax):
        return ax.get_legend_handles_labels()[1]

    ax = render(tmp_path, "marked", lambda ax: default.plot(N, D, L, ax=ax))
    assert "far off the law (up to 45.2 robust SDs)" in labels(ax) and "excluded" not in labels(ax)
    ax = render(tmp_path, "marked_residuals", lambda ax: default.plot_residuals(N, D, L, ax=ax))
    ringed = [c for c in ax.collections if c.get_label().startswith("far off")]
    assert len(ringed) == 1 and len(ringed[0].get_offsets()) == 4
    ax = render(tmp_path, "excluded", lambda ax: cleaned.plot(N, D, L, ax=ax))
    assert "excluded" in labels(ax)
    crossed = [c for c in ax.collections if c.get_label() == "excluded"]
    assert len(crossed[0].get_offsets()) == 5
    ax = render(tmp_path, "law_marked", lambda ax: law.plot(N=N, D=D, observed=L, ax=ax))
    assert any(label.startswith("far off the law") for label in labels(ax))
    ax = render(tmp_path, "subset", lambda ax: default.plot_residuals(N[10:], D[10:], L[10:], ax=ax))
    assert not any(label.startswith("far off") for label in labels(ax))


def test_batch_and_transfer_plots(tmp_path):
    gns = scalingkit.GradientNoiseScale(smoothing="cumulative", history=True)
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = rng.uniform(1.5, 2.5)
        gns.update(s, s * rng.uniform(0.3, 0.6), 8, 128)
    ax = render(tmp_path, "gns", lambda ax: gns.plot(ax=ax))
    assert ax.get_ylabel().startswith("B_simple")
    B = np.array([64, 256, 1024, 4096, 16384])
    t = scalingkit.fit_batch_tradeoff(batch=B, steps=1000 * (1 + 2000 / B))
    ax = render(tmp_path, "tradeoff", lambda ax: t.plot(B, 1000 * (1 + 2000 / B), ax=ax))
    assert ax.get_xlabel() == "batch size"
    layer, width, step, rms = [], [], [], []
    for w in (64, 128, 256):
        for name, v in (("a", 1.0), ("b", w ** 0.5)):
            layer.append(name); width.append(w); step.append(0); rms.append(v)
    ax = render(tmp_path, "coord", lambda ax: scalingkit.plot_coord_check(layer, width, step, rms, ax=ax))
    assert ax.get_xlabel() == "width"


def test_isoflop_and_curve_plots(tmp_path):
    pd = pytest.importorskip("pandas")
    from conftest import ROOT
    frame = pd.read_csv(os.path.join(ROOT, "Tests", "data", "isoflops", "extract_llama_3.csv"))
    frame = frame[frame.iloc[:, 4] == "raw_loss"].rename(columns={"params": "N", "tokens": "D"})
    iso = scalingkit.isoflop(frame)
    ax = render(tmp_path, "isoflop", lambda ax: iso.plot(frame.N, frame.loss, frame.budget, ax=ax))
    assert ax.get_xlabel() == "parameters N"
    ax = render(tmp_path, "frontier", lambda ax: iso.plot_frontier(ax=ax, extrapolate_to=3.8e25))
    assert ax.get_ylabel() == "N_opt" and ax.get_yscale() == "log"
