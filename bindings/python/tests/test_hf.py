"""scalingkit.hf on a tiny GPT2LMHeadModel built from a config (random init, no download) and trained by
transformers' own Trainer on CPU with its gradient accumulation: the noise scale reaches the Trainer's logs (ahead
of the reporting callbacks), its big-batch norm is the accumulated gradient's, clipping cannot change it, and μP
groups keep their multipliers under the Trainer's scheduler."""
import math
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments  # noqa: E402

import scalingkit.hf  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
VOCAB, BLOCK = 64, 32


class Text(torch.utils.data.Dataset):
    """Blocks of the README's bytes folded into a 64-token vocabulary (local text)."""

    def __init__(self, n=96):
        raw = np.frombuffer(open(os.path.join(ROOT, "README.md"), "rb").read(), dtype=np.uint8) % VOCAB
        self.ids = torch.tensor(raw[: n * BLOCK].reshape(n, BLOCK), dtype=torch.long)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def gpt2(width, seed=0):
    torch.manual_seed(seed)
    return GPT2LMHeadModel(GPT2Config(vocab_size=VOCAB, n_positions=BLOCK, n_embd=width, n_layer=2, n_head=2,
                                      bos_token_id=0, eos_token_id=0))


class Recorder(TrainerCallback):
    """Stands where a reporting integration (W&B, TensorBoard) stands: it sees each log after the callbacks before it."""

    def __init__(self):
        self.logs, self.grad_sq = [], []

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.logs.append(dict(logs))

    def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
        self.grad_sq.append(sum(float(p.grad.double().pow(2).sum()) for p in model.parameters() if p.grad is not None))


def arguments(tmp_path, **kw):
    base = dict(output_dir=str(tmp_path), per_device_train_batch_size=4, gradient_accumulation_steps=4, max_steps=6,
                logging_steps=2, learning_rate=1e-3, report_to=[], use_cpu=True, save_strategy="no", seed=0,
                dataloader_num_workers=0, disable_tqdm=True, max_grad_norm=0.0)
    base.update(kw)
    return TrainingArguments(**base)


def train(tmp_path, optimizers=(None, None), examples=96, gns=None, **kw):
    model = gpt2(32)
    recorder = Recorder()
    trainer = Trainer(model=model, args=arguments(tmp_path, **kw), train_dataset=Text(examples), callbacks=[recorder],
                      optimizers=optimizers)
    callback = scalingkit.hf.attach_noise_scale(trainer, **(gns or {}))
    trainer.train()
    return trainer, callback, recorder


def test_noise_scale_streams_into_the_trainers_logs(tmp_path):
    trainer, callback, recorder = train(tmp_path)
    training_logs = [log for log in recorder.logs if "loss" in log]
    assert len(training_logs) == 3 and all("gns/b_simple" in log for log in training_logs)
    assert all("gns/b_simple" in h for h in trainer.state.log_history if "loss" in h)
    last = training_logs[-1]
    r = callback.read()
    assert r.measurements == 6 and r.construction == "accumulation"
    assert last["gns/measurements"] == 6 and (last["gns/valid"] == 1.0) == r.valid
    if r.valid:
        assert last["gns/lower"] <= last["gns/b_simple"] <= last["gns/upper"]
    else:
        assert math.isnan(last["gns/b_simple"])
    # The big-batch norm is the accumulated gradient's (the Trainer divides each micro-batch's loss by 4).
    small, big = callback.noise_scale.last_squared_norms
    # The hooks take float32 gradients' dot products in float32 (no widened copy: BENCHMARKS.md), the recorder sums in
    # float64: ~1e-6 apart over this model's 1e5 weights (1.3e-6 under transformers 5.25's init), so 1e-5.
    assert big == pytest.approx(recorder.grad_sq[-1], rel=1e-5) and small > big


def test_measuring_one_step_in_every(tmp_path):
    """every=4 over 6 steps: steps 0 and 4 measured, every step logged (the reading as it stands)."""
    trainer, callback, recorder = train(tmp_path, gns={"every": 4})
    assert callback.noise_scale.steps == 6 and callback.read().measurements == 2
    assert [log["gns/measurements"] for log in recorder.logs if "loss" in log] == [1.0, 1.0, 2.0]


