"""MatrixInverse: TFLite kernel vs TF's own kernel, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge.testing import assert_parity, run_tflite

SHAPES = [(1, 1), (2, 2), (3, 3), (5, 5), (16, 16), (4, 3, 3), (2, 3, 4, 4), (0, 3, 3), (0, 0), (2, 0, 0)]


def well_conditioned(rng, shape, dtype):
    n = shape[-1]
    a = rng.standard_normal(shape) + 2 * n**0.5 * np.eye(n) if n else rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matrix_inverse_matches_tf(tf, rng, shape, dtype, adjoint):
    a = well_conditioned(rng, shape, dtype)
    single = dtype in (np.float32, np.complex64)
    assert_parity(
        lambda m: tf.linalg.inv(m, adjoint=adjoint),
        [a],
        rtol=0,
        atol=1e-4 if single else 1e-10,
        runtimes=RUNTIMES,
    )


def test_ill_conditioned_matrices_agree_with_tf(tf, rng):
    """Same pivoting as TF, so even ill-conditioned inverses agree closely."""
    a = np.vander(np.linspace(1, 2, 6), increasing=True)[None]  # condition number ~1e7
    a = np.concatenate([a, rng.standard_normal((3, 6, 6))]).astype(np.float64)
    assert_parity(tf.linalg.inv, [a], rtol=1e-9, atol=1e-9, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_singular_matrix_is_an_error_as_in_tf(tf, runtime):
    a = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [0, 0, 1]], np.eye(3)]).astype(np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(a)
    model = convert_fn(tf.linalg.inv, (a.shape, tf.float32))
    with pytest.raises(RuntimeError, match=r"MatrixInverse: Input is not invertible.*matrix 1 of 3"):
        run_tflite(model, [a], runtime)


def test_nan_input_behaves_as_in_tf(tf):
    """TF returns NaNs for a matrix with a NaN (its zero-pivot test does not see it); so do we."""
    a = np.stack([np.eye(3), np.eye(3)]).astype(np.float32)
    a[0, 1, 1] = np.nan
    assert np.isnan(tf.linalg.inv(a).numpy()[0]).any()
    assert_parity(tf.linalg.inv, [a], rtol=0, atol=1e-6, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_input_is_rejected(tf, runtime):
    model = convert_fn(tf.linalg.inv, ((None, None), tf.float32))
    with pytest.raises(
        RuntimeError, match=r"MatrixInverse: dim -2 of input 'input' \[2, 3\] must equal dim -1"
    ):
        run_tflite(model, [np.ones((2, 3), np.float32)], runtime)


@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("shape", [*SHAPES, (33, 33)], ids=str)
def test_half_is_inverted_in_float_as_tf(tf, rng, shape, adjoint):
    """TF's half kernel widens to float, runs float's LU and inverse, rounds to half: TF's
    half result is its float result on the widened input, rounded (checked here too). Ours
    does the same; its float LU is the same algorithm in another vector width (TF's wheel is
    built for AVX), so the last float bits can differ, and after rounding one unit of half."""
    a = well_conditioned(rng, shape, np.float16)
    want = tf.linalg.inv(a, adjoint=adjoint).numpy()
    in_float = tf.linalg.inv(a.astype(np.float32), adjoint=adjoint).numpy().astype(np.float16)
    np.testing.assert_array_equal(want, in_float)
    model = convert_fn(lambda m: tf.linalg.inv(m, adjoint=adjoint), (a.shape, tf.float16))
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [a], runtime).values()
        assert got.dtype == np.float16 and got.shape == want.shape
        units = np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want)).astype(np.float64)
        assert units.max(initial=0) <= 1, (runtime, units.max())
        if shape[-1] <= 8:  # float's LU rounds alike in both widths at these sizes (measured)
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_singular_half_matrix_is_an_error_as_in_tf(tf, runtime):
    a = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [0, 0, 1]]]).astype(np.float16)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(a)
    model = convert_fn(tf.linalg.inv, (a.shape, tf.float16))
    with pytest.raises(RuntimeError, match=r"MatrixInverse: Input is not invertible.*matrix 1 of 2"):
        run_tflite(model, [a], runtime)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_blocked_inverse_paths(tf, rng, path, tmp_path):
    """Past n = 16 Eigen blocks the LU and the inverse's solves, at the build's packet width. With
    AVX2, float64 and complex take the isolated AVX2 build (ops/linalg/matrix_inverse_avx2.cc:
    4-double packets, no FMA, as TF's AVX wheel): TF's bits in float64 and complex128, adjoint or
    not (complex64 differs in the last bits, as MatrixLogarithm's does: some scalar complex<float>
    step TF's clang build computes otherwise). The baseline (OPBRIDGE_NO_AVX2=1, SSE2 packets),
    complex64 and float32 agree within n eps of the inverse's largest element."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if path == "auto" and not cpu_has_avx2():
        pytest.skip("the AVX2 build needs a CPU with AVX2 (the baseline case runs everywhere)")
    for dtype in [np.float64, np.complex64, np.complex128, np.float32]:
        mats = well_conditioned(rng, (3, 72, 72), dtype)
        fn = lambda m: [tf.linalg.inv(m), tf.linalg.inv(m, adjoint=True)]  # noqa: E731
        want = [w.numpy() for w in tf.function(fn)(mats)]
        work = tmp_path / np.dtype(dtype).name
        work.mkdir()
        got = list(
            run_tflite_in_process(
                convert_fn(fn, (mats.shape, dtype)), [mats], work, path == "baseline"
            ).values()
        )
        for g, w in zip(got, want, strict=True):
            if path == "auto" and dtype in (np.float64, np.complex128):
                np.testing.assert_array_equal(g, w, err_msg=np.dtype(dtype).name)
            else:
                eps = np.finfo(dtype).eps
                np.testing.assert_allclose(
                    g, w, rtol=0, atol=72 * eps * np.abs(w).max(), err_msg=np.dtype(dtype).name
                )
