"""Hyperparameter transfer from a tuned proxy to a larger target: μP (and SP, Table 3) width rules exactly as PyPI
``mup`` 1.0.0 applies them, CompleteP depth rules, weight-decay and batch-size rules, u-μP learning-rate scales,
published hyperparameter laws, laws fitted from your own sweep, and the coordinate check. No torch needed: shapes
go in as plain tuples."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._results import Result
from ._arrays import as_finite, as_number, as_size, as_text
from ._errors import ScalingKitError, TransferWarning, check, warn
from ._ffi import ffi, lib
from .enums import BatchRule, Optimizer, Parametrization, Role, UmupType, WeightDecayRule, label, parse



@dataclass(frozen=True)
class GroupHyperparameters(Result):
    """One parameter group's transfer: multipliers (target over proxy) and, from a proxy, absolute values."""

    name: str
    role: str
    scaled_axes: int
    width_mult: float
    fan_in_mult: float
    fan_out_mult: float
    init_std_mult: float
    forward_mult: float
    lr_mult: float
    wd_mult: float
    eps_mult: float
    learning_rate: float = math.nan
    weight_decay: float = math.nan
    init_std: float = math.nan
    epsilon: float = math.nan


@dataclass(frozen=True)
class TransferResult(Result):
    """Per-group hyperparameters for the target plus the global ones (residual multiplier, Adam betas after the
    batch rule, and the factor batch and horizon rules apply to every learning rate). ``notes``: what the transfer
    kept although the target differs from the proxy by more than 2x (each also a :class:`TransferWarning`)."""

    groups: Tuple[GroupHyperparameters, ...]
    residual_mult: float = 1.0
    beta1: float = math.nan
    beta2: float = math.nan
    lr_scale: float = 1.0
    notes: Tuple[str, ...] = ()

    def __getitem__(self, name: str) -> GroupHyperparameters:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    def to_frame(self):
        """The groups as a pandas DataFrame indexed by name."""
        import pandas as pd
        return pd.DataFrame([{f.name: getattr(g, f.name) for f in fields(GroupHyperparameters)}
                             for g in self.groups]).set_index("name")

    def optimizer_groups(self, params: Mapping[str, Any]) -> List[dict]:
        """Parameter groups for a PyTorch optimizer: ``params`` maps each group's name to its parameter (for
        example ``dict(model.named_parameters())``); needs a transfer from a proxy (absolute values)."""
        out = []
        for g in self.groups:
            if math.isnan(g.learning_rate):
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "optimizer_groups needs transfer(..., proxy=...)")
            out.append({"params": [params[g.name]], "lr": g.learning_rate, "weight_decay": g.weight_decay,
                        "eps": g.epsilon})
        return out


def _group_rows(groups: Any) -> List[dict]:
    """Groups from tuples (name, base, target[, role[, in_residual_block]]), dicts or a DataFrame."""
    if hasattr(groups, "to_dict") and hasattr(groups, "columns"):
        groups = groups.to_dict("records")
    rows = []
    for i, g in enumerate(groups):
        if isinstance(g, Mapping):
            row = dict(g)
        else:
            g = tuple(g)
            if not 3 <= len(g) <= 5:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      f"group {i}: expected (name, base_shape, target_shape[, role[, in_residual_block]])")
            row = dict(zip(("name", "base", "target", "role", "in_residual_block"), g))
        for key in ("name", "base", "target"):
            if key not in row:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"group {i} lacks '{key}'")
        rows.append(row)
    if not rows:
        raise ScalingKitError(lib.SK_ERR_LENGTH, "no parameter groups")
    return rows


def _shape(value: Any) -> List[int]:
    if isinstance(value, str):
        value = [v for v in value.replace("x", ",").split(",") if v.strip()]
    def dim(v: Any) -> int:
        if isinstance(v, str):
            try:
                v = int(v.strip())
            except ValueError:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"shape entry {v!r} is not a whole number") from None
        return as_size("shape", v, maximum=2**62)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return [dim(v) for v in (value if isinstance(value, (list, tuple)) else [value])]


