"""Generates the hyperparameter-transfer reference vectors from the peer packages themselves.

Run with a Python that has torch (a CPU build is enough), then `pip install --no-deps mup==1.0.0 unit-scaling==0.3.5`
plus pyyaml, numpy, einops, docstring-parser, tabulate and pygments:

    python Tests/data/transfer/gen_transfer_vectors.py Tests/data/transfer

It writes mup_vectors.csv and umup_vectors.csv. The tests read those files and need no torch.

mup_vectors.csv, one row per parameter of four model families (base width 64, delta 128, targets 64, 256, 1024):
  the base, delta and target shapes; mup's ninf, width_mult (last infinite axis), fan-in and fan-out multipliers;
  the learning-rate and weight-decay multipliers of the parameter's group in MuAdam and MuSGD (built with lr = 1
  and weight_decay = 1, so a group's values are the multipliers); MuReadout's forward multiplier
  (output_mult / width_mult) for readout weights; `rescale`, the factor set_base_shapes(rescale_params=True)
  applied to the parameter (measured: after / before on the same tensor); and init_std_ratio, the standard
  deviation of the parameter's default PyTorch init at the target width over that at the base width (nn.Linear
  weight and bias: 1/sqrt(fan_in) up to a constant; nn.Embedding: 1; norm gains, explicit Parameters: 1), times
  `rescale`.
umup_vectors.csv, one row per parameter of unit_scaling.TransformerDecoder at widths 64, 256, 1024 and depths 2,
  8: mup_type, mup_scaling_depth, the Adam and SGD (readout_constraint "to_output_scale") learning-rate scales,
  and the weight decay a group gets from scaled_parameters(lr=1e-2, weight_decay=0.1) (independent weight decay).
umup_residual.csv: unit_scaling.core.functional.transformer_residual_scaling_rule(residual_mult, residual_attn_ratio)
  evaluated at every index of stacks of 2, 4 and 16 residual layers (u-μP App. G).
"""
import csv
import os
import sys

import torch
import torch.nn as nn

import mup
from mup import MuReadout, MuSharedReadout, set_base_shapes

BASE, DELTA, TARGETS = 64, 128, (64, 256, 1024)


class MLP(nn.Module):
    def __init__(self, w, nonuniform=False):
        super().__init__()
        h2 = w * w // 64 if nonuniform else w
        self.fc1 = nn.Linear(32, w)
        self.fc2 = nn.Linear(w, h2)
        self.fc3 = nn.Linear(h2, w)
        self.readout = MuReadout(w, 10)


