"""Lightning: the gradient noise scale under the Trainer's ``accumulate_grad_batches``, logged with
``LightningModule.log`` (so every attached logger records it).

    trainer = lightning.Trainer(accumulate_grad_batches=4, callbacks=[scalingkit.lightning.NoiseScaleCallback()])

Glue only: the numbers come from :class:`scalingkit.torch.AccumulationNoiseScale` (tensor hooks). Works with the
``lightning`` package (``lightning.pytorch``) or the older ``pytorch_lightning``.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

try:
    import lightning.pytorch as pl
except ImportError:  # the standalone package
    import pytorch_lightning as pl

from ._errors import ScalingKitError
from ._ffi import lib
from .batchsize import NoiseScaleReading
from .torch import AccumulationNoiseScale, log_values


def _batch_size(batch: Any) -> Optional[int]:
    """Examples in a batch as dataloaders give them: a tensor, or the first tensor of a tuple, list or dict."""
    if hasattr(batch, "shape") and len(batch.shape) > 0:
        return int(batch.shape[0])
    if isinstance(batch, dict):
        batch = list(batch.values())
    if isinstance(batch, (list, tuple)):
        for item in batch:
            size = _batch_size(item)
            if size is not None:
                return size
    return None


class NoiseScaleCallback(pl.Callback):
    """Streams B_simple from a Lightning Trainer's gradient accumulation (``accumulate_grad_batches`` ≥ 2) and logs
    ``{prefix}b_simple``, ``{prefix}lower``, ``{prefix}upper`` (the interval; NaN until valid), ``{prefix}valid``
    each optimizer step.

    The small batch is one micro-batch (``micro_batch`` examples, by default the first training batch's size; pass
    tokens with ``batch_unit="tokens"``), the big one the whole accumulation. Lightning divides each micro-batch's
    loss by ``accumulate_grad_batches`` under automatic optimisation (``loss_divided=True``). Gradient clipping and
    the precision plugin's loss scale cannot affect the numbers: the hooks see the gradients before they reach
    ``.grad`` and the scale (the plugin's own ``GradScaler``) is divided out. One process only: under DDP use
    :class:`scalingkit.torch.DDPNoiseScale`.

    Args:
        micro_batch: examples (or tokens) per micro-batch; default: inferred from the first batch.
        prefix: the logged names' prefix.
        options: as :class:`scalingkit.GradientNoiseScale` (``smoothing``, ``batch_unit``, ``confidence``, ...).
    """

    def __init__(self, micro_batch: Optional[float] = None, prefix: str = "gns/", **options: Any):
        self.micro_batch = micro_batch
        self.prefix = prefix
        self.options = options
        #: The :class:`~scalingkit.torch.AccumulationNoiseScale` of the running fit (None before the first batch).
        self.noise_scale: Optional[AccumulationNoiseScale] = None

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if not pl_module.automatic_optimization:
            raise ScalingKitError(lib.SK_ERR_UNSUPPORTED,
                                  "manual optimisation: feed scalingkit.torch.AccumulationNoiseScale from your loop")
        if trainer.accumulate_grad_batches < 2:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"accumulate_grad_batches is {trainer.accumulate_grad_batches}: the noise scale "
                                  "compares one micro-batch with the accumulated batch, so it needs 2 or more")
        if trainer.world_size > 1:
            raise ScalingKitError(lib.SK_ERR_UNSUPPORTED,
                                  f"{trainer.world_size} processes: use scalingkit.torch.DDPNoiseScale")
        if self.noise_scale is not None:
            self.noise_scale.remove()
            self.noise_scale = None

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        if self.noise_scale is not None:
            return
        micro = self.micro_batch if self.micro_batch is not None else _batch_size(batch)
        if micro is None:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  "cannot tell the batch size from the batch: pass NoiseScaleCallback(micro_batch=...)")
        scaler = getattr(trainer.precision_plugin, "scaler", None)
        self.noise_scale = AccumulationNoiseScale(pl_module, micro_batch=micro, loss_divided=True, scaler=scaler,
                                                  **self.options)

    def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
        # Every micro-batch's backward has run; the learning rate is this step's.
        self.noise_scale.step(lr=float(optimizer.param_groups[0]["lr"]))
        values = self.log_values()
        if values:
            pl_module.log_dict(values, on_step=True, on_epoch=False)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        if self.noise_scale is not None:
            self.noise_scale.remove()                     # the estimate stays readable; the hooks go

    def read(self) -> NoiseScaleReading:
        """The current reading."""
        if self.noise_scale is None:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "the fit has not started")
        return self.noise_scale.read()

    def log_values(self) -> Dict[str, float]:
        """What is logged: B_simple and its interval (NaN until valid) and validity."""
        try:
            return log_values(self.read(), self.prefix)
        except ScalingKitError:                          # skipped overflow steps only, so far
            return {}