def _c_groups(rows: List[dict]):
    keep = []
    arr = ffi.new("sk_param_group[]", len(rows))
    for i, r in enumerate(rows):
        base, target = _shape(r["base"]), _shape(r["target"])
        delta = _shape(r["delta"]) if r.get("delta") is not None else None
        if len(base) != len(target) or (delta is not None and len(delta) != len(target)):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"group {r['name']!r}: base {base} and target {target} shapes need the same rank")
        name = ffi.new("char[]", as_text(f"group {i} name", str(r["name"])))
        cb, ct = ffi.new("int64_t[]", base), ffi.new("int64_t[]", target)
        cd = ffi.new("int64_t[]", delta) if delta is not None else ffi.NULL
        keep += [name, cb, ct, cd]
        a = arr[i]
        a.struct_size = ffi.sizeof("sk_param_group")
        a.name, a.rank, a.base_shape, a.delta_shape, a.target_shape = name, len(base), cb, cd, ct
        a.role = parse("role", r.get("role") or "inferred", Role)
        a.in_residual_block = 1 if r.get("in_residual_block") else 0
    return arr, keep


def _options(parametrization, optimizer, weight_decay_rule, batch_rule, depth, hold_timescale, horizon_exponent):
    o = ffi.new("sk_transfer_options *")
    check(lib.sk_transfer_options_init(o, ffi.sizeof("sk_transfer_options")))
    o.parametrization = parse("parametrization", parametrization, Parametrization)
    o.optimizer = parse("optimizer", optimizer, Optimizer)
    o.weight_decay_rule = parse("weight-decay rule", weight_decay_rule, WeightDecayRule)
    o.batch_rule = parse("batch rule", batch_rule, BatchRule)
    if depth is not None:
        try:
            alpha, base_layers, layers = depth
        except (TypeError, ValueError):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"depth must be (alpha, base_layers, layers) (got {depth!r})") from None
        base_layers, layers = as_size("depth base_layers", base_layers), as_size("depth layers", layers)
        if base_layers < 1 or layers < 1:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"layer counts must be >= 1 (got {base_layers}, {layers})")
        o.depth_alpha, o.base_layers, o.layers = as_finite("depth alpha", alpha), base_layers, layers
    o.hold_timescale = 1 if hold_timescale else 0
    o.horizon_exponent = as_number("horizon_exponent", horizon_exponent)
    return o


