"""scalingkit.fit: catalogue laws and formula strings through the binding."""
import math

import numpy as np
import pytest

import scalingkit
from scalingkit import LawFit, ScalingKitError


def kaplan_runs(noise=1e-3, seed=0):
    rng = np.random.default_rng(seed)
    N = np.logspace(6, 10, 20)
    loss = (8.8e13 / N) ** 0.076 * np.exp(noise * rng.standard_normal(20))
    return N, loss


def test_catalogue_lists_the_laws():
    names = scalingkit.catalogue()
    assert "chinchilla" in names and "kaplan_nd" in names and len(names) == 12


def test_catalogue_law_recovers_parameters():
    N, loss = kaplan_runs()
    f = scalingkit.fit("kaplan_n", N=N, loss=loss)
    assert isinstance(f, LawFit) and f.success and f.law == "kaplan_n" and f.inputs == ("N",)
    assert f["alphaN"] == pytest.approx(0.076, abs=2e-3)
    assert math.log(f["Nc"] / 8.8e13) == pytest.approx(0, abs=0.5)
    assert "Kaplan" in f.citation
    np.testing.assert_allclose(f.predict(N=N), (8.8e13 / N) ** 0.076, rtol=5e-3)


def test_formula_from_dataframe_matches_catalogue(chinchilla_data):
    pd = pytest.importorskip("pandas")
    N, D, L = chinchilla_data
    frame = pd.DataFrame({"N": N, "D": D, "C": 6 * N * D, "loss": L, "run": [f"r{i}" for i in range(len(N))]})
    frame = frame[frame.loss < np.sort(frame.loss)[-5]]
    grid = {"E": np.exp([-1, 0, 1]), "A": np.exp([0, 10, 20]), "B": np.exp([0, 10, 20]), "alpha": [0, .5, 1],
            "beta": [0, .5, 1]}
    built_in = scalingkit.fit("chinchilla", frame, start=grid)
    formula = scalingkit.fit("E + A*N^-alpha + B*D^-beta", frame, start=grid, log_scale=["E", "A", "B"],
                             bounds={"alpha": (0, None), "beta": (0, None)})
    assert formula.inputs == ("N", "D")         # C and the text column were offered, not used
    assert formula.objective <= built_in.objective + 1e-12
    for k in ("E", "alpha", "beta"):
        assert formula[k] == pytest.approx(built_in[k], rel=1e-4)
    assert built_in.objective <= 1.0182740346e-3 + 1e-12      # Besiroglu et al. (2024)


def test_fixed_bounds_and_at_bound():
    N = np.logspace(7, 11, 20)
    loss = 2.0 + 50 * N ** -0.25
    f = scalingkit.fit("Linf + (x0/N)^alpha", N=N, loss=loss, bounds={"Linf": (None, 1.5)}, objective="squared",
                       start={"Linf": [1], "x0": [1e6], "alpha": [0.3]}, log_scale=["x0"])
    assert f.at_bound == ("Linf",) and f["Linf"] == 1.5
    g = scalingkit.fit("Linf + (x0/N)^alpha", N=N, loss=loss, fixed={"Linf": 2.0}, objective="squared",
                       start={"x0": [1e6], "alpha": [0.3]}, log_scale=["x0"])
    assert g["Linf"] == 2.0 and g["alpha"] == pytest.approx(0.25, rel=1e-6)


def test_squared_linear_and_asymmetric_losses_differ():
    N, loss = kaplan_runs(noise=0.02, seed=3)
    sym = scalingkit.fit("kaplan_n", N=N, loss=loss, objective="squared", space="linear")
    asym = scalingkit.fit("kaplan_n", N=N, loss=loss, over_prediction_weight=10)
    assert sym.success and asym.success
    # Penalising over-prediction pushes the curve towards the lower envelope of the runs.
    assert np.mean(asym.predict(N=N) <= loss) > np.mean(sym.predict(N=N) <= loss)


