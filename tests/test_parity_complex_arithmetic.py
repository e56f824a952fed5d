"""AddV2, Sub, Mul, RealDiv for the dtypes the converter leaves custom (float64, complex64,
complex128; complex64 Mul is the builtin MUL): TFLite kernels vs TF's own kernels."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

DTYPES = [np.float64, np.complex64, np.complex128]
SHAPES = [
    ((5, 7), (5, 7)),
    ((37, 29), (29,)),
    ((4, 1, 6), (3, 1)),
    ((), (2, 3)),
    ((0, 3), (3,)),
    ((1,), (6, 1)),
]


def values(rng, shape, dtype):
    """Unit-scale values times 10^[-5, 5], so products and quotients exercise the exponent range."""

    def part():
        return rng.standard_normal(shape) * np.exp(rng.uniform(-5, 5, shape))

    x = part() + (1j * part() if np.issubdtype(dtype, np.complexfloating) else 0)
    return np.asarray(x).astype(dtype)


def ids(dtype):
    return np.dtype(dtype).name


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_add_sub_mul_are_exact(tf, rng, dtype):
    inputs = [values(rng, s, dtype) for pair in SHAPES for s in pair]

    def fn(*xs):
        out = []
        for i in range(len(SHAPES)):
            a, b = xs[2 * i], xs[2 * i + 1]
            out += [a + b, a - b, a * b]
        return out

    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    counts = tflite_model.custom_op_counts(report.model)
    n = len(SHAPES) - (dtype == np.float64)  # the converter folds float64 ops on the empty pair
    if dtype == np.complex64:
        assert counts == {"AddV2": n, "Sub": n}
        assert tflite_model.op_histogram(report.model)["MUL"] == n  # the builtin takes complex64
    else:
        assert counts == {"AddV2": n, "Sub": n, "Mul": n}


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_real_div_matches_tf(tf, rng, dtype):
    """Complex quotients follow Eigen's packet algorithm, as TF's kernel does for all but
    the last few elements of each range it evaluates (computed there by the C library's
    division): within 2 ulps per part (measured: 2 of 35 elements differ, by 1 ulp)."""
    inputs = [values(rng, s, dtype) for pair in SHAPES for s in pair]

    def fn(*xs):
        return [xs[2 * i] / xs[2 * i + 1] for i in range(len(SHAPES))]

    signature = [tf.TensorSpec(x.shape, tf.as_dtype(x.dtype)) for x in inputs]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    want = [np.asarray(v) for v in concrete(*[tf.constant(x) for x in inputs])]
    model = opbridge.convert(concrete)
    assert tflite_model.custom_op_counts(model) == {"RealDiv": len(SHAPES) - (dtype == np.float64)}
    eps = np.finfo(np.float32 if dtype == np.complex64 else np.float64).eps
    for runtime in RUNTIMES:
        out = run_tflite(model, inputs, runtime)
        for i, w in enumerate(want):
            got = out[f"output_{i}"]
            if dtype == np.float64:
                np.testing.assert_array_equal(got, w)
                continue
            for part in (np.real, np.imag):
                np.testing.assert_allclose(part(got), part(w), rtol=2 * eps, atol=0, err_msg=f"{runtime} {i}")


def test_complex64_quotients_avx2_path_is_the_scalar_paths_bits(tf, rng, tmp_path):
    """Same-shape complex64 RealDiv runs 8 quotients per step on AVX2 CPUs (real_div.cc), the same
    steps as the scalar loop of the baseline path (OPBRIDGE_NO_AVX2=1): the same bits, on
    quotients over the exponent range, zeros, infinities and NaN parts, and a ragged tail."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if not cpu_has_avx2():
        pytest.skip("needs a CPU with AVX2 to compare the two paths")
    special = np.array([0.0, -0.0, 1.0, -3.5, 1e-30, 1e30, np.inf, -np.inf, np.nan], np.float32)
    re, im = np.meshgrid(special, special)
    x = values(rng, (1003,), np.complex64)
    y = values(rng, (1003,), np.complex64)
    y[: re.size] = (re + 1j * im).ravel()
    x[re.size : 2 * re.size] = (re + 1j * im).ravel()
    fn = tf.function(lambda a, b: a / b, input_signature=[tf.TensorSpec(x.shape, tf.complex64)] * 2)
    model = opbridge.convert(fn)
    runs = []
    for baseline in (False, True):
        work = tmp_path / ("baseline" if baseline else "auto")
        work.mkdir()
        (got,) = run_tflite_in_process(model, [x, y], work, baseline=baseline).values()
        runs.append(got.view(np.float32))
    np.testing.assert_array_equal(np.isnan(runs[0]), np.isnan(runs[1]))
    finite = ~np.isnan(runs[0])
    np.testing.assert_array_equal(runs[0][finite].view(np.uint32), runs[1][finite].view(np.uint32))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_float64_special_values_are_exact(tf, runtime):
    parts = np.array([0.0, -0.0, 1.0, -2.5, 1e-310, 1e300, np.inf, -np.inf, np.nan])
    a, b = np.meshgrid(parts, parts)
    fn = tf.function(
        lambda x, y: (x + y, x - y, x * y, x / y),
        input_signature=[tf.TensorSpec(a.shape, tf.float64), tf.TensorSpec(b.shape, tf.float64)],
    )
    out = run_tflite(opbridge.convert(fn), [a, b], runtime)
    for i, w in enumerate(fn(a, b)):
        np.testing.assert_array_equal(out[f"output_{i}"], w.numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dynamic_shapes_and_incompatible_shapes(tf, rng, runtime):
    fn = tf.function(
        lambda x, y: (x + y, x / y),
        input_signature=[tf.TensorSpec([None, None], tf.complex128), tf.TensorSpec([None], tf.complex128)],
    )
    model = opbridge.convert(fn)
    for shape_x, shape_y in [((3, 4), (4,)), ((2, 1), (5,)), ((0, 2), (2,))]:
        x, y = values(rng, shape_x, np.complex128), values(rng, shape_y, np.complex128)
        out = run_tflite(model, [x, y], runtime)
        want = fn(x, y)
        np.testing.assert_array_equal(out["output_0"], want[0].numpy())
        np.testing.assert_array_equal(out["output_1"], want[1].numpy())
    x, y = values(rng, (2, 3), np.complex128), values(rng, (4,), np.complex128)
    with pytest.raises(RuntimeError, match=r"AddV2: Incompatible shapes: \[2, 3\] vs. \[4\]"):
        run_tflite(model, [x, y], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        fn(x, y)


# Matrix products sum in another order than TF's Eigen contraction: relative to the
# output's scale, float64 and complex128 within 1e-12, complex64 within 1e-5 (the issue's).
MATMUL_TOL = {np.float64: 1e-12, np.complex64: 1e-5, np.complex128: 1e-12}


def assert_close_to_scale(got, want, dtype, label):
    assert got.shape == want.shape and got.dtype == want.dtype, label
    if want.size:
        scale = max(float(np.abs(want).max()), 1e-300)
        err = float(np.abs(got - want).max()) / scale
        assert err <= MATMUL_TOL[dtype], f"{label}: {err:.3g}"


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_matmul_batch_matmul_and_transpose(tf, rng, dtype):
    """2-D tf.matmul becomes Transpose + MatMul (or Conj + MatMul for adjoint_b);
    batched ones BatchMatMulV2 with broadcasting and adjoints."""
    cases = [
        ((4, 5), (5, 3), {}),
        ((5, 4), (5, 3), {"transpose_a": True}),
        ((4, 5), (3, 5), {"adjoint_b": True}),
        ((2, 5, 4), (1, 5, 3), {"adjoint_a": True}),
        ((3, 2, 4, 6), (2, 6, 3), {}),
        ((2, 4, 6), (2, 7, 6), {"adjoint_b": True}),
        ((0, 3, 4), (4, 2), {}),
        ((1, 3, 0), (1, 0, 2), {}),
    ]
    inputs = [values(rng, s, dtype) for a, b, _ in cases for s in (a, b)]

    def fn(*xs):
        out = [tf.matmul(xs[2 * i], xs[2 * i + 1], **kw) for i, (_, _, kw) in enumerate(cases)]
        return [*out, tf.transpose(xs[8], [2, 0, 3, 1]), tf.transpose(xs[0])]

    signature = [tf.TensorSpec(x.shape, tf.as_dtype(x.dtype)) for x in inputs]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    want = [np.asarray(v) for v in concrete(*[tf.constant(x) for x in inputs])]
    model = opbridge.convert(concrete)
    counts = tflite_model.custom_op_counts(model)
    assert counts["MatMul"] == 3 and counts["BatchMatMulV2"] >= 3 and counts["Transpose"] >= 3, counts
    for runtime in RUNTIMES:
        out = run_tflite(model, inputs, runtime)
        for i, w in enumerate(want):
            got = out[f"output_{i}"]
            if i >= len(cases):
                np.testing.assert_array_equal(got, w)  # Transpose moves elements
            else:
                assert_close_to_scale(got, w, dtype, f"{runtime} case {cases[i]}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_matmul_dynamic_shapes_and_errors(tf, rng, runtime):
    fn = tf.function(
        lambda a, b, p: (tf.matmul(a, b), tf.transpose(a, p)),
        input_signature=[
            tf.TensorSpec([None, None, None], tf.complex128),
            tf.TensorSpec([None, None, None], tf.complex128),
            tf.TensorSpec([3], tf.int32),
        ],
    )
    model = opbridge.convert(fn)
    assert {"BatchMatMulV2", "Transpose"} <= set(tflite_model.custom_op_counts(model))
    for sa, sb, perm in [((2, 3, 4), (2, 4, 5), [0, 2, 1]), ((1, 6, 2), (3, 2, 1), [2, 1, 0])]:
        a, b, p = values(rng, sa, np.complex128), values(rng, sb, np.complex128), np.array(perm, np.int32)
        out = run_tflite(model, [a, b, p], runtime)
        want = fn(a, b, p)
        assert_close_to_scale(out["output_0"], want[0].numpy(), np.complex128, str(sa))
        np.testing.assert_array_equal(out["output_1"], want[1].numpy())
    a, b = values(rng, (2, 3, 4), np.complex128), values(rng, (2, 5, 2), np.complex128)
    with pytest.raises(RuntimeError, match=r"BatchMatMulV2: Matrix size-incompatible: In\[0\]: \[2, 3, 4\]"):
        run_tflite(model, [a, b, np.array([0, 1, 2], np.int32)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Matrix size-incompatible"):
        fn(a, b, np.array([0, 1, 2], np.int32))
    b = values(rng, (3, 4, 2), np.complex128)
    with pytest.raises(RuntimeError, match=r"BatchMatMulV2: In\[0\] and In\[1\] must have compatible batch"):
        run_tflite(model, [a, b, np.array([0, 1, 2], np.int32)], runtime)
    with pytest.raises(RuntimeError, match=r"Transpose: 1 is missing from \{0,2,2\}"):
        run_tflite(model, [a, values(rng, (2, 4, 2), np.complex128), np.array([0, 2, 2], np.int32)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"1 is missing from \{0,2,2\}"):
        fn(a, values(rng, (2, 4, 2), np.complex128), np.array([0, 2, 2], np.int32))
