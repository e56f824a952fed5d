"""RGBToHSV, HSVToRGB and AdjustHue: TFLite kernels vs TF's kernels, NaN and infinities included."""

from __future__ import annotations

import itertools

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# Every (r, g, b) over in-range, out-of-range and non-finite channel values,
# ties included: 512 pixels.
EDGE_VALUES = [0.0, 0.5, 1.0, -0.25, np.nan, np.inf, -np.inf, 1.5]
EDGE_PIXELS = np.array(list(itertools.product(EDGE_VALUES, repeat=3)), np.float32)
FLOAT_DTYPES = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16]
# Measured: bit-identical to TF in every dtype (same per-pixel arithmetic,
# and TF's NaN behaviour of max/min), so NaNs must match position for position.
EXACT = {"rtol": 0, "atol": 0}


SHAPES = [(3,), (1, 3), (7, 3), (2, 4, 5, 3), (2, 2, 3, 4, 3), (0, 3), (4, 0, 3)]


@pytest.mark.parametrize("op", ["rgb_to_hsv", "hsv_to_rgb"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_conversions_match_tf(tf, rng, op, dtype):
    """Ranks 1 to 5 and empty batches, in one model."""
    fn = getattr(tf.image, op)
    inputs = [rng.random(shape).astype(dtype) for shape in SHAPES]
    assert_parity(lambda *xs: [fn(x) for x in xs], inputs, **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("op", ["rgb_to_hsv", "hsv_to_rgb"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_edge_values_match_tf(tf, rng, op, dtype):
    """NaN and infinities in every channel position, in batches that fill whole groups of four
    pixels and ones that leave a remainder."""
    fn = getattr(tf.image, op)
    pixels = EDGE_PIXELS.astype(dtype)
    inputs = [pixels[rng.permutation(512)[:n]] for n in (512, 7, 1)]
    assert_parity(lambda *xs: [fn(x) for x in xs], inputs, **EXACT, runtimes=RUNTIMES)


def test_round_trip(tf, rng):
    x = rng.random((4, 6, 3)).astype(np.float32)
    report = assert_parity(
        lambda v: tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(v)), [x], **EXACT, runtimes=RUNTIMES
    )
    assert report.worst() == 0.0


DELTAS = [-1.0, -0.5, -0.01, 0.0, 0.3, 0.99, 1.0, 2.7, -13.4]


def test_adjust_hue_matches_tf(tf, rng):
    """Several deltas over random images (with a remainder of pixels), and over the edge pixels."""
    fn = lambda x, e: [tf.image.adjust_hue(v, d) for v in (x, e) for d in DELTAS]  # noqa: E731
    x = rng.random((3, 5, 7, 3)).astype(np.float32)
    assert_parity(fn, [x, EDGE_PIXELS[None]], **EXACT, runtimes=RUNTIMES)


def test_adjust_hue_delta_as_input(tf, rng):
    x = rng.random((2, 9, 3)).astype(np.float32)
    for delta in [0.25, -0.75, np.nan, 1e3]:
        assert_parity(tf.image.adjust_hue, [x, np.float32(delta)], **EXACT, runtimes=RUNTIMES)


def test_adjust_hue_float64_goes_through_float32(tf, rng):
    """tf.image.adjust_hue casts non-float32 images to float32 around the AdjustHue op."""
    x = rng.random((2, 5, 3)).astype(np.float64)
    assert_parity(lambda v: tf.image.adjust_hue(v, 0.4), [x], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_adjust_hue_half_is_refused_as_in_tf(tf, rng, runtime):
    """The converter keeps half images in AdjustHue, for which TF has no CPU kernel (GPU only): TF
    refuses the node and so does the kernel, empty images included, rather than compute a result
    TF's CPU never gives."""
    x = rng.random((2, 5, 7, 3)).astype(np.float16)
    with pytest.raises(tf.errors.NotFoundError):
        tf.image.adjust_hue(x, 0.3)
    model = convert_fn(lambda v: tf.image.adjust_hue(v, 0.3), ((None, 5, 7, 3), tf.float16))
    assert tflite_model.custom_op_counts(model) == {"AdjustHue": 1}
    for v in (x, x[:0]):
        with pytest.raises(RuntimeError, match=r"AdjustHue: TF has no CPU kernel for T=half \(only float\)"):
            run_tflite(model, [v], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_adjust_hue_infinite_delta(tf, rng, runtime):
    """TF's wrap loop never ends for an infinite delta; here the hue is NaN, which (as TF does for a
    NaN delta) keeps the max and min channel and makes the middle one NaN."""
    x = np.array([[[0.9, 0.2, 0.5], [0.1, 0.1, 0.1]]], np.float32)
    model = convert_fn(tf.image.adjust_hue, (x.shape, tf.float32), ((), tf.float32))
    (got,) = run_tflite(model, [x, np.float32(np.inf)], runtime).values()
    want = tf.image.adjust_hue(x, np.float32(np.nan)).numpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_errors_as_in_tf(tf, runtime):
    for fn, name in [(tf.image.rgb_to_hsv, "RGBToHSV"), (tf.image.hsv_to_rgb, "HSVToRGB")]:
        model = convert_fn(fn, ((None, None), tf.float32))
        with pytest.raises(RuntimeError, match=name + r": input must have 3 channels but input only has 4"):
            run_tflite(model, [np.zeros((2, 4), np.float32)], runtime)
    with pytest.raises(tf.errors.FailedPreconditionError, match="input must have 3 channels"):
        tf.raw_ops.RGBToHSV(images=np.zeros((2, 4), np.float32))
    model = convert_fn(
        lambda x, d: tf.raw_ops.AdjustHue(images=x, delta=d),
        ((None, None, None), tf.float32),
        ((None,), tf.float32),
    )
    with pytest.raises(
        RuntimeError, match=r"AdjustHue: input must have 3 channels but instead has 4 channels"
    ):
        run_tflite(model, [np.zeros((1, 2, 4), np.float32), np.zeros(1, np.float32)], runtime)
    with pytest.raises(RuntimeError, match=r"AdjustHue: delta must be scalar"):
        run_tflite(model, [np.zeros((1, 2, 3), np.float32), np.zeros(1, np.float32)], runtime)
    # TF's shape function already rejects rank 2 in a graph; a hand-made node reaches the kernel.
    model = tflite_model.single_custom_op_model(
        "AdjustHue",
        [("images", (2, 3), np.float32), ("delta", (), np.float32)],
        [("output", (2, 3), np.float32)],
        options=flexbuffers.Dumps({"T": 0}),
    )
    with pytest.raises(RuntimeError, match=r"AdjustHue: input must be at least 3-D"):
        run_tflite(model, [np.zeros((2, 3), np.float32), np.float32(0.1)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must be at least 3-D"):
        tf.raw_ops.AdjustHue(images=np.zeros((2, 3), np.float32), delta=0.1)
