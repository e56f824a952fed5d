"""Angle and Conj (complex64, complex128): TFLite kernels vs TF's own kernels, bit for bit.
ComplexAbs, Real and Imag need nothing: the converter gives them to builtins that take both
complex dtypes (asserted here)."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

DTYPES = [np.complex64, np.complex128]


def special_values(dtype):
    """Every pairing of signed zeros, ones, tiny, huge, infinities and NaN."""
    parts = [0.0, -0.0, 1.0, -1.0, 1e-30, -3.5, 1e30, np.inf, -np.inf, np.nan]
    re, im = np.meshgrid(parts, parts)
    out = np.empty(re.shape, dtype)
    out.real, out.imag = re, im
    return out


@pytest.mark.parametrize("dtype", DTYPES, ids=["complex64", "complex128"])
def test_angle_and_conj_are_exact(tf, rng, dtype):
    x = (rng.standard_normal((3, 50)) * 10 + 1j * rng.standard_normal((3, 50))).astype(dtype)
    report = assert_parity(
        lambda a, b: [tf.math.angle(a), tf.math.conj(a), tf.math.angle(b), tf.math.conj(b)],
        [x, special_values(dtype)],
        rtol=0,
        atol=0,
        runtimes=RUNTIMES,
    )
    assert tflite_model.custom_op_counts(report.model) == {"Angle": 2, "Conj": 2}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_conj_keeps_signed_zeros_and_nan_bits(tf, runtime):
    x = special_values(np.complex64)
    fn = tf.function(tf.math.conj, input_signature=[tf.TensorSpec(x.shape, tf.complex64)])
    got = run_tflite(opbridge.convert(fn), [x], runtime)["output_0"]
    np.testing.assert_array_equal(got.view(np.uint32), fn(x).numpy().view(np.uint32))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dynamic_and_empty_shapes(tf, rng, runtime):
    fn = tf.function(
        lambda a, b: (tf.math.angle(a), tf.math.conj(b)),
        input_signature=[tf.TensorSpec(None, tf.complex128), tf.TensorSpec([None, None], tf.complex64)],
    )
    model = opbridge.convert(fn)
    assert tflite_model.custom_op_counts(model) == {"Angle": 1, "Conj": 1}
    for shape_a, shape_b in [((), (2, 3)), ((4, 1, 2), (0, 3)), ((0,), (1, 1)), ((2, 3, 4, 5), (7, 2))]:
        a = (rng.standard_normal(shape_a) + 1j * rng.standard_normal(shape_a)).astype(np.complex128)
        b = (rng.standard_normal(shape_b) - 1j * rng.standard_normal(shape_b)).astype(np.complex64)
        want = [v.numpy() for v in fn(a, b)]
        out = run_tflite(model, [a, b], runtime)
        np.testing.assert_array_equal(out["output_0"], want[0])
        np.testing.assert_array_equal(out["output_1"], want[1])


@pytest.mark.parametrize("dtype", DTYPES, ids=["complex64", "complex128"])
def test_complex_abs_real_imag_stay_builtins(tf, rng, dtype):
    x = (rng.standard_normal((4, 6)) + 1j * rng.standard_normal((4, 6))).astype(dtype)
    report = assert_parity(
        lambda v: [tf.abs(v), tf.math.real(v), tf.math.imag(v)], [x], rtol=0, atol=0, runtimes=RUNTIMES
    )
    assert tflite_model.custom_op_counts(report.model) == {}
    assert {"COMPLEX_ABS", "REAL", "IMAG"} <= set(tflite_model.op_histogram(report.model))


def test_angle_type_mismatch_is_an_error():
    from flatbuffers import flexbuffers

    model = tflite_model.single_custom_op_model(
        "Angle",
        [("input", [2], np.complex64)],
        [("output", [2], np.float64)],
        options=flexbuffers.Dumps({"T": 8, "Tout": 10}),
    )
    interpreter = opbridge.Interpreter(model_content=model)
    with pytest.raises(
        RuntimeError, match=r"Angle: attr Tout is double but an input of type complex64 gives float"
    ):
        interpreter.allocate_tensors()