@pytest.mark.parametrize("kwargs,needle", [
    ({"law": "E + A*N^-alpha +"}, "at position 16"),
    ({"law": "chinchila"}, "unknown law 'chinchila'"),
    ({"law": "E + A*sin(N)"}, "unknown function 'sin'"),
    ({"law": "kaplan_n", "fixed": {"gamma": 1}}, "not parameters of the law"),
    ({"law": "kaplan_n", "bounds": {"alphaN": (1, 0)}}, "bounds of 'alphaN'"),
    ({"law": "kaplan_n", "objective": "l1"}, "unknown objective"),
    ({"law": "kaplan_n", "space": "sqrt"}, "unknown space"),
    ({"law": "kaplan_n", "weights": [1.0] * 3}, "weights_len"),
    ({"law": "kaplan_n", "huber_delta": 0.0}, "huber delta"),
    ({"law": "kaplan_n", "observed": "nope"}, "no data for input 'nope'"),
    ({"law": "kaplan_n", "log_scale": ["x"]}, "log_scale"),
])
def test_bad_input(kwargs, needle):
    N, loss = kaplan_runs()
    law = kwargs.pop("law")
    with pytest.raises(ScalingKitError) as info:
        scalingkit.fit(law, {"N": N, "loss": loss}, **kwargs)
    assert needle in str(info.value), str(info.value)


@pytest.mark.parametrize("exclude", [0, 2])
def test_a_diverged_run_is_named_with_what_to_do(exclude):
    """A NaN loss (a run that diverged) says the same with or without exclude_highest_loss, which ranks the losses
    first and used to say only "observed[3] is not finite (nan)"."""
    N, loss = kaplan_runs()
    loss = np.array(loss, dtype=float)
    loss[3] = np.nan
    with pytest.raises(ScalingKitError, match=r"'observed'\[3\] is not finite \(nan\): a run that diverged\?.*drop its row"):
        scalingkit.fit("kaplan_n", {"N": N, "loss": loss}, exclude_highest_loss=exclude)


def test_a_catalogue_law_on_differently_named_columns_lists_them():
    N, loss = kaplan_runs()
    with pytest.raises(ScalingKitError, match=r"no data for input 'N'; the data have 'params', 'final_loss': rename a "
                                              r"column or pass N=data\[<column>\]"):
        scalingkit.fit("kaplan_n", {"params": N, "final_loss": loss}, observed="final_loss")
    assert scalingkit.fit("kaplan_n", {"final_loss": loss}, N=N, observed="final_loss").success


def test_a_parameter_that_looks_like_a_column_is_named_when_the_fit_fails():
    # 'n' typed for the column 'N' becomes a parameter; the fit ended "not identified" without saying why.
    N, loss = kaplan_runs()
    D = 20 * N[::-1]
    fit = scalingkit.fit("E + (Nc/n)^alpha + (Dc/D)^beta", {"N": N, "D": D, "loss": loss + (1e10 / D) ** 0.3})
    assert not fit.success
    assert "'n' is fitted as a parameter, but the data have the column 'N'" in fit.message, fit.message
    # A formula with no column left says so when it is raised.
    with pytest.raises(ScalingKitError, match="names are case-sensitive: 'n' for the column 'N'"):
        scalingkit.fit("Linf + (Nc/n)^alpha", {"N": N, "loss": loss})
    # 'c' beside a column 'C' is a fine constant when the fit determines it: no hint.
    ok = scalingkit.fit("c + (Nc/N)^alpha", {"N": N, "C": 120 * N**2, "loss": 1.7 + (1e8 / N) ** 0.3})
    assert "the data have the column" not in ok.message


def test_more_parameters_than_runs():
    with pytest.raises(ScalingKitError, match="not identified"):
        scalingkit.fit("kaplan_nd", N=[1e8, 1e9], D=[1e10, 1e11], loss=[3.0, 2.5])


def test_observed_must_be_positive_in_log_space():
    N, loss = kaplan_runs()
    loss[4] = -1
    with pytest.raises(ScalingKitError, match=r"'observed'\[4\] must be > 0"):
        scalingkit.fit("kaplan_n", N=N, loss=loss)


