"""MaxPool and AvgPool (2-D and 1-D pooling the TFLite builtins leave custom: float64, half,
bfloat16, the integers): TFLite kernels vs TF's CPU kernels, bit for bit. Windows, strides and
SAME / VALID / EXPLICIT padding, static and dynamic shapes, NaN, infinities, subnormals and signed
zero ties, pooling across channels, empty tensors, threads, and TF's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

OPS = ["MaxPool", "AvgPool"]

# (ksize, strides, padding) over (rows, cols): odd and even windows, SAME with odd padding totals,
# strides above and below the window, windows as large as the input.
WINDOWS = [
    ((1, 1), (1, 1), "VALID"),
    ((2, 2), (2, 2), "VALID"),
    ((2, 2), (2, 2), "SAME"),
    ((3, 3), (1, 1), "SAME"),
    ((3, 3), (2, 2), "SAME"),
    ((3, 2), (1, 2), "VALID"),
    ((2, 4), (3, 1), "SAME"),
    ((4, 3), (2, 3), "SAME"),
    ((6, 7), (1, 1), "VALID"),
    ((2, 3), (5, 5), "SAME"),
]
# MaxPool's EXPLICIT padding (each pad below its window): (ksize, strides, [[top, bottom], [left, right]]).
EXPLICIT = [
    ((3, 3), (1, 2), [[1, 2], [2, 0]]),
    ((2, 2), (2, 2), [[1, 1], [1, 1]]),
    ((4, 2), (1, 1), [[0, 3], [1, 0]]),
]
SHAPE = (2, 6, 7, 5)


def pool(tf: Any, op: str, x: Any, ksize: Any, strides: Any, padding: Any) -> Any:
    f = tf.nn.max_pool2d if op == "MaxPool" else tf.nn.avg_pool2d
    return f(x, list(ksize), list(strides), padding)


def all_windows(tf: Any, op: str) -> Any:
    def fn(v: Any) -> dict[str, Any]:
        out = {f"w{i}": pool(tf, op, v, *w) for i, w in enumerate(WINDOWS)}
        if op == "MaxPool":
            for i, (k, s, pads) in enumerate(EXPLICIT):
                out[f"e{i}"] = pool(tf, op, v, k, s, [[0, 0], *pads, [0, 0]])
        return out

    return fn


def count(op: str) -> int:
    return len(WINDOWS) + (len(EXPLICIT) if op == "MaxPool" else 0)


def check(tf: Any, op: str, x: np.ndarray, shape: list[int | None]) -> None:
    """Every window on one model, the input's dims as `shape` gives them (None: unknown)."""
    spec = tf.TensorSpec(shape, tf.as_dtype(x.dtype), name="input_0")
    fn = tf.function(all_windows(tf, op), input_signature=[spec])
    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: count(op)}


def special_values(rng: np.random.Generator, shape: tuple[int, ...] = SHAPE) -> np.ndarray:
    """Ties, +-0, +-inf, NaN, float64's lowest and subnormals sprinkled in, and whole windows of
    -inf and of NaN (TF's max: -DBL_MAX there)."""
    x = np.round(rng.standard_normal(shape) * 2)
    flat = x.reshape(-1)
    specials = [np.inf, -np.inf, np.nan, -np.finfo(np.float64).max, 1e-310, -1e-310, -0.0, 0.0]
    for k, i in enumerate(rng.choice(flat.size, 80, replace=False)):
        flat[i] = specials[k % len(specials)]
    x[0, :4, :4, 0] = -np.inf
    x[1, :4, :4, 1] = np.nan
    x[0, 2:5, 3:6, 2] = -0.0
    x[1, :3, :3, 3] = [[-1e-310, -1.0, 1e-310], [-2.0, -1e-310, -3.0], [-5.0, -4.0, -1e-310]]
    return x


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("shape", [list(SHAPE), [None, 6, 7, 5], [None] * 4], ids=["static", "batch", "all"])
def test_float64_windows(tf, rng, op, shape):
    check(tf, op, rng.standard_normal(SHAPE), shape)


