"""PyTorch integration: μP (and u-μP, CompleteP) optimizer groups and initialisation computed by the core, and
gradient-noise-scale hooks for live training loops — DistributedDataParallel on ``torch.distributed`` and
single-process gradient accumulation.

Optional: ``pip install ./bindings/python[torch]``. The rest of ``scalingkit`` never imports torch.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
from torch import nn

from ._errors import ScalingKitError, warn
from ._arrays import as_number, as_size
from ._ffi import lib
from .batchsize import GradientNoiseScale, NoiseScaleReading
from .transfer import transfer, umup_lr_scale, umup_weight_decay

Shapes = Mapping[str, Sequence[int]]


def _unwrap(model: Any) -> Any:
    """The module whose parameter names a user writes: under ``torch.compile`` (``_orig_mod``) and
    DistributedDataParallel (``module``) wrappers, which prefix every name."""
    while True:
        if hasattr(model, "_orig_mod") and isinstance(model._orig_mod, nn.Module):
            model = model._orig_mod
        elif isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module
        else:
            return model


def _shapes(source: Union[nn.Module, Shapes]) -> Dict[str, Tuple[int, ...]]:
    if isinstance(source, nn.Module):
        source = _unwrap(source)
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
    and the names given (a parameter's or a module's). A given name that matches nothing is an error (a misspelt
    readout would silently get hidden-layer rules)."""
    names = set()
    owners = _owners(model)
    given = set(readout or ())
    modules = dict(model.named_modules())
    unknown = sorted(n for n in given if n not in owners and n not in modules)
    if unknown:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"readout {unknown} matches no module or parameter of the model")
    for name, module in owners.items():
        mname, _, attr = name.rpartition(".")
        if attr == "weight" and (type(module).__name__.endswith("Readout") or mname in given):
            names.add(name)
        if name in given:
            names.add(name)
    return names


def _tied_readouts(model: nn.Module, readout: Optional[Iterable[str]]) -> Dict[str, str]:
    """Readout modules whose weight is another parameter (tied input/output embeddings, as nanoGPT and GPT-2 do):
    module name → the name under which ``named_parameters()`` lists the shared weight (found by identity)."""
    by_id = {id(p): n for n, p in model.named_parameters()}
    owners = _owners(model)
    out = {}
    for mname, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if not isinstance(weight, torch.nn.Parameter):
            continue
        listed = by_id.get(id(weight))
        named = (mname + "." if mname else "") + "weight"
        is_readout = type(module).__name__.endswith("Readout") or mname in set(readout or ())
        if is_readout and listed is not None and listed != named and owners.get(listed) is not module:
            out[mname] = listed
    return out


def _optimizer_family(optimizer: str) -> str:
    """μP's rules are known for Adam-like and SGD-like optimizers; another name is refused rather than guessed."""
    name = str(optimizer).lower()
    if name in ("adam", "adamw"):
        return "adam"
    if name == "sgd":
        return "sgd"
    raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                          f"unknown optimizer {optimizer!r}: μP's rules are known for 'adam'/'adamw' and 'sgd'; pass "
                          "'adam' explicitly for another Adam-like optimizer if its updates are scale-invariant")


def _fixed_axes(model: nn.Module, readouts: set, base: Dict[str, Tuple[int, ...]], params: Mapping[str, Any],
                delta: Optional[Dict[str, Tuple[int, ...]]]) -> None:
    """Vocabulary and sequence axes are not width: axis 0 of an ``nn.Embedding`` (tokens or positions) and of a
    readout weight (the classes) keep the target's size in the base and delta, whatever the proxy used."""
    owners = _owners(model)
    for name, p in params.items():
        if name in readouts or (isinstance(owners.get(name), nn.Embedding) and name.endswith("weight")):
            for shapes in (base, delta):
                if shapes is not None and name in shapes and len(shapes[name]) == p.dim():
                    shapes[name] = (p.shape[0],) + tuple(shapes[name][1:])


def _in_block(predicate: Union[None, str, Callable[[str], bool]]) -> Callable[[str], bool]:
    if predicate is None:
        return lambda name: False
    if isinstance(predicate, str):
        return lambda name: predicate in name
    return predicate


