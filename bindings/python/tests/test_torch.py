"""scalingkit.torch: μP groups against mup's own optimizers, μP init against mup's rescaling, and the noise-scale
hooks in a real 2-process gloo DDP run and under gradient accumulation."""
import math
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (scripts/setup.sh installs a local CPU wheel when one exists)")
mup = pytest.importorskip("mup", reason="mup is not installed (scripts/setup.sh installs it with torch)")
from torch import nn  # noqa: E402

import scalingkit  # noqa: E402
from scalingkit import torch as sktorch  # noqa: E402


class MLP(nn.Module):
    def __init__(self, w, nonuniform=False):
        super().__init__()
        h = w * w // 64 if nonuniform else w
        self.fc1, self.fc2, self.fc3 = nn.Linear(32, w), nn.Linear(w, h), nn.Linear(h, w)
        self.readout = mup.MuReadout(w, 10)

    def forward(self, x):
        return self.readout(torch.relu(self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))))


class Block(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.ln = nn.LayerNorm(w)
        self.fc, self.out = nn.Linear(w, 4 * w), nn.Linear(4 * w, w)


class Tiny(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.embed = nn.Embedding(100, w)
        self.blocks = nn.ModuleList([Block(w) for _ in range(2)])
        self.readout = mup.MuReadout(w, 100)


FAMILIES = [lambda w: MLP(w), lambda w: MLP(w, nonuniform=True), lambda w: Tiny(w)]


@pytest.mark.parametrize("make", FAMILIES, ids=["mlp", "mlp_nonuniform", "transformer"])
@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_param_groups_equal_mups_optimizer_groups(make, optimizer):
    base, delta, model = make(64), make(128), make(512)
    mup.set_base_shapes(model, base, delta=delta)
    opt = (mup.MuAdamW if optimizer == "adamw" else mup.MuSGD)(model.parameters(), lr=3e-3, weight_decay=0.1)
    theirs = {id(p): (g["lr"], g["weight_decay"]) for g in opt.param_groups for p in g["params"]}
    ours = sktorch.param_groups(model, base, delta=delta, lr=3e-3, weight_decay=0.1, optimizer=optimizer)
    assert len(ours) == len(theirs)
    for g in ours:
        lr, wd = theirs[id(g["params"][0])]
        assert g["lr"] == pytest.approx(lr, rel=1e-12), g["name"]
        assert g["weight_decay"] == pytest.approx(wd, rel=1e-12), g["name"]
    torch.optim.AdamW(ours) if optimizer == "adamw" else torch.optim.SGD(ours)   # usable as is


def test_apply_init_matches_mups_rescaling_and_forward():
    torch.manual_seed(0)
    theirs = MLP(256)
    torch.manual_seed(0)
    plain = nn.Module()
    plain.fc1, plain.fc2, plain.fc3 = nn.Linear(32, 256), nn.Linear(256, 256), nn.Linear(256, 256)
    plain.readout = nn.Linear(256, 10)
    mup.set_base_shapes(theirs, MLP(64), delta=MLP(128))
    base = {n.replace("readout.", "readout."): s for n, s in ((n, p.shape) for n, p in MLP(64).named_parameters())}
    handles = sktorch.apply_init(plain, base, readout=["readout"], init="pytorch_default")
    for (n, a), (_, b) in zip(theirs.named_parameters(), plain.named_parameters()):
        assert torch.allclose(a, b, rtol=1e-6, atol=0), n
    x = torch.randn(5, 32)
    forward = lambda m: m.readout(torch.relu(m.fc3(torch.relu(m.fc2(torch.relu(m.fc1(x)))))))
    assert torch.allclose(forward(theirs), forward(plain), rtol=1e-5, atol=1e-7)
    assert len(handles) == 1


def test_unknown_parametrization_and_missing_base():
    with pytest.raises(scalingkit.ScalingKitError, match="unknown parametrization"):
        sktorch.param_groups(MLP(64), MLP(64), lr=1e-3, parametrization="ntk")
    with pytest.raises(scalingkit.ScalingKitError, match="base lacks"):
        sktorch.param_groups(MLP(64), {"fc1.weight": (64, 32)}, lr=1e-3)
    groups = sktorch.param_groups(Tiny(128), Tiny(64), lr=1e-2, weight_decay=0.1, parametrization="umup", depth=2,
                                  blocks="blocks.")
    byname = {g["name"]: g for g in groups}
    assert byname["embed.weight"]["lr"] == pytest.approx(1e-2 / math.sqrt(128))
    assert byname["blocks.0.fc.weight"]["lr"] == pytest.approx(1e-2 / math.sqrt(128) / math.sqrt(2))
    assert byname["blocks.0.fc.weight"]["lr"] * byname["blocks.0.fc.weight"]["weight_decay"] == pytest.approx(0.1)


class NanoGPTLike(nn.Module):
    """nanoGPT's shape of the problem: tied input/output embedding (lm_head.weight is wte.weight), std-0.02 init of
    every weight, a LayerNorm, a vocabulary that need not match the proxy's."""

    def __init__(self, width, vocab=96, tied=True):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.fc = nn.Linear(width, width, bias=False)
        self.ln = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        if tied:
            self.lm_head.weight = self.wte.weight
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx):
        return self.lm_head(self.ln(torch.relu(self.fc(self.wte(idx)))))


def test_tied_embeddings_get_their_readout_multiplier():
    torch.manual_seed(0)
    model, base = NanoGPTLike(256), NanoGPTLike(64, vocab=65)
    handles = sktorch.apply_init(model, base, readout=["lm_head"])
    assert len(handles) == 1                                    # the tied readout's 1/width forward multiplier
    idx = torch.tensor([[1, 2, 3]])
    hidden = model.ln(torch.relu(model.fc(model.wte(idx))))
    assert torch.allclose(model(idx), hidden @ model.wte.weight.T * (64 / 256), rtol=1e-6)
    assert model.wte.weight.std().item() == pytest.approx(0.02, rel=0.05)     # the embedding's init, kept
    groups = {g["name"]: g for g in sktorch.param_groups(model, base, lr=1e-3, readout=["lm_head"])}
    assert "lm_head.weight" not in groups and groups["wte.weight"]["lr_mult"] == pytest.approx(1.0)
    # The vocabulary (65 in the proxy, 96 here) is not width.
    assert groups["fc.weight"]["lr_mult"] == pytest.approx(64 / 256)


def test_apply_init_scales_the_current_init():
    torch.manual_seed(0)
    model, base = NanoGPTLike(256, tied=False), NanoGPTLike(64, tied=False)
    sktorch.apply_init(model, base, readout=["lm_head"])
    assert model.fc.weight.std().item() == pytest.approx(0.02 * math.sqrt(64 / 256), rel=0.05)
    assert model.lm_head.weight.std().item() == pytest.approx(0.02, rel=0.05)   # not doubled


def test_silent_mistakes_are_loud():
    model, base = NanoGPTLike(128), NanoGPTLike(64)
    with pytest.raises(scalingkit.ScalingKitError, match="lm_haed"):
        sktorch.apply_init(model, base, readout=["lm_haed"])
    with pytest.raises(scalingkit.ScalingKitError, match="unknown optimizer 'lion'"):
        sktorch.param_groups(model, base, lr=1e-3, optimizer="lion")
    with pytest.raises(scalingkit.ScalingKitError, match="blocks 'block.'"):
        sktorch.param_groups(model, base, lr=1e-3, parametrization="completep", depth=(1.0, 2, 4), blocks="block.")
    with pytest.warns(UserWarning, match="every μP multiplier is 1"):
        sktorch.param_groups(model, NanoGPTLike(128), lr=1e-3)
    with pytest.warns(UserWarning, match="no readout found"):
        sktorch.apply_init(NanoGPTLike(128, tied=False), NanoGPTLike(64, tied=False))


def test_set_lr_keeps_the_multipliers():
    model, base = NanoGPTLike(256), NanoGPTLike(64)
    opt = torch.optim.AdamW(sktorch.param_groups(model, base, lr=1e-3, weight_decay=0.1, readout=["lm_head"]))
    for g in opt.param_groups:                                  # what a hand-written schedule does
        g["lr"] = 5e-4
    sktorch.set_lr(opt, 5e-4)
    rates = {g["name"]: g["lr"] for g in opt.param_groups}
    assert rates["fc.weight"] == pytest.approx(5e-4 * 64 / 256) and rates["wte.weight"] == pytest.approx(5e-4)


# --- the noise-scale hooks ---------------------------------------------------------------------------------------

LAMBDA = 1 / np.arange(1, 9)
DELTA = 0.6 * np.array([0.3, -0.5, 0.8, 0.1, -0.2, 0.6, -0.4, 0.35]) / np.linalg.norm([0.3, -0.5, 0.8, 0.1, -0.2, 0.6, -0.4, 0.35])
STEPS, LOCAL = 1500, 16


def batch(rank, step):
    """Rank `rank`'s data at `step`: x ~ N(0, diag λ), y = x·w* + ε with w* = −δ so that the model w = 0 sits at δ."""
    g = np.random.default_rng(1000003 * step + rank)
    x = g.standard_normal((LOCAL, 8)) * np.sqrt(LAMBDA)
    y = x @ (-DELTA) + g.standard_normal(LOCAL)
    return torch.tensor(x), torch.tensor(y)


def ddp_worker(rank, world, init_file, out_file):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    model = nn.Linear(8, 1, bias=False).double()
    with torch.no_grad():
        model.weight.zero_()
    ddp = nn.parallel.DistributedDataParallel(model)
    gns = sktorch.DDPNoiseScale(ddp, local_batch=LOCAL, smoothing="cumulative")
    for step in range(STEPS):
        x, y = batch(rank, step)
        ddp.zero_grad()
        (0.5 * (ddp(x).squeeze(1) - y).pow(2).mean()).backward()
        gns.step(lr=0.1)                      # weights stay put: the noise scale's truth is fixed
    r = gns.read()
    if rank == 0:
        np.save(out_file, np.array([r.b_simple, *((r.interval.lower, r.interval.upper) if r.interval else (np.nan, np.nan)), r.measurements]))
    dist.barrier()
    # Leave without interpreter teardown: under load, gloo's threads have aborted a finished worker
    # ("terminate called without an active exception") while Python finalised; both ranks are done here.
    sys.stdout.flush()
    os._exit(0)


dist = torch.distributed


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_ddp_gloo_two_processes_agree_with_single_process(tmp_path):
    import torch.multiprocessing as mp
    out = str(tmp_path / "reading.npy")
    mp.spawn(ddp_worker, args=(2, str(tmp_path / "init"), out), nprocs=2, join=True)
    b, lo, hi, n = np.load(out)
    assert n == STEPS
    # The same data in one process: per-rank gradients of ½(x·w − y)² at w = 0, then the estimator directly.
    single = scalingkit.GradientNoiseScale(smoothing="cumulative")
    for step in range(STEPS):
        grads = []
        for rank in range(2):
            x, y = (t.numpy() for t in batch(rank, step))
            grads.append(x.T @ (0 - y) / LOCAL)
        single.update_ranks([g @ g for g in grads], ((grads[0] + grads[1]) / 2) @ ((grads[0] + grads[1]) / 2), LOCAL)
    s = single.read()
    assert lo <= s.b_simple <= hi and b == pytest.approx(s.b_simple, rel=1e-9)
    g2 = np.sum(LAMBDA ** 2 * DELTA ** 2)
    truth = ((np.sum(LAMBDA * DELTA ** 2) + 1) * LAMBDA.sum() + g2) / g2
    assert lo < truth < hi, (b, lo, hi, truth)


def ddp_accumulation_worker(rank, world, init_file, out_file):
    """nanoGPT's DDP loop (2 micro-batches, loss / 2, require_backward_grad_sync only at the last) beside the same
    examples in one backward of twice the batch; then accumulation without no_sync, which must be refused."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    torch.manual_seed(0)
    nets = [nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1)).double() for _ in range(3)]
    for n in nets[1:]:
        n.load_state_dict(nets[0].state_dict())
    accumulated, whole, sampled = (nn.parallel.DistributedDataParallel(n) for n in nets)
    g_acc = sktorch.DDPNoiseScale(accumulated, local_batch=LOCAL, smoothing="cumulative")
    g_whole = sktorch.DDPNoiseScale(whole, local_batch=2 * LOCAL, smoothing="cumulative")
    g_sampled = sktorch.DDPNoiseScale(sampled, local_batch=LOCAL, smoothing="cumulative", every=3)
    rows = []
    for step in range(20):
        parts = [batch(rank, 2 * step), batch(rank, 2 * step + 1)]
        for model in (accumulated, sampled):
            for micro, (x, y) in enumerate(parts):
                model.require_backward_grad_sync = micro == 1
                (0.5 * (model(x).squeeze(1) - y).pow(2).mean() / 2).backward()
        x, y = (torch.cat(t) for t in zip(*parts))
        (0.5 * (whole(x).squeeze(1) - y).pow(2).mean()).backward()
        g_acc.step()
        g_whole.step()
        g_sampled.step()
        gap = max(float((p.grad - q.grad).abs().max()) for p, q in zip(accumulated.parameters(), sampled.parameters()))
        rows.append([*g_acc.last_squared_norms, *g_whole.last_squared_norms, *g_sampled.last_squared_norms, gap])
        for model in (accumulated, whole, sampled):
            model.zero_grad()
    a, b, c = g_acc.read(), g_whole.read(), g_sampled.read()
    rows.append([a.b_simple, b.b_simple, a.measurements, b.measurements, c.measurements, g_sampled.steps, 0])
    accumulated.require_backward_grad_sync = True
    for micro in range(2):                  # accumulation with an all-reduce at every micro-batch
        x, y = batch(rank, micro)
        (0.5 * (accumulated(x).squeeze(1) - y).pow(2).mean() / 2).backward()
    try:
        g_acc.step()
        said = "accepted"
    except scalingkit.ScalingKitError as e:
        said = str(e)
    if rank == 0:
        np.save(out_file, np.array(rows))
        with open(out_file + ".said", "w") as f:
            f.write(said)
    dist.barrier()
    sys.stdout.flush()
    os._exit(0)


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_ddp_gradient_accumulation_counts_its_micro_batches(tmp_path):
    import torch.multiprocessing as mp
    out = str(tmp_path / "rows.npy")
    mp.spawn(ddp_accumulation_worker, args=(2, str(tmp_path / "init"), out), nprocs=2, join=True)
    rows = np.load(out)
    norms, last = rows[:-1], rows[-1]
    np.testing.assert_allclose(norms[:, :2], norms[:, 2:4], rtol=1e-10)
    assert last[2] == last[3] == 20 and last[0] == pytest.approx(last[1], rel=1e-9)
    # every=3: steps 0, 3, ..., 18 measured (7 of 20) with the every-step numbers; on the rest the hook is DDP's own
    # averaging all-reduce: the same .grad as the measuring hook's.
    assert last[4] == 7 and last[5] == 20
    assert np.all(norms[:, 6] <= 1e-15)
    for step in range(20):
        np.testing.assert_allclose(norms[step, 4:6], norms[step - step % 3, :2], rtol=1e-12)
    assert "more than once this step" in open(out + ".said").read()


def test_accumulation_hook_matches_a_direct_computation():
    torch.manual_seed(0)
    model = nn.Linear(8, 1, bias=False).double()
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    direct = scalingkit.GradientNoiseScale(smoothing="cumulative")
    for step in range(200):
        model.zero_grad()
        micro = []
        for k in range(4):
            x, y = batch(k, step)
            loss = 0.5 * (model(x).squeeze(1) - y).pow(2).mean()
            (loss / 4).backward()
            w = model.weight.detach().numpy()[0]
            micro.append(x.numpy().T @ (x.numpy() @ w - y.numpy()) / LOCAL)
        gns.step()
        mean = sum(micro) / 4
        direct.update(np.mean([m @ m for m in micro]), mean @ mean, LOCAL, 4 * LOCAL)
        with torch.no_grad():
            model.weight -= 0.05 * model.weight.grad
    assert gns.read().b_simple == pytest.approx(direct.read().b_simple, rel=1e-9)
    with pytest.raises(scalingkit.ScalingKitError, match="2 or more"):
        model.zero_grad()
        x, y = batch(0, 0)
        (0.5 * (model(x).squeeze(1) - y).pow(2).mean()).backward()
        gns.step()


def test_accumulation_every_nth_step():
    """every=3 beside every step on the same model: steps 0, 3, 6, ... give the every-step norms exactly, the others
    feed nothing and leave no hook behind (the model's hooks are those of the every-step wrapper alone); discard()
    ends a step too; remove() keeps the hooks off for good."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 300), nn.Tanh(), nn.Linear(300, 1)).double()
    every_step = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    def count_hooks():                      # gradient hooks and post-accumulation hooks, per parameter
        return {id(p): (len(p._backward_hooks or {}), len(getattr(p, "_post_accumulate_grad_hooks", None) or {}))
                for p in model.parameters()}

    hooks = count_hooks()
    sampled = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative", every=3)
    direct = scalingkit.GradientNoiseScale(smoothing="cumulative")
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(10):
        opt.zero_grad()
        _micro_batches(model, step)
        measured = sampled.measuring
        assert measured == (step % 3 == 0)
        if not measured:
            assert count_hooks() == hooks
        every_step.step()
        if step == 4:
            sampled.discard()
        else:
            sampled.step()
        if measured:
            assert sampled.last_squared_norms == every_step.last_squared_norms
            direct.update(*every_step.last_squared_norms, LOCAL, 4 * LOCAL)
        opt.step()
    assert sampled.steps == 10 and sampled.read().measurements == 4          # steps 0, 3, 6, 9
    got, want = sampled.read(), direct.read()
    assert (got.gradient_squared, got.trace_covariance) == pytest.approx((want.gradient_squared,
                                                                          want.trace_covariance), rel=1e-12)
    sampled.remove()
    for step in range(3):                   # a measuring step comes round, but the hooks stay off
        sampled.discard()
    assert count_hooks() == hooks
    for bad in (0, 2.5, True, -1, "3"):
        with pytest.raises(scalingkit.ScalingKitError, match="every"):
            sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, every=bad)


def _micro_batches(model, step, scaler=None, poison=False):
    """Four micro-batches with (loss / 4).backward(), optionally under a GradScaler."""
    for k in range(4):
        x, y = batch(k, step)
        loss = 0.5 * (model(x).squeeze(1) - y).pow(2).mean() / 4
        if poison and k == 2:
            loss = loss * float("inf")
        (scaler.scale(loss) if scaler is not None else loss).backward()


def _accumulate(model, gns, step, scaler=None, poison=False, before_step=None):
    """_micro_batches, then whatever the loop does before gns.step() (clipping, zero_grad, unscale_)."""
    _micro_batches(model, step, scaler, poison)
    if before_step is not None:
        before_step()
    gns.step()


@pytest.mark.parametrize("placement", ["clip", "zero_grad", "unscale_and_clip"])
def test_accumulation_step_cannot_be_misplaced(placement):
    """The same training run with gns.step() right after the last backward, or after clip_grad_norm_, zero_grad or
    GradScaler.unscale_: the same numbers, because the big-batch norm comes from the hooks, not from .grad."""
    def run(misplaced):
        torch.manual_seed(0)
        model = nn.Linear(8, 1, bias=False).double()
        scaler = torch.amp.GradScaler("cpu", init_scale=256.0) if placement == "unscale_and_clip" else None
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, scaler=scaler, smoothing="cumulative")

        def loop_actions():
            if placement == "zero_grad":
                opt.zero_grad()
            if placement == "unscale_and_clip":
                scaler.unscale_(opt)
            if placement in ("clip", "unscale_and_clip"):
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1e-2)

        for step in range(60):
            opt.zero_grad()
            _micro_batches(model, step, scaler)
            if misplaced:
                loop_actions()
                gns.step()
            else:
                gns.step()
                loop_actions()
            if scaler is not None:
                scaler.step(opt)
                scaler.update()
            elif model.weight.grad is not None:
                opt.step()
        return gns.read()

    right, misplaced = run(False), run(True)
    assert misplaced.valid and misplaced.b_simple == pytest.approx(right.b_simple, rel=1e-9)


