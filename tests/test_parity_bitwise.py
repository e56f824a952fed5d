"""BitwiseAnd, BitwiseOr, BitwiseXor, Invert, LeftShift, RightShift: TFLite kernels vs TF's own
kernels, every integer dtype, TF's broadcasting and shift clamping, and the Keras argmax that
leaves a BitwiseAnd in real models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
BINARY = {
    "BitwiseAnd": "bitwise_and",
    "BitwiseOr": "bitwise_or",
    "BitwiseXor": "bitwise_xor",
    "LeftShift": "left_shift",
    "RightShift": "right_shift",
}
# TFLite builtins that take these ops for some dtypes (measured: TF 2.21 converter, LiteRT 2.3):
# there the converter emits the builtin and nothing of opbridge's runs.
BUILTIN = {
    "BitwiseXor": ("BITWISE_XOR", {np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32}),
    "RightShift": ("RIGHT_SHIFT", {np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32}),
}


def name(dtype: Any) -> str:
    return np.dtype(dtype).name


def left_custom(op: str, dtype: Any) -> bool:
    return op not in BUILTIN or dtype not in BUILTIN[op][1]


def full_range(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Random values over the whole range of the dtype, with its extremes, 0 and -1 mixed in."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    flat = x.reshape(-1)
    edges = np.array([info.min, info.max, 0, 1, info.max // 2, info.min + 1], dtype)
    if info.min < 0:
        edges = np.concatenate([edges, np.array([-1, -2], dtype)])
    flat[: min(flat.size, edges.size)] = edges[: flat.size]
    return x


def shift_amounts(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Shifts inside and outside [0, bits): negative ones, the width, and far beyond it."""
    bits = np.iinfo(dtype).bits
    low = 0 if np.iinfo(dtype).min == 0 else -bits - 3
    y = rng.integers(low, bits + 4, shape).astype(dtype)
    flat = y.reshape(-1)
    edges = [0, 1, bits - 1, bits, bits + 1, np.iinfo(dtype).max]
    if low < 0:
        edges += [-1, np.iinfo(dtype).min]
    flat[: len(edges)] = np.array(edges, dtype)[: flat.size]
    return y


def dynamic(tf: Any, fn: Any, *arrays: np.ndarray) -> Any:
    """fn as a tf.function with every dim unknown, as Keras models reach the converter."""
    signature = [
        tf.TensorSpec([None] * a.ndim, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(arrays)
    ]
    return tf.function(fn, input_signature=signature)


@pytest.mark.parametrize("dtype", INTS, ids=name)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_ops_every_dtype_dynamic_shapes(tf, rng, op, dtype):
    """Full-range values; shifts by negative amounts and by the width or more (TF clamps them)."""
    fn = getattr(tf.bitwise, BINARY[op])
    x = full_range(rng, dtype, (3, 7, 5))
    y = shift_amounts(rng, dtype, (3, 7, 5)) if "Shift" in op else full_range(rng, dtype, (3, 7, 5))
    report = assert_parity(dynamic(tf, fn, x, y), [x, y], rtol=0, atol=0, runtimes=RUNTIMES)
    if left_custom(op, dtype):
        assert tflite_model.custom_op_counts(report.model) == {op: 1}
    else:
        assert tflite_model.op_histogram(report.model) == {BUILTIN[op][0]: 1}


@pytest.mark.parametrize("dtype", INTS, ids=name)
def test_invert_every_dtype(tf, rng, dtype):
    x = full_range(rng, dtype, (4, 33))
    report = assert_parity(dynamic(tf, tf.bitwise.invert, x), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Invert": 1}


@pytest.mark.parametrize("dtype", INTS, ids=name)
def test_every_shift_amount_of_every_value_class(tf, dtype):
    """Each shift from below -width to above the width against the extremes, 0, 1, -1."""
    info = np.iinfo(dtype)
    values = [info.min, info.min + 1, 0, 1, 5, info.max] + ([-1, -5] if info.min < 0 else [])
    bits = info.bits
    shifts = [*range(-bits - 2 if info.min < 0 else 0, bits + 3), int(info.max)]
    x = np.array([v for v in values for _ in shifts], dtype)
    y = np.array([s for _ in values for s in shifts], dtype)

    def fn(a, b):
        return {"left": tf.bitwise.left_shift(a, b), "right": tf.bitwise.right_shift(a, b)}

    assert_parity(dynamic(tf, fn, x, y), [x, y], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 3, 4), (4,)),
        ((2, 1, 4), (3, 1)),
        ((1,), (2, 3)),
        ((), (5, 2)),
        ((2, 1, 3, 1, 2, 7), (1, 5, 3, 1, 2, 7)),  # rank 6 that merges into 3 dims
        ((0, 4), (1, 4)),
        ((3, 0), (3, 1)),
    ],
    ids=str,
)
@pytest.mark.parametrize("op", list(BINARY))
def test_broadcasting_like_tf(tf, rng, op, shapes):
    """numpy broadcasting with TF's merged-dims rule, scalars, and empty tensors; int64 is left custom
    for every op (no builtin takes int64)."""
    fn = getattr(tf.bitwise, BINARY[op])
    x = full_range(rng, np.int64, shapes[0])
    y = shift_amounts(rng, np.int64, shapes[1]) if "Shift" in op else full_range(rng, np.int64, shapes[1])
    report = assert_parity(dynamic(tf, fn, x, y), [x, y], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_broadcast_errors_as_tf(tf, runtime):
    """Incompatible shapes, and more than 5 dims after merging (TF's BCast limit)."""
    fn = tf.function(tf.bitwise.bitwise_and, input_signature=[tf.TensorSpec(None, tf.int64)] * 2)
    model = convert_fn(fn, (None, tf.int64), (None, tf.int64))
    assert tflite_model.custom_op_counts(model) == {"BitwiseAnd": 1}
    ones = np.ones
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        fn(ones((2, 3), np.int64), ones(4, np.int64))
    with pytest.raises(RuntimeError, match=r"BitwiseAnd: Incompatible shapes: \[2, 3\] vs. \[4\]"):
        run_tflite(model, [ones((2, 3), np.int64), ones(4, np.int64)], runtime)
    six = ((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2))
    with pytest.raises(tf.errors.UnimplementedError, match="not supported yet"):
        fn(ones(six[0], np.int64), ones(six[1], np.int64))
    with pytest.raises(
        RuntimeError, match=r"BitwiseAnd: Broadcast between \[2, 1, 2, 1, 2, 1\] and .* not supported"
    ):
        run_tflite(model, [ones(six[0], np.int64), ones(six[1], np.int64)], runtime)


def test_threads_do_not_change_results(tf, rng):
    x = full_range(rng, np.uint64, (64, 1000))
    y = shift_amounts(rng, np.uint64, (1000,))
    fn = dynamic(tf, tf.bitwise.left_shift, x, y)
    model = assert_parity(fn, [x, y], rtol=0, atol=0, runtimes=RUNTIMES).model
    (one,) = run_tflite(model, [x, y], num_threads=1).values()
    (four,) = run_tflite(model, [x, y], num_threads=4).values()
    np.testing.assert_array_equal(one, four)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.uint64], ids=name)