def test_clipping_does_not_change_the_estimate(tmp_path):
    # One step each, so that both see the same gradients (clipping changes the trajectory after it).
    _, unclipped, _ = train(tmp_path / "a", max_steps=1)
    _, clipped, recorder = train(tmp_path / "b", max_steps=1, max_grad_norm=1e-3)
    assert recorder.grad_sq[-1] <= 1e-6 * 1.0001                    # the Trainer clipped hard ...
    a, b = unclipped.noise_scale.last_squared_norms, clipped.noise_scale.last_squared_norms
    assert b[1] > 1.0 and b == pytest.approx(a, rel=1e-6)          # ... the hooks saw the gradients before it


def test_mup_groups_keep_their_multipliers_under_the_trainers_schedule(tmp_path):
    model, base = gpt2(64), gpt2(32)
    args = arguments(tmp_path, lr_scheduler_type="cosine", warmup_steps=2)
    optimizer = scalingkit.hf.mup_optimizer(model, base, args, readout=["lm_head"])
    trainer = Trainer(model=model, args=args, train_dataset=Text(), optimizers=(optimizer, None))
    scalingkit.hf.attach_noise_scale(trainer)
    trainer.train()
    groups = trainer.optimizer.param_groups
    assert sorted({g["lr_mult"] for g in groups}) == [0.5, 1.0]            # hidden weights x 32/64
    rates = {g["lr"] / g["lr_mult"] for g in groups}
    assert len({round(r, 15) for r in rates}) == 1                        # one schedule, multipliers intact
    assert {g["weight_decay"] for g in groups if g["params"][0].dim() < 2} == {0.0}


def test_without_accumulation_it_says_why(tmp_path):
    with pytest.raises(scalingkit.ScalingKitError, match="gradient_accumulation_steps is 1"):
        train(tmp_path, gradient_accumulation_steps=1)


def test_an_epochs_single_leftover_micro_batch_is_skipped_not_fatal(tmp_path):
    # 100 examples in micro-batches of 4 with 4 accumulation steps: 6 full steps, then one of a single micro-batch.
    trainer, callback, _ = train(tmp_path, examples=100, max_steps=-1, num_train_epochs=1)
    assert trainer.state.global_step == 7
    assert callback.noise_scale.short_steps == 1 and callback.read().measurements == 6


def test_an_epochs_shorter_last_accumulation_is_left_out_quietly(tmp_path):
    # 104 examples: 6 full steps of 4 micro-batches, then one of 2, over two epochs. The short one ends before the
    # big batch's norm is taken (at the 4th micro-batch): left out and counted, no warning; the next epoch's full
    # steps are read again.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        trainer, callback, _ = train(tmp_path, examples=104, max_steps=-1, num_train_epochs=2)
    assert trainer.state.global_step == 14
    assert callback.noise_scale.early_steps == 2 and callback.read().measurements == 12


@pytest.mark.parametrize("checkpointing", [False, True], ids=["plain", "gradient_checkpointing"])
def test_llama_with_gradient_checkpointing(tmp_path, checkpointing):
    # A tiny LlamaForCausalLM (untied embeddings, RMSNorm, grouped-query attention, SwiGLU) under the Trainer's
    # accumulation, with and without gradient_checkpointing=True: the big-batch norm is the accumulated gradient's.
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=BLOCK))
    recorder = Recorder()
    trainer = Trainer(model=model, args=arguments(tmp_path, gradient_checkpointing=checkpointing, max_steps=3),
                      train_dataset=Text(), callbacks=[recorder])
    callback = scalingkit.hf.attach_noise_scale(trainer)
    trainer.train()
    small, big = callback.noise_scale.last_squared_norms
    assert callback.read().measurements == 3
    # The hooks take float32 gradients' dot products in float32 (no widened copy: BENCHMARKS.md), the recorder sums in
    # float64: ~1e-6 apart over this model's 1e5 weights (1.3e-6 under transformers 5.25's init), so 1e-5.
    assert big == pytest.approx(recorder.grad_sq[-1], rel=1e-5) and small > big
