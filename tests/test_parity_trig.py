"""Cosh, Sinh, Tan, Acos, Asin, Atan, Acosh, Asinh, Atanh: TFLite kernels vs TF's own kernels.

TF evaluates Eigen's functors (glibc's libm for most of them); so do ours, so
results agree to the last bit except where Eigen's vectorized float atan uses
fused multiply-adds in TF's AVX build (2 ulp at most, measured), and float
cosh/sinh/asinh/acosh/tan on AVX2 CPUs, computed in double and correctly
rounded (TF's are up to 2 ulp off). bfloat16 is TF's bits for every value.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

OPS = {
    "Cosh": "cosh",
    "Sinh": "sinh",
    "Tan": "tan",
    "Acos": "acos",
    "Asin": "asin",
    "Atan": "atan",
    "Acosh": "acosh",
    "Asinh": "asinh",
    "Atanh": "atanh",
}
REAL = [np.float32, np.float64, np.float16]
COMPLEX = [np.complex64, np.complex128]
# Relative tolerances: float32 atan differs by up to 2 ulp (TF's build fuses
# multiply-adds); everything else is expected to match exactly.
RTOL = {np.float32: 1e-6, np.float64: 1e-14, np.float16: 1e-3, np.complex64: 1e-6, np.complex128: 1e-14}


def real_inputs(rng, op: str, dtype) -> np.ndarray:
    """Each op's domain edges (poles, +-1, overflow points), specials, and random values inside and out."""
    info = np.finfo(dtype)
    edges = [0.0, -0.0, info.tiny, -info.tiny, info.eps, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 10.0, -10.0]
    edges += [info.smallest_subnormal, -info.tiny / 3]  # subnormals: TF flushes them to zero
    edges += [1 - info.epsneg, -1 + info.epsneg, 1 + info.eps, -1 - info.eps]  # the edges of acos/asin/atanh
    edges += [np.pi / 2, -np.pi / 2, 1e4, -1e4, 88.5, 89.0, 710.0, -710.0]  # tan's poles, cosh/sinh overflow
    edges += [float(info.max), float(-info.max), np.inf, -np.inf, np.nan]
    wide = rng.standard_normal(64) * 3
    inside = {
        "Acos": rng.uniform(-1, 1, 64),
        "Asin": rng.uniform(-1, 1, 64),
        "Atanh": rng.uniform(-1, 1, 64),
        "Acosh": 1 + rng.exponential(2, 64),
    }.get(op, wide)
    with np.errstate(over="ignore"):
        return np.concatenate([np.array(edges), wide, inside]).astype(dtype).reshape(2, -1)


def complex_inputs(rng, dtype) -> np.ndarray:
    """Every pairing of special real and imaginary parts, then random values."""
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 40.0, np.inf, -np.inf, np.nan])
    x = np.zeros(len(special) ** 2 + 63, dtype)
    re, im = np.meshgrid(special, special)
    x.real = np.concatenate([re.ravel(), rng.standard_normal(63) * 2])
    x.imag = np.concatenate([im.ravel(), rng.standard_normal(63) * 2])
    return x.reshape(4, -1)