def _rules(model: nn.Module, base: Union[nn.Module, Shapes], delta: Union[None, nn.Module, Shapes],
           parametrization: str, optimizer: str, weight_decay_rule: str, readout: Optional[Iterable[str]],
           depth: Optional[Tuple[float, int, int]], blocks: Union[None, str, Callable[[str], bool]]):
    model = _unwrap(model)
    base_shapes = _shapes(base)
    delta_shapes = _shapes(delta) if delta is not None else None
    readouts = _readouts(model, readout)
    in_block = _in_block(blocks)
    params = dict(model.named_parameters())
    missing = [n for n in params if n not in base_shapes]
    if missing:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"the base lacks parameter(s) {missing[:5]}: base and target need the same parameter names")
    if isinstance(blocks, str) and not any(in_block(n) for n in params):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"blocks {blocks!r} matches no parameter name")
    _fixed_axes(model, readouts, base_shapes, params, delta_shapes)
    if parametrization != "standard" and delta_shapes is None and all(
            tuple(p.shape) == tuple(base_shapes[n]) for n, p in params.items()):
        warn("scalingkit.torch: the base has the target's shapes, so every μP multiplier is 1; pass the proxy model "
             "(or its shapes) the hyperparameters were tuned at", UserWarning)
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
                 blocks: Union[None, str, Callable[[str], bool]] = None,
                 no_decay: Union[None, str, Callable[[str, Any], bool]] = None, merge: bool = False) -> List[dict]:
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
        no_decay: parameters that get no weight decay: ``"1d"`` for nanoGPT's rule (fewer than 2 dimensions:
            biases, LayerNorm gains), or a predicate ``(name, parameter) -> bool``; default: decay everything, as mup.
        merge: one group per distinct (lr, weight decay, multipliers) instead of one per parameter, with ``names``
            listing its parameters: far fewer groups for ``torch.optim`` to loop over (nanoGPT measured its
            ``AdamW.step`` 18–34 % slower with one group per parameter).
        blocks: which parameters sit inside residual blocks: a substring of their names or a predicate.

    Returns a list of ``{"params": [p], "lr": ..., "weight_decay": ..., "name": n, "lr_mult": ..., "wd_mult": ...}``
    for ``torch.optim`` (optimizers keep the extra keys). A schedule must scale, not overwrite, each group's rate:
    use :func:`set_lr` (or ``g["lr"] = lr * g["lr_mult"]``). Tied weights (one tensor under two modules) appear
    once, under the name ``named_parameters()`` gives, with that module's rule (for tied input/output embeddings,
    mup's MuSharedReadout convention: the embedding's rule; the readout's 1/width forward multiplier is
    :func:`apply_init`'s). Axis 0 of embeddings and readouts (vocabulary, positions, classes) is never width.
    Raises ScalingKitError for an unknown optimizer, a ``readout`` or ``blocks`` name that matches nothing; warns
    when the base has the target's shapes (every multiplier 1).
    """
    fam = _optimizer_family(optimizer)
    model = _unwrap(model)
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
            out.append({"params": [p], "lr": group_lr, "weight_decay": umup_weight_decay(weight_decay, group_lr),
                        "name": n, "lr_mult": scale, "wd_mult": umup_weight_decay(1.0, group_lr)})
        return _finish(out, model, no_decay, merge)
    kind = {"sp": "standard", "standard": "standard", "mup": "mup", "mup_table3": "mup_table3", "completep": "mup"}
    if parametrization not in kind:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                              f"unknown parametrization {parametrization!r}; known: {', '.join(sorted(kind) + ['umup'])}")
    if parametrization == "completep" and depth is None:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "completep needs depth=(alpha, base_layers, layers) and blocks")
    params, result = _rules(model, base, delta, kind[parametrization], fam, weight_decay_rule, readout,
                            depth if parametrization == "completep" else None, blocks)
    return _finish([{"params": [params[g.name]], "lr": lr * g.lr_mult, "weight_decay": weight_decay * g.wd_mult,
                     "name": g.name, "lr_mult": g.lr_mult, "wd_mult": g.wd_mult} for g in result.groups],
                   model, no_decay, merge)


def _finish(groups: List[dict], model: nn.Module, no_decay: Union[None, str, Callable[[str, Any], bool]],
            merge: bool) -> List[dict]:
    """The no-decay rule, then (optionally) groups merged by equal settings, in first-appearance order."""
    if no_decay is not None:
        if no_decay == "1d":
            rule: Callable[[str, Any], bool] = lambda name, p: p.dim() < 2
        elif callable(no_decay):
            rule = no_decay
        else:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"no_decay must be '1d' or a predicate (got {no_decay!r})")
        for g in groups:
            if rule(g["name"], g["params"][0]):
                g["weight_decay"] = 0.0
                g["wd_mult"] = 0.0
    if not merge:
        return groups
    merged: Dict[Tuple[float, float, float, float], dict] = {}
    for g in groups:
        key = (g["lr"], g["weight_decay"], g["lr_mult"], g["wd_mult"])
        if key in merged:
            merged[key]["params"].append(g["params"][0])
            merged[key]["names"].append(g["name"])
        else:
            merged[key] = dict(g, params=list(g["params"]), names=[g["name"]])
            del merged[key]["name"]
    return list(merged.values())


def set_lr(optimizer: Any, lr: float) -> None:
    """Applies a schedule's learning rate to groups from :func:`param_groups` without erasing μP: every group's
    ``lr`` becomes ``lr * group["lr_mult"]`` (groups without ``lr_mult`` get ``lr``). Use it where a hand-written
    loop would do ``for g in opt.param_groups: g["lr"] = lr``, which sets every group to the base rate."""
    rate = as_number("lr", lr)
    for group in optimizer.param_groups:
        group["lr"] = rate * group.get("lr_mult", 1.0)


@torch.no_grad()
def apply_init(model: nn.Module, base: Union[nn.Module, Shapes], *, delta: Union[None, nn.Module, Shapes] = None,
               readout: Optional[Iterable[str]] = None, output_mult: float = 1.0, init: str = "current") -> List[Any]:
    """Turns a freshly initialised PyTorch model into its μP (Table 8) form without special layer classes:
    rescales every parameter so that its init std follows the core's rule (readout weights and all biases constant
    in width, hidden weights ∝ 1/√fan_in), and installs a forward pre-hook on each readout module multiplying its
    input by ``output_mult``/m (m = width / base width). Returns the hook handles (``.remove()`` undoes the
    multipliers).

    ``init="current"`` (default): the model's own init is the proxy's — what was tuned, e.g. nanoGPT's std 0.02
    everywhere — and is scaled by the rule's multiplier. ``init="pytorch_default"``: the model has PyTorch's
    default ``nn.Linear`` init, which already scales as 1/√fan_in; the result then equals ``mup.set_base_shapes``
    with ``rescale_params=True``. A readout tied to the input embedding keeps the embedding's init (mup's
    MuSharedReadout) and still gets its forward multiplier.

    Attention (√d_base/d instead of 1/√d) and residual multipliers live inside model code: take them from
    ``scalingkit.attention_scale`` and ``scalingkit.transfer(..., depth=...).residual_mult``.
    """
    if init not in ("current", "pytorch_default"):
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"init must be 'current' or 'pytorch_default' (got {init!r})")
    model = _unwrap(model)
    params, result = _rules(model, base, delta, "mup", "adam", "inverse_lr", readout, None, None)
    owners = _owners(model)
    base_shapes = _shapes(base)
    for g in result.groups:
        p, module = params[g.name], owners[g.name]
        attr = g.name.rpartition(".")[2]
        default = 1.0
        if init == "pytorch_default" and isinstance(module, nn.Linear) and attr in ("weight", "bias"):
            # PyTorch's default Linear init: std ∝ 1/√fan_in of the layer (its weight's axis 1).
            weight_name = g.name.rpartition(".")[0] + (".weight" if "." in g.name else "weight")
            fan_base = base_shapes.get(weight_name, (None, module.weight.shape[1]))[1]
            default = math.sqrt(fan_base / module.weight.shape[1])
        factor = g.init_std_mult / default
        if factor != 1.0:
            p.mul_(factor)
    handles = []
    modules = dict(model.named_modules())
    readouts = [(modules[g.name.rpartition(".")[0]], g.forward_mult) for g in result.groups
                if g.role == "readout"]
    for mname, shared in _tied_readouts(model, readout).items():
        # The tied weight is listed under the embedding; its readout multiplier comes from the readout rule on the
        # same shapes, with the vocabulary axis held fixed.
        shape = tuple(params[shared].shape)
        b = (shape[0],) + tuple(base_shapes[shared][1:])
        rule = transfer([dict(name=mname, base=b, target=shape, role="readout")], parametrization="mup")
        readouts.append((modules[mname], rule.groups[0].forward_mult))
    for module, mult in readouts:
        if mult != 1.0:
            scale = output_mult * mult
            handles.append(module.register_forward_pre_hook(lambda m, args, s=scale: (args[0] * s,) + tuple(args[1:])))
    if not readouts:
        warn("scalingkit.torch.apply_init: no readout found (name it with readout=[...]); the output layer keeps "
             "hidden-layer rules and no 1/width forward multiplier", UserWarning)
    return handles


_HALF = (torch.float16, torch.bfloat16)
try:
    from torch._utils import _flatten_dense_tensors as _flatten
except ImportError:                         # pragma: no cover - present since torch 1.x
    def _flatten(tensors):
        return torch.cat([t.reshape(-1) for t in tensors])


def _trainable(model: nn.Module) -> List[nn.Parameter]:
    """The parameters that require a gradient, in ``model.parameters()`` order; an error when there are none."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "the model has no parameter that requires a gradient")
    return params


