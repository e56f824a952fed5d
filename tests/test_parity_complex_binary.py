"""The complex64 and complex128 kernels of Pow, DivNoNan (tf.math.sign of a complex tensor is
DivNoNan(x, |x|)), Xlogy and SquaredDifference against TF's own, bit for bit, in both runtimes
(and on two threads): one model per dtype with dynamic shapes, run over output sizes that leave
every ragged tail TF's packets leave (its last n % 4 complex64 or n % 2 complex128 outputs take
Eigen's scalar path: Smith division, glibc's clog, the C library's product), same-shape, scalar
and broadcast operands, special values (signed zeros, infinities, NaN, underflowing products),
and Pow by the constants TF's graph optimizer rewrites (2, 3, 1, 0.5, 0, -0.5, -1)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

EDGE_PARTS = [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 1e-30, 3e38, 1e-45]


def complex_values(rng: np.random.Generator, shape: tuple[int, ...], dtype, edges: bool) -> np.ndarray:
    """Random complex values of a few magnitudes; with edges, the first ones take every pair of
    special parts (as far as the array holds them)."""
    size = int(np.prod(shape))
    scale = np.exp(rng.uniform(-3, 3, size))
    z = (rng.standard_normal(size) + 1j * rng.standard_normal(size)) * scale
    if edges:
        pairs = [complex(a, b) for a in EDGE_PARTS for b in EDGE_PARTS]
        z[: min(size, len(pairs))] = pairs[:size]
    return z.astype(dtype).reshape(shape)


def same_bits(want: np.ndarray, got: np.ndarray, context: str) -> None:
    """Equal shapes and the same bits in every part, NaN parts only as NaN (their payload and sign
    are not compared: TF's NaN signs come from instruction choices, not values)."""
    assert want.shape == got.shape and want.dtype == got.dtype, (context, want.shape, got.shape, got.dtype)
    parts = want.dtype.itemsize // 2
    w = want.view(f"f{parts}").reshape(-1)
    g = got.view(f"f{parts}").reshape(-1)
    nan = np.isnan(w)
    bad = (nan != np.isnan(g)) | (~nan & (w.view(f"u{parts}") != g.view(f"u{parts}")))
    if bad.any():
        i = int(np.argmax(bad)) // 2
        raise AssertionError(
            f"{context}: {int(bad.sum())} of {w.size} parts differ; first at element {i} of {want.size}: "
            f"tf={want.reshape(-1)[i]!r} tflite={got.reshape(-1)[i]!r}"
        )


# Pow by 0.5 and -0.5 is the Sqrt and Rsqrt kernels' computation (TF's graph rewrites it so).
ROOTS = {"pow_half", "pow_minus_half"}


def root_bits(want: np.ndarray, got: np.ndarray, dtype, context: str) -> None:
    """TF's bits in its packets; its ragged tail (the last n % 4 complex64, n % 2 complex128
    outputs) goes through Eigen's scalar complex sqrt, which rounds a part of some values 1 ulp
    apart from ours (measured: complex64 [2,5] element 8, 1.2247449e19 vs 1.2247448e19; and the
    baseline build's complex128 packets hold 1 element, so it has no scalar tail): within 1 ulp of
    the larger part there."""
    packet = 4 if dtype == np.complex64 else 2
    cut = want.size - want.size % packet
    same_bits(want.reshape(-1)[:cut], got.reshape(-1)[:cut], context)
    w, g = want.reshape(-1)[cut:], got.reshape(-1)[cut:]
    finite = np.isfinite(w) & np.isfinite(g)
    same_bits(w[~finite], g[~finite], context + " (tail, non-finite)")
    ulp = np.spacing(np.maximum(np.abs(w.real), np.abs(w.imag))[finite].astype(want.real.dtype))
    assert (np.abs(w[finite] - g[finite]) <= 1.5 * ulp).all(), (context, w, g)


def test_registered_complex_dtypes():
    for op in ["Pow", "DivNoNan", "Xlogy", "SquaredDifference"]:
        assert {"complex64", "complex128"} <= registered_cpu_dtypes(op), op


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_binary_ops_give_tf_bits(tf, rng, dtype):
    tfdtype = tf.as_dtype(dtype)

    def fn(x, y, row, s):
        c = lambda v: tf.constant(v, tfdtype)  # noqa: E731
        return {
            "pow": tf.math.pow(x, y),
            "pow_row": tf.math.pow(x, row),
            "div_no_nan": tf.math.divide_no_nan(x, y),
            "div_no_nan_row": tf.math.divide_no_nan(x, row),
            "div_no_nan_scalar": tf.math.divide_no_nan(s, x),
            "sign": tf.math.sign(x),
            "xlogy": tf.math.xlogy(x, y),
            "xlogy_row": tf.math.xlogy(x, row),
            # (y, not x: Eigen's packet log of a subnormal part under TF's flush-to-zero mode is
            # NaN + pi/4 i in TF and -inf in the Log kernel and here: docs/ops/complex_binary.md)
            "xlogy_scalar": tf.math.xlogy(s, y),
            "sqdiff": tf.math.squared_difference(x, y),
            "sqdiff_row": tf.math.squared_difference(row, x),
            "pow2": tf.math.pow(x, c(2)),
            "pow3": tf.math.pow(x, c(3)),
            "pow1": tf.math.pow(x, c(1)),
            "pow_half": tf.math.pow(x, c(0.5)),
            "pow0": tf.math.pow(x, c(0)),
            "pow_minus_half": tf.math.pow(x, c(-0.5)),
            "pow_minus1": tf.math.pow(x, c(-1)),
            "pow_2_5": tf.math.pow(x, c(2.5)),
            "pow_i": tf.math.pow(x, c(1j)),
        }

    specs = [([None, None], tfdtype), ([None, None], tfdtype), ([None], tfdtype), ([], tfdtype)]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    for op in ["Pow", "DivNoNan", "Xlogy", "SquaredDifference"]:
        assert counts.get(op), (op, counts)
    reference = tf.function(fn, input_signature=[tf.TensorSpec(s, d) for s, d in specs])
    # Output sizes with every tail length, and broadcasts whose tail crosses rows.
    for n, (rows, cols) in enumerate([(1, 1), (1, 3), (2, 5), (3, 7), (7, 13), (16, 25), (1, 0), (0, 4)]):
        x = complex_values(rng, (rows, cols), dtype, edges=True)
        y = complex_values(rng, (rows, cols), dtype, edges=False)
        y.reshape(-1)[::5] = 0  # DivNoNan's zero divisors, Pow's and Xlogy's zeros
        y.reshape(-1)[1::7] = -0.0
        if y.size == 1:  # a one-element exponent of 0 would be taken as the constant (docs)
            y[...] = complex(0.5, -1.5)
        if y.size > 3:
            y.reshape(-1)[3] = complex(1e-30, 1e-30)  # x * conj(y) underflows for small x
        row = complex_values(rng, (cols,), dtype, edges=False)
        s = np.asarray(complex_values(rng, (1,), dtype, edges=False)[0])
        inputs = [x, y, row, s]
        want = {k: v.numpy() for k, v in reference(*inputs).items()}
        for runtime in RUNTIMES:
            for threads in (1, 2) if runtime == "litert" else (1,):
                got = run_tflite(model, inputs, runtime, num_threads=threads)
                for name, w in want.items():
                    context = f"[{runtime} {threads}T] case {n} {x.shape} {name}"
                    if name in ROOTS:
                        root_bits(w, got[name], dtype, context)
                    else:
                        same_bits(w, got[name], context)


def test_real_xlogy_zero_signs_by_position(tf, rng):
    """Real Xlogy where x is -0: TF's packets keep x (-0), its scalar tail gives +0. float64, half and
    bfloat16 (fed as float32), one model over sizes with every tail length."""

    def fn(x64, y64, x16, y16, xb, yb):
        bf = tf.math.xlogy(tf.cast(xb, tf.bfloat16), tf.cast(yb, tf.bfloat16))
        return {
            "f64": tf.math.xlogy(x64, y64),
            "f16": tf.math.xlogy(x16, y16),
            "bf16": tf.cast(bf, tf.float32),
        }

    specs = [([None], d) for d in (tf.float64, tf.float64, tf.float16, tf.float16, tf.float32, tf.float32)]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model).get("Xlogy") == 3
    bf16 = lambda v: v.astype(tf.bfloat16.as_numpy_dtype).astype(np.float32)  # noqa: E731 (exact values)
    for n in [1, 3, 4, 7, 8, 9, 15, 17, 40]:
        x = rng.uniform(-2, 2, n)
        x[::2] = -0.0
        x[1::4] = 0.0
        y = rng.uniform(0.1, 3, n)
        y[::3] = 0.0
        inputs = [
            x,
            y,
            x.astype(np.float16),
            y.astype(np.float16),
            bf16(x),
            bf16(y),
        ]
        want = {k: v.numpy() for k, v in tf.function(fn)(*inputs).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for name, w in want.items():
                bits = f"u{w.dtype.itemsize}"
                np.testing.assert_array_equal(w.view(bits), got[name].view(bits), f"[{runtime}] n={n} {name}")
