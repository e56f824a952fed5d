"""ExtractImagePatches (tf.image.extract_patches): TFLite kernel vs TF's kernel, and TF's errors."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# (ksizes, strides, rates, padding): windows larger than the stride, strides
# larger than the window, dilation, a window as large as the image, 1x1.
GEOMETRIES = [
    ([1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
    ([1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
    ([1, 2, 3, 1], [1, 3, 1, 1], [1, 2, 1, 1], "SAME"),
    ([1, 2, 2, 1], [1, 1, 2, 1], [1, 3, 2, 1], "VALID"),
    ([1, 1, 1, 1], [1, 4, 5, 1], [1, 1, 1, 1], "SAME"),
    ([1, 7, 9, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
    ([1, 4, 1, 1], [1, 2, 1, 1], [1, 1, 1, 1], "SAME"),
]

DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    ml_dtypes.bfloat16,
    np.int8,
    np.uint8,
    np.int16,
    np.uint16,
    np.int32,
    np.int64,
    np.uint32,
    np.uint64,
    np.complex64,
    np.complex128,
]


def all_geometries(tf):
    return lambda x: [tf.image.extract_patches(x, *g) for g in GEOMETRIES]


def values(rng, shape, dtype):
    x = rng.integers(-100, 100, shape) if np.dtype(dtype).kind in "iu" else rng.standard_normal(shape)
    if np.dtype(dtype).kind == "u":
        x = np.abs(x)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_extract_patches_matches_tf(tf, rng, dtype):
    """A copy, so every dtype must agree exactly, for every geometry."""
    assert_parity(all_geometries(tf), [values(rng, (2, 7, 9, 3), dtype)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 2, 5, 1), (0, 7, 9, 2), (1, 7, 9, 0)], ids=str)
def test_small_and_empty_images(tf, rng, shape):
    """Empty batch and zero depth give empty patches; geometries too large for VALID give 0 rows."""
    fn = lambda x: [  # noqa: E731
        tf.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
        tf.image.extract_patches(x, [1, 1, 1, 1], [1, 3, 2, 1], [1, 1, 1, 1], "VALID"),
    ]
    assert_parity(fn, [values(rng, shape, np.float32)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bool_images_are_refused_as_in_tf(tf, rng, runtime):
    """TF's op admits bool but TF registers no kernel for it: TF refuses the node and so does the
    kernel, empty images included, rather than compute patches TF never gives."""
    x = rng.integers(0, 2, (2, 5, 6, 3)).astype(bool)
    geometry = ([1, 3, 2, 1], [1, 2, 1, 1], [1, 1, 2, 1], "SAME")
    with pytest.raises(tf.errors.NotFoundError):
        tf.image.extract_patches(x, *geometry)
    model = convert_fn(lambda v: tf.image.extract_patches(v, *geometry), ((None, 5, 6, 3), tf.bool))
    assert tflite_model.custom_op_counts(model) == {"ExtractImagePatches": 1}
    for v in (x, x[:0]):
        with pytest.raises(RuntimeError, match=r"ExtractImagePatches: TF has no kernel for T=bool"):
            run_tflite(model, [v], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_input_size_known_only_at_run_time(tf, rng, runtime):
    model = convert_fn(
        lambda v: tf.image.extract_patches(v, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
        ((None, None, None, 2), tf.float32),
    )
    for shape in [(1, 5, 8, 2), (2, 1, 1, 2), (3, 10, 4, 2)]:
        x = values(rng, shape, np.float32)
        (got,) = run_tflite(model, [x], runtime).values()
        want = tf.image.extract_patches(x, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
        np.testing.assert_array_equal(got, want.numpy())


def patches_model(options, image_shape=(1, 5, 5, 2), out_shape=(1, 5, 5, 18)):
    base = {"T": 0, "ksizes": [1, 3, 3, 1], "strides": [1, 1, 1, 1], "rates": [1, 1, 1, 1], "padding": "SAME"}
    return tflite_model.single_custom_op_model(
        "ExtractImagePatches",
        [("images", image_shape, np.float32)],
        [("patches", out_shape, np.float32)],
        options=flexbuffers.Dumps({**base, **options}),
    )


ERRORS = {
    "depth window": ({"ksizes": [1, 3, 3, 2]}, r"Only support ksizes across space"),
    "batch stride": ({"strides": [2, 1, 1, 1]}, r"Only support strides across space"),
    "zero rate": ({"rates": [1, 0, 1, 1]}, r"rates is out of range"),
    "negative ksize": ({"ksizes": [1, -3, 3, 1]}, r"ksizes is out of range"),
    "three ksizes": ({"ksizes": [1, 3, 3]}, r"attr 'ksizes' must have 4 elements, got 3"),
    "bad padding": ({"padding": "FULL"}, r"attr 'padding' is 'FULL', expected one of"),
    "negative size": (
        {"ksizes": [1, 7, 1, 1], "padding": "VALID"},
        r"Computed output size would be negative",
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_attrs_are_errors_as_in_tf(case, runtime):
    options, message = ERRORS[case]
    model = patches_model(options)
    with pytest.raises(RuntimeError, match="ExtractImagePatches: " + message):
        run_tflite(model, [np.zeros((1, 5, 5, 2), np.float32)], runtime)


def test_tf_rejects_the_same_attrs(tf):
    x = np.zeros((1, 5, 5, 2), np.float32)
    with pytest.raises((tf.errors.UnimplementedError, tf.errors.InvalidArgumentError), match="across space"):
        tf.raw_ops.ExtractImagePatches(
            images=x, ksizes=[1, 3, 3, 2], strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], padding="SAME"
        )
    with pytest.raises(tf.errors.OutOfRangeError, match="rates is out of range"):
        tf.image.extract_patches(x, [1, 3, 3, 1], [1, 1, 1, 1], [1, 0, 1, 1], "SAME")
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="would be negative"):
        tf.image.extract_patches(x, [1, 7, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_rank_3_input_is_rejected(runtime):
    model = patches_model({}, image_shape=(5, 5, 2), out_shape=(5, 5, 18))
    with pytest.raises(RuntimeError, match=r"ExtractImagePatches: input 'images' must have rank 4"):
        run_tflite(model, [np.zeros((5, 5, 2), np.float32)], runtime)