def test_shift_avx2_and_baseline_paths_are_tfs_bits(tf, rng, dtype, tmp_path):
    """Same-shape 32/64-bit shifts run AVX2's variable shifts (ops/math/shifts.h) on AVX2 CPUs, a
    scalar loop on the baseline path (OPBRIDGE_NO_AVX2=1): both are TF's bits, threads split the
    rows, and 1003 elements leave a tail that is not a whole vector."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if not cpu_has_avx2():
        pytest.skip("needs a CPU with AVX2 to compare the two paths")
    x = full_range(rng, dtype, (17, 59))
    y = shift_amounts(rng, dtype, (17, 59))

    def fn(a, b):
        return {"left": tf.bitwise.left_shift(a, b), "right": tf.bitwise.right_shift(a, b)}

    model = assert_parity(dynamic(tf, fn, x, y), [x, y], rtol=0, atol=0, runtimes=RUNTIMES).model
    want = {k: v.numpy() for k, v in fn(x, y).items()}
    for baseline in (False, True):
        work = tmp_path / ("baseline" if baseline else "auto")
        work.mkdir()
        got = run_tflite_in_process(model, [x, y], work, baseline=baseline)
        # Outputs by content (the two are told apart by their bytes, not by name).
        assert all(np.asarray(v).dtype == dtype for v in got.values())
        blobs = sorted(np.asarray(v).tobytes() for v in got.values())
        assert blobs == sorted(v.tobytes() for v in want.values()), "baseline" if baseline else "auto"


def test_keras_argmax_on_floats_with_a_dynamic_batch(tf):
    """keras.ops.argmax on floats (Keras's TF backend) tests the sign bit of zeros with a bitcast
    and a BitwiseAnd; the converted model runs it and matches TF, negative zeros and ties included."""
    import keras

    import opbridge

    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.ops.argmax(inputs, axis=-1))
    converted = opbridge.convert(model)
    assert tflite_model.custom_op_counts(converted) == {"BitwiseAnd": 1}
    x = np.array(
        [
            [-0.0, 0.0, -1.0, -2.0, -0.0, -3.0],
            [-0.0, -1.0, -0.0, -2.0, -5.0, -9.0],
            [-1.0, -0.0, -2.0, -0.0, -3.0, -4.0],
            [1.0, 3.0, 3.0, -0.0, 0.0, 2.0],
            [-4.0, -3.0, -2.0, -1.0, -0.5, -0.0],
        ],
        np.float32,
    )
    x = np.concatenate([x, np.random.default_rng(3).standard_normal((11, 6)).astype(np.float32)])
    want = np.asarray(model(x))
    for runtime in RUNTIMES:
        for batch in (x, x[:1], x[:7]):
            (got,) = run_tflite(converted, [batch], runtime).values()
            np.testing.assert_array_equal(got, want[: len(batch)])
