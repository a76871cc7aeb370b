"""An independent reference for the Chinchilla fit: the same objective in numpy with scipy's L-BFGS-B.

Objective (Hoffmann et al. 2022 §D.2; Besiroglu et al. 2024): Σ Huber_δ(LSE(a − α log N, b − β log D, e) − log L),
written here from the formula, not from ScalingKit's code, with an analytic gradient and tight tolerances
(scipy's default ftol stops a 1e-3-sized objective early: Besiroglu et al. 2024 §3).
"""
from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp


def objective(x, logN, logD, logL, delta):
    a, b, e, alpha, beta = x
    u = np.stack([a - alpha * logN, b - beta * logD, np.full_like(logN, e)])
    lse = logsumexp(u, axis=0)
    r = lse - logL
    w = np.exp(u - lse)                    # softmax weights
    psi = np.clip(r, -delta, delta)        # Huber'(r)
    grad = np.array([
        np.sum(psi * w[0]), np.sum(psi * w[1]), np.sum(psi * w[2]),
        -np.sum(psi * w[0] * logN), -np.sum(psi * w[1] * logD),
    ])
    return float(np.sum(huber(delta, r))), grad


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
