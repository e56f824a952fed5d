"""MatrixDeterminant and LogMatrixDeterminant: TFLite kernels vs TF's kernels."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, SQUARE_SHAPES, random, tol, well_conditioned
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SQUARE_SHAPES, ids=str)
def test_det_and_slogdet_match_tf(tf, rng, shape, dtype):
    a = well_conditioned(rng, shape, dtype)
    assert_parity(lambda m: (tf.linalg.det(m), *tf.linalg.slogdet(m)), [a], **tol(dtype), runtimes=RUNTIMES)


def test_converter_emits_both_ops(tf):
    model = convert_fn(lambda m: (tf.linalg.det(m), tf.linalg.slogdet(m)), ((2, 3, 3), tf.float64))
    assert tflite_model.custom_op_counts(model) == {"MatrixDeterminant": 1, "LogMatrixDeterminant": 1}


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_unscaled_random_matrices(tf, rng, dtype):
    """Plain Gaussian matrices: determinants of any sign, spread over orders of magnitude."""
    a = random(rng, (64, 6, 6), dtype)
    assert_parity(lambda m: (tf.linalg.det(m), *tf.linalg.slogdet(m)), [a], **tol(dtype), runtimes=RUNTIMES)


def special_matrices(dtype):
    inf, nan = np.inf, np.nan
    cases = [
        [[2, 4], [1, 2]],  # singular, no row swap: sign 0
        [[1, 2], [2, 4]],  # singular after a swap: sign -0.0
        [[0, 0], [0, 0]],
        [[-0.0, 0], [0, 1]],
        [[nan, 2], [2, 4]],
        [[inf, 2], [2, 4]],
        [[-inf, 2], [2, 4]],
        [[1e-30, 0], [0, 1e-30]],  # det underflows, log|det| does not
        [[1e30, 0], [0, 1e30]],  # det overflows (f32), log|det| does not
        [[0, 1], [1, 0]],  # sign -1
    ]
    if np.issubdtype(dtype, np.complexfloating):
        # Complex LU divides by an infinite pivot; TF's quotient (NaN or 0) depends on
        # the vector width its build uses (docs/ops/matrix_determinant.md).
        cases = [c for c in cases if not np.isinf(c).any()]
    return np.array(cases, dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_singular_nan_inf_and_extreme_matrices_as_tf(tf, dtype):
    """No error for any of these in TF: zero, signed zero, NaN, inf and over/underflow come out as TF's."""
    a = special_matrices(dtype)
    fn = lambda m: (tf.linalg.det(m), *tf.linalg.slogdet(m))  # noqa: E731
    expected = [np.asarray(t) for t in fn(a)]
    model = convert_fn(fn, (a.shape, tf.as_dtype(dtype)))
    for runtime in RUNTIMES:
        got = list(run_tflite(model, [a], runtime).values())
        for e, g in zip(expected, got, strict=True):
            # Real and imaginary parts apart: an overflowing complex det is inf+nanj in both.
            for part in (np.real, np.imag):
                np.testing.assert_allclose(part(g), part(e), rtol=1e-6, atol=0, equal_nan=True)
            # The sign of zero too: TF's singular sign is -0.0 after an odd permutation
            # (a NaN's sign bit means nothing).
            numbers = ~np.isnan(e.real)
            np.testing.assert_array_equal(np.signbit(e.real)[numbers], np.signbit(g.real)[numbers])
    assert expected[0][1] == 0 and np.signbit(expected[0][1].real)  # the -0.0 case is exercised
    assert np.isnan(expected[0][4]) and np.isnan(expected[1][4])  # NaN in, NaN out, no error


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_overflowing_determinant_is_inf_and_log_is_finite(tf, runtime):
    a = (100 * np.eye(50, dtype=np.float32))[None]
    model = convert_fn(lambda m: (tf.linalg.det(m), tf.linalg.slogdet(m)), (a.shape, tf.float32))
    det, sign, log = run_tflite(model, [a], runtime).values()
    assert np.isinf(det[0]) and sign[0] == 1
    np.testing.assert_allclose(log, tf.linalg.slogdet(a).log_abs_determinant.numpy(), rtol=1e-6)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_input_is_rejected(tf, runtime):
    for fn, name in ((tf.linalg.det, "MatrixDeterminant"), (tf.linalg.slogdet, "LogMatrixDeterminant")):
        model = convert_fn(fn, ((None, None), tf.float32))
        with pytest.raises(
            RuntimeError, match=rf"{name}: dim -2 of input 'input' \[2, 3\] must equal dim -1"
        ):
            run_tflite(model, [np.ones((2, 3), np.float32)], runtime)
        with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
            fn(np.ones((2, 3), np.float32))
