"""The C header's enumerations as Python ``IntEnum`` classes (pygit2's ``enums.py`` is the model).

Every value is read from the compiled header (``lib.SK_*``), never retyped, so Python and C cannot disagree.
Functions that take an option accept the member (``Search.START_GRID``) or its name as a string, case-insensitive
(``"start_grid"``), plus the aliases listed in :data:`ALIASES` (``"auto"``, ``"adamw"``, ``"lm"`` ...).

    >>> from scalingkit.enums import Search
    >>> scalingkit.fit("chinchilla", frame, search=Search.START_GRID)
"""
from __future__ import annotations

import enum
from typing import Any, Dict, Type, TypeVar

from ._errors import ScalingKitError
from ._ffi import lib

E = TypeVar("E", bound=enum.IntEnum)


class Status(enum.IntEnum):
    """sk_status: what every C function returns (``ScalingKitError.code`` is one of these)."""
    OK = lib.SK_OK
    NULL_POINTER = lib.SK_ERR_NULL_POINTER
    INVALID_ARGUMENT = lib.SK_ERR_INVALID_ARGUMENT
    LENGTH = lib.SK_ERR_LENGTH
    STRUCT_SIZE = lib.SK_ERR_STRUCT_SIZE
    UNSUPPORTED = lib.SK_ERR_UNSUPPORTED
    OUT_OF_MEMORY = lib.SK_ERR_OUT_OF_MEMORY
    INTERNAL = lib.SK_ERR_INTERNAL


class Loss(enum.IntEnum):
    """sk_loss: the robust loss on the residuals."""
    HUBER = lib.SK_LOSS_HUBER
    SQUARED = lib.SK_LOSS_SQUARED


class Space(enum.IntEnum):
    """sk_residual_space: where residuals are measured."""
    LOG = lib.SK_SPACE_LOG
    LINEAR = lib.SK_SPACE_LINEAR


class Method(enum.IntEnum):
    """sk_method: the local optimiser."""
    LBFGS = lib.SK_METHOD_LBFGS
    LEVENBERG_MARQUARDT = lib.SK_METHOD_LEVENBERG_MARQUARDT


class Search(enum.IntEnum):
    """sk_search: where a law fit starts."""
    AUTOMATIC = lib.SK_SEARCH_AUTOMATIC
    START_GRID = lib.SK_SEARCH_START_GRID
    SINGLE = lib.SK_SEARCH_SINGLE


class IntervalKind(enum.IntEnum):
    """sk_interval_kind: of the mean law (confidence) or of one new run (prediction)."""
    CONFIDENCE = lib.SK_INTERVAL_CONFIDENCE
    PREDICTION = lib.SK_INTERVAL_PREDICTION


class Parametrization(enum.IntEnum):
    """sk_parametrization."""
    STANDARD = lib.SK_PARAM_STANDARD
    MUP = lib.SK_PARAM_MUP
    MUP_TABLE3 = lib.SK_PARAM_MUP_TABLE3


class Optimizer(enum.IntEnum):
    """sk_optimizer: Adam-like or SGD-like."""
    ADAM = lib.SK_OPTIMIZER_ADAM
    SGD = lib.SK_OPTIMIZER_SGD


class WeightDecayRule(enum.IntEnum):
    """sk_wd_rule: how weight decay moves with the learning rate."""
    INVERSE_LR = lib.SK_WD_INVERSE_LR
    SQRT_WIDTH = lib.SK_WD_SQRT_WIDTH
    FIXED = lib.SK_WD_FIXED
    INDEPENDENT = lib.SK_WD_INDEPENDENT


class Role(enum.IntEnum):
    """sk_role: a parameter group's place in the network."""
    INFERRED = lib.SK_ROLE_INFERRED
    INPUT = lib.SK_ROLE_INPUT
    HIDDEN = lib.SK_ROLE_HIDDEN
    READOUT = lib.SK_ROLE_READOUT
    BIAS = lib.SK_ROLE_BIAS
    NORM = lib.SK_ROLE_NORM