def test_accumulation_overflow_steps_are_skipped_and_leave_no_state():
    torch.manual_seed(0)
    model = nn.Linear(8, 1, bias=False).double()
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, scaler=scaler, smoothing="cumulative")
    for step in range(40):
        model.zero_grad()
        _accumulate(model, gns, step, scaler, poison=step in (3, 4))
    assert gns.skipped_steps == 2 and gns.read().measurements == 38 and gns.read().valid
    # A step that raised (one micro-batch only) leaves nothing behind: the next one is exact.
    model.zero_grad()
    x, y = batch(0, 0)
    scaler.scale(0.5 * (model(x).squeeze(1) - y).pow(2).mean()).backward()
    with pytest.raises(scalingkit.ScalingKitError, match="2 or more"):
        gns.step()
    model.zero_grad()
    _accumulate(model, gns, 41, scaler)
    assert gns.read().measurements == 39


def test_accumulation_micro_batch_counts_that_change():
    """The big-batch norm is taken from the micro-batch the previous step ended on. Steps of 4, 6, 6, 3, 4, 4, 5, 5,
    2, 4 micro-batches: every step with at least as many as the one before is exact (against the direct
    computation); the 3 after 6 and the 2 after 5 ended before their norms were taken: left out, counted, warned."""
    torch.manual_seed(0)
    model = nn.Linear(8, 1, bias=False).double()
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    direct = scalingkit.GradientNoiseScale(smoothing="cumulative")
    with pytest.warns(UserWarning, match="left out"):
        for step, K in enumerate([4, 6, 6, 3, 4, 4, 5, 5, 2, 4]):
            model.zero_grad()
            micro = []
            for k in range(K):
                x, y = batch(k, step)
                (0.5 * (model(x).squeeze(1) - y).pow(2).mean() / K).backward()
                w = model.weight.detach().numpy()[0]
                micro.append(x.numpy().T @ (x.numpy() @ w - y.numpy()) / LOCAL)
            gns.step()
            if K not in (2, 3):
                mean = sum(micro) / K
                direct.update(np.mean([m @ m for m in micro]), mean @ mean, LOCAL, K * LOCAL)
                small, big = gns.last_squared_norms
                assert small == pytest.approx(np.mean([m @ m for m in micro]), rel=1e-12)
                assert big == pytest.approx(mean @ mean, rel=1e-12)
            with torch.no_grad():
                model.weight -= 0.05 * model.weight.grad
    assert gns.early_steps == 2 and gns.read().measurements == 8
    assert gns.read().b_simple == pytest.approx(direct.read().b_simple, rel=1e-9)