def transfer(groups: Union[Iterable[Any], Any], *, proxy: Optional[Mapping[str, float]] = None,
             target_batch_tokens: Optional[float] = None, target_tokens: Optional[float] = None,
             parametrization: str = "mup", optimizer: str = "adam", weight_decay_rule: str = "inverse_lr",
             depth: Optional[Tuple[float, int, int]] = None, batch_rule: str = "none", hold_timescale: bool = False,
             horizon_exponent: float = 0.0) -> TransferResult:
    """Per-group hyperparameters for the target model.

    Args:
        groups: ``(name, base_shape, target_shape[, role[, in_residual_block]])`` tuples, dicts with those keys
            (and optionally ``delta``), or a DataFrame. Shapes are PyTorch's, ``(fan_out, fan_in)`` for a matrix. An
            axis scales with width when its base and target (or delta) sizes differ, as in ``mup``. Roles: inferred
            (default), input/embedding, hidden, readout (must be named), bias, norm.
        proxy: the proxy's tuned values — ``learning_rate``, ``batch_tokens``, ``tokens`` and optionally
            ``weight_decay``, ``init_std``, ``beta1``, ``beta2``, ``epsilon``. Without it only multipliers come back.
        target_batch_tokens, target_tokens: the target run (default: the proxy's).
        parametrization: "mup" (Table 8, as mup), "mup_table3", or "standard".
        optimizer: "adam" (any Adam-like) or "sgd".
        weight_decay_rule: "inverse_lr" (mup default), "sqrt_width" (Fan et al. 2025), "fixed", or "independent"
            (η·λ held at the proxy's through every rule, u-μP's default).
        depth: ``(alpha, base_layers, layers)`` for CompleteP (alpha 1) or Depth-μP (alpha 0.5).
        batch_rule: "none", "sqrt" (Adam, Malladi et al. 2022) or "linear" (SGD, Goyal et al. 2017).
        hold_timescale: weight decay holds AdamW's τ = B/(ηλD) of the proxy per group.
        horizon_exponent: learning rates × (D_target/D_proxy)^−exponent.

    Raises:
        ScalingKitError: for unknown names, bad shapes (sizes ≤ 0, shrinking, more than two width-scaled axes).
    """
    rows = _group_rows(groups)
    arr, keep = _c_groups(rows)
    options = _options(parametrization, optimizer, weight_decay_rule, batch_rule, depth, hold_timescale,
                       horizon_exponent)
    out = ffi.new("sk_group_hparams[]", len(rows))
    out[0].struct_size = ffi.sizeof("sk_group_hparams")
    info = ffi.new("sk_transfer_info *")
    info.struct_size = ffi.sizeof("sk_transfer_info")
    if proxy is None:
        check(lib.sk_transfer_rules(arr, len(rows), options, out))
    else:
        p = ffi.new("sk_proxy_hparams *")
        p.struct_size = ffi.sizeof("sk_proxy_hparams")
        values = dict(weight_decay=0.0, init_std=0.02, beta1=0.9, beta2=0.95, epsilon=1e-8)
        values.update(proxy)
        for key in ("learning_rate", "batch_tokens", "tokens"):
            if key not in values:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"proxy lacks '{key}'")
        for key, v in values.items():
            if not hasattr(p, key):
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"unknown proxy field {key!r}")
            setattr(p, key, as_number("v", v))
        # None means "the proxy's"; 0 is a value (and an error), not a default.
        batch = values["batch_tokens"] if target_batch_tokens is None else target_batch_tokens
        tokens = values["tokens"] if target_tokens is None else target_tokens
        check(lib.sk_transfer(arr, len(rows), p, as_finite("target_batch_tokens", batch),
                              as_finite("target_tokens", tokens), options, out, info))
    result = []
    for i, r in enumerate(rows):
        o = out[i]
        result.append(GroupHyperparameters(
            name=str(r["name"]), role=label(Role(o.role)), scaled_axes=o.scaled_axes, width_mult=o.width_mult,
            fan_in_mult=o.fan_in_mult, fan_out_mult=o.fan_out_mult, init_std_mult=o.init_std_mult,
            forward_mult=o.forward_mult, lr_mult=o.lr_mult, wd_mult=o.wd_mult, eps_mult=o.eps_mult,
            learning_rate=o.learning_rate, weight_decay=o.weight_decay, init_std=o.init_std, epsilon=o.epsilon))
    if proxy is None:
        return TransferResult(groups=tuple(result))
    notes = tuple(ffi.string(lib.sk_transfer_note_string(1 << k)).decode()
                  for k in range(32) if info.notes & (1 << k) and lib.sk_transfer_note_string(1 << k) != ffi.NULL)
    for note in notes:
        warn(note, TransferWarning)
    return TransferResult(groups=tuple(result), residual_mult=info.residual_mult, beta1=info.beta1, beta2=info.beta2,
                          lr_scale=info.lr_scale, notes=notes)


def umup_lr_scale(mup_type: str, shape: Sequence[int], depth: int = 0, optimizer: str = "adam") -> float:
    """u-μP's learning-rate scale of a parameter as ``unit-scaling`` 0.3.5 computes it (Blake et al. 2024)."""
    dims = _shape(shape)
    out = ffi.new("double *")
    check(lib.sk_transfer_umup_lr_scale(parse("u-μP type", mup_type, UmupType), ffi.new("int64_t[]", dims),
                                        len(dims), as_size("depth", depth), parse("optimizer", optimizer, Optimizer), out))
    return out[0]


def umup_weight_decay(weight_decay: float, group_lr: float) -> float:
    """u-μP's independent weight decay: the optimizer ``weight_decay`` of a group whose learning rate is
    ``group_lr``, λ / group_lr, so that AdamW decays by λ a step at that rate (``unit-scaling`` 0.3.5)."""
    out = ffi.new("double *")
    check(lib.sk_transfer_umup_weight_decay(as_number("weight_decay", weight_decay), as_number("group_lr", group_lr), out))
    return out[0]


