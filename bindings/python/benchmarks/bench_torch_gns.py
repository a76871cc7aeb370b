"""Overhead of the noise-scale hooks on a training step, side by side with AdaptDL and gns-pytorch.

    .venv/bin/python bindings/python/benchmarks/bench_torch_gns.py        # peers are skipped when not importable

A 4-layer, 512-wide MLP at batch 64 (two micro-batches of 32, so that there is a small and a big batch), Adam, CPU
with 2 threads. Each variant runs the same steps; the median step time is reported, and the overhead is the
difference to the plain step. AdaptDL's estimator runs in its single-replica mode (num_replicas = 1, with a stand-in
for its AdaptiveDataParallel wrapper); gns-pytorch's compute_gns is called once per step as its README shows.
"""
import statistics
import time

import torch
from torch import nn

from scalingkit import torch as sktorch

torch.set_num_threads(2)
torch.manual_seed(0)
STEPS, WARMUP = 60, 10
X, Y = torch.randn(64, 512), torch.randn(64, 512)


def model():
    torch.manual_seed(0)
    return nn.Sequential(*[m for _ in range(4) for m in (nn.Linear(512, 512), nn.ReLU())][:-1])


def run(name, setup=None, after_micro=None, after_step=None, per_example=False):
    m = model()
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    state = setup(m, opt) if setup else None
    times = []
    for step in range(STEPS + WARMUP):
        t0 = time.perf_counter()
        opt.zero_grad()
        for k in range(2):
            out = m(X[32 * k:32 * (k + 1)])
            per = (out - Y[32 * k:32 * (k + 1)]).pow(2).mean(1)
            if per_example and k == 1:
                after_micro(state, per, m)
            (per.mean() / 2).backward()
        if after_step:
            after_step(state)
        opt.step()
        if step >= WARMUP:
            times.append(time.perf_counter() - t0)
    return name, statistics.median(times)


# Plain and ScalingKit alternate over 5 rounds (the machine's load drifts); each keeps its best median.
plain, ours = [], []
for _ in range(5):
    plain.append(run("plain step")[1])
    ours.append(run("scalingkit AccumulationNoiseScale", setup=lambda m, o: sktorch.AccumulationNoiseScale(m, micro_batch=32),
                    after_step=lambda s: s.step())[1])
results = [("plain step (best of 5 medians)", min(plain)), ("scalingkit AccumulationNoiseScale (best of 5)", min(ours))]
try:
    from adaptdl.torch.gradient_noise_scale import GradientNoiseScale as AdaptDL

    class Stub:                       # what AdaptDL reads of its AdaptiveDataParallel wrapper
        require_backward_grad_sync = True

    results.append(run("AdaptDL GradientNoiseScale (1 replica)", setup=lambda m, o: AdaptDL(Stub(), o, num_replicas=1)))
except Exception as e:  # noqa: BLE001 - report and go on
    print(f"AdaptDL skipped: {e}")
try:
    from gns_pytorch import compute_gns

    results.append(run("gns-pytorch compute_gns", after_micro=lambda s, per, m: compute_gns(per, m), per_example=True))
except Exception as e:  # noqa: BLE001
    print(f"gns-pytorch skipped: {e}")

base = results[0][1]
for name, t in results:
    print(f"{name:42s} {t * 1e3:8.2f} ms per step   overhead {(t - base) * 1e3:+8.2f} ms")