@pytest.mark.parametrize("dtype", REAL, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", sorted(OPS))
def test_real_inputs_match_tf(tf, rng, op, dtype):
    fn = getattr(tf.math, OPS[op])
    x = real_inputs(rng, op, dtype)
    report = assert_parity(fn, [x], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1}


@pytest.mark.parametrize("dtype", COMPLEX, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", sorted(OPS))
def test_complex_inputs_match_tf(tf, rng, op, dtype):
    """Complex values, including infinite and NaN parts (glibc's c* functions on both sides).

    Compared part by part: assert_parity treats a value like nan-infj as
    infinite and then wants it equal to itself, which NaN never is.
    """
    fn = getattr(tf.math, OPS[op])
    x = complex_inputs(rng, dtype)
    expected = fn(x).numpy()
    model = convert_fn(fn, (x.shape, tf.as_dtype(dtype)))
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, [x], runtime).values()
        for part in ("real", "imag"):
            np.testing.assert_allclose(
                getattr(actual, part),
                getattr(expected, part),
                rtol=RTOL[dtype],
                atol=0,
                err_msg=f"{runtime} {part}",
            )


def test_every_bfloat16_value_matches_tf_bit_for_bit(tf):
    """bfloat16: TF's Eigen has no bfloat16 packet for these functions, so TF computes every
    element as bfloat16(f(float(x))) with the C library's float function. All 65536 bfloat16
    values (+-0, subnormals, the domain edges +-1, overflow, +-inf, NaNs of both signs), bit for
    bit, NaN signs included (acosh(0), acos(2) and cosh(-NaN) are -NaN: bfloat16_libm.h), on 1
    and 4 threads; and an empty tensor."""
    x = np.arange(1 << 16, dtype=np.uint16).view(ml_dtypes.bfloat16)

    def all_ops(v):
        return {op: getattr(tf.math, name)(v) for op, name in OPS.items()}

    model = convert_fn(all_ops, ((None,), tf.bfloat16))
    assert tflite_model.custom_op_counts(model) == dict.fromkeys(OPS, 1)
    want = {k: v.numpy().view(np.uint16) for k, v in all_ops(x).items()}
    for runtime, threads in [(r, 1) for r in RUNTIMES] + [("litert", 4)]:
        got = run_tflite(model, [x], runtime, num_threads=threads)
        for op in OPS:
            bits = got[op].view(np.uint16)
            np.testing.assert_array_equal(bits, want[op], err_msg=f"{op} {runtime} {threads}")
        empty = run_tflite(model, [x[:0]], runtime)
        assert all(v.shape == (0,) and v.dtype == ml_dtypes.bfloat16 for v in empty.values())


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (2, 3, 4), (1, 1, 1, 5)], ids=str)
def test_shapes(tf, rng, shape):
    """Scalars, empty and batched tensors, all nine ops in one model. The dims
    are left unknown at conversion (a static empty tensor would be folded away)."""

    def all_ops(v):
        return {op: getattr(tf.math, name)(v + 2 if op == "Acosh" else v) for op, name in OPS.items()}

    x = rng.uniform(-0.9, 0.9, shape).astype(np.float32)
    model = convert_fn(all_ops, ((None,) * len(shape), tf.float32))
    assert tflite_model.custom_op_counts(model) == dict.fromkeys(OPS, 1)
    expected = {k: v.numpy() for k, v in all_ops(x).items()}
    for runtime in RUNTIMES:
        actual = run_tflite(model, [x], runtime)
        for op in OPS:
            assert actual[op].shape == shape
            np.testing.assert_allclose(actual[op], expected[op], rtol=1e-6, atol=0, err_msg=f"{op} {runtime}")


