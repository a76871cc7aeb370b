"""The laws x data cases of the default-fit benchmark (issue 14): every catalogue law and user-written formulas, on
the bundled real data and on synthetic data with fixed seeds (not those of the unit tests).

Each case: a law (catalogue name or formula), its data (columns by name plus "loss"), keyword arguments a user would
pass anyway (``log_output`` for a log-form law), and the box of the independent reference search: per parameter
``(low, high, "log" | "lin")``, written by hand from the published values and the data, as Hoffmann et al.'s grid
was, and deliberately wider than where the optimum lies.
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Tuple

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def _read(path: str) -> Dict[str, np.ndarray]:
    with open(os.path.join(ROOT, path), newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for k in rows[0]:
        try:
            out[k] = np.array([float(r[k]) for r in rows])
        except ValueError:
            out[k] = np.array([r[k] for r in rows])
    return out


def epoch() -> Dict[str, np.ndarray]:
    """Epoch AI's Chinchilla reconstruction without the 5 highest losses (Besiroglu et al. 2024): 240 runs."""
    d = _read("examples/data/chinchilla_epoch.csv")
    keep = np.sort(np.argsort(d["loss"])[:-5])
    return {k: d[k][keep] for k in ("N", "D", "C", "loss")}


def gemstones() -> Dict[str, np.ndarray]:
    d = _read("Tests/data/gemstones_hot.csv")
    return {k: d[k] for k in ("N", "D", "loss")}


def misfitting() -> Dict[str, np.ndarray]:
    """(Mis)Fitting's last checkpoints (Li et al. 2025): 261 runs, loss = C4 eval loss."""
    d = _read("Tests/data/misfitting_last_ckpt.csv")
    return {"N": d["N"], "D": d["D"], "loss": d["loss"]}


def gadre() -> Dict[str, np.ndarray]:
    """Gadre et al. 2024, RedPajama models, C4 eval loss; M = tokens per parameter."""
    d = _read("Tests/data/gadre_models_losses.csv")
    rpj = d["dataset"] == "rpj"
    return {"N": d["N"][rpj], "M": d["tok_mult"][rpj], "D": d["D"][rpj], "loss": d["loss_c4_val"][rpj]}


def mpl_constant() -> Dict[str, np.ndarray]:
    """Luo et al. 2025's 25M model at a constant learning rate: loss against step."""
    d = _read("Tests/data/mpl_25/constant_24000.csv")
    return {"x": d["step"], "loss": d["loss"]}


def synthetic(law: Callable[..., np.ndarray], inputs: Dict[str, np.ndarray], seed: int,
              sigma: float = 0.01) -> Dict[str, np.ndarray]:
    """Inputs plus loss = law(inputs) * exp(sigma * normal), seeded."""
    rng = np.random.default_rng(seed)
    y = law(**inputs) * np.exp(sigma * rng.standard_normal(len(next(iter(inputs.values())))))
    return {**inputs, "loss": y}


def _grid_nd(seed: int, n: int = 120) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"N": 10 ** rng.uniform(7, 10, n), "D": 10 ** rng.uniform(8.5, 11.5, n)}


def _kaplan_nd(N, D):
    # Kaplan et al. 2020 eq. 1.5 with their Table 2 constants.
    return ((8.8e13 / N) ** (0.076 / 0.095) + 5.4e13 / D) ** 0.095


def _muennighoff(N, D, U):
    # Muennighoff et al. 2023 eq. 5: effective data U + U R* (1 - exp(-R/R*)), R = D/U - 1 repetitions.
    eff = U + U * 15.4 * (1 - np.exp(-(D / U - 1) / 15.4))
    return 1.9 + 480 * N ** -0.35 + 2100 * eff ** -0.37


def _data_constrained(seed: int) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 150
    N = 10 ** rng.uniform(7.5, 9.5, n)
    U = 10 ** rng.uniform(8.5, 10, n)
    D = U * rng.choice([1, 2, 4, 8, 16, 32, 64], n)
    return {"N": N, "D": D, "U": U}


@dataclass
class Case:
    name: str
    law: str
    data: Callable[[], Dict[str, np.ndarray]]
    box: Dict[str, Tuple[float, float, str]]
    kwargs: Dict[str, Any] = field(default_factory=dict)


EXP = (-1.0, 2.0, "lin")

