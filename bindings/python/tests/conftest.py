import csv
import os

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DATA = os.path.join(ROOT, "examples", "data", "chinchilla_epoch.csv")


@pytest.fixture(scope="session")
def off_ratio_runs():
    """36 runs of D/N 1.4-218 from a law with beta >> alpha (as the Hoffmann form fitted to the (Mis)Fitting sweep),
    whose compute-optimal D/N at 1e22 FLOPs falls below every fitted ratio; a 0.3 % deterministic wiggle on the loss."""
    n = np.repeat(6e7 * 20.0 ** (np.arange(6) / 5), 6)
    d = n * np.tile(1.4 * 156.0 ** (np.arange(6) / 5), 6)
    loss = (1.8 + 51.4 * n ** -0.2 + 4.675e5 * d ** -0.636) * (1 + 0.003 * np.sin(np.arange(36.0)))
    return n, d, loss


@pytest.fixture(scope="session")
def chinchilla_data():
    """The bundled Epoch AI reconstruction of Hoffmann et al. (2022) Fig. 4: 245 runs (N, D, loss)."""
    with open(DATA, newline="") as f:
        rows = list(csv.DictReader(f))
    cols = {k: np.array([float(r[k]) for r in rows]) for k in ("N", "D", "loss")}
    return cols["N"], cols["D"], cols["loss"]


def lr_schedule(name, warmup=2160, peak=3e-4, floor=3e-5):
    """The learning rate of every step of one of the mpl_25 runs (Luo et al. 2025), regenerated from its name:
    "cosine_24000", "constant_72000", "wsd_20000_24000" (geometric decay), "wsdld_20000_24000" (linear decay),
    "wsdcon_k" (k·1e-5 after step 8000); a bare kind ("cosine") runs 24,000 steps. Linear warm-up first."""
    kind, *rest = name.split("_")
    total = int(rest[-1]) if rest and kind in ("constant", "cosine", "wsd", "wsdld") else 24000
    s = np.arange(total)
    ramp = peak * (s + 1) / warmup
    if kind == "cosine":
        late = floor + 0.5 * (peak - floor) * (1 + np.cos(np.pi * (s - warmup) / (total - warmup)))
    elif kind == "constant":
        late = np.full(total, peak)
    elif kind == "wsd":
        late = np.where(s < 20000, peak, peak * (floor / peak) ** np.clip((s - 20000) / 4000, 0, 1))
    elif kind == "wsdld":
        late = np.where(s < 20000, peak, peak - (peak - floor) * np.clip((s - 20000) / 4000, 0, 1))
    else:  # wsdcon_k
        late = np.where(s < 8000, peak, int(rest[0]) * 1e-5)
    return np.where(s < warmup, ramp, late)