class Block(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.ln1 = nn.LayerNorm(w)
        self.qkv = nn.Linear(w, 3 * w)
        self.proj = nn.Linear(w, w)
        self.ln2 = nn.LayerNorm(w)
        self.fc = nn.Linear(w, 4 * w)
        self.out = nn.Linear(4 * w, w)


class Transformer(nn.Module):
    def __init__(self, w, tied):
        super().__init__()
        self.embed = nn.Embedding(100, w)
        self.pos = nn.Parameter(torch.randn(16, w))
        self.blocks = nn.ModuleList([Block(w) for _ in range(2)])
        self.ln_f = nn.LayerNorm(w)
        self.readout = MuSharedReadout(self.embed.weight) if tied else MuReadout(w, 100)


FAMILIES = {
    "mlp": lambda w: MLP(w),
    "mlp_nonuniform": lambda w: MLP(w, nonuniform=True),
    "transformer_untied": lambda w: Transformer(w, tied=False),
    "transformer_tied": lambda w: Transformer(w, tied=True),
}


def owners(model):
    """name -> (module class name, attribute) for every parameter."""
    out = {}
    for mname, module in model.named_modules():
        for pname, _ in module.named_parameters(recurse=False):
            out[(mname + "." if mname else "") + pname] = (type(module).__name__, pname)
    return out


def default_std(model, name, shape):
    cls, attr = owners(model)[name]
    if cls in ("Linear", "MuReadout") and attr in ("weight", "bias"):
        fan_in = model.get_submodule(name.rsplit(".", 1)[0]).in_features
        return fan_in ** -0.5
    return 1.0


def shape_text(shape):
    return "x".join(str(d) for d in shape)


def mup_rows():
    rows = []
    for family, make in FAMILIES.items():
        base, delta = make(BASE), make(DELTA)
        base_shapes = {n: p.shape for n, p in base.named_parameters()}
        delta_shapes = {n: p.shape for n, p in delta.named_parameters()}
        for w in TARGETS:
            torch.manual_seed(0)
            model = make(w)
            before = {n: p.detach().clone() for n, p in model.named_parameters()}
            set_base_shapes(model, base, delta=delta)
            adam = mup.MuAdam(model.parameters(), lr=1.0, weight_decay=1.0)
            sgd = mup.MuSGD(model.parameters(), lr=1.0, weight_decay=1.0)

            def group_of(opt, p):
                for g in opt.param_groups:
                    if any(q is p for q in g["params"]):
                        return g["lr"], g["weight_decay"]
                raise KeyError

            for name, p in model.named_parameters():
                s = p.infshape
                cls, attr = owners(model)[name]
                b = before[name]
                nz = b.abs() > 1e-3
                rescale = (p.detach()[nz] / b[nz]).mean().item() if nz.any() else 1.0
                forward = 1.0
                if cls in ("MuReadout", "MuSharedReadout") and attr == "weight":
                    readout = model.get_submodule(name.rsplit(".", 1)[0])
                    forward = readout.output_mult / readout.width_mult()
                ratio = default_std(model, name, p.shape) / default_std(base, name, base_shapes[name]) * rescale
                adam_lr, adam_wd = group_of(adam, p)
                sgd_lr, sgd_wd = group_of(sgd, p)
                fanin = s[1].width_mult() if len(s) > 1 else 1.0
                fanout = s[0].width_mult()
                rows.append(dict(family=family, width=w, name=name, module=cls, base=shape_text(base_shapes[name]),
                                 delta=shape_text(delta_shapes[name]), target=shape_text(p.shape), ninf=s.ninf(),
                                 width_mult=repr(float(s.width_mult())), fanin_mult=repr(float(fanin)),
                                 fanout_mult=repr(float(fanout)), adam_lr=repr(float(adam_lr)),
                                 adam_wd=repr(float(adam_wd)), sgd_lr=repr(float(sgd_lr)), sgd_wd=repr(float(sgd_wd)),
                                 forward_mult=repr(float(forward)), rescale=repr(float(rescale)),
                                 init_std_ratio=repr(float(ratio))))
    return rows


def umup_rows():
    import unit_scaling as uu
    rows = []
    adam_scale = uu.optim.lr_scale_func_adam
    sgd_scale = uu.optim.lr_scale_func_sgd("to_output_scale")
    for depth in (2, 8):
        for w in TARGETS:
            model = uu.TransformerDecoder(hidden_size=w, vocab_size=100, layers=depth, heads=4)
            groups = uu.optim.scaled_parameters(model.parameters(), adam_scale, lr=1e-2, weight_decay=0.1)
            named = list(model.named_parameters())
            for (name, p), g in zip(named, groups):
                assert g["params"][0] is p
                rows.append(dict(depth=depth, width=w, name=name, shape=shape_text(p.shape), mup_type=p.mup_type,
                                 mup_scaling_depth=p.mup_scaling_depth or 0, adam_lr_scale=repr(float(adam_scale(p))),
                                 sgd_lr_scale=repr(float(sgd_scale(p))), group_lr=repr(float(g["lr"])),
                                 group_weight_decay=repr(float(g["weight_decay"]))))
    return rows


def umup_residual_rows():
    from unit_scaling.core.functional import transformer_residual_scaling_rule
    rows = []
    for mult in (1.0, 0.5, 2.0):
        for ratio in (1.0, 0.25, 4.0):
            rule = transformer_residual_scaling_rule(mult, ratio)
            for layers in (2, 4, 16):
                for index in range(layers):
                    rows.append(dict(residual_mult=mult, residual_attn_ratio=ratio, layers=layers, index=index,
                                     tau=repr(float(rule(index, layers)))))
    return rows


def write(path, rows):
    with open(path, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    print(f"{path}: {len(rows)} rows")


if __name__ == "__main__":
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(folder, "mup_vectors.csv"), mup_rows())
    write(os.path.join(folder, "umup_vectors.csv"), umup_rows())
    write(os.path.join(folder, "umup_residual.csv"), umup_residual_rows())
