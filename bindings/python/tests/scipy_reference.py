"""An independent reference for the Chinchilla fit: the same objective in numpy with scipy's L-BFGS-B.

Objective (Hoffmann et al. 2022 §D.2; Besiroglu et al. 2024): Σ Huber_δ(LSE(a − α log N, b − β log D, e) − log L),
written here from the formula, not from ScalingKit's code, with an analytic gradient and tight tolerances
(scipy's default ftol stops a 1e-3-sized objective early: Besiroglu et al. 2024 §3).
"""
from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize


def objective(x, logN, logD, logL, delta):
    """Value and analytic gradient; plain numpy (scipy.special's logsumexp/huber add large per-call overhead)."""
    a, b, e, alpha, beta = x
    u1, u2 = a - alpha * logN, b - beta * logD
    m = np.maximum(np.maximum(u1, u2), e)
    e1, e2, e3 = np.exp(u1 - m), np.exp(u2 - m), np.exp(e - m)
    s = e1 + e2 + e3
    r = m + np.log(s) - logL               # LSE(u) − log L
    ar = np.abs(r)
    f = np.sum(np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta)))   # Huber_δ
    w = np.clip(r, -delta, delta) / s      # Huber'(r) · softmax normaliser
    w1, w2 = w * e1, w * e2
    grad = np.array([w1.sum(), w2.sum(), w @ e3, -(w1 @ logN), -(w2 @ logD)])
    return float(f), grad


def fit(N, D, L, grid, delta=1e-3):
    """Best (lowest objective among successful starts) of L-BFGS-B runs from every grid point."""
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    best = None
    for alpha, beta, e, a, b in itertools.product(grid["alpha"], grid["beta"], grid["e"], grid["a"], grid["b"]):
        res = minimize(objective, np.array([a, b, e, alpha, beta]), args=(logN, logD, logL, delta), jac=True,
                       method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-13, "maxiter": 2000})
        if res.success and (best is None or res.fun < best.fun):
            best = res
    a, b, e, alpha, beta = best.x
    return {"objective": best.fun, "E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha, "beta": beta}