@pytest.mark.parametrize("op", OPS)
def test_float64_nan_infinities_subnormals_and_zeros(tf, rng, op):
    """MaxPool: the max starts at -DBL_MAX and a tap (subnormals flushed, as TF's DAZ does) replaces
    it only when larger. AvgPool: NaN and inf propagate; the last NaN tap's payload wins."""
    x = special_values(rng)
    check(tf, op, x, [None] * 4)
    if op == "AvgPool":  # NaNs of both signs in one window: which one TF keeps
        y = np.full((1, 2, 2, 2), np.nan)
        y[0, 0, 0, 0] = -np.nan
        y[0, 1, 1, 1] = -np.nan
        fn = tf.function(lambda v: pool(tf, op, v, (2, 2), (1, 1), "VALID"))
        model = convert_fn(fn, ([None] * 4, tf.float64))
        want = fn(y).numpy().view(np.uint64)
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [y], runtime).values()
            np.testing.assert_array_equal(got.view(np.uint64), want, err_msg=runtime)


@pytest.mark.parametrize("op", OPS)
def test_bits_of_nan_and_zero(tf, rng, op):
    """assert_parity treats NaN as NaN and -0.0 as 0.0: compare the bits too."""
    x = special_values(rng)
    fn = tf.function(all_windows(tf, op))
    model = convert_fn(fn, ([None] * 4, tf.float64))
    want = {k: v.numpy() for k, v in fn(x).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, [x], runtime)
        for key, value in want.items():
            np.testing.assert_array_equal(
                got[key].view(np.uint64), value.view(np.uint64), err_msg=f"{runtime} {key}"
            )


@pytest.mark.parametrize("op", OPS)
def test_pool_1d(tf, rng, op):
    """tf.nn.max_pool1d / avg_pool1d: the converter expands a dim and leaves the 2-D op."""
    f = tf.nn.max_pool1d if op == "MaxPool" else tf.nn.avg_pool1d
    fn = tf.function(
        lambda v: {"a": f(v, 3, 2, "SAME"), "b": f(v, 2, 1, "VALID"), "c": f(v, 4, 4, "SAME")},
        input_signature=[tf.TensorSpec([None, None, 6], tf.float64, name="input_0")],
    )
    report = assert_parity(fn, [rng.standard_normal((3, 17, 6))], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 3}


@pytest.mark.parametrize("op", OPS)
def test_float16(tf, rng, op):
    x = special_values(rng).astype(np.float16)
    x[np.abs(x) < 1e-300] = 0  # no half subnormals from the float64 ones
    check(tf, op, x, [None] * 4)


@pytest.mark.parametrize("op", OPS)
def test_bfloat16(tf, rng, op):
    """bfloat16 cannot be a model input: the pools between casts keep bfloat16 nodes."""
    x = rng.standard_normal(SHAPE).astype(np.float32)
    x.reshape(-1)[::7] = np.nan
    x.reshape(-1)[3::11] = -np.inf

    def fn(v: Any) -> dict[str, Any]:
        b = tf.cast(v, tf.bfloat16)
        return {k: tf.cast(y, tf.float32) for k, y in all_windows(tf, op)(b).items()}

    f = tf.function(fn, input_signature=[tf.TensorSpec([None] * 4, tf.float32, name="input_0")])
    report = assert_parity(f, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: count(op)}


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.int8, np.uint8, np.int16, np.uint16])
def test_max_pool_integers(tf, rng, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, SHAPE, dtype=dtype, endpoint=True)
    x[0, :3, :3, 0] = info.min  # windows of the lowest value: TF's starting maximum
    spec = tf.TensorSpec([None] * 4, tf.as_dtype(dtype), name="input_0")
    fn = tf.function(all_windows(tf, "MaxPool"), input_signature=[spec])
    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    counts = tflite_model.custom_op_counts(report.model)
    assert counts.get("MaxPool", 0) > 0, counts  # (int8 may partly go to the builtin)
    # exactly too: assert_parity's differences lose int64's low bits
    want = {k: v.numpy() for k, v in fn(x).items()}
    for runtime in RUNTIMES:
        got = run_tflite(report.model, [x], runtime)
        for key, value in want.items():
            np.testing.assert_array_equal(got[key], value, err_msg=f"{runtime} {key}")


