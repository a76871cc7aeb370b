"""The Python layer's bad-input matrix: one row per case — the call, the exception type, and a phrase the message
must contain. Every row raises ScalingKitError (a ValueError) with a readable message, never a crash or a NaN."""
import math

import numpy as np
import pytest

import scalingkit as sk
from scalingkit import ScalingKitError

N = np.array([1e8, 2e8, 4e8, 1e9, 2e9, 4e9])
D = 20 * N
L = np.array([3.2, 3.0, 2.9, 2.7, 2.6, 2.5])
NAN_L = np.where(np.arange(6) == 2, np.nan, L)
G = dict(critical_batch=(8, 0.462), devices=8, flops_per_second=1e14, tokens_per_device=4096)


@pytest.fixture(scope="module")
def fit():
    return sk.fit("kaplan_nd", N=np.repeat(N, 2), D=np.tile([D[0], D[-1]], 6), loss=np.repeat(L, 2))


ROWS = [
    # fitting
    ("fit_chinchilla: empty", lambda f: sk.fit_chinchilla([], [], []), "no data"),
    ("fit_chinchilla: mismatched", lambda f: sk.fit_chinchilla(N, D[:3], L), "length"),
    ("fit_chinchilla: NaN loss", lambda f: sk.fit_chinchilla(N, D, NAN_L), "not finite .*a run that diverged"),
    ("fit: NaN loss", lambda f: sk.fit("chinchilla", N=N, D=D, loss=NAN_L), "not finite .*a run that diverged"),
    ("fit_chinchilla: negative N", lambda f: sk.fit_chinchilla(-N, D, L), "must be > 0"),
    ("fit_chinchilla: text", lambda f: sk.fit_chinchilla(["a"] * 6, D, L), "not numeric"),
    ("fit: unknown law", lambda f: sk.fit("chinchila", N=N, D=D, loss=L), "chinchila"),
    ("fit: formula syntax", lambda f: sk.fit("E + A*N^", N=N, loss=L), "position"),
    ("fit: formula 1000 deep", lambda f: sk.fit("(" * 1000 + "N", N=N, loss=L), "nested"),
    ("fit: unknown objective", lambda f: sk.fit("kaplan_nd", N=N, D=D, loss=L, objective="l7"), "l7"),
    # planning
    ("plan: budget 0", lambda f: sk.plan(f, 0), "compute budget"),
    ("plan: budget text", lambda f: sk.plan(f, "big"), "must be a number"),
    ("plan: not a fit", lambda f: sk.plan(object(), 1e22), "needs a fit"),
    ("minimum_compute: below E", lambda f: sk.minimum_compute(f, 0.1), "irreducible"),
    ("inference_aware: negative demand", lambda f: sk.inference_aware(f, 2.6, -1), "inference tokens"),
    ("time_aware: devices 0", lambda f: sk.time_aware(f, 2.6, **{**G, "devices": 0}), "devices"),
    ("time_aware: NaN FLOP/s", lambda f: sk.time_aware(f, 2.6, **{**G, "flops_per_second": math.nan}), "FLOP/s"),
    ("isoflop: too few runs", lambda f: sk.isoflop(N=N[:2], D=D[:2], loss=L[:2], budget=[1e18, 1e18]), "fewer than 3"),
    ("count_parameters: unknown preset", lambda f: sk.count_parameters("gpt5"), "gpt5"),
    # transfer
    ("transfer: shrinking", lambda f: sk.transfer([("w", (64, 64), (32, 64))]), "shrinks"),
    ("transfer: three scaled axes", lambda f: sk.transfer([("w", (8, 8, 8), (16, 16, 16))]), "3 width-scaled axes"),
    ("transfer: zero size", lambda f: sk.transfer([("w", (0, 64), (64, 64))]), "size <= 0"),
    ("transfer: unknown role", lambda f: sk.transfer([("w", (64, 64), (128, 128), "attention")]), "unknown role"),
    ("transfer: unknown optimizer", lambda f: sk.transfer([("w", (64, 64), (128, 128))], optimizer="lion"), "lion"),
    ("transfer: depth alpha 2", lambda f: sk.transfer([("w", (64, 64), (128, 128))], depth=(2.0, 4, 8)), "alpha"),
    ("transfer: no groups", lambda f: sk.transfer([]), "no parameter groups"),
    ("hp_law: unknown", lambda f: sk.hp_law("kaplan", N=1e9, D=1e10), "unknown hyperparameter law"),
    ("adam_sqrt_rule: kappa too large", lambda f: sk.adam_sqrt_rule(20, 1e-3), "too large"),
    ("umup_lr_scale: rank 4", lambda f: sk.umup_lr_scale("weight", (2, 2, 2, 2)), "rank 4"),
    ("umup_weight_decay: negative", lambda f: sk.umup_weight_decay(-0.1, 1e-3), "weight decay must be"),
    ("umup_weight_decay: lr 0", lambda f: sk.umup_weight_decay(0.1, 0.0), "learning rate must be"),
    ("fit_hp_sweep: one learning rate per cell",
     lambda f: sk.fit_hp_sweep(N=N, D=D, learning_rate=[1e-3] * 6, batch=[1e6] * 6, loss=L), "no optimum can be located"),
    ("coord_check: one width", lambda f: sk.coord_check(["a"], [64], [0], [1.0]), "fewer than 2 widths"),
    # batch size
    ("GradientNoiseScale: beta 1", lambda f: sk.GradientNoiseScale(beta=1.0), "beta"),
    ("GradientNoiseScale: window 0", lambda f: sk.GradientNoiseScale(smoothing="window", window=0), "window"),
    ("GradientNoiseScale: window 2**32 (found by fuzzing: a 64 GiB ring)",
     lambda f: sk.GradientNoiseScale(window=2 ** 32), "ring buffer"),
    ("GradientNoiseScale: dataset 1", lambda f: sk.GradientNoiseScale(dataset_size=1), "data-set size"),
    ("GradientNoiseScale: read first", lambda f: sk.GradientNoiseScale().read(), "no measurements yet"),
    ("GradientNoiseScale: NaN norm", lambda f: sk.GradientNoiseScale().update(math.nan, 1.0, 4, 16), "step rejected"),
    ("GradientNoiseScale: small >= big", lambda f: sk.GradientNoiseScale().update(2.0, 1.0, 16, 16), "smaller"),
    ("GradientNoiseScale: text norm", lambda f: sk.GradientNoiseScale().update("2", 1.0, 4, 16), "must be numbers"),
    ("update_ranks: one rank", lambda f: sk.GradientNoiseScale().update_ranks([1.0], 0.5, 16), "2 or more"),
    ("fit_batch_tradeoff: 2 batches", lambda f: sk.fit_batch_tradeoff(batch=[32, 64], steps=[10, 5]), "at least 3 batch sizes"),
    ("fit_batch_tradeoff: negative steps",
     lambda f: sk.fit_batch_tradeoff(batch=[32, 64, 128], steps=[10, -5, 3]), "must be finite and > 0"),
    ("convert_critical_batch: unknown", lambda f: sk.convert_critical_batch(2000, "mccandlish2"), "unknown definition"),
    ("batch_law: unknown", lambda f: sk.batch_law("power_lines", 1e12), "unknown batch law"),
    ("batch_schedule: max < min", lambda f: sk.batch_schedule(0.58, 0.571, 1e12, 1024, 512), "maximum batch"),
    # issue 15: values that used to leak through the boundary (wrong answers, OverflowError or a dead process)
    ("fit: NUL in the formula", lambda f: sk.fit("E + A*N^-alpha\x00 + B*D^-beta", N=N, D=D, loss=L), "NUL character"),
    ("fit: NaN fixed value", lambda f: sk.fit("E + A*N^-alpha", N=N, loss=L, fixed={"E": math.nan}), "not finite"),
    ("fit: NaN bound", lambda f: sk.fit("E + A*N^-alpha", N=N, loss=L, bounds={"E": (math.nan, None)}), "bound is NaN"),
    ("fit: complex loss", lambda f: sk.fit("E + A*N^-alpha", N=N, loss=L + 0.1j), "complex"),
    ("fit: datetime input", lambda f: sk.fit("E + A*N^-alpha", N=N.astype("datetime64[ns]"), loss=L), "dates or durations"),
    ("fit: integer beyond a double", lambda f: sk.fit("E + A*N^-alpha", N=[10**400] * 6, loss=L), "range of a double"),
    ("count_parameters: d_model 2**32",
     lambda f: sk.count_parameters(d_model=2**32, layers=1, heads=1, vocab=1, sequence_length=1), "beyond the 2"),
    ("count_parameters: d_model 2**64",
     lambda f: sk.count_parameters(d_model=2**64, layers=1, heads=1, vocab=1, sequence_length=1), "at most"),
    ("transfer: shape 64.5", lambda f: sk.transfer([("mlp", (64.5, 64), (128, 64))]), "non-negative integer"),
    ("transfer: depth 2**70", lambda f: sk.transfer([("mlp", (64, 64), (128, 64))], depth=(1.0, 4, 2**70)), "at most"),
    ("transfer: target batch 0",
     lambda f: sk.transfer([("mlp", (64, 64), (128, 64))], proxy=dict(learning_rate=1e-3, batch_tokens=1e5, tokens=1e9),
                           target_batch_tokens=0), "batch"),
    ("time_aware: devices 1e30", lambda f: sk.time_aware(f, 2.6, **{**G, "devices": 10**30}), "devices"),
    ("adamw_timescale: weight decay 0", lambda f: sk.adamw_timescale(1e6, 1e-3, 0, 1e10), "weight decay must be"),
]


@pytest.mark.parametrize("label,call,needle", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input(fit, label, call, needle):
    with pytest.raises(ScalingKitError, match=needle) as e:
        call(fit)
    assert isinstance(e.value, ValueError) and str(e.value)


def test_the_matrix_is_large_enough():
    assert len(ROWS) >= 40
