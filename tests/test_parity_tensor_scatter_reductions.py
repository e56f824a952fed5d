"""TensorScatterSub, TensorScatterMax, TensorScatterMin: TFLite kernels vs TF's own kernels.

The converter leaves all three CUSTOM for every dtype. Updates fold into a copy of the tensor in
their order (repeated indices fold several times); max/min keep TF's NaN rule (std::max(out, u):
a NaN in the tensor stays, a NaN update changes nothing); integer subtraction wraps. Exact.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

REAL = [
    np.float64,
    np.float32,
    np.float16,
    ml_dtypes.bfloat16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
]
OPS = {"sub": "TensorScatterSub", "max": "TensorScatterMax", "min": "TensorScatterMin"}


def data_for(rng: np.random.Generator, dtype, shape) -> np.ndarray:
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        x = rng.integers(
            info.min, info.max, shape, dtype=np.int64 if info.min < 0 else np.uint64, endpoint=True
        )
        x = x.astype(dtype)
        flat = x.reshape(-1)
        flat[: min(4, flat.size)] = np.array([info.min, info.max, 0, 1], dtype)[: flat.size]  # wrap-arounds
        return x
    x = rng.uniform(-4, 4, shape)
    if np.issubdtype(np.dtype(dtype), np.complexfloating):
        x = x + 1j * rng.uniform(-4, 4, shape)
    return x.astype(dtype)


def scatters(tf, names):
    return lambda t, i, u: {name: getattr(tf, f"tensor_scatter_nd_{name}")(t, i, u) for name in names}


# Indices into [6, 3, 4] by the first axis (rows of 12) and by two axes (rows of 4), repeated.
INDEX_CASES = {
    "rows": (np.array([[4], [0], [4], [5], [4]]), (5, 3, 4)),
    "pairs": (np.array([[1, 2], [5, 0], [1, 2], [0, 0], [3, 1], [1, 2]]), (6, 4)),
    "elements": (np.array([[0, 0, 0], [5, 2, 3], [0, 0, 0], [2, 1, 1]]), (4,)),
}


@pytest.mark.parametrize("index", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", REAL, ids=lambda d: np.dtype(d).name)
def test_every_real_dtype(tf, rng, dtype, index):
    tensor = data_for(rng, dtype, (6, 3, 4))
    for case, (indices, update_shape) in INDEX_CASES.items():
        updates = data_for(rng, dtype, update_shape)
        report = assert_parity(
            scatters(tf, OPS), [tensor, indices.astype(index), updates], rtol=0, atol=0, runtimes=RUNTIMES
        )
        if case == "rows":
            assert tflite_model.custom_op_counts(report.model) == dict.fromkeys(OPS.values(), 1)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_complex_sub(tf, rng, dtype):
    tensor = data_for(rng, dtype, (6, 3, 4))
    indices, shape = INDEX_CASES["rows"]
    assert_parity(
        scatters(tf, ["sub"]),
        [tensor, indices, data_for(rng, dtype, shape)],
        rtol=0,
        atol=0,
        runtimes=RUNTIMES,
    )


def test_integer_sub_wraps_bit_for_bit(tf):
    ints = np.iinfo(np.int32)
    tensor = np.array([ints.min, ints.max, ints.min, -1], np.int32)
    updates = np.array([1, -1, -1, ints.min], np.int32)  # INT_MIN - 1, INT_MAX + 1, INT_MIN + 1, -1 - INT_MIN
    indices = np.arange(4)[:, None]
    model = convert_fn(scatters(tf, ["sub"]), ((4,), tf.int32), ((4, 1), tf.int64), ((4,), tf.int32))
    want = scatters(tf, ["sub"])(tensor, indices, updates)["sub"].numpy()
    for runtime in RUNTIMES:
        np.testing.assert_array_equal(run_tflite(model, [tensor, indices, updates], runtime)["sub"], want)


@pytest.mark.parametrize("cols", [1, 3, 4, 8, 9, 17], ids=lambda c: f"cols{c}")
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name)
def test_nan_inf_and_signed_zeros_as_tf(tf, rng, dtype, cols):
    pool = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -1.5], dtype)
    tensor = rng.choice(pool, (5, cols))
    indices = rng.integers(0, 5, (12, 1))
    updates = rng.choice(pool, (12, cols))
    fn = scatters(tf, OPS)
    spec = tf.as_dtype(dtype)
    model = convert_fn(fn, ((5, cols), spec), ((12, 1), tf.int64), ((12, cols), spec))
    want = fn(tensor, indices, updates)
    for runtime in RUNTIMES:
        got = run_tflite(model, [tensor, indices, updates], runtime)
        for name in OPS:
            # Bytes: NaN where TF has NaN, and the sign of every zero.
            assert got[name].tobytes() == want[name].numpy().tobytes(), f"{runtime} {name}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dynamic_shapes_and_empty_updates(tf, rng, runtime):
    fn = scatters(tf, OPS)
    model = convert_fn(fn, ((None, None), tf.float64), ((None, 1), tf.int32), ((None, None), tf.float64))
    for rows, cols, n in ((5, 2, 3), (4, 0, 0), (0, 3, 0), (3, 3, 0), (1, 1, 7)):
        tensor = data_for(rng, np.float64, (rows, cols))
        indices = rng.integers(0, rows, (n, 1)).astype(np.int32)
        updates = data_for(rng, np.float64, (n, cols))
        got = run_tflite(model, [tensor, indices, updates], runtime)
        for name, want in fn(tensor, indices, updates).items():
            assert got[name].tobytes() == want.numpy().tobytes(), f"{name} {rows}x{cols} n={n}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_ignore_bad_indices_as_tf(tf, rng, runtime):
    def fn(t, i, u):
        return {
            name: getattr(tf.raw_ops, op)(tensor=t, indices=i, updates=u, bad_indices_policy="IGNORE")
            for name, op in OPS.items()
        }

    tensor = data_for(rng, np.float64, (4, 3))
    indices = np.array([[1], [4], [-1], [3], [1], [100]], np.int32)
    updates = data_for(rng, np.float64, (6, 3))
    model = convert_fn(fn, ((4, 3), tf.float64), ((6, 1), tf.int32), ((6, 3), tf.float64))
    got = run_tflite(model, [tensor, indices, updates], runtime)
    for name, want in fn(tensor, indices, updates).items():
        assert got[name].tobytes() == want.numpy().tobytes(), name


@pytest.mark.parametrize("name", list(OPS))
def test_errors_as_tf(tf, name):
    fn = getattr(tf, f"tensor_scatter_nd_{name}")
    op = OPS[name]
    cases = [  # tensor, indices, updates, TF's words (ours where they differ, after the |)
        (
            np.zeros((2, 4)),
            np.array([[0, 1], [1, 5]]),
            np.ones(2),
            r"indices\[1\] = \[1, 5\] does not index into shape \[2,4\]",
            None,
        ),
        (
            np.zeros((2, 4)),
            np.array([[-1]]),
            np.ones((1, 4)),
            r"indices\[0\] = \[-1\] does not index into shape \[2,4\]",
            None,
        ),
        (
            np.zeros((0, 3)),
            np.array([[0]]),
            np.ones((1, 3)),
            "Indices and updates specified for empty output shape",
            None,
        ),
        (
            np.zeros(()),
            np.zeros((0, 0), np.int64),
            np.ones(0),
            r"Output must be at least 1-D, got shape: \[\]",
            None,
        ),
        (
            np.zeros((2, 3)),
            np.zeros((2, 1), np.int64),
            np.ones((2, 2)),
            "must match the inner 1 dimensions",
            r"Dimensions \[0,1\) of indices.* must match the outer dimensions of updates",
        ),
    ]
    for tensor, indices, updates, tf_message, ours in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=tf_message):
            fn(tensor, indices, updates)
        model = tflite_model.single_custom_op_model(
            op,
            [
                ("tensor", tensor.shape, np.float64),
                ("indices", indices.shape, indices.dtype),
                ("updates", updates.shape, np.float64),
            ],
            [("output", tensor.shape, np.float64)],
        )
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"{op}: {ours or tf_message}"):
                run_tflite(model, [tensor, indices, updates], runtime)