def test_accumulation_loss_scale_is_the_backwards_even_after_update():
    """A GradScaler whose scale doubles every step: gns.step() before or after scaler.update() gives the numbers of
    a run without loss scaling, because the scale is noted by the hooks during the backward passes."""
    def run(mode):
        torch.manual_seed(0)
        model = nn.Linear(8, 1, bias=False).double()
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        scaler = None if mode == "none" else torch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
        gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, scaler=scaler, smoothing="cumulative")
        for step in range(30):
            opt.zero_grad()
            _micro_batches(model, step, scaler)
            if mode == "before":
                gns.step()
            if scaler is not None:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
            if mode != "before":
                gns.step()
        if scaler is not None:
            assert scaler.get_scale() == 4.0 * 2 ** 30          # the scale did move every step
        return gns.read().b_simple

    plain = run("none")
    assert run("before") == pytest.approx(plain, rel=1e-12) and run("after") == pytest.approx(plain, rel=1e-12)


def test_accumulation_refuses_a_step_begun_on_stale_gradients():
    """Gradients never zeroed: the second step's micro-batches add to the first's, a big batch that is not this
    step's. The hooks see it (.grad is not empty at the first micro-batch) and step() says so; zero_grad with
    set_to_none=False (zeros, not None) is fine and gives the numbers of set_to_none=True."""
    def run(set_to_none, zero=True):
        torch.manual_seed(0)
        model = nn.Linear(8, 1, bias=False).double()
        gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
        for step in range(20):
            if zero or step == 0:
                model.zero_grad(set_to_none=set_to_none)
            _accumulate(model, gns, step)
        return gns.read().b_simple

    assert run(False) == pytest.approx(run(True), rel=1e-12)
    with pytest.raises(scalingkit.ScalingKitError, match="gradients left from an earlier step"):
        run(True, zero=False)
    # The refused step left nothing: the next, zeroed step is exact.
    torch.manual_seed(0)
    model = nn.Linear(8, 1, bias=False).double()
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    _accumulate(model, gns, 0)
    with pytest.raises(scalingkit.ScalingKitError, match="earlier step"):
        _accumulate(model, gns, 1)
    model.zero_grad()
    _accumulate(model, gns, 1)
    assert gns.read().measurements == 2


