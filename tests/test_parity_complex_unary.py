"""Exp, Log, Sqrt, Rsqrt, Tanh, Sigmoid, Reciprocal, Cos, Sin on complex64 and complex128:
TFLite kernels vs TF's own kernels.

TFLite has no complex kernels for these: `tf.exp(tf.complex(re, im))` (phase
rotations in audio models, rotary embeddings written with complex numbers) converts
to CUSTOM "Exp" {T: complex64}. The kernels evaluate Eigen's complex functors, as
TF's CPU kernels do: the same bits, except complex64 Log, where TF's AVX packets
round some results 1 ulp apart on CPUs without AVX2 (measured; 2 ulp allowed).
complex64 Sigmoid divides as TF's clang-built wheel does (Smith's algorithm in
float), so it is bit for bit too.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

OPS = ["Exp", "Log", "Sqrt", "Rsqrt", "Tanh", "Sigmoid", "Reciprocal", "Cos", "Sin"]
# (op, dtype) -> relative tolerance of finite parts; 0 = bit for bit.
ULPS = {("Log", np.complex64): 2 * 2.0**-23}


def complex_inputs(rng, dtype) -> np.ndarray:
    """Every pairing of special real and imaginary parts, then random values of
    several scales (exp and tanh of large parts overflow, log of tiny ones)."""
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 40.0, 100.0, np.inf, -np.inf, np.nan])
    re, im = np.meshgrid(special, special)
    scale = np.repeat([0.01, 1.0, 3.0, 30.0], 64)
    random = (rng.standard_normal(256) + 1j * rng.standard_normal(256)) * scale
    grid = np.empty(re.size, np.complex128)
    grid.real, grid.imag = re.ravel(), im.ravel()  # (inf * 1j would make NaN parts)
    return np.concatenate([grid, random]).astype(dtype)


def assert_parts_match(actual, expected, rtol, message):
    """Part by part: NaN matches NaN, infinities exactly; finite values bit for bit
    (signed zeros included) when rtol is 0, else within rtol of the complex value's
    magnitude (a part much smaller than the other carries the other's rounding)."""
    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = np.abs(expected)
    for part in ("real", "imag"):
        a, e = getattr(actual, part), getattr(expected, part)
        nan = np.isnan(e)
        np.testing.assert_array_equal(np.isnan(a), nan, err_msg=f"{message} {part}: NaN")
        exact = ~nan & (~np.isfinite(e) | (rtol == 0))
        np.testing.assert_array_equal(a[exact], e[exact], err_msg=f"{message} {part}")
        sign = np.signbit(a[exact]) == np.signbit(e[exact])
        assert sign.all(), f"{message} {part}: signs differ at {np.nonzero(~sign)[0]}"
        close = ~nan & ~exact
        error = np.abs(a[close] - e[close])
        assert (error <= rtol * magnitude[close]).all(), f"{message} {part}: worst {error.max()}"


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_each_op_matches_tf(tf, rng, dtype):
    """One-node models of each op against tf.raw_ops, in both runtimes."""
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    x = complex_inputs(rng, dtype)
    options = bytes(flexbuffers.Dumps({"T": getattr(schema.TensorType, np.dtype(dtype).name.upper())}))
    for op in OPS:
        expected = getattr(tf.raw_ops, op)(x=x).numpy()
        model = tflite_model.single_custom_op_model(
            op, [("x", x.shape, x.dtype)], [("y", x.shape, x.dtype)], options
        )
        for runtime in RUNTIMES:
            (actual,) = run_tflite(model, [x], runtime).values()
            assert_parts_match(actual, expected, ULPS.get((op, dtype), 0), f"{op} {runtime}")


def test_complex64_sigmoid_edges_are_tfs_bits(tf, rng):
    """complex64 Sigmoid takes glibc's cexpf inline where it is exp(re) * (cos, sin)(im)
    (re up to 88, finite im) and cexpf itself elsewhere, then Smith's division: real
    parts around 88 (cexpf rescales above it) and below -87 (subnormal and flushed
    products), imaginary parts at and below FLT_MIN, huge and infinite, and random
    values across both boundaries, bit for bit against TF."""
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    tiny = float(np.finfo(np.float32).tiny)
    real = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        85.0,
        87.9,
        88.0,
        float(np.nextafter(np.float32(88), np.float32(89))),
        89.0,
        90.0,
        100.0,
        -87.0,
        -88.0,
        -104.0,
        -200.0,
        -3.4e38,
        np.inf,
        -np.inf,
        np.nan,
    ]
    imag = [*real, np.pi, 1e-39, tiny, -tiny, 1e10, 1e38]
    re, im = np.meshgrid(np.array(real, np.float32), np.array(imag, np.float32))
    grid = np.empty(re.size, np.complex64)
    grid.real, grid.imag = re.ravel(), im.ravel()
    near = rng.uniform(80, 95, 512) + 1j * rng.uniform(-10, 10, 512)
    low = rng.uniform(-120, -80, 512) + 1j * rng.uniform(-10, 10, 512)
    x = np.concatenate([grid, near.astype(np.complex64), low.astype(np.complex64)])
    expected = tf.raw_ops.Sigmoid(x=x).numpy()
    options = bytes(flexbuffers.Dumps({"T": schema.TensorType.COMPLEX64}))
    model = tflite_model.single_custom_op_model(
        "Sigmoid", [("x", x.shape, x.dtype)], [("y", x.shape, x.dtype)], options
    )
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, [x], runtime).values()
        assert_parts_match(actual, expected, 0, f"Sigmoid {runtime}")


def test_converted_phase_rotation(tf, rng):
    """A converted model: exp(i * phase) and friends on complex64 built in the model."""

    def model(re, im):
        z = tf.complex(re, im)
        return {
            "exp": tf.exp(z),
            "rotation": tf.exp(tf.complex(tf.zeros_like(im), im)),
            "sqrt": tf.sqrt(z),
            "tanh": tf.tanh(z),
            "reciprocal": tf.math.reciprocal(z),
            "cos": tf.cos(z),
        }

    re = rng.standard_normal((4, 33)).astype(np.float32)
    im = rng.standard_normal((4, 33)).astype(np.float32) * 4
    converted = convert_fn(model, (re.shape, tf.float32), (im.shape, tf.float32))
    counts = tflite_model.custom_op_counts(converted)
    assert counts.get("Exp") == 2 and {"Sqrt", "Tanh", "Reciprocal", "Cos"} <= set(counts), counts
    expected = {k: v.numpy() for k, v in model(tf.constant(re), tf.constant(im)).items()}
    for runtime in RUNTIMES:
        actual = run_tflite(converted, [re, im], runtime)
        for name, want in expected.items():
            assert_parts_match(actual[name], want, 0, f"{name} {runtime}")
