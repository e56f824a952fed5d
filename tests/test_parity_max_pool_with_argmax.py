"""MaxPoolWithArgmax (tf.nn.max_pool_with_argmax): values and indices vs TF over windows, strides,
both paddings, include_batch_in_index, int32/int64 argmax and every input dtype; TF's errors."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# (ksize, strides): overlapping, tiling, gaps between windows, rectangular, 1x1.
WINDOWS = [([2, 2], [2, 2]), ([3, 3], [2, 2]), ([3, 2], [1, 3]), ([1, 1], [3, 2]), ([4, 5], [1, 1])]


def every_setting(tf, argmax_dtype):
    def fn(x):
        outs = []
        for ksize, strides in WINDOWS:
            for padding in ("SAME", "VALID"):
                for batch in (False, True):
                    outs += tf.nn.max_pool_with_argmax(
                        x, ksize, strides, padding, output_dtype=argmax_dtype, include_batch_in_index=batch
                    )
        return outs

    return fn


def image(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -30000), min(info.max, 30000), shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("argmax_dtype", ["int32", "int64"])
@pytest.mark.parametrize("channels", [3, 8, 5])
def test_max_pool_with_argmax_matches_tf(tf, rng, channels, argmax_dtype):
    """Values and indices exactly; channel counts that take the scalar path, the four-at-a-time
    path, and both."""
    x = image(rng, (2, 7, 9, channels), np.float32)
    assert_parity(every_setting(tf, tf.as_dtype(argmax_dtype)), [x], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize(
    "dtype",
    [
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
    ],
    ids=lambda d: np.dtype(d).name,
)
def test_every_dtype(tf, rng, dtype):
    x = image(rng, (2, 6, 7, 4), dtype)
    assert_parity(every_setting(tf, tf.int64), [x], rtol=0, atol=0, runtimes=RUNTIMES)


def test_ties_nan_and_infinities_as_tf(tf, rng):
    """The first maximum in row-major window order wins; a NaN only as a window's first element;
    windows of -inf (TF's initial value) still point at a real element."""
    ties = rng.integers(0, 3, (2, 6, 7, 8)).astype(np.float32)
    special = image(rng, (1, 6, 7, 8), np.float32)
    special[0, ::2, ::3, :4] = np.nan
    special[0, 1:3, 1:4, 4] = -np.inf
    special[0, 3:, :, 5] = -np.inf
    special[0, :, 2, 6] = np.inf
    fn = lambda a, b: every_setting(tf, tf.int64)(a) + every_setting(tf, tf.int64)(b)  # noqa: E731
    assert_parity(fn, [ties, special], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_window_larger_than_image(tf, rng, runtime):
    """VALID gives no output rows (TF's graph shape function refuses this statically, its kernel
    does not), SAME one window over everything; a -1 would be a negative size, an error."""

    def fn(x):
        return [
            *tf.nn.max_pool_with_argmax(x, [5, 3], [1, 1], "VALID"),
            *tf.nn.max_pool_with_argmax(x, [6, 9], [4, 4], "SAME", include_batch_in_index=True),
        ]

    model = convert_fn(fn, ((None,) * 4, tf.float32))
    x = image(rng, (3, 4, 5, 2), np.float32)
    got = list(run_tflite(model, [x], runtime).values())
    want = [t.numpy() for t in fn(x)]
    assert got[0].shape == (3, 0, 3, 2)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(RuntimeError, match=r"MaxPoolWithArgmax: Computed output size would be negative"):
        run_tflite(model, [image(rng, (3, 3, 5, 2), np.float32)], runtime)


def test_depth_attrs_as_tf(tf, rng):
    """TF ignores strides[3], and a depth window equal to the depth stride pools nothing."""
    x = image(rng, (2, 5, 6, 6), np.float32)
    fn = lambda v: [  # noqa: E731
        *tf.raw_ops.MaxPoolWithArgmax(input=v, ksize=[1, 2, 2, 1], strides=[1, 1, 2, 5], padding="SAME"),
        *tf.raw_ops.MaxPoolWithArgmax(input=v, ksize=[1, 1, 1, 3], strides=[1, 2, 1, 3], padding="VALID"),
    ]
    assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)


def pool_model(options, shape=(1, 4, 4, 6), out=(1, 2, 2, 6)):
    base = {"T": 0, "Targmax": 4, "ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}
    return tflite_model.single_custom_op_model(
        "MaxPoolWithArgmax",
        [("input", shape, np.float32)],
        [("output", out, np.float32), ("argmax", out, np.int64)],
        options=flexbuffers.Dumps({**base, **options}),
    )


# (options, TF's message); TF raises each for the same attrs.
ERRORS = {
    "batch window": ({"ksize": [2, 2, 2, 1]}, r"Pooling is not yet supported on the batch dimension"),
    "batch stride": ({"strides": [2, 2, 2, 1]}, r"Pooling is not yet supported on the batch dimension"),
    "zero window": ({"ksize": [1, 0, 2, 1]}, r"ksize must be a positive int32 value, got:0"),
    "zero stride": ({"strides": [1, 2, 0, 1]}, r"Stride must be > 0, but got 0"),
    "depth and space": (
        {"ksize": [1, 2, 2, 3], "strides": [1, 1, 1, 3]},
        r"MaxPooling supports exactly one of pooling across depth or pooling across width/height",
    ),
    "depth stride": (
        {"ksize": [1, 1, 1, 3], "strides": [1, 1, 1, 1]},
        r"Depthwise max pooling requires the depth window to equal the depth stride",
    ),
    "depth divides": (
        {"ksize": [1, 1, 1, 4], "strides": [1, 1, 1, 4]},
        r"Depthwise max pooling requires the depth window to evenly divide the input depth",
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_attrs_are_errors_as_in_tf(tf, runtime, case):
    options, message = ERRORS[case]
    attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], **options}
    with pytest.raises((tf.errors.UnimplementedError, tf.errors.InvalidArgumentError), match=message):
        tf.raw_ops.MaxPoolWithArgmax(input=np.ones((1, 4, 4, 6), np.float32), padding="VALID", **attrs)
    with pytest.raises(RuntimeError, match="MaxPoolWithArgmax: " + message):
        run_tflite(pool_model(options), [np.ones((1, 4, 4, 6), np.float32)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_empty_input_is_an_error_as_in_tf(tf, runtime):
    for shape in [(0, 4, 4, 2), (1, 0, 4, 2), (1, 4, 4, 0)]:
        x = np.zeros(shape, np.float32)
        with pytest.raises(tf.errors.InvalidArgumentError, match="tensor_in must not be empty"):
            tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
        model = convert_fn(lambda v: tf.nn.max_pool_with_argmax(v, 2, 2, "SAME"), ((None,) * 4, tf.float32))
        with pytest.raises(RuntimeError, match=r"MaxPoolWithArgmax: tensor_in must not be empty"):
            run_tflite(model, [x], runtime)