def _flat(t: torch.Tensor) -> torch.Tensor:
    """A gradient as a vector for dot products: half precisions are widened to float32 first, as a bf16 dot of a
    million terms would lose most of its digits."""
    v = (t.detach() if t.requires_grad else t).reshape(-1)      # a hook's gradient needs no detach (one op less)
    return v.float() if v.dtype in _HALF else v


def _loss_scale(scaler: Any) -> Any:
    """The GradScaler's scale in force now (a tensor: no device sync inside a backward pass), or None. Read in the
    hooks, not at step(), so that a ``scaler.update()`` before ``step()`` cannot put the next step's scale on it."""
    if scaler is None:
        return None
    scale = scaler._get_scale_async() if hasattr(scaler, "_get_scale_async") else None
    return scale.detach().clone() if scale is not None else float(scaler.get_scale())


class _Cadence:
    """Which optimizer steps a noise-scale wrapper measures: the first, then one in every ``every``. The others run
    without its arithmetic (and, for the hooks that can be removed, without its hooks), so the overhead falls about
    ``every``-fold; the estimator's smoothing counts measurements, so an EMA or window then spans ``every`` times as
    many optimizer steps, and the interval is that of fewer measurements. Each optimizer step must end in one call
    of ``step()`` (or ``discard()``), which is how the wrapper counts them."""

    def __init__(self, every: Any):
        if as_size("every", every) < 1:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"'every' must be 1 or more (got {every!r})")
        #: One optimizer step measured in this many.
        self.every = int(every)
        #: Optimizer steps ended so far (by step() or discard()), measured or not.
        self.steps = 0

    @property
    def measuring(self) -> bool:
        """Whether the optimizer step under way is one that is measured."""
        return self.steps % self.every == 0

    def _advance(self) -> None:
        self.steps += 1