def test_stale_gradients_of_a_parameter_outside_the_optimizer_are_named():
    """optimizer.zero_grad() zeroes only its own groups: a layer that requires a gradient but was left out of the
    optimizer keeps accumulating, and the refusal names it."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 300), nn.Tanh(), nn.Linear(300, 300), nn.Tanh(), nn.Linear(300, 1)).double()
    optimizer = torch.optim.SGD([p for n, p in model.named_parameters() if not n.startswith("2.")], lr=0.0)
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")

    def step(i):
        optimizer.zero_grad()
        for k in range(4):
            x, y = batch(k, i)
            (0.5 * (model(x).squeeze(1) - y).pow(2).mean() / 4).backward()
        gns.step()

    step(0)
    with pytest.raises(scalingkit.ScalingKitError, match=r"earlier step in 2\.weight: .*in no parameter group"):
        step(1)


def test_accumulation_half_precision_gradients_are_normed_in_float32():
    """bf16 gradients: the dot products are taken in float32 (a bf16 accumulation of 4096 terms keeps ~3 digits),
    so the squared norms agree with float64 ones to float32-input precision."""
    torch.manual_seed(0)
    model = nn.Linear(4096, 1, bias=False).to(torch.bfloat16)
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    grads = []
    for k in range(2):
        g = torch.Generator().manual_seed(k)
        x = torch.randn(LOCAL, 4096, generator=g).to(torch.bfloat16)
        (model(x).float().pow(2).mean() / 2).backward()
        grads.append(model.weight.grad.double().clone() - (grads[-1] if grads else 0))
    gns.step()
    small = sum(float(g.flatten() @ g.flatten()) for g in grads) / 2 * 4
    total = sum(grads).flatten()
    small_fed, big_fed = gns.last_squared_norms
    assert small_fed == pytest.approx(small, rel=1e-4) and big_fed == pytest.approx(float(total @ total), rel=1e-3)


@pytest.mark.parametrize("every", [1, 3])
def test_torch_compile_same_numbers_as_eager(every):
    """Hooks and groups under torch.compile: the compiled model's names are unwrapped (no '_orig_mod.' prefix) and
    the noise scale streamed through the compiled forward/backward equals the eager one, also with the hooks
    removed and put back between steps (every=3)."""
    def run(compiled):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1)).double()
        net = torch.compile(model) if compiled else model
        groups = sktorch.param_groups(net, nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1)), lr=1e-2,
                                      readout=["2"])
        opt = torch.optim.SGD(groups)
        gns = sktorch.AccumulationNoiseScale(net, micro_batch=LOCAL, smoothing="cumulative", every=every)
        for step in range(30):
            opt.zero_grad()
            for k in range(4):
                x, y = batch(k, step)
                ((net(x).squeeze(1) - y).pow(2).mean() / 4).backward()
            gns.step()
            opt.step()
        assert gns.read().measurements == 30 // every
        return [g["lr"] for g in groups], gns.read().b_simple

    eager_lr, eager_b = run(False)
    compiled_lr, compiled_b = run(True)
    assert compiled_lr == eager_lr and compiled_b == pytest.approx(eager_b, rel=1e-9)


def test_no_decay_rule_and_merged_groups():
    model, base = NanoGPTLike(256), NanoGPTLike(64)
    per_param = sktorch.param_groups(model, base, lr=1e-3, weight_decay=0.1, readout=["lm_head"], no_decay="1d")
    by_name = {g["name"]: g for g in per_param}
    assert by_name["ln.weight"]["weight_decay"] == 0 and by_name["ln.bias"]["weight_decay"] == 0
    assert by_name["fc.weight"]["weight_decay"] > 0
    merged = sktorch.param_groups(model, base, lr=1e-3, weight_decay=0.1, readout=["lm_head"], no_decay="1d",
                                  merge=True)
    assert len(merged) < len(per_param) and sorted(n for g in merged for n in g["names"]) == sorted(by_name)
    for g in merged:                                            # every parameter keeps its own settings
        for name in g["names"]:
            assert (g["lr"], g["weight_decay"]) == (by_name[name]["lr"], by_name[name]["weight_decay"])
    torch.optim.AdamW(merged)
    with pytest.raises(scalingkit.ScalingKitError, match="no_decay"):
        sktorch.param_groups(model, base, lr=1e-3, no_decay="bias")


def test_accumulation_parameters_of_two_dtypes():
    """A model with a float64 and a float32 layer: the per-parameter sums are of two dtypes and are summed all
    the same, equal to the float64 model's to float32 precision."""
    def run(mixed):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 4, bias=False).double(), nn.Linear(4, 1, bias=False).double())
        if mixed:
            model[1].float()
        gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
        for step in range(5):
            model.zero_grad()
            for k in range(4):
                x, y = batch(k, step)
                out = model[1](model[0](x).to(model[1].weight.dtype)).squeeze(1).double()
                (0.5 * (out - y).pow(2).mean() / 4).backward()
            gns.step()
        return gns.last_squared_norms

    assert run(True) == pytest.approx(run(False), rel=1e-5)


