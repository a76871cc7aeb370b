import csv
import os

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DATA = os.path.join(ROOT, "examples", "data", "chinchilla_epoch.csv")


@pytest.fixture(scope="session")
def chinchilla_data():
    """The bundled Epoch AI reconstruction of Hoffmann et al. (2022) Fig. 4: 245 runs (N, D, loss)."""
    with open(DATA, newline="") as f:
        rows = list(csv.DictReader(f))
    cols = {k: np.array([float(r[k]) for r in rows]) for k in ("N", "D", "loss")}
    return cols["N"], cols["D"], cols["loss"]