def test_many_threads_give_the_same_result(tf, rng):
    x = rng.uniform(-1, 1, 1 << 16).astype(np.float32)
    model = convert_fn(tf.math.acos, (x.shape, tf.float32))
    (one,) = run_tflite(model, [x], num_threads=1).values()
    (four,) = run_tflite(model, [x], num_threads=4).values()
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, tf.math.acos(x).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_integer_input_is_rejected(runtime):
    """TF has no integer Cosh; a hand-made model asking for one gets a clear error."""
    model = tflite_model.single_custom_op_model("Cosh", [("x", [3], np.int32)], [("y", [3], np.int32)])
    with pytest.raises(RuntimeError, match=r"Cosh: input 'x' has unsupported dtype int32"):
        run_tflite(model, [np.zeros(3, np.int32)], runtime)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_float_cosh_sinh_asinh_acosh_are_correctly_rounded(tf, rng, path, tmp_path):
    """float32 Cosh, Sinh, Asinh and Acosh run in double lanes on AVX2+FMA CPUs
    (hyperbolic_float_avx2.h): the float64 value correctly rounded (but near float halfway points),
    where TF's float functions are up to 2 ulp off (measured: 19% of these values for cosh/sinh).
    Elsewhere (OPBRIDGE_NO_AVX2=1) they are the C library's coshf/sinhf/asinhf/acoshf, TF's bits.
    300k values: small, subnormal, near float's overflow at 89.4, up to float's largest, the
    floats just above 1 (acosh's cancellation), specials, and a tail that is not a whole vector
    of 8."""
    from conftest import run_tflite_in_process

    n = 50_000
    x = np.concatenate(
        [
            rng.uniform(-90, 90, n),
            np.exp(rng.uniform(np.log(1e-44), np.log(10.0), n)) * rng.choice([-1, 1], n),
            rng.uniform(89.0, 89.5, n) * rng.choice([-1, 1], n),
            rng.standard_normal(n) * 3,
            np.exp(rng.uniform(0, np.log(3.4e38), n)) * rng.choice([-1, 1], n),
            1 + np.arange(n // 2) * np.finfo(np.float32).eps,
            1 + np.exp(rng.uniform(np.log(1e-7), np.log(1.0), n // 2)),
            [1.0, np.nextafter(np.float32(1), np.float32(0)), -1.0, -3.0],
            [3.4e38, 0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 2.0**-12, -(2.0**-12), 2.0**-13],
        ]
    ).astype(np.float32)
    x = x[:-2]  # drops 2^-13 and -(2^-12): a tail that is not a whole vector of 8

    def fn(v):
        return {
            "cosh": tf.math.cosh(v),
            "sinh": tf.math.sinh(v),
            "asinh": tf.math.asinh(v),
            "acosh": tf.math.acosh(v),
        }

    model = convert_fn(fn, (x.shape, tf.float32))
    got = run_tflite_in_process(model, [x], tmp_path, baseline=path == "baseline")
    want = {k: v.numpy() for k, v in tf.function(fn)(x).items()}
    for name, w in want.items():
        g = got[name]
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=name)
        if path == "baseline":
            np.testing.assert_array_equal(g.view(np.int32), w.view(np.int32), err_msg=name)
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            rounded = getattr(np, name)(x.astype(np.float64)).astype(np.float32)
        ulps = np.abs(g.view(np.int32).astype(np.int64) - rounded.view(np.int32).astype(np.int64))
        tf_ulps = np.abs(w.view(np.int32).astype(np.int64) - rounded.view(np.int32).astype(np.int64))
        finite = ~np.isnan(rounded)
        assert (ulps[finite] <= tf_ulps[finite] + 1).all(), name
        off = int((ulps[finite] > 0).sum())
        assert off <= 10, f"{name}: {off} of {x.size} not the rounded float64 value"


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_float_tan_is_correctly_rounded(tf, rng, path, tmp_path):
    """float32 Tan runs in double lanes on AVX2+FMA CPUs (tan_float_avx2.h: reduction by pi/2 in
    three parts, Taylor sine and cosine): the float64 value correctly rounded (but near float
    halfway points), where TF's tanf is 1 ulp off on about 2-4% of these values. Elsewhere
    (OPBRIDGE_NO_AVX2=1) it is the C library's tanf, TF's bits. 250k values: the floats nearest
    multiples of pi/2 (the largest results, the hardest reductions) and their neighbours, small and
    subnormal ones, beyond 2^20 (the scalar path) up to float's largest, specials, and a tail that
    is not a whole vector of 8."""
    from conftest import run_tflite_in_process

    n = 40_000
    multiples = (np.arange(1, n + 1) * rng.choice([-1, 1], n) * np.pi / 2).astype(np.float32)
    x = np.concatenate(
        [
            multiples,
            np.nextafter(multiples, np.float32(np.inf)),
            rng.uniform(-4, 4, n),
            np.exp(rng.uniform(np.log(1e-44), np.log(1e4), n)) * rng.choice([-1, 1], n),
            rng.uniform(-(2.0**21), 2.0**21, n),
            np.exp(rng.uniform(np.log(2.0**20), np.log(3.4e38), n // 4)) * rng.choice([-1, 1], n // 4),
            [3.4e38, -3.4e38, 2.0**20, np.nextafter(2.0**20, 0), 0.0, -0.0, np.inf, -np.inf, np.nan],
            [1e-45, -1e-45, 2.0**-12, np.nextafter(2.0**-12, 0), -(2.0**-12), 2.0**-13],
        ]
    ).astype(np.float32)
    x = x[:-2]  # a tail that is not a whole vector of 8

    model = convert_fn(tf.math.tan, (x.shape, tf.float32))
    (got,) = run_tflite_in_process(model, [x], tmp_path, baseline=path == "baseline").values()
    want = tf.math.tan(x).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    if path == "baseline":
        np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))
        return
    rounded = np.tan(x.astype(np.float64)).astype(np.float32)
    tiny = np.abs(x) < 2.0**-12
    rounded[tiny] = x[tiny]  # tan(x) rounds to x there
    ulps = np.abs(got.view(np.int32).astype(np.int64) - rounded.view(np.int32).astype(np.int64))
    tf_ulps = np.abs(want.view(np.int32).astype(np.int64) - rounded.view(np.int32).astype(np.int64))
    finite = ~np.isnan(rounded)
    assert (ulps[finite] <= tf_ulps[finite] + 1).all()
    off = int((ulps[finite] > 0).sum())
    assert off <= 10, f"{off} of {x.size} not the rounded float64 value"
    assert int((tf_ulps[finite] > 0).sum()) > 1000  # the values tell the two apart
