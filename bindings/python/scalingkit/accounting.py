"""Parameter and FLOP accounting for decoder-only transformers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ._arrays import as_size
from ._errors import ScalingKitError, check
from ._ffi import ffi, lib

_MLP = {"standard": 0, "gated": 1}
_NORM = {"layernorm": 0, "rmsnorm": 1}
_POSITIONAL = {"learned": 0, "rotary": 1, "relative": 2}


@dataclass(frozen=True)
class TransformerCount:
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
    out = ffi.new("sk_transformer_count *")
    out.struct_size = ffi.sizeof("sk_transformer_count")
    check(lib.sk_transformer_count_parameters(shape, out))
    return TransformerCount(total=out.total, non_embedding=out.non_embedding, token_embedding=out.token_embedding,
                            positional_embedding=out.positional_embedding, unembedding=out.unembedding,
                            forward_flops=out.forward_flops, training_flops=out.training_flops,
                            six_n_flops=out.six_n_flops, deepseek_m=out.deepseek_m)