def umup_residual_tau(index: int, layers: int, residual_mult: float = 1.0, attn_ratio: float = 1.0) -> float:
    """u-μP's residual τ of layer ``index`` in a stack of ``layers`` residual layers (App. G; unit-scaling 0.3.5)."""
    out = ffi.new("double *")
    i, n = as_size("index", index), as_size("layers", layers)
    if n < 1:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"index {index} must be in 0 ..< layers ({layers})")
    check(lib.sk_transfer_umup_residual_tau(i, n, as_number("residual_mult", residual_mult),
                                            as_number("attn_ratio", attn_ratio), out))
    return out[0]


def attention_scale(head_dim: int, base_head_dim: int, parametrization: str = "mup") -> float:
    """The factor on attention logits: 1/√d (SP) or √d_base/d (μP, TP5's 1/d, equal to SP at the base)."""
    out = ffi.new("double *")
    d, base = as_size("head_dim", head_dim), as_size("base_head_dim", base_head_dim)
    if d < 1 or base < 1:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"head dimensions must be >= 1 (got {head_dim}, {base_head_dim})")
    check(lib.sk_transfer_attention_scale(d, base,
                                          parse("parametrization", parametrization, Parametrization), out))
    return out[0]


@dataclass(frozen=True)
class HyperparameterPrediction(Result):
    learning_rate: float
    batch_tokens: float


def hp_law(name: str, *, N: Optional[float] = None, D: Optional[float] = None,
           C: Optional[float] = None) -> HyperparameterPrediction:
    """A published hyperparameter law: "deepseek" (at compute ``C`` = M·D FLOPs) or "step_law" (at ``N``
    non-embedding parameters and ``D`` tokens). Batch sizes are in tokens."""
    lr, batch = ffi.new("double *"), ffi.new("double *")
    nan = math.nan
    check(lib.sk_hp_law(as_text("name", name), nan if N is None else as_number("N", N),
                        nan if D is None else as_number("D", D), nan if C is None else as_number("C", C), lr, batch))
    return HyperparameterPrediction(lr[0], batch[0])


@dataclass(frozen=True)
class AdamHyperparameters(Result):
    learning_rate: float
    beta1: float
    beta2: float
    epsilon: float


def adam_sqrt_rule(kappa: float, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999,
                   epsilon: float = 1e-8) -> AdamHyperparameters:
    """Adam's square-root scaling rule for κ× the batch (Malladi et al. 2022)."""
    vals = ffi.new("double[4]", [as_number(k, v) for k, v in (("learning_rate", learning_rate), ("beta1", beta1),
                                                                ("beta2", beta2), ("epsilon", epsilon))])
    out = ffi.new("double[4]")
    check(lib.sk_transfer_adam_sqrt(as_number("kappa", kappa), vals, out))
    return AdamHyperparameters(*out)


def optimal_learning_rate(batch: float, noise_scale: float, peak: float, optimizer: str = "adam") -> float:
    """The optimal learning rate at a batch size: Adam's surge curve (Li et al. 2024) or SGD's
    η_max/(1 + B_noise/B) (McCandlish et al. 2018)."""
    out = ffi.new("double *")
    check(lib.sk_transfer_optimal_lr(parse("optimizer", optimizer, Optimizer), as_number("batch", batch),
                                  as_number("noise_scale", noise_scale), as_number("peak", peak), out))
    return out[0]


def adamw_timescale(batch: float, learning_rate: float, weight_decay: float, tokens: float) -> float:
    """AdamW's timescale as a fraction of training, τ = B/(η·λ·D) (Wang & Aitchison 2024; Power Lines 2025)."""
    out = ffi.new("double *")
    check(lib.sk_transfer_adamw_timescale(as_number("batch", batch), as_number("learning_rate", learning_rate),
                                 as_number("weight_decay", weight_decay), as_number("tokens", tokens), out))
    return out[0]
