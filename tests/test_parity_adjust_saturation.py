"""AdjustSaturation: TFLite kernel vs TF's CPU kernel, bit for bit, NaN and infinities included."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# Every (r, g, b) over in-range, out-of-range and non-finite channel values, ties included.
EDGE_VALUES = [0.0, 0.5, 1.0, -0.25, np.nan, np.inf, -np.inf, 1.5, 1e-30]
EDGE_PIXELS = np.array(list(itertools.product(EDGE_VALUES, repeat=3)), np.float32)[None]
# Same float arithmetic, same order of roundings as TF's kernel: bit-identical, NaNs in place.
EXACT = {"rtol": 0, "atol": 0}
SCALES = [0.0, 0.5, 1.0, 1.7, 3.0, -1.0, 1e30]


def test_adjust_saturation_matches_tf(tf, rng):
    """Several scales over random images (some pixels out of [0, 1]) and over the edge pixels."""
    fn = lambda x, e: [tf.image.adjust_saturation(v, s) for v in (x, e) for s in SCALES]  # noqa: E731
    x = rng.uniform(-0.2, 1.2, (3, 5, 7, 3)).astype(np.float32)
    report = assert_parity(fn, [x, EDGE_PIXELS], **EXACT, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"AdjustSaturation": 2 * len(SCALES)}


@pytest.mark.parametrize(
    "shape", [(1, 1, 3), (2, 4, 5, 3), (2, 1, 2, 3, 3), (0, 4, 3), (2, 0, 5, 3)], ids=str
)
def test_adjust_saturation_shapes(tf, rng, shape):
    x = rng.random(shape).astype(np.float32)
    assert_parity(tf.image.adjust_saturation, [x, np.float32(1.3)], **EXACT, runtimes=RUNTIMES)


def test_adjust_saturation_scale_as_input(tf, rng):
    """The scale as a model input, with NaN and infinite scales (TF clamps a NaN saturation to 0)."""
    x = np.concatenate([rng.random((1, 40, 3)), EDGE_PIXELS], axis=1).astype(np.float32)
    for scale in [0.25, 2.0, np.nan, np.inf, -np.inf]:
        assert_parity(tf.image.adjust_saturation, [x, np.float32(scale)], **EXACT, runtimes=RUNTIMES)


def test_adjust_saturation_other_dtypes_go_through_float32(tf, rng):
    """tf.image.adjust_saturation casts float64 and integer images to float32 around the op."""
    x = rng.random((2, 5, 3))
    assert_parity(lambda v: tf.image.adjust_saturation(v, 0.6), [x], **EXACT, runtimes=RUNTIMES)
    u8 = rng.integers(0, 256, (2, 5, 3)).astype(np.uint8)
    assert_parity(lambda v: tf.image.adjust_saturation(v, 1.6), [u8], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_adjust_saturation_half_is_refused_as_in_tf(tf, rng, runtime):
    """The converter keeps half images in AdjustSaturation, for which TF has no CPU kernel (GPU
    only): TF refuses the node and so does the kernel, empty images included, rather than compute
    a result TF's CPU never gives."""
    x = rng.random((2, 5, 7, 3)).astype(np.float16)
    with pytest.raises(tf.errors.NotFoundError):
        tf.image.adjust_saturation(x, 1.4)
    model = convert_fn(lambda v: tf.image.adjust_saturation(v, 1.4), ((None, 5, 7, 3), tf.float16))
    assert tflite_model.custom_op_counts(model) == {"AdjustSaturation": 1}
    message = r"AdjustSaturation: TF has no CPU kernel for T=half \(only float\)"
    for v in (x, x[:0]):
        with pytest.raises(RuntimeError, match=message):
            run_tflite(model, [v], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_errors_as_in_tf(tf, runtime):
    model = convert_fn(
        lambda x, s: tf.raw_ops.AdjustSaturation(images=x, scale=s),
        ((None, None, None), tf.float32),
        ((None,), tf.float32),
    )
    with pytest.raises(RuntimeError, match=r"AdjustSaturation: input must have 3 channels but instead has 4"):
        run_tflite(model, [np.zeros((1, 2, 4), np.float32), np.zeros(1, np.float32)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must have 3 channels but instead has 4"):
        tf.raw_ops.AdjustSaturation(images=np.zeros((1, 2, 4), np.float32), scale=1.0)
    with pytest.raises(RuntimeError, match=r"AdjustSaturation: scale must be scalar"):
        run_tflite(model, [np.zeros((1, 2, 3), np.float32), np.zeros(1, np.float32)], runtime)
    # TF's shape function rejects rank 2 in a graph; a hand-made node reaches the kernel.
    model = tflite_model.single_custom_op_model(
        "AdjustSaturation",
        [("images", (2, 3), np.float32), ("scale", (), np.float32)],
        [("output", (2, 3), np.float32)],
        options=flexbuffers.Dumps({"T": 0}),
    )
    with pytest.raises(RuntimeError, match=r"AdjustSaturation: input must be at least 3-D"):
        run_tflite(model, [np.zeros((2, 3), np.float32), np.float32(0.1)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must be at least 3-D"):
        tf.raw_ops.AdjustSaturation(images=np.zeros((2, 3), np.float32), scale=0.1)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_both_kernel_paths_give_tf_bits(tf, rng, path, tmp_path):
    """The AVX2 path (8 pixels at a time, where the CPU has it) and the baseline one
    (OPBRIDGE_NO_AVX2=1): TF's bits on the edge pixels in every position of a vector and on random
    pixels, with a tail that is not a whole vector."""
    from conftest import run_tflite_in_process

    edges = EDGE_PIXELS[0]
    shifted = [np.roll(edges, k, axis=0) for k in range(8)]  # each edge pixel in every lane
    x = np.concatenate([*shifted, rng.uniform(-0.2, 1.2, (5003, 3))]).astype(np.float32)[None]
    model = convert_fn(lambda v: tf.image.adjust_saturation(v, 1.7), (x.shape, tf.float32))
    (got,) = run_tflite_in_process(model, [x], tmp_path, baseline=path == "baseline").values()
    want = tf.image.adjust_saturation(x, 1.7).numpy()
    np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))