def test_a_step_zero_checkpoint_or_an_overflowed_compute_column_is_named():
    # A user's frame with a checkpoint logged at step 0: D^-alpha is infinite there. The fit used to wander to
    # alpha < 0 (where 0^+alpha is finite) and report a stall with sign-flipped E and A.
    D = np.array([0, 1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10])
    loss = 2 + 50 * np.maximum(D, 1) ** -0.2
    with pytest.raises(ScalingKitError, match=r"infinite at data point 0 \(D = 0\).*'D' is zero at 1 of 7 points"):
        scalingkit.fit("E + A*D^-alpha", {"D": D, "loss": loss})
    ok = scalingkit.fit("E + A*D^-alpha", {"D": D[1:], "loss": loss[1:]})
    assert ok.success and ok.params["alpha"] == pytest.approx(0.2, rel=1e-4)
    # pandas computes 6*N*D in int64: past 9.2e18 it wraps to negative values. The error says so.
    import pandas as pd
    frame = pd.DataFrame({"N": np.array([5e8, 1e9, 2e9], dtype=np.int64),
                          "D": np.array([1e10, 2e10, 4e10], dtype=np.int64), "loss": [3.0, 2.8, 2.6]})
    frame["C"] = 6 * frame.N * frame.D
    assert (frame.C < 0).any()
    with pytest.raises(ScalingKitError, match=r"'C' is negative at \d of 3 points \(.*overflowed"):
        scalingkit.fit("E + A*C^-alpha", frame)


def test_a_formula_typed_as_in_numpy_fits_exact_data_and_says_success():
    """log10/pow as people type them, fitted to noise-free data: recovered, and confirmed by several starts."""
    N = np.repeat([1e7, 3e7, 1e8, 3e8, 1e9, 3e9], 6)
    D = np.tile([1e8, 3e8, 1e9, 3e9, 1e10, 3e10], 6)
    loss = 1.7 + 400 * N**-0.34 + 410 * D**-0.28
    fit = scalingkit.fit("E + A*pow(N, -alpha) + B*pow(D, -beta)", {"N": N, "D": D}, observed=loss)
    assert fit.success, fit.message
    assert fit.params == pytest.approx(dict(E=1.7, A=400, alpha=0.34, B=410, beta=0.28), rel=1e-9)
    C = 6 * N * D
    line = scalingkit.fit("a + b*log10(C)", {"C": C}, observed=7.5 - 0.12 * np.log10(C))
    assert line.success, line.message
    assert line.params["b"] == pytest.approx(-0.12, rel=1e-9)


def test_latin_hypercube_starts():
    N, loss = kaplan_runs()
    f = scalingkit.fit("kaplan_n", N=N, loss=loss, random_starts=32, seed=5)
    g = scalingkit.fit("kaplan_n", N=N, loss=loss)
    assert f.starts == 32 and f.success
    assert f.objective <= g.objective * (1 + 1e-9)


def test_fit_records_its_configuration():
    N, loss = kaplan_runs()
    f = scalingkit.fit("kaplan_n", N=N, loss=loss, objective="huber", huber_delta=1e-4, fixed={}, seed=3)
    c = f.config
    assert c["law"] == "kaplan_n" and c["formula"] == "(Nc/N)^alphaN" and c["inputs"] == ["N"]
    assert c["objective"] == "huber" and c["huber_delta"] == 1e-4 and c["space"] == "log"
    assert c["points_used"] == 20 and c["starts"] == f.starts and c["method"] == "lbfgs"
    assert c["gradient_tolerance"] > 0 and c["function_tolerance"] > 0 and c["scalingkit_version"] == scalingkit.__version__
    assert c["screen"] == 64 and c["confirmations"] == 4


def test_log_output_formula_matches_the_built_in_fit(chinchilla_data):
    """Hoffmann's own parameterisation, written as a formula that gives log L, reaches the built-in optimum."""
    N, D, L = chinchilla_data
    keep = L < np.sort(L)[-5]
    grid = {"a": [0, 10, 20], "b": [0, 10, 20], "e": [-1, 0, 1], "alpha": [0, .5, 1], "beta": [0, .5, 1]}
    f = scalingkit.fit("logsumexp(a - alpha*log(N), b - beta*log(D), e)", N=N[keep], D=D[keep], loss=L[keep],
                       start=grid, log_output=True)
    built_in = scalingkit.fit_chinchilla(N, D, L, exclude_highest_loss=5, grid=grid)
    assert f.objective == pytest.approx(built_in.objective, abs=1e-12)
    assert np.exp(f["e"]) == pytest.approx(built_in.E, rel=1e-5) and f["alpha"] == pytest.approx(built_in.alpha, rel=1e-5)
    # Predictions are of L itself, not log L.
    assert f.predict(N=[7e10], D=[1.4e12])[0] == pytest.approx(float(built_in.predict([7e10], [1.4e12])[0]), rel=1e-5)
