"""Overhead of streaming the gradient noise scale from a nanoGPT-shaped training loop, beside AdaptDL and gns-pytorch.

    python bindings/python/benchmarks/bench_torch_gns.py [--widths 64 256] [--steps 152] [--threads 2]

The loop is examples/python/nanogpt_mup.py's: a 2-layer GPT with tied embeddings, std-0.02 init, μP groups from a
64-wide proxy, AdamW, the cosine schedule set each iteration, 4 micro-batches of 8 sequences of 64 tokens, clipping
at 1.0. Each variant keeps its own model and optimizer; the variants take turns one optimizer step at a time, on
the same pre-drawn batches, `--steps` steps each, so that the machine's drift (large on a shared 2-core VM) falls
on neighbours alike. A step is timed from setting the learning rate to the end of the noise-scale bookkeeping.
Reported per width: the median step time, and the overhead as the median of (variant's step / the plain step taken
just before it − 1), with the interquartile range of those ratios and a 95 % bootstrap interval of their median.
ScalingKit's own time is also measured from inside (its hooks and step() wrapped in a timer), as a share of the
step. ScalingKit also runs with ``every=4`` (one optimizer step measured in four, the hooks off for the others);
its cost is amortised over steps, so the last columns compare blocks of 4 consecutive steps with the plain loop's
same steps (median over blocks, 95 % bootstrap interval); use a multiple of 4 for ``--steps``.

The peers come from PyPI and are skipped when not importable. They install into a venv beside this package with
`pip install --no-deps adaptdl==0.2.11 gns-pytorch==0.1.5` and then what adaptdl imports: `portpicker psutil
requests semver autograd redis scipy "setuptools<81"` (pkg_resources). AdaptDL's GradientNoiseScale runs in its
single-replica mode with accumulation (its wrapper's `require_backward_grad_sync` set on the last micro-batch, as
AdaptiveDataParallel does, and its `reset_accumulation` as the loop's zero_grad); gns-pytorch's `compute_gns` is
called once per step on the last micro-batch's per-sequence losses, as its README shows.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import statistics
import time
from typing import Dict, List

import torch
import torch.nn.functional as F

import scalingkit.torch as skt
from scalingkit import ScalingKitError

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "..", "examples", "python", "nanogpt_mup.py")
MICRO, ACCUMULATION, BLOCK, LR = 8, 4, 64, 6e-3
EVERY = 4               # the sampled variant measures one optimizer step in EVERY; blocks of EVERY steps are compared


def load_example():
    spec = importlib.util.spec_from_file_location("nanogpt_mup", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Variant:
    """One loop: a model, its optimizer, and what the variant adds around the micro-batches."""

    def __init__(self, name: str, nano, width: int, vocab: int):
        self.name, self.nano = name, nano
        self.model, self.optimizer = nano.make(vocab, width, "mup", LR)
        self.it = 0
        self.times: Dict[int, List[float]] = {}

    # What a variant changes: the zeroing, a micro-batch's backward, and the bookkeeping after the step.
    def zero(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def backward(self, k: int, x, y) -> None:
        _, loss = self.model(x, y)
        (loss / ACCUMULATION).backward()

    def after(self, rate: float) -> None:
        pass

    def step(self, batches, round_: int) -> None:
        t0 = time.perf_counter()
        rate = self.nano.lr_at(self.it, LR, warmup=10, iters=10_000)
        skt.set_lr(self.optimizer, rate)
        self.zero()
        for k, (x, y) in enumerate(batches):
            self.backward(k, x, y)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.after(rate)
        self.times.setdefault(round_, []).append(time.perf_counter() - t0)
        self.it += 1


class ScalingKit(Variant):
    estimator = skt.AccumulationNoiseScale
    every = 1

    def __init__(self, *args):
        super().__init__(*args)
        self.gns = self.estimator(self.model, micro_batch=MICRO * BLOCK, batch_unit="tokens", every=self.every)

    def after(self, rate: float) -> None:
        self.gns.step(lr=rate)

    def check(self) -> None:
        """Every measured step reached the estimator: a loop that never calls step() would time hooks alone."""
        steps = len([t for ts in self.times.values() for t in ts])
        expected = -(-steps // self.every)
        try:
            measured = self.gns.read().measurements
        except ScalingKitError:                 # "no measurements yet"
            measured = 0
        if measured != expected:
            raise RuntimeError(f"{self.name}: {measured} measurements after {steps} steps, expected {expected}")


class ScalingKitEvery(ScalingKit):
    every = EVERY


class AdaptDL(Variant):
    def __init__(self, *args):
        super().__init__(*args)
        from adaptdl.torch.gradient_noise_scale import GradientNoiseScale

        class Wrapper:                          # what AdaptDL reads of its AdaptiveDataParallel
            require_backward_grad_sync = True

        self.wrapper = Wrapper()
        self.gns = GradientNoiseScale(self.wrapper, self.optimizer, num_replicas=1)

    def zero(self) -> None:
        self.gns.reset_accumulation()

    def backward(self, k: int, x, y) -> None:
        self.wrapper.require_backward_grad_sync = k == ACCUMULATION - 1
        super().backward(k, x, y)


class GnsPytorch(Variant):
    def __init__(self, *args):
        super().__init__(*args)
        from gns_pytorch import compute_gns
        self.compute_gns = compute_gns

    def backward(self, k: int, x, y) -> None:
        if k < ACCUMULATION - 1:
            return super().backward(k, x, y)
        logits, _ = self.model(x)
        per_sequence = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), reduction="none").view(len(x), -1).mean(1)
        self.compute_gns(per_sequence, self.model)
        (per_sequence.mean() / ACCUMULATION).backward()


def bench(width: int, steps: int, nano) -> List[tuple]:
    data, vocab = nano.corpus()
    g = torch.Generator().manual_seed(0)
    pool = [[nano.get_batch(data, MICRO, BLOCK, g) for _ in range(ACCUMULATION)] for _ in range(8)]
    variants: List[Variant] = []
    for name, cls in [("plain step", Variant), ("scalingkit AccumulationNoiseScale", ScalingKit),
                      (f"scalingkit AccumulationNoiseScale(every={EVERY})", ScalingKitEvery),
                      ("AdaptDL GradientNoiseScale (1 replica)", AdaptDL), ("gns-pytorch compute_gns", GnsPytorch)]:
        try:
            variants.append(cls(name, nano, width, vocab))
        except ImportError as e:
            print(f"  {name} skipped: {e}")
    for v in variants:                          # warm-up, untimed
        for batches in pool[:3]:
            v.step(batches, -1)
    gc.collect()
    gc.disable()                                # no collector pauses inside a timed step (gns-pytorch collects)
    try:
        for i in range(steps):
            for v in variants:
                v.step(pool[i % len(pool)], 0)
    finally:
        gc.enable()
    for v in variants:
        if isinstance(v, ScalingKit):
            v.check()
    plain = variants[0].times[0]
    rng = random.Random(0)
    rows = []
    for v in variants:
        t = v.times[0]
        ratios = [a / b - 1 for a, b in zip(t, plain)]
        q = statistics.quantiles(ratios, n=4)
        boot = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(1000))
        # Amortised: the time of EVERY consecutive steps (one of them measured by the sampled variant) against the
        # plain loop's same steps; the median over blocks and its bootstrap interval.
        blocks = [sum(t[i:i + EVERY]) / sum(plain[i:i + EVERY]) - 1 for i in range(0, len(t) - EVERY + 1, EVERY)]
        bboot = sorted(statistics.median(rng.choices(blocks, k=len(blocks))) for _ in range(1000))
        rows.append((v.name, statistics.median(t), statistics.median(ratios), q[0], q[2], boot[25], boot[974],
                     statistics.median(blocks), bboot[25], bboot[974]))
    return rows


def inside(width: int, steps: int, nano) -> float:
    """The share of a step spent in ScalingKit's Python: its computing hooks (before and after accumulation) and
    step(), timed from inside (the small parameters' hooks are list.append, called by autograd with no Python frame,
    and are not timed)."""
    data, vocab = nano.corpus()
    g = torch.Generator().manual_seed(0)
    pool = [[nano.get_batch(data, MICRO, BLOCK, g) for _ in range(ACCUMULATION)] for _ in range(8)]
    spent = [0.0]

    def timed(method):
        def run(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t0
        return run

    class Timed(skt.AccumulationNoiseScale):
        _grad_hook = timed(skt.AccumulationNoiseScale._grad_hook)
        _accumulated = timed(skt.AccumulationNoiseScale._accumulated)
        step = timed(skt.AccumulationNoiseScale.step)

    class TimedVariant(ScalingKit):
        estimator = Timed

    v = TimedVariant("scalingkit", nano, width, vocab)
    for batches in pool[:3]:
        v.step(batches, -1)
    spent[0] = 0.0
    for i in range(steps):
        v.step(pool[i % len(pool)], 0)
    v.check()
    return spent[0] / sum(v.times[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--steps", type=int, default=60, help="timed optimizer steps per variant")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    nano = load_example()
    print(f"torch {torch.__version__}, {args.threads} threads; {args.steps} interleaved steps per variant")
    print("| width | variant | ms per step | overhead (median of paired ratios) | interquartile range | 95 % interval "
          f"| per {EVERY} steps (median of paired blocks) | 95 % interval |")
    print("|---|---|---|---|---|---|---|---|")
    for width in args.widths:
        for name, ms, ratio, lo, hi, blo, bhi, block, klo, khi in bench(width, args.steps, nano):
            cells = ["—", "", "", "—", ""] if name == "plain step" else [
                f"{100 * ratio:+.1f} %", f"[{100 * lo:+.1f} %, {100 * hi:+.1f} %]", f"[{100 * blo:+.1f} %, {100 * bhi:+.1f} %]",
                f"{100 * block:+.1f} %", f"[{100 * klo:+.1f} %, {100 * khi:+.1f} %]"]
            print(f"| {width} | {name} | {1e3 * ms:.1f} | " + " | ".join(cells) + " |", flush=True)
        share = inside(width, args.steps, nano)
        print(f"| {width} | scalingkit, timed inside its hooks and step() | | {100 * share:.2f} % of the step | | | | |",
              flush=True)


if __name__ == "__main__":
    main()