class _DataParallelNoiseScale(_Cadence):
    """What the DDP and FSDP2 estimators share: the process-group checks, the loss-scale division, skipped overflow
    steps, the measuring cadence, and the core's data-parallel estimator (B_small = local_batch, B_big = world x
    local_batch)."""

    def __init__(self, local_batch: float, scaler: Any, every: Any, options: Dict[str, Any]):
        _Cadence.__init__(self, every)
        if not dist.is_available() or not dist.is_initialized():
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "torch.distributed is not initialised")
        self.world = dist.get_world_size()
        if self.world < 2:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "data parallelism needs 2 or more ranks")
        self.local_batch = as_number("local_batch", local_batch)
        self.scaler = scaler
        #: Steps skipped because their norms were not finite (loss-scale overflow).
        self.skipped_steps = 0
        #: (mean per-rank, reduced) squared norms fed at the last step.
        self.last_squared_norms: Optional[Tuple[float, float]] = None
        self.estimator = GradientNoiseScale(construction="data_parallel", **options)
        self._scale: Any = None             # the loss scale of this step's backward, noted by the first hook

    def _note_scale(self) -> None:
        if self._scale is None and self.scaler is not None:
            self._scale = _loss_scale(self.scaler)

    def _feed(self, mean_local: float, reduced: float, lr: float, micro_batches: int = 1) -> None:
        scale, self._scale = self._scale, None
        if scale is not None:
            s2 = float(scale) ** 2
            mean_local, reduced = mean_local / s2, reduced / s2
        if not (math.isfinite(mean_local) and math.isfinite(reduced)):
            self.skipped_steps += 1
            return
        self.last_squared_norms = (mean_local, reduced)
        local = self.local_batch * micro_batches
        self.estimator.update(mean_local, reduced, local, local * self.world, lr)

    def read(self) -> NoiseScaleReading:
        return self.estimator.read()


class DDPNoiseScale(_DataParallelNoiseScale):
    """The gradient noise scale of a DistributedDataParallel job, from its own all-reduce.

    Registers a DDP communication hook: each bucket's local gradient (this rank's mean gradient of the step) is
    normed before the all-reduce and the reduced one after it. ``step()`` — once per optimizer step, after
    ``backward`` — averages the local squared norms over the ranks (one scalar all-reduce) and feeds the core's
    data-parallel estimator: B_small = K × local_batch, B_big = world × K × local_batch, where ``local_batch`` is
    this rank's examples per backward pass and K the backward passes of the step, counted by a hook on the largest
    parameter (K > 1: gradient accumulation, with the loss divided by K and every micro-batch but the last under
    ``ddp_model.no_sync()`` or ``require_backward_grad_sync = False``, as nanoGPT does; a step whose gradients DDP
    all-reduced more than once is refused, as its bucket norms are not one gradient's). Every rank holds the same
    estimate. The hook replaces DDP's default all-reduce with the same averaging all-reduce. With ``scaler`` (a
    ``GradScaler``) the scale in force during the backward is divided out of both norms (noted by the hook, so
    ``scaler.update()`` may come before ``step()``). With ``every`` = n > 1 one optimizer step in n is measured; on
    the others the hook is DDP's plain averaging all-reduce and ``step()`` runs no collective (every rank counts
    the same steps).
    """

    def __init__(self, ddp_model: nn.Module, local_batch: float, scaler: Any = None, every: int = 1,
                 **options: Any):
        super().__init__(local_batch, scaler, every, options)
        self._clear()
        largest = max(_trainable(ddp_model), key=lambda p: p.numel())
        self._device = largest.device       # where the step's one collective runs (a GPU under NCCL)
        self._handle = largest.register_hook(self._count)
        ddp_model.register_comm_hook(self, DDPNoiseScale._hook)

    def _count(self, grad: torch.Tensor) -> None:
        self._backwards += 1

    def _clear(self) -> None:
        # Squared norms stay tensors until step(): no device synchronisation inside the backward pass.
        self._local: Any = 0.0
        self._reduced: Any = 0.0
        self._scale = None
        self._backwards = 0                 # backward passes this step
        self._buckets: set = set()          # buckets all-reduced this step
        self._repeated = False              # a bucket all-reduced twice this step

    @staticmethod
    def _hook(state, bucket):  # unannotated: DDP checks a hook's annotations, and this module's are strings
        buf = bucket.buffer()
        if not state.measuring:             # DDP's own averaging all-reduce
            buf.div_(state.world)
            return dist.all_reduce(buf, async_op=True).get_future().then(lambda f: f.value()[0])
        state._note_scale()
        if bucket.index() in state._buckets:
            state._repeated = True
        state._buckets.add(bucket.index())
        local = _flat(buf)
        state._local = state._local + torch.dot(local, local).to(torch.float64)
        buf.div_(state.world)
        fut = dist.all_reduce(buf, async_op=True).get_future()

        def reduced(f: torch.futures.Future) -> torch.Tensor:
            t = f.value()[0]                 # returned as DDP gave it: _flat may widen a bf16 bucket
            v = _flat(t)
            state._reduced = state._reduced + torch.dot(v, v).to(torch.float64)
            return t

        return fut.then(reduced)

    def step(self, lr: float = math.nan) -> None:
        """Feeds this step's norms; call after ``backward`` on every rank (the norms were taken inside the
        all-reduce, so clipping or ``zero_grad`` before this call change nothing). A step whose norms are not
        finite (a loss-scale overflow) is skipped and counted in ``skipped_steps``; the step's sums are cleared
        whatever happens."""
        if not self.measuring:
            self._clear()
            self._advance()
            return
        try:
            # Every rank takes part in the same collective whatever it found, so that an error cannot hang the rest.
            local = torch.as_tensor(self._local, dtype=torch.float64, device=self._device).reshape(1)
            found = torch.cat([local, torch.tensor([self._backwards, self._repeated], dtype=torch.float64,
                                                   device=local.device)])
            dist.all_reduce(found)
            local, backwards, repeated = float(found[0]), int(found[1]), float(found[2])
            if repeated:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      "DDP all-reduced the same gradients more than once this step (gradient "
                                      "accumulation without no_sync): run every micro-batch but the last under "
                                      "ddp_model.no_sync() (or set require_backward_grad_sync = False, as nanoGPT "
                                      "does), or call step() once per backward")
            if backwards == 0 or not self._buckets:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      "no all-reduced gradient this step: call step() once per optimizer step, after "
                                      "the backward pass that synchronises gradients")
            if backwards % self.world:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      f"the ranks ran different numbers of backward passes this step ({backwards} in "
                                      f"all over {self.world} ranks)")
            k = backwards // self.world
            self._feed(local / self.world, float(self._reduced), lr, k)
        finally:
            self._clear()
            self._advance()

    def remove(self) -> None:
        """Removes the counting hook (DDP keeps its communication hook for the model's life)."""
        self._handle.remove()