CASES = [
    # Catalogue laws.
    Case("chinchilla / Epoch", "chinchilla", epoch,
         {"E": (0.1, 10, "log"), "A": (1, 1e12, "log"), "alpha": EXP, "B": (1, 1e12, "log"), "beta": EXP}),
    Case("chinchilla / Gemstones", "chinchilla", gemstones,
         {"E": (0.1, 10, "log"), "A": (1, 1e12, "log"), "alpha": EXP, "B": (1, 1e12, "log"), "beta": EXP}),
    Case("chinchilla / (Mis)Fitting", "chinchilla", misfitting,
         {"E": (0.1, 10, "log"), "A": (1, 1e12, "log"), "alpha": EXP, "B": (1, 1e12, "log"), "beta": EXP}),
    Case("kaplan_n / synthetic", "kaplan_n",
         lambda: {k: v for k, v in synthetic(lambda N: (8.8e13 / N) ** 0.076, {"N": _grid_nd(201)["N"]}, 201).items()},
         {"Nc": (1e3, 1e20, "log"), "alphaN": (0.005, 2, "lin")}),
    Case("kaplan_d / synthetic", "kaplan_d",
         lambda: synthetic(lambda D: (5.4e13 / D) ** 0.095, {"D": _grid_nd(202)["D"]}, 202),
         {"Dc": (1e3, 1e20, "log"), "alphaD": (0.005, 2, "lin")}),
    Case("kaplan_nd / synthetic", "kaplan_nd", lambda: synthetic(_kaplan_nd, _grid_nd(203), 203),
         {"Nc": (1e6, 1e18, "log"), "alphaN": (0.01, 1, "lin"), "alphaD": (0.01, 1, "lin"), "Dc": (1e6, 1e18, "log")}),
    Case("power_law / MPL constant LR", "power_law", mpl_constant,
         {"Linf": (0.5, 4, "lin"), "x0": (1, 1e12, "log"), "alpha": (0.01, 2, "lin")}),
    Case("compute / Epoch", "compute", lambda: {k: epoch()[k] for k in ("C", "loss")},
         {"Linf": (0.5, 4, "lin"), "C0": (1e10, 1e30, "log"), "alpha": (0.01, 2, "lin")}),
    Case("lr_annealing / synthetic", "lr_annealing",
         lambda: synthetic(lambda S1, S2: 2.8 + 0.45 * S1 ** -0.5 - 0.3 * S2,
                           {"S1": np.linspace(2, 80, 60), "S2": np.tile(np.linspace(0, 1.5, 6), 10)}, 204),
         {"L0": (0.5, 5, "lin"), "A": (0.01, 10, "log"), "alpha": (0.01, 2, "lin"), "C": (-5, 5, "lin")}),
    Case("gadre_overtraining / Gadre RedPajama", "gadre_overtraining", lambda: {k: gadre()[k] for k in ("N", "M", "loss")},
         {"a": (1e-2, 1e6, "log"), "eta": (-1, 0, "lin"), "b": (1e-2, 1e6, "log"), "E": (0.5, 5, "lin")}),
    Case("downstream_error / synthetic", "downstream_error",
         lambda: synthetic(lambda L: 0.75 - 2.5 * np.exp(-1.1 * L), {"L": np.linspace(2, 5, 50)}, 205),
         {"eps": (0.1, 2, "lin"), "k": (0.01, 100, "log"), "gamma": (0.01, 5, "lin")}),
    Case("finetune_rectified / synthetic", "finetune_rectified",
         lambda: synthetic(lambda D: 80 / (300 + D ** 0.6) + 1.4, {"D": np.logspace(2, 6, 40)}, 206),
         {"B": (0.01, 1e6, "log"), "Dl": (0.01, 1e6, "log"), "beta": (0.01, 2, "lin"), "E": (0.5, 5, "lin")}),
    Case("parallel_scaling / synthetic", "parallel_scaling",
         lambda: synthetic(lambda N, P: (1e9 / (N * (0.4 * np.log(P) + 1))) ** 0.2 + 1.7,
                           {"N": np.repeat(np.logspace(7, 9.5, 10), 4), "P": np.tile([1, 2, 4, 8], 10)}, 207),
         {"A": (1e3, 1e15, "log"), "k": (0.01, 10, "log"), "alpha": (0.01, 2, "lin"), "E": (0.5, 5, "lin")}),
    Case("broken_power_law / synthetic", "broken_power_law",
         lambda: synthetic(lambda x: 0.5 + 3 * x ** -0.1 * (1 + (x / 1e4) ** (1 / 0.3)) ** (-0.4 * 0.3),
                           {"x": np.logspace(1, 7, 60)}, 208),
         {"a": (0, 3, "lin"), "b": (0.01, 100, "log"), "c0": (0, 1, "lin"), "d1": (1, 1e8, "log"),
          "f1": (0.05, 2, "lin"), "c1": (0, 1, "lin")}),
    # User-written formulas, with no hints.
    Case("formula E + A*N^-alpha + B*D^-beta / Epoch", "E + A*N^-alpha + B*D^-beta", epoch,
         {"E": (0.1, 10, "log"), "A": (1, 1e12, "log"), "alpha": EXP, "B": (1, 1e12, "log"), "beta": EXP}),
    Case("formula L0 + (n0/N)^a + (d0/D)^b / Epoch", "L0 + (n0/N)^a + (d0/D)^b", epoch,
         {"L0": (0.1, 5, "lin"), "n0": (1, 1e15, "log"), "a": (0.01, 2, "lin"), "d0": (1, 1e15, "log"),
          "b": (0.01, 2, "lin")}),
    Case("formula Kaplan L(N,D) / synthetic", "((Nc/N)^(aN/aD) + Dc/D)^aD",
         lambda: synthetic(_kaplan_nd, _grid_nd(209), 209),
         {"Nc": (1e6, 1e18, "log"), "aN": (0.01, 1, "lin"), "aD": (0.01, 1, "lin"), "Dc": (1e6, 1e18, "log")}),
    Case("formula Kaplan L(N,D) / Epoch", "((Nc/N)^(aN/aD) + Dc/D)^aD", epoch,
         {"Nc": (1e6, 1e18, "log"), "aN": (0.01, 1, "lin"), "aD": (0.01, 1, "lin"), "Dc": (1e6, 1e18, "log")}),
    Case("formula E + (C0/C)^gamma / Epoch", "E + (C0/C)^gamma", lambda: {k: epoch()[k] for k in ("C", "loss")},
         {"E": (0.5, 4, "lin"), "C0": (1e10, 1e30, "log"), "gamma": (0.01, 2, "lin")}),
    Case("formula broken power law / synthetic", "E + A*x^-a1 * (1 + (x/xb)^(1/s))^(-(a2 - a1)*s)",
         lambda: synthetic(lambda x: 0.4 + 5 * x ** -0.2 * (1 + (x / 3e4) ** (1 / 0.5)) ** (-(0.6 - 0.2) * 0.5),
                           {"x": np.logspace(1, 8, 70)}, 210),
         {"E": (0, 2, "lin"), "A": (0.01, 100, "log"), "a1": (0, 1.5, "lin"), "xb": (10, 1e8, "log"),
          "s": (0.05, 3, "lin"), "a2": (0, 2, "lin")}),
    Case("formula Muennighoff data-constrained / synthetic",
         "E + A*N^-alpha + B*(U + U*Rs*(1 - exp(-(D/U - 1)/Rs)))^-beta",
         lambda: synthetic(_muennighoff, _data_constrained(211), 211),
         {"E": (0.5, 5, "lin"), "A": (1, 1e8, "log"), "alpha": (0.01, 1.5, "lin"), "B": (1, 1e8, "log"),
          "Rs": (0.5, 200, "log"), "beta": (0.01, 1.5, "lin")}),
    Case("formula Gadre over-training / Gadre RedPajama", "E + a*N^-eta + b*(M*N)^-eta",
         lambda: {k: gadre()[k] for k in ("N", "M", "loss")},
         {"E": (0.5, 5, "lin"), "a": (1e-2, 1e8, "log"), "eta": (0.01, 1.5, "lin"), "b": (1e-2, 1e8, "log")}),
    Case("formula log form / Epoch", "logsumexp(a - alpha*log(N), b - beta*log(D), e)", epoch,
         {"a": (0, 25, "lin"), "alpha": (0, 2, "lin"), "b": (0, 25, "lin"), "beta": (0, 2, "lin"), "e": (-1, 1.5, "lin")},
         kwargs={"log_output": True}),
    Case("formula E + A*N^-alpha + B*D^-beta / Gemstones", "E + A*N^-alpha + B*D^-beta", gemstones,
         {"E": (0.1, 10, "log"), "A": (1, 1e12, "log"), "alpha": EXP, "B": (1, 1e12, "log"), "beta": EXP}),
    Case("formula E + (Nc/N)^alpha / Gemstones, N only", "E + (Nc/N)^alpha",
         lambda: {k: gemstones()[k] for k in ("N", "loss")},
         {"E": (0.5, 5, "lin"), "Nc": (1, 1e18, "log"), "alpha": (0.01, 2, "lin")}),
]
