"""Angle and Conj (complex64, complex128): TFLite kernels vs TF's own kernels, bit for bit (but
complex64 Angle on AVX2 CPUs: correctly rounded, where TF's atan2f is 1 ulp off for some).
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


def test_angle_and_conj_are_exact(tf, rng):
    """complex128 Angle (the C library's atan2, TF's) and Conj of both dtypes: TF's bits."""
    x = (rng.standard_normal((3, 50)) * 10 + 1j * rng.standard_normal((3, 50))).astype(np.complex128)
    report = assert_parity(
        lambda a, b, c: [
            tf.math.angle(a),
            tf.math.conj(a),
            tf.math.angle(b),
            tf.math.conj(b),
            tf.math.conj(c),
        ],
        [x, special_values(np.complex128), special_values(np.complex64)],
        rtol=0,
        atol=0,
        runtimes=RUNTIMES,
    )
    assert tflite_model.custom_op_counts(report.model) == {"Angle": 2, "Conj": 3}


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_complex64_angle_is_correctly_rounded(tf, rng, path, tmp_path):
    """complex64 Angle runs Eigen's patan2 on double packets where the CPU has AVX2 (angle.cc):
    the float64 angle correctly rounded (but within ~2^-24 of a float halfway point), where TF's
    atan2f is 1 ulp off on some; elsewhere (OPBRIDGE_NO_AVX2=1) the C library's, TF's bits. The
    special pairings (signed zeros, infinities, NaN, tiny and huge parts) are within one ulp of
    TF's and their signs TF's; subnormal parts and angles below float's normal range take TF's
    path, TF's bits. 200k values over many scales and a tail that is not a whole block."""
    from conftest import run_tflite_in_process

    n = 100_000
    scale = np.exp(rng.uniform(-20, 20, (2, n)))
    random = rng.standard_normal((2, n)) * scale
    sub = 1e-40  # a float subnormal
    edge = [
        complex(sub, 1.0),
        complex(1.0, sub),
        complex(sub, -sub),
        complex(1e30, 1e-30),
        complex(-1e30, 1e-30),
    ]
    parts = [special_values(np.complex64).ravel(), random[0] + 1j * random[1], np.array(edge)]
    parts.append(rng.standard_normal(n - 3) + 1j * rng.standard_normal(n - 3))  # a ragged tail
    x = np.concatenate(parts).astype(np.complex64)
    model = opbridge.convert(
        tf.function(tf.math.angle, input_signature=[tf.TensorSpec(x.shape, tf.complex64)])
    )
    (got,) = run_tflite_in_process(model, [x], tmp_path, baseline=path == "baseline").values()
    want = tf.math.angle(x).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    if path == "baseline":
        np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))
        return
    ours, theirs = got.view(np.int32).astype(np.int64), want.view(np.int32).astype(np.int64)
    # Subnormal parts and an angle below float's normal range: TF's path, TF's bits.
    first_edge = special_values(np.complex64).size + n
    np.testing.assert_array_equal(ours[first_edge : first_edge + 4], theirs[first_edge : first_edge + 4])
    rounded = np.arctan2(x.imag.astype(np.float64), x.real.astype(np.float64)).astype(np.float32)
    exact = rounded.view(np.int32).astype(np.int64)
    finite = ~np.isnan(want)
    assert (np.abs(ours - theirs)[finite] <= 1).all()
    assert (np.abs(ours - exact)[finite] <= np.abs(theirs - exact)[finite]).all()
    off = int((ours != exact)[finite].sum())
    assert off <= 10, f"{off} of {x.size} not the rounded float64 angle"
    assert int((theirs != exact)[finite].sum()) > 1000  # TF's are not: the two paths really differ


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
