"""Transfer hyperparameters tuned on a small proxy to a large target, with no torch in sight.

    pip install ./bindings/python pandas
    python examples/python/transfer_from_proxy.py

The proxy: a GPT-2-style model of width 256 and 4 blocks, tuned at lr 6e-3, weight decay 0.1, 0.25M tokens per
step over 2B tokens. The target: width 2048, 16 blocks, 1M tokens per step over 20B tokens. μP carries the
learning rate across width, CompleteP (α = 1) across depth, Adam's square-root rule across batch size, and the
weight decay holds AdamW's timescale B/(η·λ·D). The groups come from a CSV of shapes (examples/data).

Nothing here carries the learning rate across the 10× longer horizon: the transfer says so (a TransferWarning, and
``result.notes``). Fit the exponent from a sweep at two horizons (``fit_hp_sweep``'s ``exponent_D`` is its negative)
and pass ``horizon_exponent``, or tune at the target's horizon.
"""
import os

import pandas as pd

import scalingkit

HERE = os.path.dirname(os.path.abspath(__file__))
groups = pd.read_csv(os.path.join(HERE, "..", "data", "transfer_groups.csv")).rename(columns={"block": "in_residual_block"})

proxy = dict(learning_rate=6e-3, weight_decay=0.1, init_std=0.02, beta1=0.9, beta2=0.95, batch_tokens=2.5e5, tokens=2e9)
result = scalingkit.transfer(groups, proxy=proxy, target_batch_tokens=1e6, target_tokens=2e10,
                             depth=(1.0, 4, 16), batch_rule="sqrt", hold_timescale=True)

columns = ["role", "scaled_axes", "lr_mult", "learning_rate", "weight_decay", "init_std", "forward_mult"]
print(result.to_frame()[columns].to_string(float_format=lambda x: f"{x:.4g}"))
print(f"residual branches x {result.residual_mult:.4g}; Adam betas ({result.beta1:.4g}, {result.beta2:.4g})")
for note in result.notes:
    print("note:", note)

# What the published laws would say for the target, for comparison.
# 12·layers·width² = 8.1e8 non-embedding parameters; DeepSeek counts compute as M·D with M ≈ 6N FLOPs per token.
deepseek = scalingkit.hp_law("deepseek", C=6 * 8.1e8 * 2e10)
step = scalingkit.hp_law("step_law", N=8.1e8, D=2e10)
print(f"DeepSeek LLM: lr {deepseek.learning_rate:.3g}, batch {deepseek.batch_tokens:.3g} tokens")
print(f"Step Law:     lr {step.learning_rate:.3g}, batch {step.batch_tokens:.3g} tokens")

# In a PyTorch script: torch.optim.AdamW(result.optimizer_groups(dict(model.named_parameters())), betas=...)