class FSDPNoiseScale(_DataParallelNoiseScale):
    """The gradient noise scale of an FSDP2 job (``torch.distributed.fsdp.fully_shard``), from FSDP's own traffic.

    The small batch is one rank's: forward pre-hooks put a tensor hook on each parameter while FSDP has it
    unsharded, so the hook sees this rank's full local gradient before the reduce-scatter. The big batch is the
    whole step's: FSDP's all-reduce hook (``FSDPModule.set_all_reduce_hook``) sees each reduce-scatter output — this
    rank's shard of the mean gradient — and the shard-local squared norms are summed across ranks in ``step()``
    (one all-reduce of two scalars). Neither reads ``.grad``, so clipping or ``zero_grad`` before ``step()`` change
    nothing. B_small = local_batch, B_big = world × local_batch; every rank holds the same estimate. One backward
    per optimizer step: a step of several (gradient accumulation, with or without
    ``set_requires_gradient_sync(False)``) is refused, as its micro-batches cannot yet be told apart here; with
    ``scaler`` the scale is divided out. With ``every`` = n > 1 one optimizer step in n is measured; the others
    take no norm and ``step()`` runs no collective (every rank counts the same steps).
    """

    def __init__(self, model: nn.Module, local_batch: float, scaler: Any = None, every: int = 1, **options: Any):
        super().__init__(local_batch, scaler, every, options)
        from torch.distributed.fsdp import FSDPModule
        sharded = [m for m in model.modules() if isinstance(m, FSDPModule)]
        if not sharded:
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  "no module of the model was wrapped by fully_shard (FSDP2); for DDP use DDPNoiseScale")
        self._sharded = len(sharded)
        self._clear()
        for i, m in enumerate(sharded):
            m.set_all_reduce_hook(functools.partial(self._reduced_hook, i))
        self._handles = [m.register_forward_pre_hook(self._pre_forward) for m in model.modules()
                         if any(p.requires_grad for p in m.parameters(recurse=False))]

    def _clear(self) -> None:
        self._local: Any = 0.0
        self._reduced: Any = 0.0
        self._watched: set = set()
        self._taken: set = set()            # parameters whose local gradient was normed this step
        self._reductions = [0] * self._sharded
        self._accumulating = False          # a forward after a backward within one step
        self._local_grads = 0
        self._scale = None

    def _reduced_hook(self, index: int, output: torch.Tensor) -> None:
        if not self.measuring:
            return
        self._reductions[index] += 1
        out = _flat(output)
        self._reduced = self._reduced + torch.dot(out, out).to(torch.float64)

    def _pre_forward(self, module: nn.Module, args: Any) -> None:
        if not (self.measuring and torch.is_grad_enabled()):
            return
        for p in module.parameters(recurse=False):       # unsharded here: FSDP's own pre-forward ran first
            if id(p) in self._taken:        # (a recomputing checkpoint runs before its gradient, not after)
                self._accumulating = True
            if p.requires_grad and id(p) not in self._watched:
                self._watched.add(id(p))
                handle: List[Any] = []
                handle.append(p.register_hook(lambda g, h=handle, key=id(p): self._local_hook(g, h, key)))

    def _local_hook(self, grad: torch.Tensor, handle: List[Any], key: int) -> None:
        self._note_scale()
        g = _flat(grad)
        self._local = self._local + torch.dot(g, g).to(torch.float64)
        self._local_grads += 1
        self._taken.add(key)
        handle[0].remove()

    def step(self, lr: float = math.nan) -> None:
        """Feeds this step's norms; call after ``backward`` on every rank. A step whose norms are not finite is
        skipped and counted in ``skipped_steps``; the step's sums are cleared whatever happens."""
        if not self.measuring:
            self._clear()
            self._advance()
            return
        try:
            several = self._accumulating or max(self._reductions, default=0) > 1
            local = torch.as_tensor(self._local, dtype=torch.float64).reshape(())
            sums = torch.stack([local, torch.as_tensor(self._reduced, dtype=torch.float64).reshape(()),
                                torch.tensor(float(several), dtype=torch.float64, device=local.device)])
            dist.all_reduce(sums)
            if float(sums[2]):
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      "several backward passes this step (gradient accumulation): FSDPNoiseScale "
                                      "reads one backward per optimizer step and cannot yet tell micro-batches apart "
                                      "under FSDP; measure on steps without accumulation")
            if self._local_grads == 0 or float(sums[1]) == 0.0:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      "no gradient was seen this step: call step() once per optimizer step, after "
                                      "backward")
            self._feed(float(sums[0]) / self.world, float(sums[1]), lr)
        finally:
            self._clear()
            self._advance()

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


def _sharded(module: nn.Module) -> bool:
    """Whether FSDP (fully_shard's FSDPModule, or the older FullyShardedDataParallel wrapper) manages ``module``."""
    if not dist.is_available():
        return False
    import torch.distributed.fsdp as fsdp
    kinds = tuple(k for k in (getattr(fsdp, "FSDPModule", None), getattr(fsdp, "FullyShardedDataParallel", None)) if k)
    return bool(kinds) and isinstance(module, kinds)