def _small_parameter_run(small, dtype, monkeypatch, keep=None):
    """Norms fed over steps of 3, 5, 5 and 4 micro-batches of a net of matrices, biases and a gain, beside a direct
    computation in float64 from the micro-gradients themselves (caught by hooks of the test's own)."""
    monkeypatch.setattr(sktorch.AccumulationNoiseScale, "SMALL", small)
    if keep is not None:
        monkeypatch.setattr(sktorch.AccumulationNoiseScale, "KEEP", keep)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.LayerNorm(16), nn.Tanh(), nn.Linear(16, 1)).to(dtype)
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    caught: list = []
    for p in model.parameters():
        p.register_hook(lambda g: caught.append(g.double().flatten()))
    n = len(list(model.parameters()))
    fed, direct = [], []
    with pytest.warns(UserWarning, match="left out"):
        for step, K in enumerate([3, 5, 5, 4]):
            model.zero_grad()
            micro = []
            for k in range(K):
                x, y = batch(k, step)
                (0.5 * (model(x.to(dtype)).squeeze(1).double() - y).pow(2).mean() / K).backward()
                micro.append(torch.cat(caught[-n:]))
            total = sum(micro)
            gns.step()
            if K == 4:                      # after 5: ended before its big-batch norm was taken
                assert gns.early_steps == 1
                continue
            fed.append(gns.last_squared_norms)
            direct.append((K * K * np.mean([float(m @ m) for m in micro]), float(total @ total)))
    return fed, direct


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_accumulation_small_parameters_are_exact(dtype, monkeypatch):
    """Every parameter through a computing hook (SMALL = 1) or the small ones kept by their hooks and summed in
    batches (the default; with KEEP = 1 also summed inside the backward every 2 micro-batches): all equal the
    direct computation, to 1e-12 in float64. In bf16 the small batch agrees to 1e-6; the big batch to 3e-3, as a
    computing hook's big-batch term uses ``.grad``, which autograd accumulates in bf16 (the largest parameter
    always has such a hook)."""
    default = sktorch.AccumulationNoiseScale.SMALL
    assert sum(p.numel() for p in nn.Linear(16, 16).parameters()) < default      # all small but the largest
    hooked, direct = _small_parameter_run(1, dtype, monkeypatch)
    batched, _ = _small_parameter_run(default, dtype, monkeypatch)
    folded, _ = _small_parameter_run(default, dtype, monkeypatch, keep=1)     # summed every 2 micro-batches too
    half = dtype == torch.bfloat16
    for fed in (hooked, batched, folded):
        for (small, big), (small_direct, big_direct) in zip(fed, direct):
            assert small == pytest.approx(small_direct, rel=1e-6 if half else 1e-12)
            assert big == pytest.approx(big_direct, rel=3e-3 if half else 1e-12)


