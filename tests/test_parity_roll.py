"""Roll: TFLite kernel vs TF's own kernel, every dtype, scalar and 1-D shift/axis (int32/int64),
negative and repeated axes, shifts beyond the dim, empty tensors, dynamic shapes, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.bool_,
    np.complex64,
    np.complex128,
]
INDEX = [np.int32, np.int64]


def name(dtype: Any) -> str:
    return np.dtype(dtype).name


def values(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct values where the dtype allows, so that any misplaced element shows."""
    n = int(np.prod(shape))
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    x = np.arange(n).reshape(shape)
    if np.issubdtype(dtype, np.complexfloating):
        return (x - 1j * x[::-1]).astype(dtype)
    return x.astype(dtype)


def dynamic(tf: Any, fn: Any, *arrays: np.ndarray) -> Any:
    """fn as a tf.function with every dim unknown, as Keras models reach the converter."""
    signature = [
        tf.TensorSpec([None] * a.ndim, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(arrays)
    ]
    return tf.function(fn, input_signature=signature)


ROLLS = [  # (shift, axis): scalars, lists, negative axes, repeated axes, shifts beyond the dim
    (1, 0),
    (-2, 1),
    (7, -1),
    ([1, -2], [0, 1]),
    ([2, -3], [1, 1]),
    ([5, 5, -11], [2, -1, 0]),
    ([-3, -3], [1, 2]),
    ([100003, -99999], [-3, -2]),
    ([0], [2]),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_every_dtype_and_roll_dynamic_shapes(tf, rng, dtype):
    """Constant shifts and axes on a tensor whose dims are unknown at conversion (what leaves Roll
    custom in real models); each roll is one custom node."""
    x = values(rng, dtype, (3, 5, 4))

    def fn(v):
        return {f"roll_{i}": tf.roll(v, shift, axis) for i, (shift, axis) in enumerate(ROLLS)}

    report = assert_parity(dynamic(tf, fn, x), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Roll": len(ROLLS)}


def test_fixed_shapes_stay_builtin(tf, rng):
    """With known dims and constant shifts the converter lowers Roll to SLICE and CONCATENATION:
    opbridge changes nothing there."""
    x = values(rng, np.float32, (3, 5, 4))
    report = assert_parity(lambda v: tf.roll(v, [1, -2], [0, 2]), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {}
    assert set(tflite_model.op_histogram(report.model)) == {"SLICE", "CONCATENATION"}


def test_bfloat16_between_casts(tf):
    """bfloat16 cannot be a model input; a roll between casts keeps a bfloat16 Roll node."""
    x = (np.arange(60, dtype=np.float32).reshape(3, 5, 4) - 30) / 4  # exact in bfloat16

    def fn(v):
        b = tf.cast(v, tf.bfloat16)
        return {f"roll_{i}": tf.cast(tf.roll(b, s, a), tf.float32) for i, (s, a) in enumerate(ROLLS)}

    report = assert_parity(dynamic(tf, fn, x), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Roll": len(ROLLS)}
    assert tflite_model.tensor_type_counts(report.model).get("bfloat16", 0) > len(ROLLS)


def test_swin_shifted_windows(tf, rng):
    """Swin's cyclic shift and its inverse on [batch, H, W, C] with dynamic batch, and with dynamic
    H and W too."""
    x = rng.standard_normal((2, 8, 8, 6)).astype(np.float32)

    def fn(v):
        shifted = tf.roll(v, shift=(-3, -3), axis=(1, 2))
        return {"shifted": shifted, "back": tf.roll(shifted * 2.0, shift=(3, 3), axis=(1, 2))}

    for shape in [(None, 8, 8, 6), (None, None, None, 6)]:
        f = tf.function(fn, input_signature=[tf.TensorSpec(shape, tf.float32, name="input_0")])
        report = assert_parity(f, [x], rtol=0, atol=0, runtimes=RUNTIMES)
        assert tflite_model.custom_op_counts(report.model) == {"Roll": 2}
        model = report.model
        for batch in (x[:1], np.concatenate([x, x[::-1]])):
            want = fn(tf.constant(batch))
            for runtime in RUNTIMES:
                got = run_tflite(model, [batch], runtime)
                for key in want:
                    np.testing.assert_array_equal(got[key], want[key].numpy())


@pytest.mark.parametrize("axis_dtype", INDEX, ids=name)
@pytest.mark.parametrize("shift_dtype", INDEX, ids=name)
def test_shift_and_axis_as_runtime_inputs(tf, rng, shift_dtype, axis_dtype):
    """Tshift and Taxis int32/int64, scalars and vectors, every value computed at run time."""
    x = values(rng, np.float32, (4, 3, 5))
    for shift_shape, cases in (
        ((), [(1, 0), (-4, -1), (11, 2), (0, 1), (-7, -3)]),
        ((3,), [([1, 2, 3], [0, 1, 2]), ([-1, 4, 9], [2, 2, -1]), ([6, -6, 13], [0, 0, 0])]),
    ):
        fn = tf.function(
            lambda v, s, a: tf.roll(v, s, a),
            input_signature=[
                tf.TensorSpec([None, None, None], tf.float32),
                tf.TensorSpec(shift_shape, tf.as_dtype(shift_dtype)),
                tf.TensorSpec(shift_shape, tf.as_dtype(axis_dtype)),
            ],
        )
        model = convert_fn(
            fn,
            ([None, None, None], tf.float32),
            (shift_shape, tf.as_dtype(shift_dtype)),
            (shift_shape, tf.as_dtype(axis_dtype)),
        )
        assert tflite_model.custom_op_counts(model) == {"Roll": 1}
        for shift, axis in cases:
            s, a = np.array(shift, shift_dtype), np.array(axis, axis_dtype)
            want = fn(x, s, a).numpy()
            for runtime in RUNTIMES:
                (got,) = run_tflite(model, [x, s, a], runtime).values()
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_large_and_int64_shifts_as_tf_computes_them(tf, runtime):
    """TF reads each shift as a 32-bit int and sums an axis's shifts in 32 bits: int64 shifts beyond
    int32 are truncated, and large sums wrap. Whatever TF gives, we give."""
    fn = tf.function(
        lambda v, s, a: tf.roll(v, s, a),
        input_signature=[
            tf.TensorSpec([None, None], tf.int32),
            tf.TensorSpec([None], tf.int64),
            tf.TensorSpec([None], tf.int64),
        ],
    )
    model = convert_fn(fn, ([None, None], tf.int32), ([None], tf.int64), ([None], tf.int64))
    x = np.arange(35, dtype=np.int32).reshape(5, 7)
    i32 = 2**31
    for shift, axis in (
        ([2**32 + 1], [0]),
        ([3 * i32], [1]),
        ([i32 - 1, i32 - 1], [0, 0]),
        ([-i32, -1, -i32], [1, 1, 1]),
        ([2**62 + 3, -(2**40) - 2], [0, 1]),
        ([], []),
    ):
        s, a = np.array(shift, np.int64), np.array(axis, np.int64)
        want = fn(x, s, a).numpy()
        (got,) = run_tflite(model, [x, s, a], runtime).values()
        np.testing.assert_array_equal(got, want, err_msg=f"shift {shift} axis {axis}")


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), (2, 0, 3), (1,), (1, 1, 1), (6,)], ids=str)
def test_shapes_including_empty(tf, rng, shape):
    x = values(rng, np.int16, shape)
    fn = dynamic(tf, lambda v: tf.roll(v, [2, -1], [0, -1]), x)
    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Roll": 1}


def test_rank_8(tf, rng):
    x = values(rng, np.uint8, (2, 3, 1, 2, 3, 2, 1, 4))
    fn = dynamic(tf, lambda v: tf.roll(v, [1, 2, 5, -1, 3, 7], [0, 1, 2, 4, -2, -1]), x)
    assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)


def test_threads_do_not_change_results(tf, rng):
    for shape, shift, axis in (((300, 400), [3, -7], [0, 1]), ((20000, 3), 5, 0), ((7, 9, 3000), 1, 1)):
        x = rng.standard_normal(shape).astype(np.float32)
        model = convert_fn(lambda v, s=shift, a=axis: tf.roll(v, s, a), ((None,) * len(shape), tf.float32))
        (one,) = run_tflite(model, [x], num_threads=1).values()
        (four,) = run_tflite(model, [x], num_threads=4).values()
        np.testing.assert_array_equal(one, four)
        np.testing.assert_array_equal(one, tf.roll(x, shift, axis).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_axis_out_of_range_as_tf(tf, runtime):
    fn = tf.function(
        lambda v, s, a: tf.roll(v, s, a),
        input_signature=[
            tf.TensorSpec([None, None], tf.float32),
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None], tf.int32),
        ],
    )
    model = convert_fn(fn, ([None, None], tf.float32), ([None], tf.int32), ([None], tf.int32))
    x = np.ones((2, 3), np.float32)
    for axis in (2, -3, 100):
        s, a = np.array([1, 1], np.int32), np.array([0, axis], np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match="is out of range"):
            fn(x, s, a)
        with pytest.raises(RuntimeError, match=rf"Roll: axis {axis} \(axis\[1\]\) is out of range"):
            run_tflite(model, [x, s, a], runtime)
    s, a = np.array([1], np.int32), np.array([0, 1], np.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="shift and axis must have the same size"):
        fn(x, s, a)
    with pytest.raises(RuntimeError, match=r"Roll: shift and axis must have the same size"):
        run_tflite(model, [x, s, a], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_ranks_as_tf(tf, runtime):
    """A scalar input, or a shift/axis of rank 2: TF refuses them, so do we (at prepare)."""
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must be 1-D or higher"):
        tf.raw_ops.Roll(input=np.float32(1), shift=1, axis=0)
    model = tflite_model.single_custom_op_model(
        "Roll", [("x", [], np.float32), ("s", [], np.int32), ("a", [], np.int32)], [("y", [], np.float32)]
    )
    with pytest.raises(RuntimeError, match=r"Roll: input 'input' must have rank >= 1, got shape \[\]"):
        run_tflite(model, [np.float32(1), np.int32(1), np.int32(0)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="shift must be a scalar or a 1-D vector"):
        tf.raw_ops.Roll(input=np.ones(3, np.float32), shift=[[1]], axis=[[0]])
    model = tflite_model.single_custom_op_model(
        "Roll",
        [("x", [3], np.float32), ("s", [1, 1], np.int32), ("a", [1, 1], np.int32)],
        [("y", [3], np.float32)],
    )
    with pytest.raises(
        RuntimeError, match=r"Roll: input 'shift' must be a scalar or a 1-D vector, got shape \[1, 1\]"
    ):
        run_tflite(
            model, [np.ones(3, np.float32), np.ones((1, 1), np.int32), np.zeros((1, 1), np.int32)], runtime
        )
    model = tflite_model.single_custom_op_model(
        "Roll", [("x", [3], np.float32), ("s", [1], np.int32), ("a", [], np.int32)], [("y", [3], np.float32)]
    )
    with pytest.raises(RuntimeError, match=r"Roll: shift and axis must have the same size"):
        run_tflite(model, [np.ones(3, np.float32), np.ones(1, np.int32), np.int32(0)], runtime)
