"""Dilation2D (tf.nn.dilation2d): TFLite kernel vs TF's kernel over strides, rates, both paddings,
every dtype, NaN and infinities; TF's errors."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# (filter rows, filter cols, strides, rates): overlapping, strided, dilated,
# 1x1, a filter as large as the image, rate 0 (TF accepts it: taps coincide).
SETTINGS = [
    (3, 3, [1, 1, 1, 1], [1, 1, 1, 1]),
    (2, 3, [1, 2, 3, 1], [1, 1, 1, 1]),
    (3, 2, [1, 1, 2, 1], [1, 2, 3, 1]),
    (1, 1, [1, 3, 2, 1], [1, 1, 1, 1]),
    (6, 7, [1, 1, 1, 1], [1, 1, 1, 1]),
    (2, 2, [1, 1, 1, 1], [1, 0, 1, 1]),
]


def every_setting(tf, filters):
    def fn(x, *fs):
        return [
            tf.raw_ops.Dilation2D(input=x, filter=f, strides=s, rates=r, padding=p)
            for f, (_, _, s, r) in zip(fs, SETTINGS, strict=True)
            for p in ("SAME", "VALID")
        ]

    return fn


def values(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -100), min(info.max, 100), shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def case(rng, dtype, channels):
    x = values(rng, (2, 6, 7, channels), dtype)
    filters = [values(rng, (fr, fc, channels), dtype) for fr, fc, _, _ in SETTINGS]
    return x, filters


@pytest.mark.parametrize("channels", [1, 4, 6])
def test_dilation_matches_tf(tf, rng, channels):
    x, filters = case(rng, np.float32, channels)
    assert_parity(every_setting(tf, filters), [x, *filters], rtol=0, atol=0, runtimes=RUNTIMES)


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
    """Sums are computed in the type: integers wrap (int8 +-100 + +-100 does), half rounds."""
    x, filters = case(rng, dtype, 3)
    assert_parity(every_setting(tf, filters), [x, *filters], rtol=0, atol=0, runtimes=RUNTIMES)


def test_nan_infinities_and_signed_zeros(tf, rng):
    """NaN sums never win; a window of -inf gives the lowest finite value; the first of equal zeros
    keeps its sign."""
    x, filters = case(rng, np.float32, 5)
    x[0, 1:4, 2:5, 0] = np.nan
    x[0, :, :, 1] = -np.inf
    x[1, 2, 3, 2] = np.inf
    x[:, :, :, 3] = 0.0
    x[:, ::2, ::3, 3] = -0.0
    for f in filters:
        f[..., 3] = -0.0  # -0 + -0 is -0, +0 + -0 is +0
    filters[0][1, 1, 4] = np.nan
    fn = every_setting(tf, filters)
    assert_parity(fn, [x, *filters], rtol=0, atol=0, runtimes=RUNTIMES)
    out = tf.raw_ops.Dilation2D(input=x, filter=filters[0], strides=[1] * 4, rates=[1] * 4, padding="SAME")
    assert np.signbit(out.numpy()[..., 3]).any()  # the signed-zero case is really exercised


def test_empty_batch(tf, rng):
    x, filters = case(rng, np.float32, 2)
    assert_parity(every_setting(tf, filters), [x[:0], *filters], rtol=0, atol=0, runtimes=RUNTIMES)


def dilation_model(options, filter_shape=(2, 2, 3), out=(1, 5, 5, 3)):
    base = {"T": 0, "strides": [1, 1, 1, 1], "rates": [1, 1, 1, 1], "padding": "SAME"}
    return tflite_model.single_custom_op_model(
        "Dilation2D",
        [("input", (1, 5, 5, 3), np.float32), ("filter", filter_shape, np.float32)],
        [("output", out, np.float32)],
        options=flexbuffers.Dumps({**base, **options}),
    )


ERRORS = {
    "batch stride": (
        {"strides": [2, 1, 1, 1]},
        (2, 2, 3),
        r"Stride is only supported across spatial dimensions",
    ),
    "depth rate": ({"rates": [1, 1, 1, 2]}, (2, 2, 3), r"Rate is only supported across spatial dimensions"),
    "zero stride": ({"strides": [1, 0, 1, 1]}, (2, 2, 3), r"Stride must be > 0, but got 0"),
    "depth mismatch": ({}, (2, 2, 2), r"input and filter must have the same depth: 3 vs 2"),
    "filter rank": ({}, (2, 2), r"filter must be 3-dimensional"),
    "negative size": ({"padding": "VALID"}, (7, 2, 3), r"Computed output size would be negative"),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_attrs_and_shapes_are_errors_as_in_tf(tf, runtime, name):
    options, filter_shape, message = ERRORS[name]
    attrs = {"strides": [1, 1, 1, 1], "rates": [1, 1, 1, 1], "padding": "SAME", **options}
    x, f = np.zeros((1, 5, 5, 3), np.float32), np.zeros(filter_shape, np.float32)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.Dilation2D(input=x, filter=f, **attrs)
    with pytest.raises(RuntimeError, match="Dilation2D: " + message):
        run_tflite(dilation_model(options, filter_shape), [x, f], runtime)
