"""What the trainer integrations (``scalingkit.hf``, ``scalingkit.lightning``) share: the checks a trainer's setup
must pass, the life of the :class:`~scalingkit.torch.AccumulationNoiseScale` they drive, and the values they log.
Each integration adds only its framework's events."""
from __future__ import annotations

import math
from typing import Any, Dict, Optional

from ._errors import ScalingKitError
from ._ffi import lib
from .batchsize import NoiseScaleReading
from .torch import AccumulationNoiseScale


class AccumulationCallback:
    """The framework-independent part of a noise-scale callback over a trainer's gradient accumulation."""

    def __init__(self, micro_batch: Optional[float], prefix: str, options: Dict[str, Any]):
        self.micro_batch = micro_batch
        self.prefix = prefix
        self.options = options
        #: The :class:`~scalingkit.torch.AccumulationNoiseScale` of the running training (None before it starts).
        self.noise_scale: Optional[AccumulationNoiseScale] = None

    @staticmethod
    def check_setup(accumulation: int, setting: str, processes: int) -> None:
        """Refuses a setup the estimate cannot read: no accumulation, or several processes."""
        if accumulation < 2:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"{setting} is {accumulation}: the noise scale compares one micro-batch with the "
                                  "accumulated batch, so it needs 2 or more")
        if processes > 1:
            raise ScalingKitError(lib.SK_ERR_UNSUPPORTED,
                                  f"{processes} processes: the callback reads one process's accumulation; use "
                                  "scalingkit.torch.DDPNoiseScale on the wrapped model")

    def start(self, model: Any, micro_batch: float, scaler: Any) -> None:
        """Hooks ``model`` (replacing the hooks of an earlier training); the trainer divides each micro-batch's loss
        by its accumulation steps, which is ``loss_divided=True``."""
        self.stop()
        self.noise_scale = AccumulationNoiseScale(model, micro_batch=micro_batch, loss_divided=True, scaler=scaler,
                                                  **self.options)

    def step(self, lr: float) -> None:
        """One optimizer step; an epoch's last accumulation of fewer micro-batches is left out (counted in
        ``noise_scale.short_steps`` or ``early_steps``) without an error or a warning: the trainer, not the user,
        chose it."""
        self.noise_scale.step(lr=float(lr), skip_short=True)

    def stop(self) -> None:
        """Removes the hooks; the estimate stays readable."""
        if self.noise_scale is not None:
            self.noise_scale.remove()

    def read(self) -> NoiseScaleReading:
        """The current reading."""
        if self.noise_scale is None:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "the training has not started")
        return self.noise_scale.read()

    def log_values(self) -> Dict[str, float]:
        """What is logged: B_simple and its interval (NaN until valid), validity and measurements; nothing before
        the first measurement."""
        try:
            r = self.read()
        except ScalingKitError:
            return {}
        lower, upper = (r.interval.lower, r.interval.upper) if r.valid else (math.nan, math.nan)
        p = self.prefix
        return {f"{p}b_simple": r.b_simple if r.valid else math.nan, f"{p}lower": lower, f"{p}upper": upper,
                f"{p}valid": float(r.valid), f"{p}measurements": float(r.measurements)}
