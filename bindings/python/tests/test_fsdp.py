"""scalingkit.torch.FSDPNoiseScale under FSDP2 (fully_shard), 2 processes on gloo (CPU): the rank-local norms come
from tensor hooks on the unsharded parameters, the reduced one from the reduce-scatter outputs' shard-local squared
norms summed across ranks; both agree with DDPNoiseScale on the same model, data and ranks, step by step."""
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
dist = torch.distributed
if not dist.is_available():
    pytest.skip("torch.distributed is not available", allow_module_level=True)
try:
    from torch.distributed.fsdp import fully_shard  # noqa: F401
except ImportError:
    pytest.skip("this torch has no FSDP2 (fully_shard)", allow_module_level=True)

import scalingkit  # noqa: E402
import scalingkit.torch as sktorch  # noqa: E402

STEPS, LOCAL = 12, 8


def net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Linear(32, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 1))


def worker(rank, world, init_file, out_file):
    from torch.distributed.fsdp import fully_shard
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    ddp = torch.nn.parallel.DistributedDataParallel(net())
    sharded = net()
    for layer in sharded:
        if isinstance(layer, torch.nn.Linear):
            fully_shard(layer)
    fully_shard(sharded)
    sampled = net()                         # the same, measured one step in three
    for layer in sampled:
        if isinstance(layer, torch.nn.Linear):
            fully_shard(layer)
    fully_shard(sampled)
    g_ddp = sktorch.DDPNoiseScale(ddp, local_batch=LOCAL)
    g_fsdp = sktorch.FSDPNoiseScale(sharded, local_batch=LOCAL)
    g_sampled = sktorch.FSDPNoiseScale(sampled, local_batch=LOCAL, every=3)
    said = []
    if rank == 0:                           # the single-process estimator on these models: refused, or warned
        for model in (ddp, sharded):
            try:
                sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL)
                said.append("accepted")
            except scalingkit.ScalingKitError as e:
                said.append(str(e))
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sktorch.AccumulationNoiseScale(net(), micro_batch=LOCAL)
        said.append(" | ".join(str(w.message) for w in caught))
    rows = []
    for step in range(STEPS):
        gen = torch.Generator().manual_seed(1000 * step + rank)
        x = torch.randn(LOCAL, 8, generator=gen)
        y = x[:, :1] - 0.5 * x[:, 1:2] + 0.3 * torch.randn(LOCAL, 1, generator=gen)
        for model in (ddp, sharded, sampled):
            torch.nn.functional.mse_loss(model(x), y).backward()
        torch.nn.utils.clip_grad_norm_(sharded.parameters(), 1e-3)   # before step(): must not matter
        g_ddp.step(lr=0.1)
        g_fsdp.step(lr=0.1)
        g_sampled.step(lr=0.1)
        rows.append([*g_ddp.last_squared_norms, *g_fsdp.last_squared_norms, *g_sampled.last_squared_norms])
        for model in (ddp, sharded, sampled):                         # weights stay put: same gradients next step
            model.zero_grad()
    a, b, c = g_ddp.read(), g_fsdp.read(), g_sampled.read()
    for every in (True, False):             # gradient accumulation: refused, synchronised at every micro-batch or
        for micro in range(2):              # only at the last
            sharded.set_requires_gradient_sync(every or micro == 1)
            torch.nn.functional.mse_loss(sharded(torch.randn(LOCAL, 8)), torch.randn(LOCAL, 1)).backward()
        try:
            g_fsdp.step()
            said.append("accepted")
        except scalingkit.ScalingKitError as e:
            said.append(str(e))
        sharded.zero_grad()
    if rank == 0:
        with open(out_file + ".said", "w") as f:
            f.write("\n".join(said))
        np.save(out_file, np.array(rows + [[a.b_simple, b.b_simple, a.measurements, b.measurements,
                                            c.measurements, g_sampled.steps]]))
    dist.barrier()
    sys.stdout.flush()
    os._exit(0)   # as test_torch's DDP worker: no interpreter teardown under gloo's threads


def test_fsdp2_sharded_norms_agree_with_ddp(tmp_path):
    import torch.multiprocessing as mp
    out = str(tmp_path / "rows.npy")
    mp.spawn(worker, args=(2, str(tmp_path / "init"), out), nprocs=2, join=True)
    rows = np.load(out)
    norms, last = rows[:-1], rows[-1]
    assert len(norms) == STEPS
    np.testing.assert_allclose(norms[:, 2], norms[:, 0], rtol=1e-5)   # mean per-rank squared norm
    np.testing.assert_allclose(norms[:, 3], norms[:, 1], rtol=1e-5)   # reduced (shards summed across ranks)
    assert np.all(norms[:, 0] > norms[:, 1])
    assert last[2] == last[3] == STEPS and last[1] == pytest.approx(last[0], rel=1e-4)
    # every=3: steps 0, 3, 6, 9 measured, with the every-step numbers; the others leave the last reading as it was.
    assert last[4] == STEPS // 3 and last[5] == STEPS
    for step in range(STEPS):
        np.testing.assert_allclose(norms[step, 4:], norms[step - step % 3, 2:4], rtol=1e-12)
    wrapped, sharded, plain, synced, unsynced = open(out + ".said").read().split("\n")
    assert "several backward passes this step" in synced and "several backward passes this step" in unsynced
    assert "wrapped in DistributedDataParallel: use scalingkit.torch.DDPNoiseScale" in wrapped
    assert "sharded by FSDP: use scalingkit.torch.FSDPNoiseScale" in sharded
    assert "torch.distributed has 2 processes" in plain


def test_without_a_process_group_it_says_why():
    with pytest.raises(scalingkit.ScalingKitError, match="not initialised"):
        sktorch.FSDPNoiseScale(net(), local_batch=8)
