"""Lightning: the gradient noise scale under the Trainer's ``accumulate_grad_batches``, logged with
``LightningModule.log`` (so every attached logger records it).

    trainer = lightning.Trainer(accumulate_grad_batches=4, callbacks=[scalingkit.lightning.NoiseScaleCallback()])

Glue only: the numbers come from :class:`scalingkit.torch.AccumulationNoiseScale` (tensor hooks). Works with the
``lightning`` package (``lightning.pytorch``) or the older ``pytorch_lightning``.
"""
from __future__ import annotations

from typing import Any, Optional

try:
    import lightning.pytorch as pl
except ImportError:  # the standalone package
    import pytorch_lightning as pl

from ._callbacks import AccumulationCallback
from ._errors import ScalingKitError
from ._ffi import lib


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


class NoiseScaleCallback(AccumulationCallback, pl.Callback):
    """Streams B_simple from a Lightning Trainer's gradient accumulation (``accumulate_grad_batches`` ≥ 2) and logs
    ``{prefix}b_simple``, ``{prefix}lower``, ``{prefix}upper`` (the interval; NaN until valid), ``{prefix}valid``
    each optimizer step.

    The small batch is one micro-batch (``micro_batch`` examples, by default the first training batch's size; pass
    tokens with ``batch_unit="tokens"``), the big one the whole accumulation. Lightning divides each micro-batch's
    loss by ``accumulate_grad_batches`` under automatic optimisation (``loss_divided=True``). A step whose
    micro-batches differ in size from the first (an epoch's short last batch) is left out (``uneven_steps``), and
    one of a single leftover micro-batch too (``noise_scale.short_steps``). Gradient clipping and
    the precision plugin's loss scale cannot affect the numbers: the hooks see the gradients before they reach
    ``.grad`` and the scale (the plugin's own ``GradScaler``) is divided out. One process only: under DDP use
    :class:`scalingkit.torch.DDPNoiseScale`.

    Args:
        micro_batch: examples (or tokens) per micro-batch; default: inferred from the first batch.
        prefix: the logged names' prefix.
        options: ``every`` (measure one optimizer step in this many, as
            :class:`~scalingkit.torch.AccumulationNoiseScale`), and as :class:`scalingkit.GradientNoiseScale`
            (``smoothing``, ``batch_unit``, ``confidence``, ...).
    """

    def __init__(self, micro_batch: Optional[float] = None, prefix: str = "gns/", **options: Any):
        AccumulationCallback.__init__(self, micro_batch, prefix, options)
        #: Optimizer steps left out because a micro-batch had another size than the first (an epoch's short last
        #: batch): their B_small would be mislabelled.
        self.uneven_steps = 0
        self._first_size: Optional[int] = None
        self._uneven = False

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if not pl_module.automatic_optimization:
            raise ScalingKitError(lib.SK_ERR_UNSUPPORTED,
                                  "manual optimisation: feed scalingkit.torch.AccumulationNoiseScale from your loop")
        self.check_setup(trainer.accumulate_grad_batches, "accumulate_grad_batches", trainer.world_size)
        self.stop()
        self.noise_scale = None                  # created at the first batch, whose size it may need

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        size = _batch_size(batch)
        if self.noise_scale is None:
            micro = self.micro_batch if self.micro_batch is not None else size
            if micro is None:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      "cannot tell the batch size from the batch: pass NoiseScaleCallback(micro_batch=...)")
            self.start(pl_module, micro, getattr(trainer.precision_plugin, "scaler", None))
            self._first_size = size
        elif size != self._first_size:
            self._uneven = True

    def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
        # Every micro-batch's backward has run; the learning rate is this step's.
        if self._uneven:
            self.noise_scale.discard()
            self._uneven = False
            self.uneven_steps += 1
            return
        self.step(optimizer.param_groups[0]["lr"])
        values = self.log_values()
        if values:
            pl_module.log_dict(values, on_step=True, on_epoch=False)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self.stop()
