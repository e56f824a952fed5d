"""TridiagonalMatMul (tf.linalg.tridiagonal_matmul): the TFLite kernel against TF's, bit for bit,
in both runtimes: float, double, complex64, complex128; M of 1, 2 and more, N of 1 to 33,
batch dims, empty batches, rows and columns; the compact, sequence and matrix forms of the
Python wrapper; 1 and 2 threads; and TF's shape errors."""

from __future__ import annotations

import numpy as np

from bitwise_parity import any_shape, assert_fails_as_tf, check_cases
from conftest import convert_fn, registered_cpu_dtypes
from opbridge import tflite_model

DTYPES = ["float32", "float64", "complex64", "complex128"]


def test_every_dtype_registered_is_declared(tf):
    assert registered_cpu_dtypes("TridiagonalMatMul") == set(DTYPES)


def random(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)
    if dtype.startswith("complex"):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def test_every_dtype_and_shape_bitwise(tf, rng):
    """One model: compact diagonals of each dtype ([..., 3, M] split into the op's three inputs
    by the wrapper), the sequence form of float32 and the matrix form of complex64."""

    def fn(*args):
        out = {}
        for k, name in enumerate(DTYPES):
            out[name] = tf.linalg.tridiagonal_matmul(args[2 * k], args[2 * k + 1])
        sup, main, sub, rhs, mat, rhs2 = args[8:]
        out["sequence"] = tf.linalg.tridiagonal_matmul((sup, main, sub), rhs, diagonals_format="sequence")
        out["matrix"] = tf.linalg.tridiagonal_matmul(mat, rhs2, diagonals_format="matrix")
        return out

    specs = []
    for name in DTYPES:
        specs += [((None, 3, None), tf.as_dtype(name)), ((None, None, None), tf.as_dtype(name))]
    specs += [((None,), tf.float32)] * 3 + [((None, None), tf.float32)] + [((None, None), tf.complex64)] * 2
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model).get("TridiagonalMatMul") == 6
    cases = []
    for batch, m, n in [(3, 7, 5), (2, 1, 3), (1, 2, 33), (4, 40, 17), (0, 3, 2), (2, 0, 4), (2, 3, 0)]:
        case = []
        for name in DTYPES:
            case += [random(rng, (batch, 3, m), name), random(rng, (batch, m, n), name)]
        case += [random(rng, (m,), "float32") for _ in range(3)] + [random(rng, (m, n), "float32")]
        # (TF's matrix form cannot take a 1x1 matrix: its diagonal band -1..1 is out of bounds.)
        m2 = max(m, 2)
        case += [random(rng, (m2, m2), "complex64"), random(rng, (m2, n), "complex64")]
        cases.append(case)
    check_cases(tf.function(fn), model, cases, num_threads=(1, 2))


def test_shape_errors_as_tf(tf):
    def raw(a, b, c, r):
        return tf.raw_ops.TridiagonalMatMul(superdiag=a, maindiag=b, subdiag=c, rhs=r)

    fn = any_shape(tf, raw, *[tf.float64] * 4)
    model = convert_fn(raw, *[(None, tf.float64)] * 4)
    one = lambda *s: np.ones(s, np.float64)  # noqa: E731
    cases = [
        (one(1, 2), one(1, 3), one(1, 3), one(3, 2)),
        (one(1, 3), one(2, 3), one(1, 3), one(3, 2)),
        (one(1, 3), one(1, 3), one(1, 4), one(3, 2)),
        (one(2, 1, 3), one(1, 3), one(1, 3), one(3, 2)),
        (one(2, 1, 3), one(2, 1, 3), one(2, 1, 3), one(3, 3, 2)),
        (one(3), one(3), one(3), one(3, 2)),
        (one(1, 3), one(1, 3), one(1, 3), one(3)),
    ]
    texts = [assert_fails_as_tf(tf, fn, model, "TridiagonalMatMul", c) for c in cases]
    assert texts[0] == "Invalid superdiagonal shape."
