"""Compare scaling laws by how well they extrapolate, and bootstrap the winner.

    pip install ./bindings/python pandas
    python examples/python/compare_laws.py
"""
import os

import numpy as np
import pandas as pd

import scalingkit

HERE = os.path.dirname(os.path.abspath(__file__))
runs = pd.read_csv(os.path.join(HERE, "..", "data", "chinchilla_epoch.csv"))
runs = runs[runs.loss < np.sort(runs.loss)[-5]]          # Besiroglu et al. (2024) exclude the 5 highest losses

# Fit each law on the runs below 1e21 FLOPs; rank by the error on the runs above.
ranked = scalingkit.compare(["chinchilla", "kaplan_nd"], runs, split="C", threshold=1e21)
print(ranked[["rmse", "max_relative_error", "parameters"]].to_string())

# A law written as a formula: loss against compute alone.
f = scalingkit.fit("E + (C0/C)^alpha", runs, start={"E": [1, 2], "C0": [1e10, 1e16], "alpha": [0.05, 0.2]},
                   log_scale=["C0"], bounds={"E": (0, None)})
print(f"L(C) = {f['E']:.3f} + ({f['C0']:.3g}/C)^{f['alpha']:.4f}   ({f.message})")

best = scalingkit.fit(ranked.index[0], runs)
b = best.bootstrap(1000, seed=0)
print({name: (round(i.lower, 4), round(i.upper, 4)) for name, i in b.params.items()})
