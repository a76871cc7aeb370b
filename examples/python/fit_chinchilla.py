"""Fit the Chinchilla law to the bundled data and print a compute-optimal plan.

    pip install ./bindings/python pandas
    python examples/python/fit_chinchilla.py
"""
import os

import pandas as pd

import scalingkit

HERE = os.path.dirname(os.path.abspath(__file__))
runs = pd.read_csv(os.path.join(HERE, "..", "data", "chinchilla_epoch.csv"))

# Besiroglu et al. (2024) exclude the 5 highest-loss runs (all near 1e19 FLOPs with D/N < 0.5).
fit = scalingkit.fit_chinchilla(runs, exclude_highest_loss=5)
print(f"E={fit.E:.4f} A={fit.A:.1f} B={fit.B:.1f} alpha={fit.alpha:.4f} beta={fit.beta:.4f}")
print(f"objective={fit.objective:.10e} success={fit.success}: {fit.message}")

for budget in (1e21, 5.76e23, 1e25):
    plan = fit.compute_optimal(budget)
    print(f"C={budget:.3g}: N={plan.N:.3g} D={plan.D:.3g} tokens/param={plan.tokens_per_parameter:.1f} "
          f"loss={plan.loss:.3f}")