def depthwise_model(ksize: int, channels: int, dtype: Any = np.float64) -> bytes:
    options = {
        "T": 10,  # TFLite's FLOAT64
        "ksize": [1, 1, 1, ksize],
        "strides": [1, 1, 1, ksize],
        "padding": "VALID",
        "data_format": "NHWC",
    }
    return tflite_model.single_custom_op_model(
        "MaxPool",
        [("input", [2, 3, 4, channels], dtype)],
        [("output", [2, 3, 4, channels // ksize], dtype)],
        options=flexbuffers.Dumps(options),
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_max_pool_across_channels(tf, rng, runtime):
    """TF's depthwise max pool (ksize[3] > 1, CPU only): the run's first channel starts the max, so
    a leading NaN stays. The converter gives TF's node; the model holds it directly."""
    x = rng.standard_normal((2, 3, 4, 12))
    x[0, 0, 0, :4] = [np.nan, 1.0, 2.0, np.nan]
    x[0, 0, 1, :4] = [1.0, np.nan, -0.0, 0.0]
    x[0, 0, 2, :4] = [-1e-310, -1.0, -1e-300, -np.inf]
    for k in (2, 3, 4, 6):
        # (a tf.function: eager raw MaxPool calls after the first can run in float32 on TF 2.21)
        fn = tf.function(
            lambda v, k=k: tf.raw_ops.MaxPool(
                input=v, ksize=[1, 1, 1, k], strides=[1, 1, 1, k], padding="VALID"
            )
        )
        want = fn(x).numpy()
        (got,) = run_tflite(depthwise_model(k, 12), [x], runtime).values()
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64), err_msg=f"k={k}")


@pytest.mark.parametrize("op", OPS)
def test_empty(tf, op):
    """Empty batch, channels and (with SAME) spatial dims: TF gives empty outputs of the pooled shape."""
    fn = tf.function(
        lambda v: {
            "same": pool(tf, op, v, (2, 3), (2, 1), "SAME"),
            "valid": pool(tf, op, v, (1, 1), (1, 1), "VALID"),
        },
        input_signature=[tf.TensorSpec([None] * 4, tf.float64, name="input_0")],
    )
    report = assert_parity(fn, [np.zeros((0, 4, 4, 2))], rtol=0, atol=0, runtimes=RUNTIMES)
    for shape in [(2, 4, 4, 0), (1, 0, 3, 2), (1, 3, 0, 2)]:
        x = np.zeros(shape)
        want = fn(x)
        for runtime in RUNTIMES:
            got = run_tflite(report.model, [x], runtime)
            for key, value in want.items():
                assert got[key].shape == value.shape, (runtime, shape, key)


@pytest.mark.parametrize("op", OPS)
def test_threads(tf, rng, op):
    x = rng.standard_normal((3, 20, 22, 16))
    fn = tf.function(lambda v: pool(tf, op, v, (3, 3), (1, 2), "SAME"))
    model = convert_fn(fn, ([None] * 4, tf.float64))
    (one,) = run_tflite(model, [x], num_threads=1).values()
    (two,) = run_tflite(model, [x], num_threads=2).values()
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, fn(x).numpy())


def single_model(
    op: str, options: dict[str, Any], shape: list[int], out_shape: list[int] | None = None
) -> bytes:
    base: dict[str, Any] = {
        "T": 10,  # TFLite's FLOAT64
        "ksize": [1, 2, 2, 1],
        "strides": [1] * 4,
        "padding": "VALID",
        "data_format": "NHWC",
    }
    return tflite_model.single_custom_op_model(
        op,
        [("input", shape, np.float64)],
        [("output", out_shape or shape, np.float64)],
        options=flexbuffers.Dumps({**base, **options}),
    )


COMMON_ERRORS = [  # (attrs, TF's text), for both ops
    ({"ksize": [2, 2, 2, 1]}, "Pooling is not yet supported on the batch dimension."),
    ({"strides": [2, 1, 1, 1]}, "Pooling is not yet supported on the batch dimension."),
    (
        {"ksize": [1, 2, 1, 2], "strides": [1, 1, 1, 2]},
        "MaxPooling supports exactly one of pooling across depth",
    ),
]
ERRORS = {
    "MaxPool": [
        *COMMON_ERRORS,
        ({"data_format": "NCHW"}, "Default MaxPoolingOp only supports NHWC on device type CPU"),
        (
            {"ksize": [1, 0, 2, 1]},
            "Sliding window ksize must be positive. The specified or inferred ksize is: 1,0,2,1",
        ),
        ({"ksize": [1, 2, 2, 1, 1]}, "Sliding window ksize field must specify 4 dimensions"),
        ({"ksize": [1, 1, 1, 3], "strides": [1, 1, 1, 3]}, "depth window to evenly divide the input depth"),
        ({"ksize": [1, 1, 1, 2], "strides": [1, 1, 1, 1]}, "depth window to equal the depth stride"),
        (
            {
                "ksize": [1, 1, 1, 2],
                "strides": [1, 1, 1, 2],
                "padding": "EXPLICIT",
                "explicit_paddings": [0] * 8,
            },
            "Depthwise max pooling does not support explicit padding.",
        ),
        (
            {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 2, 1, 0, 0, 0, 0]},
            "Top padding 2 needs to be smaller",
        ),
        (
            {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 0, 0, 0, 2, 0, 0]},
            "Right padding 2 needs to be smaller",
        ),
    ],
    "AvgPool": [
        *COMMON_ERRORS,
        ({"data_format": "NCHW"}, "Default AvgPoolingOp only supports NHWC on device type CPU"),
        ({"ksize": [1, 0, 2, 1]}, "ksize must be a positive int32 value, got:0"),
        (
            {"ksize": [1, 1, 1, 2], "strides": [1, 1, 1, 2]},
            r"Non-spatial pooling is not yet supported. Volunteers\? :\)",
        ),
    ],
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", OPS)
def test_bad_attrs_as_tf(tf, op, runtime):
    """TF refuses these (kernel or shape function, same text); so do both runtimes, naming the op."""
    x = np.ones((1, 4, 4, 4))
    arg = "input" if op == "MaxPool" else "value"
    for attrs, text in ERRORS[op]:
        args = {"ksize": [1, 2, 2, 1], "strides": [1] * 4, "padding": "VALID", **attrs}
        if len(args["ksize"]) == 4:
            fn = tf.function(lambda v, args=args: getattr(tf.raw_ops, op)(**{arg: v}, **args))
            with pytest.raises(
                (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, ValueError)
            ) as info:
                fn(x)
            assert text.replace("\\", "") in str(info.value), (attrs, str(info.value)[:300])
        with pytest.raises(RuntimeError, match=f"{op}.*{text}"):
            run_tflite(single_model(op, attrs, list(x.shape)), [x], runtime)


@pytest.mark.parametrize("op", OPS)
def test_valid_window_larger_than_input_gives_an_empty_output(tf, op):
    """TF's shape function refuses it when the shape is known; with unknown dims TF's kernel gives an
    empty output of the pooled shape (no error), and so do both runtimes."""
    fn = tf.function(lambda v: pool(tf, op, v, (5, 2), (1, 1), "VALID"))
    model = convert_fn(fn, ([None] * 4, tf.float64))
    x = np.ones((1, 4, 4, 3))
    assert fn(x).shape == (1, 0, 3, 3)
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x], runtime).values()
        assert got.shape == (1, 0, 3, 3), runtime
