"""Errors raised by the binding."""
from __future__ import annotations

import os
import sys
import warnings

from ._ffi import ffi, lib

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str, category: type) -> None:
    """``warnings.warn`` attributed to the first frame outside this package: the user's line however many of the
    package's functions lie between (a fixed ``stacklevel`` points into the package when a public function reaches
    the warning through one more wrapper, as ``fit_batch_law`` reaches ``fit``). From a hook or callback run by
    torch, Lightning or a Trainer it is that framework's line: the user's is not on the stack."""
    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)

_NAMES = {
    lib.SK_ERR_NULL_POINTER: "SK_ERR_NULL_POINTER",
    lib.SK_ERR_INVALID_ARGUMENT: "SK_ERR_INVALID_ARGUMENT",
    lib.SK_ERR_LENGTH: "SK_ERR_LENGTH",
    lib.SK_ERR_STRUCT_SIZE: "SK_ERR_STRUCT_SIZE",
    lib.SK_ERR_UNSUPPORTED: "SK_ERR_UNSUPPORTED",
    lib.SK_ERR_OUT_OF_MEMORY: "SK_ERR_OUT_OF_MEMORY",
    lib.SK_ERR_INTERNAL: "SK_ERR_INTERNAL",
}


class ScalingKitError(ValueError):
    """A call into ScalingKit failed.

    Attributes:
        status: the C status code (a negative ``SK_ERR_*`` value).
        code: its name, for example ``"SK_ERR_LENGTH"``.
        message: the library's message, naming the argument at fault.
    """

    def __init__(self, status: int, message: str):
        self.status = int(status)
        self.code = _NAMES.get(self.status, f"status {self.status}")
        self.message = message
        super().__init__(f"{message} [{self.code}]")


class ExtrapolationWarning(UserWarning):
    """A plan whose D/N lies outside the D/N of the runs behind its fit (``ratio_within_fitted`` False): there the
    split of the budget between N and D is the law's functional form, not the data. A ``UserWarning``, so the usual
    filters apply; ``warnings.simplefilter("ignore", scalingkit.ExtrapolationWarning)`` silences these alone."""


class ConvergenceWarning(UserWarning):
    """A plan, a prediction or a bootstrap read from a fit that did not converge (``success`` False: not
    identified, no better than a constant, stalled, or its optimum not confirmed by a second start): it inherits the
    fit's doubt, which the warning quotes. Also a batch trade-off whose B_crit the sweep does not pin down
    (``success`` False). ``warnings.simplefilter("ignore", scalingkit.ConvergenceWarning)`` silences these alone."""


class DataWarning(UserWarning):
    """Runs that share every input of a fit (one N and D) but whose losses differ by more than replicate seeds do:
    a table mixing datasets, loss definitions, every rate of a learning-rate sweep, or (for a law of compute) sizes
    at one budget (``repeated_points`` on the fit counts them). A scaling law is of one loss per point. Also runs
    whose residual lies more than 12 robust standard deviations off the law (``outlier_rows``): runs it does not
    describe, which pull every parameter.
    ``warnings.simplefilter("ignore", scalingkit.DataWarning)`` silences these alone."""


class TransferWarning(UserWarning):
    """A transfer that kept a proxy hyperparameter although the target run differs from the proxy's by more than
    2x: a batch size without a batch rule, or a training horizon without a horizon exponent (``TransferResult.notes``
    says which). μP transfers the learning rate across width, not across these.
    ``warnings.simplefilter("ignore", scalingkit.TransferWarning)`` silences these alone."""


def check(status: int) -> None:
    """Raises ScalingKitError with the thread's last error if `status` is not SK_OK."""
    if status != lib.SK_OK:
        raise ScalingKitError(status, ffi.string(lib.sk_last_error()).decode("utf-8", "replace"))
