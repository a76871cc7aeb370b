"""Per-update cost of the streaming noise-scale estimator from Python, next to a hand-rolled pure-Python estimator
(two-batch estimates and bias-corrected EMAs of both components: what a training script would otherwise write).

    .venv/bin/python bindings/python/benchmarks/bench_gns.py [updates]
"""
import sys
import time

import scalingkit


class PurePython:
    """McCandlish App. A.1 with EMAs of the components, no checks, no interval."""

    def __init__(self, beta=0.99):
        self.beta, self.g, self.t, self.w = beta, 0.0, 0.0, 0.0

    def update(self, small, big, bs, bb, lr=None):
        g = (bb * big - bs * small) / (bb - bs)
        t = (small - big) / (1 / bs - 1 / bb)
        b = self.beta
        self.g, self.t, self.w = b * self.g + (1 - b) * g, b * self.t + (1 - b) * t, b * self.w + (1 - b)

    def b_simple(self):
        return self.t / self.g


def best_of(n, make, repeats=3):
    small = [2.0 + 0.001 * (i % 17) for i in range(1024)]
    big = [1.0 + 0.0007 * (i % 13) for i in range(1024)]
    best = float("inf")
    for _ in range(repeats):
        est = make()
        update = est.update
        t0 = time.perf_counter()
        for i in range(n):
            update(small[i & 1023], big[i & 1023], 16, 256, 1e-3)
        best = min(best, (time.perf_counter() - t0) / n)
    return best, est


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    ours, est = best_of(n, scalingkit.GradientNoiseScale)
    peer, ref = best_of(n, PurePython)
    print(f"scalingkit.GradientNoiseScale.update: {ours * 1e9:.0f} ns per update (best of 3 x {n})")
    print(f"pure-Python estimator (no checks, no interval): {peer * 1e9:.0f} ns per update")
    print(f"ratio {ours / peer:.2f}x; B_simple {est.read().b_simple:.4f} vs {ref.b_simple():.4f}")


if __name__ == "__main__":
    main()
