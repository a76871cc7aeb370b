"""Hugging Face ``transformers``: the gradient noise scale under the Trainer's own gradient accumulation, logged
through the Trainer's logging (so ``report_to`` sends it to W&B, TensorBoard, ...), and μP parameter groups for a
Trainer.

    trainer = Trainer(model=model, args=args, train_dataset=data,
                      optimizers=(scalingkit.hf.mup_optimizer(model, base_model, args), None))   # μP from a proxy
    scalingkit.hf.attach_noise_scale(trainer)        # gns/b_simple, gns/lower, gns/upper in every training log
    trainer.train()

Glue only: the numbers come from :class:`scalingkit.torch.AccumulationNoiseScale` (tensor hooks) and
:func:`scalingkit.torch.param_groups` (the core's rules).
"""
from __future__ import annotations

from typing import Any, Optional

from transformers import TrainerCallback

from ._callbacks import AccumulationCallback
from .torch import param_groups


class NoiseScaleCallback(AccumulationCallback, TrainerCallback):
    """Streams B_simple from a :class:`transformers.Trainer`'s gradient accumulation (``gradient_accumulation_steps``
    ≥ 2) and adds it to each training log as ``{prefix}b_simple``, ``{prefix}lower``, ``{prefix}upper`` (the
    interval), ``{prefix}valid`` and ``{prefix}measurements``.

    Add it with :func:`attach_noise_scale`, which puts it ahead of the reporting callbacks: a callback passed in
    ``Trainer(callbacks=[...])`` runs after them, so its values would reach ``state.log_history`` but not what
    ``report_to`` sends.

    The small batch is one micro-batch of ``micro_batch`` examples (default: ``per_device_train_batch_size``; pass
    tokens per micro-batch with ``batch_unit="tokens"``), the big one the whole accumulation. The Trainer divides
    each micro-batch's loss by the accumulation steps (or normalises by the step's token count, which is the same
    for micro-batches of equal token counts), which is ``loss_divided=True``. Clipping (``max_grad_norm``) cannot
    affect the numbers: the hooks see the gradients before they reach ``.grad``. An epoch's last accumulation, when it
    holds fewer micro-batches than the others, is left out (one: ``noise_scale.short_steps``; more:
    ``noise_scale.early_steps``); an epoch's last micro-batch may hold fewer examples and is read with the full
    ``micro_batch``, so keep the dataset a multiple of the micro-batch (or ``dataloader_drop_last=True``) where that
    one step per epoch matters. One process only: under DDP use :class:`scalingkit.torch.DDPNoiseScale`.

    Args:
        micro_batch: examples (or tokens) per micro-batch; default ``args.per_device_train_batch_size``.
        prefix: the log keys' prefix.
        scaler: a ``GradScaler`` whose scale is divided out (``attach_noise_scale`` takes the Trainer's own).
        options: ``every`` (measure one optimizer step in this many, as
            :class:`~scalingkit.torch.AccumulationNoiseScale`), and as :class:`scalingkit.GradientNoiseScale`
            (``smoothing``, ``batch_unit``, ``confidence``, ...).
    """

    def __init__(self, micro_batch: Optional[float] = None, prefix: str = "gns/", scaler: Any = None, **options: Any):
        AccumulationCallback.__init__(self, micro_batch, prefix, options)
        self.scaler = scaler

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.check_setup(args.gradient_accumulation_steps, "gradient_accumulation_steps", args.world_size)
        micro = self.micro_batch if self.micro_batch is not None else args.per_device_train_batch_size
        self.start(model, micro, self.scaler)

    def on_pre_optimizer_step(self, args, state, control, lr_scheduler=None, optimizer=None, **kwargs):
        # Every micro-batch's backward has run; the learning rate is this step's.
        self.step(lr_scheduler.get_last_lr()[0] if lr_scheduler is not None else optimizer.param_groups[0]["lr"])

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is None or self.noise_scale is None or "loss" not in logs:   # training logs only
            return
        values = self.log_values()
        logs.update(values)
        # The Trainer appended a copy of this log to its history just before calling on_log: keep the two equal.
        if state.log_history and state.log_history[-1].get("step") == state.global_step:
            state.log_history[-1].update(values)

    def on_train_end(self, args, state, control, **kwargs):
        self.stop()


def attach_noise_scale(trainer: Any, micro_batch: Optional[float] = None, **options: Any) -> NoiseScaleCallback:
    """Adds a :class:`NoiseScaleCallback` to ``trainer`` ahead of its other callbacks (so that the reporting
    integrations log its values), with the Trainer's own ``GradScaler`` when it has one; returns the callback."""
    scaler = getattr(getattr(trainer, "accelerator", None), "scaler", None)
    callback = NoiseScaleCallback(micro_batch=micro_batch, scaler=scaler, **options)
    trainer.callback_handler.callbacks.insert(0, callback)
    return callback


def mup_optimizer(model: Any, base: Any, args: Any, **options: Any):
    """``torch.optim.AdamW`` over :func:`scalingkit.torch.param_groups` with the TrainingArguments' learning rate,
    weight decay, betas and epsilon, for ``Trainer(optimizers=(mup_optimizer(...), None))``: the Trainer's
    schedulers scale each group's own rate, so μP's per-group multipliers survive the schedule. ``no_decay``
    defaults to ``"1d"`` (no decay on biases and norms, as the Trainer's own optimizer) and ``merge`` to True.
    Other options go to ``param_groups`` (``readout=``, ``delta=``, ``parametrization=``, ...)."""
    import torch
    options.setdefault("no_decay", "1d")
    options.setdefault("merge", True)
    groups = param_groups(model, base, lr=args.learning_rate, weight_decay=args.weight_decay, optimizer="adamw",
                          **options)
    return torch.optim.AdamW(groups, lr=args.learning_rate, betas=(args.adam_beta1, args.adam_beta2),
                             eps=args.adam_epsilon)
