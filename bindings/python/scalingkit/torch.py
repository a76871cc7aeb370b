"""PyTorch integration: μP (and u-μP, CompleteP) optimizer groups and initialisation computed by the core, and
gradient-noise-scale hooks for live training loops — DistributedDataParallel on ``torch.distributed`` and
single-process gradient accumulation.

Optional: ``pip install ./bindings/python[torch]``. The rest of ``scalingkit`` never imports torch.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
from torch import nn

from ._errors import ScalingKitError
from ._arrays import as_number, as_size
from ._ffi import lib
from .batchsize import GradientNoiseScale, NoiseScaleReading
from .transfer import transfer, umup_lr_scale

Shapes = Mapping[str, Sequence[int]]


def _shapes(source: Union[nn.Module, Shapes]) -> Dict[str, Tuple[int, ...]]:
    if isinstance(source, nn.Module):
        return {n: tuple(p.shape) for n, p in source.named_parameters()}
    return {n: tuple(s) for n, s in source.items()}


def _owners(model: nn.Module) -> Dict[str, nn.Module]:
    """Parameter name → the module holding it (the first, for shared parameters)."""
    out: Dict[str, nn.Module] = {}
    for mname, module in model.named_modules():
        for pname, _ in module.named_parameters(recurse=False):
            out.setdefault((mname + "." if mname else "") + pname, module)
    return out


def _readouts(model: nn.Module, readout: Optional[Iterable[str]]) -> set:
    """Readout weights: modules whose class name ends in "Readout" (mup's MuReadout, unit-scaling's LinearReadout)
    and the names given (a parameter's or a module's)."""
    names = set()
    owners = _owners(model)
    given = set(readout or ())
    for name, module in owners.items():
        mname, _, attr = name.rpartition(".")
        if attr == "weight" and (type(module).__name__.endswith("Readout") or mname in given):
            names.add(name)
        if name in given:
            names.add(name)
    return names


def _in_block(predicate: Union[None, str, Callable[[str], bool]]) -> Callable[[str], bool]:
    if predicate is None:
        return lambda name: False
    if isinstance(predicate, str):
        return lambda name: predicate in name
    return predicate


def _rules(model: nn.Module, base: Union[nn.Module, Shapes], delta: Union[None, nn.Module, Shapes],
           parametrization: str, optimizer: str, weight_decay_rule: str, readout: Optional[Iterable[str]],
           depth: Optional[Tuple[float, int, int]], blocks: Union[None, str, Callable[[str], bool]]):
    base_shapes = _shapes(base)
    delta_shapes = _shapes(delta) if delta is not None else None
    readouts = _readouts(model, readout)
    in_block = _in_block(blocks)
    params = dict(model.named_parameters())
    missing = [n for n in params if n not in base_shapes]
    if missing:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"the base lacks parameter(s) {missing[:5]}: base and target need the same parameter names")
    groups = [dict(name=n, base=base_shapes[n], target=tuple(p.shape),
                   delta=delta_shapes[n] if delta_shapes is not None else None,
                   role="readout" if n in readouts else None, in_residual_block=in_block(n))
              for n, p in params.items()]
    result = transfer(groups, parametrization=parametrization, optimizer=optimizer,
                      weight_decay_rule=weight_decay_rule, depth=depth)
    return params, result


def param_groups(model: nn.Module, base: Union[nn.Module, Shapes], *, lr: float, weight_decay: float = 0.0,
                 delta: Union[None, nn.Module, Shapes] = None, optimizer: str = "adamw", parametrization: str = "mup",
                 weight_decay_rule: str = "inverse_lr", readout: Optional[Iterable[str]] = None,
                 depth: Optional[Tuple[float, int, int]] = None,
                 blocks: Union[None, str, Callable[[str], bool]] = None) -> List[dict]:
    """Optimizer parameter groups with per-parameter learning rate and weight decay from the core's rules.

    Args:
        model: the target model; base: the proxy model (or its ``name → shape`` dict) at the width the
            hyperparameters ``lr`` and ``weight_decay`` were tuned at; delta: a second proxy width, as in ``mup``
            (an axis scales with width when base and delta differ; default: the target).
        optimizer: "adamw"/"adam" (any Adam-like) or "sgd".
        parametrization: "mup" (Table 8, as mup's MuAdam/MuSGD), "mup_table3", "sp", "completep" (μP plus
            CompleteP depth rules: pass ``depth=(alpha, base_layers, layers)`` and ``blocks``) or "umup"
            (u-μP's absolute scales as unit-scaling computes them: base shapes are not used; ``depth`` is the
            number of residual layers for parameters inside ``blocks``).
        readout: names of readout weights (or modules) beyond those of classes named ``*Readout``.
        blocks: which parameters sit inside residual blocks: a substring of their names or a predicate.

    Returns a list of ``{"params": [p], "lr": ..., "weight_decay": ..., "name": n}`` for ``torch.optim``.
    """
    fam = "sgd" if optimizer.lower() == "sgd" else "adam"
    if parametrization == "umup":
        in_block = _in_block(blocks)
        readouts = _readouts(model, readout)
        owners = _owners(model)
        layers = as_size("depth", depth) if depth is not None else 0
        out = []
        for n, p in model.named_parameters():
            kind = "output" if n in readouts else ("weight" if p.ndim >= 2 else
                                                   "norm" if "norm" in type(owners[n]).__name__.lower() else "bias")
            scale = umup_lr_scale(kind, tuple(p.shape), layers if in_block(n) else 0, fam)
            # u-μP's independent weight decay: the optimizer's weight_decay is λ / (its learning rate).
            group_lr = lr * scale
            out.append({"params": [p], "lr": group_lr, "weight_decay": weight_decay / group_lr if weight_decay else 0.0,
                        "name": n})
        return out
    kind = {"sp": "standard", "standard": "standard", "mup": "mup", "mup_table3": "mup_table3", "completep": "mup"}
    if parametrization not in kind:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"unknown parametrization {parametrization!r}; known: {', '.join(sorted(kind) + ['umup'])}")
    if parametrization == "completep" and depth is None:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "completep needs depth=(alpha, base_layers, layers) and blocks")
    params, result = _rules(model, base, delta, kind[parametrization], fam, weight_decay_rule, readout,
                            depth if parametrization == "completep" else None, blocks)
    return [{"params": [params[g.name]], "lr": lr * g.lr_mult, "weight_decay": weight_decay * g.wd_mult,
             "name": g.name} for g in result.groups]


@torch.no_grad()
def apply_init(model: nn.Module, base: Union[nn.Module, Shapes], *, delta: Union[None, nn.Module, Shapes] = None,
               readout: Optional[Iterable[str]] = None, output_mult: float = 1.0) -> List[Any]:
    """Turns a default-initialised PyTorch model into its μP (Table 8) form, as ``mup.set_base_shapes`` with
    ``rescale_params=True`` does but without special layer classes: rescales every parameter so that its init std
    follows the core's rule (readout weights and all biases constant in width, hidden weights ∝ 1/√fan_in), and
    installs a forward pre-hook on each readout module multiplying its input by ``output_mult``/m. Call once, on a
    freshly initialised model. Returns the hook handles (``.remove()`` undoes the multipliers).

    Attention (√d_base/d instead of 1/√d) and residual multipliers live inside model code: take them from
    ``scalingkit.attention_scale`` and ``scalingkit.transfer(..., depth=...).residual_mult``.
    """
    params, result = _rules(model, base, delta, "mup", "adam", "inverse_lr", readout, None, None)
    owners = _owners(model)
    base_shapes = _shapes(base)
    for g in result.groups:
        p, module = params[g.name], owners[g.name]
        attr = g.name.rpartition(".")[2]
        default = 1.0
        if isinstance(module, nn.Linear) and attr in ("weight", "bias"):
            # PyTorch's default Linear init: std ∝ 1/√fan_in of the layer (its weight's axis 1).
            weight_name = g.name.rpartition(".")[0] + (".weight" if "." in g.name else "weight")
            fan_base = base_shapes.get(weight_name, (None, module.weight.shape[1]))[1]
            default = math.sqrt(fan_base / module.weight.shape[1])
        factor = g.init_std_mult / default
        if factor != 1.0:
            p.mul_(factor)
    handles = []
    modules = dict(model.named_modules())
    for g in result.groups:
        if g.role == "readout" and g.forward_mult != 1.0:
            module = modules[g.name.rpartition(".")[0]]
            scale = output_mult * g.forward_mult
            handles.append(module.register_forward_pre_hook(lambda m, args, s=scale: (args[0] * s,) + tuple(args[1:])))
    return handles


class DDPNoiseScale:
    """The gradient noise scale of a DistributedDataParallel job, from its own all-reduce.

    Registers a DDP communication hook: each bucket's local gradient (this rank's mean over ``local_batch``
    examples) is normed before the all-reduce and the reduced one after it. ``step()`` — once per optimizer step,
    after ``backward`` — averages the local squared norms over the ranks (one scalar all-reduce) and feeds the
    core's data-parallel estimator: B_small = local_batch, B_big = world × local_batch. Every rank holds the same
    estimate. The hook replaces DDP's default all-reduce with the same averaging all-reduce.
    """

    def __init__(self, ddp_model: nn.Module, local_batch: float, **options: Any):
        if not dist.is_available() or not dist.is_initialized():
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "torch.distributed is not initialised")
        self.world = dist.get_world_size()
        if self.world < 2:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "data parallelism needs 2 or more ranks")
        self.local_batch = as_number("local_batch", local_batch)
        self.estimator = GradientNoiseScale(construction="data_parallel", **options)
        # Squared norms stay tensors until step(): no device synchronisation inside the backward pass.
        self._local: Any = 0.0
        self._reduced: Any = 0.0
        ddp_model.register_comm_hook(self, DDPNoiseScale._hook)

    @staticmethod
    def _hook(state, bucket):  # unannotated: DDP checks a hook's annotations, and this module's are strings
        buf = bucket.buffer()
        state._local = state._local + torch.dot(buf.flatten(), buf.flatten()).to(torch.float64)
        buf.div_(state.world)
        fut = dist.all_reduce(buf, async_op=True).get_future()

        def reduced(f: torch.futures.Future) -> torch.Tensor:
            t = f.value()[0]
            state._reduced = state._reduced + torch.dot(t.flatten(), t.flatten()).to(torch.float64)
            return t

        return fut.then(reduced)

    def step(self, lr: float = math.nan) -> None:
        """Feeds this step's norms; call after ``backward`` on every rank."""
        local = torch.as_tensor(self._local, dtype=torch.float64).reshape(1).clone()
        dist.all_reduce(local)
        mean_local = float(local[0]) / self.world
        self.estimator.update(mean_local, float(self._reduced), self.local_batch, self.local_batch * self.world, lr)
        self._local = 0.0
        self._reduced = 0.0

    def read(self) -> NoiseScaleReading:
        return self.estimator.read()


