"""A nanoGPT-shaped run with μP from a 64-wide proxy, the gradient noise scale streamed from its own loop.

The model and loop are written the way Karpathy's nanoGPT writes them: input and output embeddings tied, every
weight initialised at std 0.02 (residual projections at 0.02/√(2·n_layer)), AdamW with a decay group and a
no-decay group (parameters of fewer than 2 dimensions), a warm-up + cosine schedule that sets the learning rate
every iteration, gradient accumulation over micro-batches, and gradient clipping. What ScalingKit adds is marked
"ScalingKit:". The data are the characters of examples/data/nanogpt_corpus.txt (local text: nothing is downloaded).

    python examples/python/nanogpt_mup.py                    # train the 256-wide model from the 64-wide proxy's
                                                             # hyperparameters, logging B_simple
    python examples/python/nanogpt_mup.py --coord-check      # widths 64-512, μP against SP

The coordinate check (Tensor Programs V, §D.4; mup's coord_check) trains each width for 3 Adam steps at lr 3e-3
and records each layer's output RMS, averaged over 3 seeds; the slope of ln RMS against ln width is ≈ 0 under μP
("stable", |slope| < 0.25: worst 0.15 here, at most 0.20 on three other local texts) and grows under the standard
parametrization (1.47 here, at least 1.52 on the others). At lr 1e-2 (before 0.4.6) two of those texts failed the
check under μP (slopes -0.39 and -0.50): by the third step the 64-wide model's activations grew 6.5x in one step
against 2.6x at width 512, a check of the rate's edge of stability at the smallest width, not of the
parametrization; at 3e-3 all four are flat.
"""
from __future__ import annotations

import argparse
import math
import os
import warnings
from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F

import scalingkit
import scalingkit.torch as skt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_WIDTH = 64          # the proxy whose hyperparameters were tuned
HEAD_DIM = 16            # heads grow with width; μP's attention scale follows the head dimension's base