class _Checkpointed(nn.Module):
    """A middle block under activation checkpointing (HF's gradient_checkpointing_enable), reentrant or not: its
    parameters' gradients are accumulated inside a backward of the checkpoint's own."""

    def __init__(self, reentrant):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(8, 300), nn.Linear(300, 300), nn.Linear(300, 1)
        self.reentrant = reentrant

    def block(self, h):
        return torch.tanh(self.b(torch.tanh(h)))

    def forward(self, x):
        from torch.utils.checkpoint import checkpoint
        return self.c(checkpoint(self.block, self.a(x), use_reentrant=self.reentrant))


@pytest.mark.parametrize("reentrant", [True, False], ids=["reentrant", "non_reentrant"])
def test_accumulation_under_activation_checkpointing(reentrant):
    """b's 90,300 elements take the computing hooks, the rest the kept path; both match a direct float64
    computation to 1e-12 over three steps of four micro-batches."""
    torch.manual_seed(0)
    model = _Checkpointed(reentrant).double()
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    params = list(model.parameters())
    caught: list = []
    for p in params:
        p.register_hook(lambda g: caught.append(g.detach().flatten()))
    for step in range(3):
        model.zero_grad()
        micro = []
        for k in range(4):
            x, y = batch(k, step)
            x = x.requires_grad_(reentrant)          # the reentrant form needs an input that requires a gradient
            (0.5 * (model(x).squeeze(1) - y).pow(2).mean() / 4).backward()
            micro.append(torch.cat(caught[-len(params):]))
        total = sum(micro)
        gns.step()
        small, big = gns.last_squared_norms
        assert small == pytest.approx(16 * np.mean([float(m @ m) for m in micro]), rel=1e-12)
        assert big == pytest.approx(float(total @ total), rel=1e-12)