class AccumulationNoiseScale:
    """The gradient noise scale of single-process gradient accumulation, from tensor hooks.

    Each parameter's gradient hook sees the micro-batch's gradient before it is added to ``.grad``: its squared
    norm is summed per micro-step with no copy. ``step()`` — before ``optimizer.zero_grad()`` — takes ``.grad`` as the
    big batch. With ``loss_divided=True`` (the usual ``(loss / steps).backward()``), micro-gradients are rescaled
    by the number of micro-steps so that both norms are of mean gradients.
    """

    def __init__(self, model: nn.Module, micro_batch: float, loss_divided: bool = True, **options: Any):
        self.micro_batch = as_number("micro_batch", micro_batch)
        self.loss_divided = loss_divided
        self.estimator = GradientNoiseScale(construction="accumulation", **options)
        self.params = [p for p in model.parameters() if p.requires_grad]
        self._sums: List[Any] = []
        self._seen: set = set()
        self._handles = [p.register_hook(lambda g, i=i: self._grad_hook(i, g)) for i, p in enumerate(self.params)]

    def _grad_hook(self, index: int, grad: torch.Tensor) -> None:
        # A parameter's hook fires once per backward: seeing it again means a new micro-batch began.
        if not self._sums or index in self._seen:
            self._sums.append(0.0)
            self._seen = set()
        self._seen.add(index)
        self._sums[-1] = self._sums[-1] + torch.dot(grad.flatten(), grad.flatten()).to(torch.float64)  # no sync here

    def step(self, lr: float = math.nan) -> None:
        """Feeds this optimizer step's norms; call after the last micro-batch's ``backward``."""
        k = len(self._sums)
        if k < 2:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"{k} micro-batch(es) this step: the estimate needs 2 or more (accumulate gradients)")
        scale = float(k * k) if self.loss_divided else 1.0
        small = scale * float(sum(self._sums)) / k
        grads = [p.grad for p in self.params if p.grad is not None]
        big = float(sum(torch.dot(g.flatten(), g.flatten()) for g in grads))
        if not self.loss_divided:
            big /= k * k
        self.estimator.update(small, big, self.micro_batch, self.micro_batch * k, lr)
        self._sums = []
        self._seen = set()

    def read(self) -> NoiseScaleReading:
        return self.estimator.read()

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