class CausalSelfAttention(nn.Module):
    def __init__(self, d: int, parametrization: str):
        super().__init__()
        self.heads = d // HEAD_DIM
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        # ScalingKit: 1/√d_head (SP) or √d_base/d_head (μP: TP5's 1/d, equal to SP at the base). Heads of a fixed
        # size make the two equal here; the call is where a model with growing heads gets it right.
        self.scale = scalingkit.attention_scale(HEAD_DIM, HEAD_DIM, "mup" if parametrization == "mup" else "sp")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, HEAD_DIM).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=self.scale)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, d: int, parametrization: str):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, parametrization)
        self.mlp = nn.Sequential()
        self.mlp.c_fc, self.mlp.gelu, self.mlp.c_proj = nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab: int, width: int, layers: int = 2, block_size: int = 64, parametrization: str = "mup"):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, width), wpe=nn.Embedding(block_size, width),
            h=nn.ModuleList([Block(width, parametrization) for _ in range(layers)]), ln_f=nn.LayerNorm(width)))
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight                 # weight tying, as nanoGPT
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * layers))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor = None):
        t = self.transformer
        x = t.wte(idx) + t.wpe(torch.arange(idx.shape[1], device=idx.device))
        for block in t.h:
            x = block(x)
        logits = self.lm_head(t.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def corpus() -> torch.Tensor:
    """A frozen text's characters as token ids (a character-level vocabulary, as nanoGPT's shakespeare_char):
    examples/data/nanogpt_corpus.txt, so that editing the README does not move the results."""
    with open(os.path.join(ROOT, "examples", "data", "nanogpt_corpus.txt"), encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    return torch.tensor([chars.index(c) for c in text], dtype=torch.long), len(chars)


def get_batch(data: torch.Tensor, batch: int, block_size: int, generator: torch.Generator):
    ix = torch.randint(len(data) - block_size - 1, (batch,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    return x, torch.stack([data[i + 1:i + 1 + block_size] for i in ix])


def make(vocab: int, width: int, parametrization: str, lr: float, weight_decay: float = 0.1, seed: int = 0):
    """The model at `width` and its AdamW, with μP relative to the 64-wide proxy (or SP)."""
    torch.manual_seed(seed)
    model = GPT(vocab, width, parametrization=parametrization)
    base = GPT(vocab, BASE_WIDTH, parametrization=parametrization)       # only its shapes are read
    with warnings.catch_warnings():
        if width == BASE_WIDTH:                          # the proxy itself: every multiplier 1, as warned
            warnings.filterwarnings("ignore", message="scalingkit.torch: the base has the target's shapes")
        if parametrization == "mup":
            # ScalingKit: the init relative to the model's own std-0.02 init (what the proxy was tuned with) and
            # the readout's 1/width forward multiplier; the tied lm_head is found by identity.
            skt.apply_init(model, base, readout=["lm_head"], init="current")
        # ScalingKit: per-parameter lr and weight decay, nanoGPT's no-decay rule, merged into few groups.
        groups = skt.param_groups(model, base, lr=lr, weight_decay=weight_decay, readout=["lm_head"],
                                  no_decay="1d", merge=True, parametrization=parametrization)
    return model, torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


def lr_at(it: int, lr: float, warmup: int, iters: int, min_lr_ratio: float = 0.1) -> float:
    """nanoGPT's get_lr: linear warm-up, then cosine decay to lr·min_lr_ratio."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    ratio = min(1.0, (it - warmup) / max(1, iters - warmup))
    return lr * (min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * ratio)))


def train(width: int = 256, iters: int = 60, lr: float = 6e-3, micro_batch: int = 8, accumulation: int = 4,
          block_size: int = 64, parametrization: str = "mup", log_every: int = 10, seed: int = 0) -> Dict[str, float]:
    data, vocab = corpus()
    model, optimizer = make(vocab, width, parametrization, lr, seed=seed)
    # ScalingKit: the noise scale from tensor hooks; step() may sit anywhere after the last backward.
    gns = skt.AccumulationNoiseScale(model, micro_batch=micro_batch * block_size, batch_unit="tokens")
    g = torch.Generator().manual_seed(seed)
    for it in range(iters):
        rate = lr_at(it, lr, warmup=iters // 10, iters=iters)
        skt.set_lr(optimizer, rate)              # ScalingKit: not `g["lr"] = rate`, which would erase μP
        for _ in range(accumulation):
            x, y = get_batch(data, micro_batch, block_size, g)
            _, loss = model(x, y)
            (loss / accumulation).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        gns.step(lr=rate)
        if (it + 1) % log_every == 0:
            r = gns.read()
            b = f"{r.b_simple:9.0f} tokens in [{r.interval.lower:.0f}, {r.interval.upper:.0f}]" if r.valid else "(not yet valid)"
            print(f"iter {it + 1:4d}  loss {loss.item():.4f}  lr {rate:.2e}  B_simple {b}")
    r = gns.read()
    return {"loss": loss.item(), "b_simple": r.b_simple if r.valid else math.nan}


def coordinates(widths: List[int], parametrization: str, steps: int = 3, lr: float = 3e-3, seeds: int = 3,
                batch: int = 16):
    """Output RMS of the embedding, every block and the logits after each of `steps` Adam steps, per width (TP5
    §D.4). The initial forward pass is left out: under μP the logits at init shrink as 1/√width by design (TP5
    Table 3's output init; measured here: slope -0.32 at step 0, then 0.31, 0.35, 0.27, 0.31 after one step at
    widths 64-512), and what μP promises, and SP breaks, is Θ(1) coordinates once training moves them."""
    data, vocab = corpus()
    mean: Dict[tuple, float] = {}                       # (layer, width, step) -> RMS averaged over the seeds
    for width in widths:
        for seed in range(seeds):                       # as mup's coord_check(nseeds=...): less sampling noise
            model, optimizer = make(vocab, width, parametrization, lr, weight_decay=0.0, seed=seed)
            record: Dict[str, float] = {}
            hooks = [m.register_forward_hook(lambda m, a, out, n=n: record.__setitem__(
                n, (out[0] if isinstance(out, tuple) else out).detach().pow(2).mean().sqrt().item()))
                for n, m in model.named_modules() if n.startswith("transformer.h.") and n.count(".") == 2
                or n in ("transformer.wte", "lm_head")]
            g = torch.Generator().manual_seed(seed)
            for step in range(steps + 1):
                x, y = get_batch(data, batch, 64, g)
                _, loss = model(x, y)
                for name, value in record.items():
                    if step > 0:
                        mean[name, width, step] = mean.get((name, width, step), 0.0) + value / seeds
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            for h in hooks:
                h.remove()
    keys = list(mean)
    return scalingkit.coord_check([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
                                  [mean[k] for k in keys], threshold=0.25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coord-check", action="store_true", help="widths 64-512 under μP and SP instead of training")
    ap.add_argument("--widths", default="64,128,256,512")
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--iters", type=int, default=60)
    args = ap.parse_args()
    if args.coord_check:
        widths = [int(w) for w in args.widths.split(",")]
        for p in ("mup", "sp"):
            layers = coordinates(widths, p)
            grows = [c.layer for c in layers if c.verdict != "stable"]
            print(f"{p:4s}: {len(layers) - len(grows)} of {len(layers)} layers stable over widths {widths}; "
                  f"worst slope {max(abs(c.worst_slope) for c in layers):.2f}"
                  + (f"; not stable: {', '.join(grows)}" if grows else ""))
    else:
        out = train(width=args.width, iters=args.iters)
        print(f"final loss {out['loss']:.4f}, B_simple {out['b_simple']:.0f} tokens")


if __name__ == "__main__":
    main()
