"""scalingkit.lightning on a tiny LightningModule trained by Lightning's Trainer on CPU with accumulate_grad_batches:
the noise scale is logged through the module's loggers, its big-batch norm is the accumulated gradient's, clipping
cannot change it, and a setup without accumulation says why."""
import csv
import glob
import math

import pytest

torch = pytest.importorskip("torch")
try:
    import lightning.pytorch as pl
except ImportError:
    pl = pytest.importorskip("pytorch_lightning")

import scalingkit.lightning  # noqa: E402

DIM = 16


class Regression(pl.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(DIM, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
        self.grad_sq, self.clipped_sq = [], []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x).squeeze(1), y)
        self.log("loss", loss)
        return loss

    def on_before_optimizer_step(self, optimizer):   # after the callbacks' hook, before Lightning's clipping
        self.grad_sq.append(sum(float(p.grad.double().pow(2).sum()) for p in self.parameters()))

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        self.clip_gradients(optimizer, gradient_clip_val=gradient_clip_val, gradient_clip_algorithm=gradient_clip_algorithm)
        self.clipped_sq.append(sum(float(p.grad.double().pow(2).sum()) for p in self.parameters()))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def loader(n=256, batch=8):
    """n examples in batches of `batch` (the last one shorter when n is not a multiple)."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, DIM, generator=g)
    y = x[:, 0] - 0.5 * x[:, 1] + 0.3 * torch.randn(n, generator=g)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch, shuffle=False)


def fit(tmp_path, steps=8, examples=256, gns=None, **kw):
    module, callback = Regression(), scalingkit.lightning.NoiseScaleCallback(**(gns or {}))
    trainer = pl.Trainer(accelerator="cpu", max_steps=steps, accumulate_grad_batches=kw.pop("accumulate", 4),
                         callbacks=[callback], logger=pl.loggers.CSVLogger(str(tmp_path)), log_every_n_steps=1,
                         enable_progress_bar=False, enable_checkpointing=False, enable_model_summary=False, **kw)
    trainer.fit(module, loader(examples))
    return module, callback


def test_noise_scale_is_logged_through_the_loggers(tmp_path):
    module, callback = fit(tmp_path)
    r = callback.read()
    assert r.measurements == 8 and r.construction == "accumulation" and r.valid
    rows = list(csv.DictReader(open(glob.glob(str(tmp_path / "**" / "metrics.csv"), recursive=True)[0])))
    logged = [float(row["gns/b_simple"]) for row in rows if row.get("gns/b_simple")]
    assert len(logged) == 8 and logged[-1] == pytest.approx(r.b_simple, rel=1e-6)
    assert math.isnan(logged[0]) or logged[0] > 0                 # one measurement: not yet valid
    small, big = callback.noise_scale.last_squared_norms
    assert big == pytest.approx(module.grad_sq[-1], rel=1e-6) and small > big    # micro-batches of 8, 4 of them


def test_clipping_does_not_change_the_estimate(tmp_path):
    _, unclipped = fit(tmp_path / "a", steps=1)
    module, clipped = fit(tmp_path / "b", steps=1, gradient_clip_val=1e-3)
    assert module.clipped_sq[-1] <= 1e-6 * 1.0001 < module.grad_sq[-1]          # Lightning clipped hard ...
    assert clipped.noise_scale.last_squared_norms == pytest.approx(unclipped.noise_scale.last_squared_norms, rel=1e-9)


def test_without_accumulation_it_says_why(tmp_path):
    with pytest.raises(scalingkit.ScalingKitError, match="accumulate_grad_batches is 1"):
        fit(tmp_path, accumulate=1)


def test_measuring_one_step_in_every(tmp_path):
    # every=3 over 8 steps: steps 0, 3 and 6 measured; the uneven step of 76 examples (the third) counts as a step.
    _, callback = fit(tmp_path / "a", gns={"every": 3})
    assert callback.noise_scale.steps == 8 and callback.read().measurements == 3
    _, uneven = fit(tmp_path / "b", steps=-1, examples=76, max_epochs=1, gns={"every": 2})
    assert uneven.uneven_steps == 1 and uneven.noise_scale.steps == 3 and uneven.read().measurements == 1


def test_an_epochs_uneven_or_single_leftover_steps_are_left_out(tmp_path):
    # 76 examples in batches of 8: 9 full batches and one of 4; 4 per step: 2 full steps, then [8, 4] (uneven).
    _, uneven = fit(tmp_path / "a", steps=-1, examples=76, max_epochs=1)
    assert uneven.uneven_steps == 1 and uneven.read().measurements == 2
    # 72 examples: 9 full batches; the third step holds a single batch.
    _, single = fit(tmp_path / "b", steps=-1, examples=72, max_epochs=1)
    assert single.noise_scale.short_steps == 1 and single.uneven_steps == 0 and single.read().measurements == 2
