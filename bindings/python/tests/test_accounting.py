"""Parameter counts of published architectures and FLOPs per token through the binding."""
import pytest

import scalingkit
from scalingkit import ScalingKitError


def test_published_counts():
    assert scalingkit.count_parameters("gpt2_small").total == 124_439_808
    assert scalingkit.count_parameters("llama2_7b").total == 6_738_415_616
    assert scalingkit.count_parameters("chinchilla_70b").total == pytest.approx(70e9, rel=0.01)


def test_shape_by_hand_matches_preset():
    gpt2 = scalingkit.count_parameters(d_model=768, layers=12, heads=12, vocab=50257, sequence_length=1024,
                                       tied_embeddings=True, biases=True, positional="learned")
    assert gpt2 == scalingkit.count_parameters("gpt2_small")
    assert gpt2.training_flops == 3 * gpt2.forward_flops and gpt2.six_n_flops == 6 * gpt2.non_embedding


@pytest.mark.parametrize("kwargs,needle", [
    (dict(preset="gpt5"), "unknown architecture 'gpt5'"),
    (dict(d_model=100, layers=2, heads=3, vocab=10, sequence_length=8), "not divisible"),
    (dict(d_model=0, layers=2, heads=2, vocab=10, sequence_length=8), "dModel must be > 0"),
    (dict(d_model=64, layers=2, heads=2, vocab=10, sequence_length=8, mlp="moe"), "unknown mlp"),
    (dict(d_model=64, layers=-2, heads=2, vocab=10, sequence_length=8), "non-negative integer"),
])
def test_bad_shapes(kwargs, needle):
    with pytest.raises(ScalingKitError, match=needle):
        scalingkit.count_parameters(**kwargs)


def test_nearest_shapes_to_a_planned_size():
    shapes = scalingkit.nearest_shapes(6_738_415_616, preset="llama2_7b", count=3)
    best, n = shapes[0]
    assert best["d_model"] == 4096 and best["layers"] == 32 and n == 6_738_415_616
    assert scalingkit.count_parameters(**best).total == n
    for shape, params in shapes:
        assert shape["mlp"] == "gated" and 32 <= shape["d_model"] / shape["layers"] <= 256
    gpt = scalingkit.nearest_shapes(3.5e8, d_model=768, layers=12, heads=12, vocab=50257, sequence_length=1024,
                                    tied_embeddings=True, biases=True, positional="learned", count=2)
    assert len(gpt) == 2 and abs(gpt[0][1] / 3.5e8 - 1) < 0.05
    with pytest.raises(ScalingKitError, match="target parameters"):
        scalingkit.nearest_shapes(-1)
