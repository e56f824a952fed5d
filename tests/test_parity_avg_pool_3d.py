"""AvgPool3D: TFLite kernel vs TF's CPU kernel (Eigen's CuboidAvgPooling), bit for bit: SAME and VALID
over many windows and strides, static and dynamic shapes, ties, +-inf, NaN, float32's lowest,
bfloat16, empty tensors, threads, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

import pool_3d_cases as cases
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

OP = "AvgPool3D"


@pytest.mark.parametrize(
    "shape", [[2, 5, 6, 7, 3], [None, 5, 6, 7, 3], [None] * 5], ids=["static", "batch", "all"]
)
def test_windows_static_and_dynamic(tf, rng, shape):
    x = rng.standard_normal(cases.SHAPE).astype(np.float32)
    cases.check_windows(tf, OP, x, shape)


def test_ties_infinities_nan_and_lowest(tf, rng):
    """TF (oneDNN) sums in float in window order, every value counted: infinities and NaN propagate,
    -FLT_MAX is an ordinary value. The same here."""
    cases.check_windows(tf, OP, cases.special_values(rng), [None] * 5)


def test_bfloat16(tf, rng):
    cases.check_bfloat16(tf, OP, rng)


@pytest.mark.parametrize("channels", [16, 48])
def test_wide_channel_blocks(tf, rng, channels):
    """Channels in multiples of 16 take 16-lane registers where the CPU has AVX-512 (32 and 16
    channels a block), and their NaN sums are found by vector compares: the same bits, NaN,
    infinities and ties included, float32 and bfloat16."""
    x = cases.special_values(rng, (2, 5, 6, 7, channels))
    cases.check_windows(tf, OP, x, [None] * 5)
    cases.check_bfloat16(tf, OP, rng, (2, 5, 6, 7, channels))


def test_empty(tf):
    cases.check_empty(tf, OP)


def test_threads(tf, rng):
    cases.check_threads(tf, OP, rng)


def single_model(options: dict, shape: list[int], dtype=np.float32) -> bytes:
    base = {"T": 0, "ksize": [1, 2, 2, 2, 1], "strides": [1] * 5, "padding": "VALID", "data_format": "NDHWC"}
    return tflite_model.single_custom_op_model(
        OP,
        [("input", shape, dtype)],
        [("output", shape, dtype)],
        options=flexbuffers.Dumps({**base, **options}),
    )


ERRORS = [  # (attrs, TF's text): TF refuses these at kernel construction
    ({"ksize": [1, 2, 2, 2, 2]}, "depth"),  # oneDNN's text in TF: "...pooling across depth..."
    ({"strides": [2, 1, 1, 1, 1]}, "Pooling is not yet supported on the batch dimension."),
    ({"ksize": [1, 0, 1, 1, 1]}, "Sliding window ksize must be positive"),
    ({"data_format": "NCDHW"}, "Default Pooling3DOp only supports NDHWC on device type CPU"),
    ({"ksize": [1, 2, 2, 2, 1, 1]}, "Sliding window ksize field must specify 5 dimensions"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_attrs_as_tf(tf, runtime):
    x = np.ones((1, 3, 3, 3, 2), np.float32)
    for attrs, text in ERRORS:
        # TF's x86 build runs AvgPool3D through oneDNN, which also takes NCDHW; TF's own kernel and
        # opbridge refuse it (a known gap: NCDHW average pooling is not implemented here).
        if len(attrs.get("ksize", [0] * 5)) == 5 and "data_format" not in attrs:
            with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=text):
                args = {"ksize": [1, 2, 2, 2, 1], "strides": [1] * 5, "padding": "VALID", **attrs}
                tf.raw_ops.AvgPool3D(input=x, **args)
        with pytest.raises(RuntimeError, match=f"{OP}.*{text}"):
            run_tflite(single_model(attrs, list(x.shape)), [x], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_window_larger_than_input_gives_an_empty_output(tf, runtime):
    """A VALID window larger than the input: TF's shape code says 0 outputs along that dim, but its
    kernel then dies with SIGFPE (not comparable); opbridge gives the empty output of that shape."""
    fn = tf.function(lambda v: cases.pool(tf, OP, v, (3, 3, 3), (1, 1, 1), "VALID"))
    model = convert_fn(fn, ([None] * 5, tf.float32))
    (got,) = run_tflite(model, [np.ones((1, 2, 5, 5, 1), np.float32)], runtime).values()
    assert got.shape == (1, 0, 3, 3, 1)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("dtype", [np.float16, np.float64], ids=["half", "double"])
def test_half_and_double_have_no_cpu_kernel_as_in_tf(tf, runtime, dtype):
    """The op allows half and double (the converter emits them), but TF has CPU kernels for float and
    bfloat16 only: both refuse them."""
    x = np.ones((1, 3, 3, 3, 2), dtype)
    with pytest.raises(tf.errors.NotFoundError):
        tf.raw_ops.AvgPool3D(input=x, ksize=[1, 2, 2, 2, 1], strides=[1] * 5, padding="VALID")
    t = {np.float16: 1, np.float64: 10}[dtype]
    name = {np.float16: "half", np.float64: "double"}[dtype]
    with pytest.raises(RuntimeError, match=f"{OP}.*no CPU kernel for T={name}"):
        run_tflite(single_model({"T": t}, list(x.shape), dtype), [x], runtime)