class AccumulationNoiseScale(_Cadence):
    """The gradient noise scale of single-process gradient accumulation, from tensor hooks alone.

    Each parameter's gradient hook sees every micro-batch's gradient g_k before autograd adds it to ``.grad``, and
    takes ‖g_k‖² (the small batch). The accumulated gradient's squared norm ‖G_K‖² (the big batch) is taken by a
    second hook that runs just after autograd's accumulation (``register_post_accumulate_grad_hook``), where
    ``.grad`` holds G_k and has just been written. It is armed from the gradient expected to be the parameter's
    last of the step (its count in the previous step; the second at the first step) and keeps the latest value, so
    no buffer of the gradient's size is needed: one dot product per parameter and micro-batch, one more at the
    last. Parameters under ``SMALL`` (2¹⁶) elements — biases, gains, small embeddings — would cost a Python call
    each per micro-batch for almost no arithmetic, so their hooks are ``list.append`` (no Python frame) and only
    keep the micro-gradient; at ``step()``, or once ``KEEP`` (2²²) elements are kept, these are summed in four
    batched operations into one buffer of their combined size.
    ``step()`` — once per optimizer step, anywhere after the last micro-batch's ``backward`` — feeds both norms
    to the core; it never reads ``.grad``, so clipping, ``zero_grad``, ``GradScaler.unscale_`` or an optimizer
    step before it cannot change the numbers.

    What it needs of the loop is what training needs too: gradients zeroed before each step's first backward
    (``zero_grad()``, either ``set_to_none``; a step begun on stale gradients is refused: the check looks at the
    parameters of ``SMALL`` elements or more, and at the largest one in any case). A step with fewer micro-batches
    than the one before (an epoch's leftover) ends before its big-batch norm was armed: it is left out, counted in
    ``early_steps`` and warned about once. A parameter used in only some micro-batches (an expert of a
    mixture, a branch) is exact while it gets at least as many gradients as in the step before; a step in which
    one of ``SMALL`` elements or more gets fewer, none at the end, is left out the same way (counted in
    ``partial_steps``, warned once), and that parameter's norm is taken at every micro-batch from then on. One
    process only: a model wrapped in DDP or sharded by FSDP is refused (use :class:`DDPNoiseScale` or
    :class:`FSDPNoiseScale`), and a process group of several ranks is warned about.

    Args:
        model: the module whose parameters are watched.
        micro_batch: examples (or tokens: set ``batch_unit``) per micro-batch.
        loss_divided: the usual ``(loss / steps).backward()``: micro-gradients are rescaled by the number of
            micro-steps so that both norms are of mean gradients. ``False`` for ``loss.backward()`` per micro-batch.
        scaler: a ``torch.amp.GradScaler``: the hooks see gradients of the scaled loss; the scale in force during
            the backward passes is divided out. A step whose gradients are not finite (an fp16 overflow, which the
            scaler skips too) is skipped here and counted in ``skipped_steps``.
        every: measure one optimizer step in this many (the first, then every ``every``-th): the hooks are
            removed for the others, so the overhead falls about ``every``-fold (BENCHMARKS.md), while the
            estimator's smoothing, which counts measurements, spans ``every`` times as many steps. Each optimizer
            step must then end in ``step()`` or ``discard()``, measured or not.
        options: as :class:`scalingkit.GradientNoiseScale` (``smoothing``, ``batch_unit``, ...).
    """

    #: Parameters with fewer elements than this are kept by their hooks and summed in batches (see the class notes).
    SMALL = 1 << 16
    #: Elements of kept small-parameter gradients above which they are summed before ``step()``.
    KEEP = 1 << 22

    def __init__(self, model: nn.Module, micro_batch: float, loss_divided: bool = True, scaler: Any = None,
                 every: int = 1, **options: Any):
        _Cadence.__init__(self, every)
        self.micro_batch = as_number("micro_batch", micro_batch)
        self.loss_divided = loss_divided
        self.scaler = scaler
        self.estimator = GradientNoiseScale(construction="accumulation", **options)
        # One process's gradients: under DDP or FSDP the all-reduce writes .grad while the hooks read it, and the
        # step's batch is every rank's; those estimators use the collective itself.
        if isinstance(model, nn.parallel.DistributedDataParallel):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "the model is wrapped in DistributedDataParallel: use "
                                  "scalingkit.torch.DDPNoiseScale, which reads the norms from DDP's all-reduce")
        if any(_sharded(m) for m in model.modules()):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, "the model is sharded by FSDP: use "
                                  "scalingkit.torch.FSDPNoiseScale, which reads the norms from FSDP's reduce-scatter")
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            warn(f"torch.distributed has {dist.get_world_size()} processes: AccumulationNoiseScale measures this "
                 "process's gradients alone; if they are averaged across processes (DDP, FSDP) use DDPNoiseScale or "
                 "FSDPNoiseScale", UserWarning)
        self.params = _trainable(model)
        if not hasattr(self.params[0], "register_post_accumulate_grad_hook"):
            raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                  f"AccumulationNoiseScale needs torch 2.1 or later (this is {torch.__version__})")
        #: Optimizer steps skipped because their gradients were not finite (loss-scale overflow).
        self.skipped_steps = 0
        #: Steps of a single micro-batch skipped under ``step(skip_short=True)``.
        self.short_steps = 0
        #: Steps left out because they had fewer micro-batches than the step before (see the class notes).
        self.early_steps = 0
        #: Steps left out because a large parameter's gradient came in an early micro-batch but not at or after the
        #: one its big-batch norm is taken from (a branch or expert unused at the end of the step).
        self.partial_steps = 0
        #: (mean micro-batch, accumulated-batch) squared norms of mean gradients fed at the last step.
        self.last_squared_norms: Optional[Tuple[float, float]] = None
        self._expected = 2                  # micro-batches the step before had (a step of fewer is left out)
        self._warned_early = False
        self._warned_partial = False
        self._names = [n for n, p in _unwrap(model).named_parameters() if p.requires_grad]
        largest = max(range(len(self.params)), key=lambda i: self.params[i].numel())
        large = [i for i, p in enumerate(self.params) if p.numel() >= self.SMALL or i == largest]
        hooked = set(large)
        small = [p for i, p in enumerate(self.params) if i not in hooked]
        # The small parameters' running sums: one buffer per device (float64 if any of its parameters is, float32
        # otherwise, as _flat widens), one view per parameter.
        self._kept: List[List[torch.Tensor]] = [[] for _ in small]
        self._sums: List[Any] = [None] * len(small)
        self._buffers: List[torch.Tensor] = []
        for device in dict.fromkeys(p.device for p in small):
            on = [j for j, p in enumerate(small) if p.device == device]
            dtype = torch.float64 if any(small[j].dtype == torch.float64 for j in on) else torch.float32
            buf = torch.zeros(sum(small[j].numel() for j in on), dtype=dtype, device=device)
            self._buffers.append(buf)
            start = 0
            for j in on:
                self._sums[j] = buf[start:start + small[j].numel()]
                start += small[j].numel()
        # Micro-batches kept before a fold inside the backward: about KEEP elements held at most.
        self._depth = max(2, self.KEEP // max(1, sum(p.numel() for p in small)))
        self._large = large
        # The big-batch norm of a large parameter is taken from its armed-th gradient of a step on (its count in the
        # step before; 2 at the first); one found without a gradient at the end of a step is armed at 1 from then on.
        self._armed = [2] * len(self.params)
        self._variable: set = set()
        self._small = small
        self._clear()
        self._handles: List[Any] = []
        self._removed = False
        self._attach()

    def _attach(self) -> None:
        """Registers the hooks (for a measured step)."""
        large, params = self._large, self.params
        self._handles = [params[i].register_hook(functools.partial(self._grad_hook, i)) for i in large]
        self._handles += [params[i].register_post_accumulate_grad_hook(functools.partial(self._accumulated, i))
                          for i in large]
        self._handles += [p.register_hook(kept.append) for p, kept in zip(self._small, self._kept)]

    def _detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def _advance(self) -> None:
        """Ends an optimizer step: the hooks are there during the steps that are measured, and only then."""
        _Cadence._advance(self)
        if self._removed:
            return
        if self.measuring and not self._handles:
            self._attach()
        elif not self.measuring and self._handles:
            self._detach()

    def _clear(self) -> None:
        self._micro = 0                     # micro-batches seen this step (the most gradients any large one got)
        self._count = [0] * len(self.params)    # gradients each large parameter got this step
        self._rounds = 0                    # micro-gradients of every small parameter folded this step
        self._squares: List[Any] = []       # ‖g_k‖², every parameter and micro-batch (0-d tensors: no sync)
        self._latest: Dict[int, Any] = {}   # ‖G_k‖² per large parameter, at its latest micro-batch from the armed one
        self._stale: List[Any] = []         # ‖.grad‖² found at each one's first gradient (0 when zeroed)
        self._stale_at: List[int] = []      # the parameters those belong to
        self._scale: Any = None
        for kept in self._kept:
            kept.clear()
        if self._buffers:
            torch._foreach_zero_(self._buffers)

    def _fold(self, everything: bool = False) -> None:
        """Adds the micro-gradients the small parameters' hooks kept to their sums, and their squared norms to the
        small-batch terms. The rounds every small parameter has (they fire once per backward) are flattened
        micro-batch by micro-batch in one call into C++ (DDP's bucketing helper), so the sum over micro-batches is
        one reduction laid out as the buffer is: four operations whatever the number of parameters or rounds.
        Every torch call from Python inside a training loop costs tens of microseconds on a CPU (BENCHMARKS.md),
        hence this is done at ``step()``, and inside the backward passes only once the kept gradients reach
        ``KEEP`` elements. ``everything`` (at step()) takes the rest one at a time (several devices, a parameter
        the backward did not reach)."""
        kept = self._kept
        rounds = min(map(len, kept)) if kept and len(self._buffers) == 1 else 0
        if rounds:
            flat = _flatten([k[r] for r in range(rounds) for k in kept])
            for k in kept:
                del k[:rounds]
            flat = flat.float() if flat.dtype in _HALF else flat
            self._squares.append(torch.dot(flat, flat))
            self._buffers[0].add_(flat.view(rounds, -1).sum(0))
            self._rounds += rounds
        if everything:
            for s, k in zip(self._sums, kept):
                for g in map(_flat, k):
                    s.add_(g)
                    self._squares.append(torch.dot(g, g))
                k.clear()

    def _grad_hook(self, index: int, grad: torch.Tensor) -> None:
        # A parameter's hook fires once per backward in which it gets a gradient: the first to get its c-th this
        # step opens micro-batch c (one unused in some micro-batches, an expert, counts fewer).
        c = self._count[index] = self._count[index] + 1
        if c > self._micro:
            self._micro = c
            if self._scale is None and self.scaler is not None:
                self._scale = _loss_scale(self.scaler)
            if self._kept and len(self._kept[0]) >= self._depth:
                self._fold()
        g = grad.reshape(-1)
        if g.dtype in _HALF:
            g = g.float()
        self._squares.append(torch.dot(g, g))
        if c == 1:                          # zeroed since the last step: .grad is None or 0
            held = self.params[index].grad
            if held is not None:
                h = _flat(held)
                self._stale.append(torch.dot(h, h))
                self._stale_at.append(index)

    def _accumulated(self, index: int, param: torch.Tensor) -> None:
        # Just after autograd added g_k to .grad: ‖G_k‖², kept from the armed gradient on (the latest wins).
        if self._count[index] >= self._armed[index]:
            g = _flat(param.grad)
            self._latest[index] = torch.dot(g, g)

    def step(self, lr: float = math.nan, *, skip_short: bool = False) -> None:
        """Feeds this optimizer step's norms; call after the last micro-batch's ``backward``. Whatever happens —
        a skipped overflow step, an error — the step's sums are cleared, so the next step starts clean.

        A step of one micro-batch carries no small-versus-big comparison: an error (a loop without accumulation,
        or ``step()`` called twice), unless ``skip_short`` — for trainers whose last accumulation of an epoch may
        hold fewer micro-batches — where it is skipped and counted in ``short_steps``; with ``skip_short`` a step
        shorter than the one before is also left out without the warning (still counted in ``early_steps``)."""
        if not self.measuring:              # no hooks this step (``every``), so nothing to clear: only counted
            self._advance()
            return
        try:
            k = max(self._micro, self._rounds + max(map(len, self._kept), default=0))
            if k == 1 and skip_short:
                self.short_steps += 1
                return
            if k < 2:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      f"{k} micro-batch(es) this step: the estimate needs 2 or more (accumulate "
                                      "gradients), or step() was called twice for one optimizer step")
            if k < self._expected:
                self.early_steps += 1
                self._rearm(k)
                if not (skip_short or self._warned_early):
                    self._warned_early = True
                    warn(f"scalingkit.torch.AccumulationNoiseScale: a step of {k} micro-batches after one of more "
                         "is left out (its big-batch norm is taken at the micro-batch the previous step ended on); "
                         "counted in early_steps", UserWarning)
                return
            missing = [i for i in self._large if self._count[i] and i not in self._latest]
            if missing:
                # Its ‖G‖² is taken just after its own accumulation from its armed gradient on; one that got fewer
                # gradients than that (an expert no token was routed to at the end) would be missing from the big
                # batch's norm, and its .grad may be clipped by now. Armed at 1 from here on: exact again next step.
                self.partial_steps += 1
                if not self._warned_partial:
                    self._warned_partial = True
                    names = ", ".join(f"{self._names[i]} ({self._count[i]} of {k})" for i in missing[:3])
                    warn(f"scalingkit.torch.AccumulationNoiseScale: {names} got gradients in fewer of this step's "
                         "micro-batches than the step before, none at the last: the step is left out (its big-batch "
                         "norm would miss them), counted in partial_steps; from now on their norm is taken at every "
                         "micro-batch", UserWarning)
                self._rearm(k, missing)
                return
            self._fold(everything=True)     # the last micro-batch's small parameters
            big_terms = list(self._latest.values()) + [torch.dot(buf, buf) for buf in self._buffers]
            # One stack and one copy to the host for all three sums: the step's only device synchronisation.
            parts = (self._squares, big_terms, self._stale)
            flat = [x for part in parts for x in part]
            try:
                values = torch.stack(flat).to(torch.float64).tolist()
            except RuntimeError:        # parameters on several devices or of several dtypes: one at a time
                values = [float(x) for x in flat]
            sums, start = [], 0
            for part in parts:
                sums.append(math.fsum(values[start:start + len(part)]))
                start += len(part)
            squares, big, stale = sums
            self._rearm(k)
            if stale != 0.0:            # NaN too: an overflow's inf left in .grad
                found = values[len(values) - len(self._stale):]
                names = ", ".join(self._names[i] for i, v in zip(self._stale_at, found) if v != 0.0)
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT,
                                      f"this step's first backward found gradients left from an earlier step in "
                                      f"{names[:200]}: call optimizer.zero_grad() once per optimizer step, before its "
                                      "micro-batches (it zeroes only the optimizer's own parameters: one that "
                                      "requires a gradient but is in no parameter group needs requires_grad=False "
                                      "or zeroing too)")
            small = squares / k
            if self._scale is not None:
                s2 = float(self._scale) ** 2
                small, big = small / s2, big / s2
            if not (math.isfinite(small) and math.isfinite(big)):
                self.skipped_steps += 1
                return
            if self.loss_divided:
                small *= k * k
            else:
                big /= k * k
            self.last_squared_norms = (small, big)
            self.estimator.update(small, big, self.micro_batch, self.micro_batch * k, lr)
        finally:
            self._clear()
            self._advance()

    def _rearm(self, k: int, variable: Sequence[int] = ()) -> None:
        """The next step is expected to end where this one did: each large parameter armed at its count this step
        (at 1 once it has been found varying)."""
        self._expected = k
        self._variable.update(variable)
        for i in self._large:
            c = self._count[i]
            if c:
                self._armed[i] = 1 if i in self._variable else c

    def discard(self) -> None:
        """Ends this optimizer step without feeding its micro-batches (a step the caller knows to be unreadable)."""
        self._clear()
        self._advance()

    def read(self) -> NoiseScaleReading:
        return self.estimator.read()

    def remove(self) -> None:
        """Removes the hooks for good; the estimate stays readable."""
        self._removed = True
        self._detach()