class BatchRule(enum.IntEnum):
    """sk_batch_rule: how the learning rate follows the batch size."""
    NONE = lib.SK_BATCH_NONE
    SQRT = lib.SK_BATCH_SQRT
    LINEAR = lib.SK_BATCH_LINEAR


class UmupType(enum.IntEnum):
    """sk_umup_type: u-μP's tensor kinds."""
    WEIGHT = lib.SK_UMUP_WEIGHT
    BIAS = lib.SK_UMUP_BIAS
    NORM = lib.SK_UMUP_NORM
    OUTPUT = lib.SK_UMUP_OUTPUT


class CoordVerdict(enum.IntEnum):
    """sk_coord_verdict: a layer's activation scale against width."""
    STABLE = lib.SK_COORD_STABLE
    GROWS = lib.SK_COORD_GROWS
    VANISHES = lib.SK_COORD_VANISHES


class Smoothing(enum.IntEnum):
    """sk_gns_smoothing: how the noise-scale estimator averages its measurements."""
    EMA = lib.SK_GNS_EMA
    WINDOW = lib.SK_GNS_WINDOW
    CUMULATIVE = lib.SK_GNS_CUMULATIVE
    ADAPTIVE = lib.SK_GNS_ADAPTIVE


class BatchUnit(enum.IntEnum):
    """sk_gns_unit: the unit of the batch sizes passed to the noise-scale estimator, and so of B_simple."""
    EXAMPLES = lib.SK_GNS_EXAMPLES
    SEQUENCES = lib.SK_GNS_SEQUENCES
    TOKENS = lib.SK_GNS_TOKENS


class Construction(enum.IntEnum):
    """sk_gns_construction: where the small- and big-batch gradient norms come from."""
    DATA_PARALLEL = lib.SK_GNS_DATA_PARALLEL
    ACCUMULATION = lib.SK_GNS_ACCUMULATION
    PER_EXAMPLE = lib.SK_GNS_PER_EXAMPLE
    CONSECUTIVE = lib.SK_GNS_CONSECUTIVE


class Preconditioning(enum.IntEnum):
    """sk_gns_preconditioning (``NONE`` is the header's SK_GNS_RAW)."""
    NONE = lib.SK_GNS_RAW
    WHITENED = lib.SK_GNS_WHITENED
    UPDATE = lib.SK_GNS_UPDATE


class CriticalBatchDefinition(enum.IntEnum):
    """sk_cbs_definition: the critical-batch conventions besides McCandlish's."""
    OVERHEAD = lib.SK_CBS_OVERHEAD
    ZHANG = lib.SK_CBS_ZHANG


#: Other spellings accepted for a member, by enumeration.
ALIASES: Dict[Type[enum.IntEnum], Dict[str, enum.IntEnum]] = {
    Search: {"auto": Search.AUTOMATIC},
    Method: {"lm": Method.LEVENBERG_MARQUARDT},
    Parametrization: {"sp": Parametrization.STANDARD},
    Optimizer: {"adamw": Optimizer.ADAM},
    Role: {"embedding": Role.INPUT, "output": Role.READOUT},
    Preconditioning: {"raw": Preconditioning.NONE},
}


def label(member: enum.IntEnum) -> str:
    """The member's name as the Python API spells it (lower case): ``Search.START_GRID`` → ``"start_grid"``."""
    return member.name.lower()


def parse(kind: str, value: Any, enumeration: Type[E]) -> E:
    """The member for ``value`` (a member, or a name or alias, case-insensitive); ScalingKitError naming ``kind`` and
    listing the accepted names otherwise."""
    if isinstance(value, enumeration):
        return value
    if isinstance(value, str):
        key = value.lower().replace("-", "_")
        names = {label(m): m for m in enumeration}
        names.update(ALIASES.get(enumeration, {}))
        if key in names:
            return names[key]  # type: ignore[return-value]
        known = ", ".join(sorted(names))
    else:
        known = ", ".join(sorted(label(m) for m in enumeration))
    raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"unknown {kind} {value!r}; known: {known}")
