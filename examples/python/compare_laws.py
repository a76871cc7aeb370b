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

# A law written as a formula, with no hints: loss against compute alone. E and C0 are solved by least squares at
# every start (variable projection); alpha is searched on a grid of step 0.02 (f.search says so).
f = scalingkit.fit("E + (C0/C)^alpha", runs)
print(f"L(C) = {f['E']:.3f} + ({f['C0']:.3g}/C)^{f['alpha']:.4f}   success={f.success}; search: {f.search}")
p = f.predict(C=[5.76e23], interval="prediction")
print(f"a run at Chinchilla's compute: loss {p.estimate[0]:.3f}, 95% prediction interval [{p.lower[0]:.3f}, {p.upper[0]:.3f}]")

best = scalingkit.fit(ranked.index[0], runs)
b = best.bootstrap(1000, seed=0)
print({name: (round(e.interval.lower, 4), round(e.interval.upper, 4)) for name, e in b.params.items()})
