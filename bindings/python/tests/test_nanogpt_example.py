"""examples/python/nanogpt_mup.py: a nanoGPT-shaped model and loop (tied embeddings, std-0.02 init, decay and
no-decay groups, a schedule set every iteration, accumulation, clipping) with μP from a 64-wide proxy and the
noise scale. Its coordinate check is flat under μP and grows under SP; its training loop streams a valid B_simple."""
import math
import os
import sys

import pytest

torch = pytest.importorskip("torch")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "python"))
import nanogpt_mup  # noqa: E402

WIDTHS = [64, 128, 256, 512]


def test_coordinate_check_is_flat_under_mup_and_grows_under_sp():
    mup = nanogpt_mup.coordinates(WIDTHS, "mup")
    sp = nanogpt_mup.coordinates(WIDTHS, "sp")
    assert {c.layer for c in mup} == {"transformer.wte", "transformer.h.0", "transformer.h.1", "lm_head"}
    assert all(c.verdict == "stable" and abs(c.worst_slope) < 0.25 for c in mup), mup
    grown = {c.layer for c in sp if c.verdict == "grows"}
    assert {"transformer.h.0", "transformer.h.1", "lm_head"} <= grown, sp
    assert max(c.worst_slope for c in sp) > 1.0, sp


def test_the_loop_keeps_the_mup_multipliers_and_streams_the_noise_scale(capsys):
    data, vocab = nanogpt_mup.corpus()
    model, optimizer = nanogpt_mup.make(vocab, 256, "mup", lr=6e-3)
    mults = sorted({g["lr_mult"] for g in optimizer.param_groups})
    assert mults == [0.25, 1.0] and len(optimizer.param_groups) <= 4    # hidden weights x 64/256; merged groups
    assert {g["weight_decay"] for g in optimizer.param_groups if g["params"][0].dim() < 2} == {0.0}
    out = nanogpt_mup.train(width=128, iters=20, log_every=10)
    assert math.isfinite(out["b_simple"]) and out["b_simple"] > 0 and out["loss"] < 4.0
    assert "B_simple" in capsys.readouterr().out


def test_the_overhead_benchmark_runs():
    """bench_torch_gns.py on this example, a few steps at width 64 (peers not installed here are skipped): the
    script must keep working, with finite timings and ScalingKit's share of a step between 0 and 50 %, and every
    ScalingKit variant must have fed the estimator once per measured step (``bench`` and ``inside`` check it)."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    import bench_torch_gns
    rows = bench_torch_gns.bench(64, 8, nanogpt_mup)
    names = [r[0] for r in rows]
    assert names[:2] == ["plain step", "scalingkit AccumulationNoiseScale"]
    assert all(math.isfinite(x) for r in rows for x in r[1:]) and rows[0][2] == 0.0
    assert 0.0 < bench_torch_gns.inside(64, 4, nanogpt_mup) < 0.5