class _Routed(nn.Module):
    """Two experts of 2^16 + 1 elements or more and a small one, each used in the micro-batches its step's schedule
    names (as a router that sends no token to an expert leaves it without a gradient)."""

    def __init__(self):
        super().__init__()
        self.inp, self.out = nn.Linear(8, 256), nn.Linear(256, 1)
        self.experts = nn.ModuleList([nn.Linear(256, 256), nn.Linear(256, 256), nn.Linear(256, 4)])
        self.use: set = set()

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        for i, e in enumerate(self.experts):
            if i in self.use:
                h = h + (torch.tanh(e(h)) if i < 2 else e(h).sum(1, keepdim=True))
        return self.out(h)


def test_accumulation_experts_unused_in_some_micro_batches():
    """Expert 0 used in every micro-batch, expert 1 in some, the small expert 2 in the first two only: exact to
    1e-12 while expert 1 gets as many gradients as in the step before (its norm is taken from that count on, so
    at its last whichever micro-batch that is). When it gets fewer, none at the end, the step is left out, warned
    and counted, and expert 1 is tracked at every micro-batch from then on: exact again."""
    torch.manual_seed(0)
    model = _Routed().double()
    gns = sktorch.AccumulationNoiseScale(model, micro_batch=LOCAL, smoothing="cumulative")
    params = list(model.parameters())
    caught: dict = {}
    for i, p in enumerate(params):
        p.register_hook(lambda g, i=i: caught.__setitem__(i, g.detach().flatten()))

    def run(step, schedule):
        model.zero_grad()
        micro = []
        for k, use in enumerate(schedule):
            model.use = use
            caught.clear()
            x, y = batch(k, step)
            (0.5 * (model(x).squeeze(1) - y).pow(2).mean() / len(schedule)).backward()
            micro.append(torch.cat([caught.get(i, torch.zeros(p.numel(), dtype=p.dtype)) for i, p in enumerate(params)]))
        gns.step()
        total = sum(micro)
        run.last = 16 * np.mean([float(m @ m) for m in micro]), float(total @ total)
        return run.last

    schedules = [[{0, 1, 2}, {0, 2}, {0}, {0, 1}]] * 3 + [[{0, 1}, {0, 1}, {0}, {0}]]
    for step, schedule in enumerate(schedules):
        run(step, schedule)
        assert gns.last_squared_norms == pytest.approx(run.last, rel=1e-12)
    with pytest.warns(UserWarning, match=r"experts\.1\.weight \(1 of 4\).*partial_steps"):
        run(4, [{0, 1}, {0}, {0}, {0}])
    assert gns.partial_steps == 1 and gns.read().measurements == 4
    for step, schedule in enumerate([[{0, 1}, {0}, {0}, {0, 1}], [{0, 1}, {0, 1}, {0, 1}, {0}]], start=5):
        run(step, schedule)
        assert gns.last_squared_norms == pytest.approx(run.last, rel=1e-12)
    assert gns.read().measurements == 6 and gns.partial_steps == 1


