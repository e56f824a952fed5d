"""MatrixDiagPartV3 (tf.linalg.diag_part with k, align, padding_value): TFLite kernel vs TF's kernel."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

ALIGNS = ["RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT"]
SHAPES = [(1, 1), (3, 4), (4, 3), (5, 5), (2, 3, 4), (2, 1, 4, 2)]


def diagonal_ranges(rows: int, cols: int) -> list:
    """Single diagonals and bands, up to the corner ones, that TF accepts for [rows, cols]."""
    candidates = [0, 1, -1, cols - 1, -(rows - 1), (-1, 1), (0, 2), (-2, 0), (1, 2), (-(rows - 1), cols - 1)]
    valid = []
    for k in candidates:
        lo, hi = (k, k) if isinstance(k, int) else k
        ok = all((-rows < d < cols) or d == 0 for d in (lo, hi)) and lo <= hi
        if ok and k not in valid:
            valid.append(k)
    return valid


def random_values(rng, shape, dtype):
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        return (
            rng.integers(-100, 100, shape).astype(dtype)
            if np.dtype(dtype).kind == "i"
            else rng.integers(0, 200, shape).astype(dtype)
        )
    if np.issubdtype(dtype, np.complexfloating):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("align", ALIGNS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_diag_part_matches_tf_for_every_k_and_align(tf, rng, shape, align):
    """One model per shape and align, one output per diagonal range; exact equality."""
    x = random_values(rng, shape, np.float32)
    ks = diagonal_ranges(*shape[-2:])

    def fn(m):
        return tuple(tf.linalg.diag_part(m, k=k, padding_value=-7.5, align=align) for k in ks)

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"MatrixDiagPartV3": len(ks)}


DTYPES = [
    np.float64,
    np.float16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.bool_,
    np.complex64,
    np.complex128,
]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_element_type(tf, rng, dtype):
    x = random_values(rng, (2, 4, 5), dtype)
    padding = np.array(1, dtype)

    def fn(m):
        return (
            tf.linalg.diag_part(m),
            tf.linalg.diag_part(m, k=(-2, 1), padding_value=padding, align="LEFT_RIGHT"),
            tf.linalg.diag_part(m, k=(1, 3), padding_value=padding, align="RIGHT_RIGHT"),
        )

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"MatrixDiagPartV3": 3}


def test_nan_padding_and_values_are_copied_bit_for_bit(tf):
    x = np.array([[[np.nan, -0.0, np.inf], [1, -np.inf, 2]]], np.float32)
    fn = lambda m: tf.linalg.diag_part(m, k=(-1, 2), padding_value=np.nan)  # noqa: E731
    model = convert_fn(fn, (x.shape, tf.float32))
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x], runtime).values()
        np.testing.assert_array_equal(got.view(np.uint32), np.asarray(fn(x)).view(np.uint32))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_k_as_a_model_input_gives_a_dynamic_output(tf, rng, runtime):
    """k not constant: the output's shape is known only when the kernel reads k."""
    fn = tf.function(
        lambda m, k: tf.linalg.diag_part(m, k=k, padding_value=3.0, align="LEFT_LEFT"),
        input_signature=[tf.TensorSpec([None, None, None], tf.float32), tf.TensorSpec([2], tf.int32)],
    )
    import opbridge

    model = opbridge.convert(fn)
    cases = [((2, 3, 4), (-1, 2)), ((1, 5, 5), (0, 0)), ((3, 2, 6), (-1, 5)), ((2, 4, 3), (-3, -1))]
    for shape, k in cases:
        x = random_values(rng, shape, np.float32)
        k = np.array(k, np.int32)
        (got,) = run_tflite(model, {"m": x, "k": k}, runtime).values()
        np.testing.assert_array_equal(got, fn(x, k).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_empty_inputs(tf, runtime):
    """Empty batches and empty matrices (the converter folds them away when shapes are static)."""
    fn = lambda m: tf.linalg.diag_part(m, k=(0, 1), padding_value=2.0)  # noqa: E731
    model = convert_fn(fn, ((None, None, None), tf.float32))
    for shape in ((0, 3, 4), (2, 0, 3), (2, 3, 0), (3, 1, 2)):
        x = np.ones(shape, np.float32)
        k = (0, 0) if 0 in shape[1:] else (0, 1)
        expected = tf.linalg.diag_part(x, k=k, padding_value=2.0).numpy()
        if k == (0, 0):
            model_k = convert_fn(
                lambda m: tf.linalg.diag_part(m, padding_value=2.0), ((None, None, None), tf.float32)
            )
            (got,) = run_tflite(model_k, [x], runtime).values()
        else:
            (got,) = run_tflite(model, [x], runtime).values()
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


def test_scalar_k_input(tf, rng):
    x = random_values(rng, (2, 3, 4), np.int32)
    k = np.array(1, np.int32)
    assert_parity(lambda m, d: tf.linalg.diag_part(m, k=d), [x, k], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_k_is_an_error_as_in_tf(tf, runtime):
    x = np.ones((3, 4), np.float32)
    cases = [
        ((3, 0), r"lower_diag_index must not be larger than upper_diag_index: 3 > 0"),
        ((-3, 0), r"lower_diag_index is out of bound: -3\. It must be between -3 and 4"),
        ((0, 4), r"upper_diag_index is out of bound: 4 It must be between -3 and 4"),
        (5, r"lower_diag_index is out of bound: 5\. It must be between -3 and 4"),
    ]
    for k, message in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            tf.raw_ops.MatrixDiagPartV3(input=x, k=k, padding_value=0.0)
        # A constant k is checked when the interpreter prepares the node, a k input when it runs.
        # (TF's shape function already refuses a constant k[0] > k[1]: no model can hold one.)
        if k != (3, 0):
            const_model = convert_fn(lambda m, k=k: tf.linalg.diag_part(m, k=k), ((None, None), tf.float32))
            with pytest.raises(RuntimeError, match="MatrixDiagPartV3: " + message):
                run_tflite(const_model, [x], runtime)
        k_array = np.array(k, np.int32)
        input_model = convert_fn(
            lambda m, d: tf.linalg.diag_part(m, k=d), ((None, None), tf.float32), (k_array.shape, tf.int32)
        )
        with pytest.raises(RuntimeError, match="MatrixDiagPartV3: " + message):
            run_tflite(input_model, [x, k_array], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_k_with_three_elements_is_rejected(tf, runtime):
    model = convert_fn(lambda m, d: tf.linalg.diag_part(m, k=d), ((3, 4), tf.float32), ((None,), tf.int32))
    with pytest.raises(
        RuntimeError, match=r"MatrixDiagPartV3: diag_index must have only one or two elements, received 3"
    ):
        run_tflite(model, [np.ones((3, 4), np.float32), np.array([0, 1, 2], np.int32)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="one or two elements"):
        tf.raw_ops.MatrixDiagPartV3(input=np.ones((3, 4), np.float32), k=[0, 1, 2], padding_value=0.0)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_rank_1_input_is_rejected(tf, runtime):
    model = convert_fn(lambda m: tf.linalg.diag_part(m, k=(0, 1)), ((None, None), tf.float32))
    interpreter_input = np.ones((3,), np.float32)
    with pytest.raises(
        RuntimeError, match=r"MatrixDiagPartV3: input 'input' must have rank >= 2, got shape \[3\]"
    ):
        run_tflite(model, [interpreter_input], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_scalar_padding_value_is_rejected(runtime):
    """TF's shape function wants a scalar padding_value; a hand-made node gets a clear error."""
    model = tflite_model.single_custom_op_model(
        "MatrixDiagPartV3",
        [("input", (3, 4), np.float32), ("k", (2,), np.int32), ("padding_value", (2,), np.float32)],
        [("diagonal", (2, 3), np.float32)],
    )
    inputs = [np.ones((3, 4), np.float32), np.array([0, 1], np.int32), np.zeros(2, np.float32)]
    with pytest.raises(
        RuntimeError, match=r"MatrixDiagPartV3: input 'padding_value' must have rank 0, got shape \[2\]"
    ):
        run_tflite(model, inputs, runtime)
