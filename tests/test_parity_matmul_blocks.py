"""The tiled products behind BatchMatMulV2 and MatMul for float64, complex64 and complex128
(ops/linalg/matmul_tiles.h): op(A) and op(B) packed in blocks of 256 values of k and 64 rows,
B in column panels (two vectors, one, narrower ones, single columns), the partial sums carried in C
between blocks of k; BatchMatMulV2 splits C's rows over threads above 128 rows. Each C element
is 0 + the products over k in order whatever the blocks, so the AVX-512 (float64), AVX2 and
baseline paths must agree bit for bit, at one and two threads; the values are also checked
against TF within the dot-product bound, so that agreeing cannot mean agreeing on garbage."""

from __future__ import annotations

import numpy as np
import pytest

from opbridge.conversion import convert_model
from test_parity_fft import runs_on_every_path

# (batch, m, k, n, adjoint_a, adjoint_b): several k blocks (k 257, 600), row blocks and the
# row split (m 70, 300), every panel width (n 77, 65, 9, 1), adjoints, a tiny product.
CASES = [
    (1, 300, 600, 77, False, False),
    (2, 70, 513, 130, True, False),
    (1, 129, 257, 65, False, True),
    (3, 5, 3, 7, True, True),
    (1, 1, 300, 9, False, False),
    (1, 260, 40, 1, False, False),
]
DTYPES = [np.float64, np.complex64, np.complex128]


def operands(rng, case, dtype):
    b, m, k, n, adj_a, adj_b = case
    x = rng.standard_normal((b, k, m) if adj_a else (b, m, k))
    y = rng.standard_normal((b, n, k) if adj_b else (b, k, n))
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(x.shape)
        y = y + 1j * rng.standard_normal(y.shape)
    return x.astype(dtype), y.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_blocks_give_the_same_bits_on_every_path(tf, rng, tmp_path, dtype):
    inputs = [v for case in CASES for v in operands(rng, case, dtype)]

    @tf.function(input_signature=[tf.TensorSpec(v.shape, tf.as_dtype(v.dtype)) for v in inputs])
    def fn(*xs):
        return {
            f"c{i}": tf.linalg.matmul(xs[2 * i], xs[2 * i + 1], adjoint_a=case[4], adjoint_b=case[5])
            for i, case in enumerate(CASES)
        }

    model = convert_model(fn).model
    want = {k: v.numpy() for k, v in fn(*inputs).items()}
    # The default paths (AVX-512 where the CPU has it), AVX2 and the baseline, one process each.
    runs = runs_on_every_path(model, inputs, tmp_path)
    eps = float(np.finfo(np.dtype(dtype).type(0).real.dtype).eps)
    for i, case in enumerate(CASES):
        got = runs["avx512"][f"c{i}"]
        for name in ("avx2", "baseline"):
            np.testing.assert_array_equal(got, runs[name][f"c{i}"], err_msg=f"{case} default vs {name}")
        x, y = (np.abs(v.astype(np.complex128)) for v in inputs[2 * i : 2 * i + 2])
        if case[4]:
            x = np.swapaxes(x, -1, -2)
        if case[5]:
            y = np.swapaxes(y, -1, -2)
        bound = 2 * case[2] * eps * (x @ y) + 1e-300
        tfs = want[f"c{i}"]
        assert np.all(np.abs(got - tfs) <= 2 * bound), f"{case}: beyond the dot-product bound"