def test_coord_check_reads_mups_coord_data_as_it_is():
    """mup.get_coord_data's DataFrame (module, width, t, l1) goes into scalingkit.coord_check unchanged: a μP MLP
    (MuReadout, set_base_shapes) is stable at every layer, the same MLP in SP grows (its readout by ~1.4)."""
    from mup.coord_check import get_coord_data

    class Net(nn.Module):
        def __init__(self, w, mu):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(32, w), nn.Linear(w, w)
            self.out = mup.MuReadout(w, 10) if mu else nn.Linear(w, 10)

        def forward(self, x):
            return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))

    def models(mu):
        def make(w):
            def build():
                torch.manual_seed(w)
                m = Net(w, mu)
                mup.set_base_shapes(m, Net(64, mu) if mu else None, delta=Net(128, mu) if mu else None)
                return m
            return build
        return {w: make(w) for w in (64, 128, 256, 512)}

    torch.manual_seed(0)
    batches = [(torch.randn(64, 32), torch.randint(0, 10, (64,)))] * 4
    verdicts = {}
    for mu in (True, False):
        frame = get_coord_data(models(mu), batches, optimizer="adam", lr=1e-2, mup=mu, nsteps=3, cuda=False,
                               nseeds=2, show_progress=False)
        assert {"module", "width", "t", "l1"} <= set(frame.columns)
        verdicts[mu] = {c.layer: (c.verdict, c.worst_slope) for c in scalingkit.coord_check(frame)}
    assert all(v == "stable" for v, _ in verdicts[True].values()), verdicts[True]
    assert verdicts[False]["out"][0] == "grows" and verdicts[False]["out"][1] > 1
    with pytest.raises(scalingkit.ScalingKitError, match=r"no column 'rms' or 'l1'"):
        scalingkit.coord_check(frame.drop(columns=["l1"]))
    with pytest.raises(scalingkit.ScalingKitError, match=r"step, rms missing"):
        scalingkit.coord_check(["a", "a"], [64, 128])
