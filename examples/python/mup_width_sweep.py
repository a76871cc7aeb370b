"""Why μP: the best learning rate of a small MLP stays put as width grows under μP, and drifts under SP.

    pip install ./bindings/python[torch]
    python examples/python/mup_width_sweep.py

A 3-layer MLP learns a fixed random teacher (synthetic data, CPU, about half a minute). For widths 64 to 1024 and
learning rates 2^-14 ... 2^-4 it trains with Adam for 120 steps and reports the learning rate with the lowest
final loss. Under μP the groups come from scalingkit.torch.param_groups and the init (readout multiplier, bias
scales) from apply_init, with width 64 as the base.
"""
import math

import torch
from torch import nn

from scalingkit import torch as sktorch

torch.manual_seed(0)
torch.set_num_threads(2)
D_IN, D_OUT, BASE = 32, 10, 64
teacher = nn.Sequential(nn.Linear(D_IN, 256), nn.Tanh(), nn.Linear(256, D_OUT))
X = torch.randn(4096, D_IN)
with torch.no_grad():
    Y = teacher(X).argmax(1)


def mlp(width):
    m = nn.Sequential()
    m.fc1, m.act1 = nn.Linear(D_IN, width), nn.ReLU()
    m.fc2, m.act2 = nn.Linear(width, width), nn.ReLU()
    m.readout = nn.Linear(width, D_OUT)
    return m


def final_loss(width, lr, mup):
    torch.manual_seed(1)
    model = mlp(width)
    if mup:
        base = {n: p.shape for n, p in mlp(BASE).named_parameters()}
        sktorch.apply_init(model, base, readout=["readout"])
        opt = torch.optim.Adam(sktorch.param_groups(model, base, lr=lr, optimizer="adam", readout=["readout"]))
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    for step in range(120):
        idx = torch.randint(0, len(X), (128,))
        loss = nn.functional.cross_entropy(model(X[idx]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(nn.functional.cross_entropy(model(X), Y))


rates = [2.0 ** k for k in range(-14, -3)]
print(f"{'width':>6}  {'best lr, SP':>12}  {'best lr, muP':>12}")
for width in (64, 128, 256, 512, 1024):
    best = {}
    for mup in (False, True):
        losses = [final_loss(width, lr, mup) for lr in rates]
        best[mup] = rates[min(range(len(rates)), key=losses.__getitem__)]
    print(f"{width:>6}  {'2^%d' % round(math.log2(best[False])):>12}  {'2^%d' % round(math.log2(best[True])):>12}")
