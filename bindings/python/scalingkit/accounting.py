"""Parameter and FLOP accounting for decoder-only transformers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from ._results import Result
from ._arrays import as_number, as_size
from ._errors import ScalingKitError, check
from ._ffi import ffi, lib

_MLP = {"standard": 0, "gated": 1}
_NORM = {"layernorm": 0, "rmsnorm": 1}
_POSITIONAL = {"learned": 0, "rotary": 1, "relative": 2}


@dataclass(frozen=True)
class TransformerCount(Result):
    """Parameters by part and FLOPs per token of one architecture."""

    total: int
    non_embedding: int
    token_embedding: int
    positional_embedding: int
    unembedding: int
    #: per token: 2 per matmul weight, attention 2·layers·context·d_attn, unembedding 2·d·vocab (Kaplan et al. 2020)
    forward_flops: float
    #: 3 × forward
    training_flops: float
    #: 6 × non-embedding parameters (what C = 6ND assumes)
    six_n_flops: float
    #: DeepSeek LLM (2024) eq. 2
    deepseek_m: float


def count_parameters(preset: Optional[str] = None, *, d_model: int = 0, layers: int = 0, heads: int = 0,
                     kv_heads: int = 0, head_dim: int = 0, d_ff: int = 0, vocab: int = 0, sequence_length: int = 0,
                     tied_embeddings: bool = False, mlp: str = "standard", norm: str = "layernorm",
                     biases: bool = False, positional: str = "rotary") -> TransformerCount:
    """Parameters (total and Kaplan's non-embedding) and FLOPs per token of a decoder-only transformer.

    ``preset`` is one of ``"gpt2_small"``, ``"llama2_7b"``, ``"chinchilla_70b"`` (then the other arguments are
    ignored); otherwise give the shape. ``kv_heads``, ``head_dim`` and ``d_ff`` of 0 mean heads, d_model/heads and
    4·d_model. ``mlp`` is ``"standard"`` or ``"gated"`` (SwiGLU), ``norm`` ``"layernorm"`` or ``"rmsnorm"``,
    ``positional`` ``"learned"``, ``"rotary"`` or ``"relative"`` (Transformer-XL, as in Gopher and Chinchilla).
    """
    shape = _shape(preset, d_model=d_model, layers=layers, heads=heads, kv_heads=kv_heads, head_dim=head_dim,
                   d_ff=d_ff, vocab=vocab, sequence_length=sequence_length, tied_embeddings=tied_embeddings, mlp=mlp,
                   norm=norm, biases=biases, positional=positional)
    return _count(shape)


def _count(shape: Any) -> TransformerCount:
    out = ffi.new("sk_transformer_count *")
    out.struct_size = ffi.sizeof("sk_transformer_count")
    check(lib.sk_transformer_count_parameters(shape, out))
    return TransformerCount(total=out.total, non_embedding=out.non_embedding, token_embedding=out.token_embedding,
                            positional_embedding=out.positional_embedding, unembedding=out.unembedding,
                            forward_flops=out.forward_flops, training_flops=out.training_flops,
                            six_n_flops=out.six_n_flops, deepseek_m=out.deepseek_m)


def _shape(preset: Optional[str], *, d_model: int, layers: int, heads: int, kv_heads: int, head_dim: int, d_ff: int,
           vocab: int, sequence_length: int, tied_embeddings: bool, mlp: str, norm: str, biases: bool,
           positional: str) -> Any:
    shape = ffi.new("sk_transformer_shape *")
    shape.struct_size = ffi.sizeof("sk_transformer_shape")
    if preset is not None:
        check(lib.sk_transformer_shape_preset(str(preset).encode(), shape))
    else:
        for name, table, value in (("mlp", _MLP, mlp), ("norm", _NORM, norm), ("positional", _POSITIONAL, positional)):
            if str(value).lower() not in table:
                raise ScalingKitError(lib.SK_ERR_INVALID_ARGUMENT, f"unknown {name} '{value}'; use one of {sorted(table)}")
        shape.d_model, shape.layers, shape.heads = (as_size(n, v) for n, v in
                                                    (("d_model", d_model), ("layers", layers), ("heads", heads)))
        shape.kv_heads, shape.head_dim, shape.d_ff = (as_size(n, v) for n, v in
                                                      (("kv_heads", kv_heads), ("head_dim", head_dim), ("d_ff", d_ff)))
        shape.vocab, shape.sequence_length = as_size("vocab", vocab), as_size("sequence_length", sequence_length)
        shape.tied_embeddings, shape.biases = int(bool(tied_embeddings)), int(bool(biases))
        shape.mlp, shape.norm = _MLP[mlp.lower()], _NORM[norm.lower()]
        shape.positional = _POSITIONAL[positional.lower()]
    return shape


_MLP_NAMES = {v: k for k, v in _MLP.items()}
_NORM_NAMES = {v: k for k, v in _NORM.items()}
_POSITIONAL_NAMES = {v: k for k, v in _POSITIONAL.items()}


def nearest_shapes(target_parameters: float, preset: str = "llama2_7b", count: int = 5,
                   **family: Any) -> List[Tuple[Dict[str, Any], int]]:
    """Shapes of a family (a ``preset``, or the keyword arguments of :func:`count_parameters`) nearest to
    ``target_parameters`` — for example a planner's N_opt — with widths in multiples of 128, the family's head size
    and d_ff ratio, and aspect ratios d_model/layers from 32 to 256. Returns ``(shape, parameters)`` pairs, nearest
    first; ``shape`` is a dict that :func:`count_parameters` accepts."""
    defaults = dict(d_model=0, layers=0, heads=0, kv_heads=0, head_dim=0, d_ff=0, vocab=0, sequence_length=0,
                    tied_embeddings=False, mlp="standard", norm="layernorm", biases=False, positional="rotary")
    defaults.update(family)
    shape = _shape(None if family else preset, **defaults)
    capacity = as_size("count", count, maximum=100_000)
    out = ffi.new("sk_transformer_shape[]", max(capacity, 1))
    out[0].struct_size = ffi.sizeof("sk_transformer_shape")
    params = ffi.new("size_t[]", max(capacity, 1))
    found = ffi.new("size_t *")
    target = as_number("target_parameters", target_parameters)
    check(lib.sk_transformer_nearest(shape, target, out, params, capacity, found))
    result = []
    for i in range(found[0]):
        s = out[i]
        result.append((dict(d_model=s.d_model, layers=s.layers, heads=s.heads, kv_heads=s.kv_heads,
                            head_dim=s.head_dim, d_ff=s.d_ff, vocab=s.vocab, sequence_length=s.sequence_length,
                            tied_embeddings=bool(s.tied_embeddings), mlp=_MLP_NAMES[s.mlp], norm=_NORM_NAMES[s.norm],
                            biases=bool(s.biases), positional=_POSITIONAL_NAMES[s.positional]), params[i]))
    return result
