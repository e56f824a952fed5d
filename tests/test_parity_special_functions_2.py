"""Dawsn, Expint, FresnelCos, FresnelSin, Spence, Zeta, Polygamma: TFLite kernels vs TF's own kernels.

TF evaluates all seven one element at a time (their functors have no packet
path), with the C library's exp/log/sin/cos and no fused multiply-adds; the
kernels evaluate the same approximations in the same order (Zeta and
Polygamma: Eigen's own functions), so the outputs are bit-identical: the
tests assert exact equality over the whole domain (negative, tiny, huge,
region boundaries, poles, inf, NaN).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, assert_path_gives_tf_bits, convert_fn, run_tflite_in_process
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

FLOATS = [np.float32, np.float64]
# tf.math.special function -> TF op name.
UNARY = {
    "dawsn": "Dawsn",
    "expint": "Expint",
    "fresnel_cos": "FresnelCos",
    "fresnel_sin": "FresnelSin",
    "spence": "Spence",
}


def dtype_id(dtype) -> str:
    return np.dtype(dtype).name


def all_unary(tf):
    return lambda x: {name: getattr(tf.math.special, name)(x) for name in UNARY}


def unary_arguments(rng: np.random.Generator, dtype) -> np.ndarray:
    """The approximations' region boundaries (Dawsn: 3.25, 6.25, 1e9; Expint: 2, 4, ...,
    64; Fresnel: x^2 = 2.5625, 36974; Spence: 0.5, 1, 1.5, 2), where exp overflows,
    negative values, zeros, tiny, subnormal (flushed to zero, as in TF), huge, inf, NaN."""
    info = np.finfo(dtype)
    edges = [0.0, -0.0, info.tiny, -info.tiny, info.eps, info.max, -info.max, np.inf, -np.inf, np.nan]
    edges += [
        float(info.smallest_subnormal),
        -float(info.smallest_subnormal),
        float(info.tiny) / 3,
        1e-30,
        -1e-30,
    ]
    edges += [3.25, -3.25, 6.25, 1e9, -1e9, 1e10, -1e10, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 88.7, 89.0, 709.8]
    edges += [1.6, 1.6 + 1e-7, -1.6, 36974.0, 36974.01, -36975.0, 0.5, 1.0, 1.5, -1.0, 1 + 1e-7, 1e-300]
    spread = [
        rng.uniform(-10, 10, 400),
        rng.uniform(-100, 100, 200),
        rng.uniform(0, 3, 200),
        np.exp(rng.uniform(-40, 40, 300)) * rng.choice([-1, 1], 300),
    ]
    with np.errstate(over="ignore"):
        return np.concatenate([edges, *spread]).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_unary_special_functions_bit_identical_to_tf(tf, rng, dtype):
    x = unary_arguments(rng, dtype)
    report = assert_parity(all_unary(tf), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1 for op in UNARY.values()}


def test_unary_special_functions_dynamic_shapes(tf, rng):
    """Unknown rank at conversion; empty, scalar and rank-3 inputs; 1 vs 2 threads."""
    fn = tf.function(all_unary(tf), input_signature=[tf.TensorSpec(None, tf.float32)])
    model = convert_fn(all_unary(tf), (None, tf.float32))
    for x in (
        np.zeros((0, 3), np.float32),
        np.float32(0.7),
        rng.uniform(-8, 8, (2, 3, 33)).astype(np.float32),
    ):
        expected = {k: v.numpy() for k, v in fn(x).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for name in UNARY:
                np.testing.assert_array_equal(
                    got[name], expected[name], err_msg=f"{runtime} {name} {x.shape}"
                )
    big = rng.uniform(-8, 8, 5000).astype(np.float32)
    two = run_tflite(model, [big], num_threads=2)
    for name, value in fn(big).items():
        np.testing.assert_array_equal(two[name], value.numpy(), err_msg=name)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_fresnel_float_lanes_give_tf_bits_on_both_builds(tf, rng, path, tmp_path):
    """float32 Fresnel runs 8 lanes per step where the CPU has AVX2 (both approximations chosen
    per lane, the C library's sin and cos per lane), else (OPBRIDGE_NO_AVX2=1) one element at a
    time: TF's bits on both, with lanes that mix the regions, all-small lanes, the edges and a
    ragged tail (the scalar path)."""
    mixed = rng.uniform(-3, 3, 24000) * np.exp(rng.uniform(-2, 3, 24000))
    small = rng.uniform(-1.6, 1.6, 8000)
    edges = unary_arguments(rng, np.float32).astype(np.float64)
    x = np.concatenate([mixed, small, rng.permutation(np.repeat(edges, 5)), mixed[:5]]).astype(np.float32)
    fn = lambda v: {"cos": tf.math.special.fresnel_cos(v), "sin": tf.math.special.fresnel_sin(v)}  # noqa: E731
    # A NaN's sign bit may differ (docs/ops/special_integrals.md): NaN where TF has NaN.
    assert_path_gives_tf_bits(tf, fn, [x], tmp_path, baseline=path == "baseline")


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_dawsn_packets_give_tf_bits_on_both_builds(tf, rng, dtype, path, tmp_path):
    """Dawsn runs Eigen packets (every range's formula on every lane, then a selection:
    ops/math/dawson.h): 8 floats / 4 doubles where the CPU has AVX2, 4 / 2 on the baseline
    build (OPBRIDGE_NO_AVX2=1). TF's bits on both, with lanes that mix the three ranges and the
    edges in every lane position, and a ragged tail (the scalar path)."""
    mixed = rng.uniform(-8, 8, 24000) * np.exp(rng.uniform(-3, 4, 24000))
    edges = unary_arguments(rng, dtype).astype(np.float64)
    x = np.concatenate([mixed, rng.permutation(np.repeat(edges, 8)), mixed[:5]]).astype(dtype)
    model = convert_fn(tf.math.special.dawsn, (x.shape, tf.as_dtype(dtype)))
    (got,) = run_tflite_in_process(model, [x], tmp_path, baseline=path == "baseline").values()
    want = tf.math.special.dawsn(x).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    uint = np.uint32 if dtype == np.float32 else np.uint64
    np.testing.assert_array_equal(got[~np.isnan(got)].view(uint), want[~np.isnan(want)].view(uint))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_unary_special_functions_half_is_rejected_as_tf_has_no_kernel(tf, runtime):
    """TF's op definitions allow half (the converter emits it); TF's CPU kernels take
    float and double only."""
    with pytest.raises((tf.errors.NotFoundError, tf.errors.InvalidArgumentError)):
        tf.math.special.dawsn(tf.zeros(2, tf.float16))
    model = convert_fn(all_unary(tf), ((2,), tf.float16))
    assert tflite_model.custom_op_counts(model) == {op: 1 for op in UNARY.values()}
    with pytest.raises(RuntimeError, match=r"attr 'T' is half, expected one of \{float, double\}"):
        run_tflite(model, [np.zeros(2, np.float16)], runtime)


def zeta_grid(dtype):
    """Every x against every q: x below, at and above 1, integers (the q <= 0 rules),
    q negative (integer and not), zero, tiny, huge, inf, NaN."""
    x = [0.5, 1.0, 1 + 1e-6, 1.5, 2.0, 3.0, 4.0, 7.5, 20.0, 80.0, 1e4, -2.0, 0.0, np.inf, np.nan]
    q = [1e-6, 0.1, 0.5, 1.0, 2.5, 10.0, 1e3, 1e8, 0.0, -0.0, -1.0, -2.0, -2.5, -7.25, np.inf, np.nan]
    q += [1e-40, 1e-310, -1e-310]  # subnormal in float32 / float64: zero under TF's float mode
    xx, qq = np.meshgrid(x, q)
    return xx.astype(dtype), qq.astype(dtype)


def polygamma_grid(dtype):
    """Orders 0 (digamma), 1, 2, 3, 10, 30, non-integer and negative orders (NaN), inf,
    NaN, against x around the poles (0 and the negative integers), small, large."""
    a = [0.0, 1.0, 2.0, 3.0, 10.0, 30.0, 0.5, -1.0, 1.5, np.inf, np.nan]
    x = [1e-6, 0.1, 0.5, 1.0, 2.5, 10.0, 1e3, 1e8, 0.0, -1.0, -2.5, -0.5, -7.25, np.inf, -np.inf, np.nan]
    x += [1e-40, 1e-310, -1e-310]
    aa, xx = np.meshgrid(a, x)
    return aa.astype(dtype), xx.astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_zeta_and_polygamma_bit_identical_to_tf(tf, rng, dtype):
    x, q = zeta_grid(dtype)
    a, y = polygamma_grid(dtype)
    n = 300
    x_random = np.concatenate([rng.uniform(1, 12, n), rng.integers(1, 20, n)]).astype(dtype)
    q_random = np.concatenate([rng.exponential(5, n), rng.uniform(-10, 10, n)]).astype(dtype)
    a_random = rng.integers(0, 8, 2 * n).astype(dtype)
    inputs = [x.ravel(), q.ravel(), a.ravel(), y.ravel(), x_random, q_random, a_random]

    def both(x, q, a, y, xr, qr, ar):
        return {
            "zeta": tf.math.zeta(x, q),
            "polygamma": tf.math.polygamma(a, y),
            "zeta_random": tf.math.zeta(xr, qr),
            "polygamma_random": tf.math.polygamma(ar, qr),
        }

    report = assert_parity(both, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Zeta": 2, "Polygamma": 2}


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_zeta_polygamma_digamma_lanes_give_tf_bits_on_both_builds(tf, rng, path, dtype, tmp_path):
    """Zeta, Polygamma and Digamma run 8 float32 or 4 float64 lanes per step where the CPU has
    AVX2 (each lane leaving zeta's series and correction loop where the scalar function does,
    pow per lane; Polygamma: zeta's lanes for whole orders 1..a!'s overflow, digamma's for 0,
    the scalar function for the rest; digamma's recurrence with per-lane trip counts), else
    (OPBRIDGE_NO_AVX2=1) one element at a time: TF's bits on both, with lanes mixing early and
    late exits and all of Polygamma's cases, the grids' edges in every lane position, a
    broadcast pair and ragged tails."""
    n = 40000 if dtype == np.float32 else 20000
    x = np.concatenate([rng.uniform(1, 12, n), 1 + np.exp(rng.uniform(-12, 2, n)), rng.integers(2, 30, n)])
    q = np.concatenate([np.exp(rng.uniform(-4, 4.5, n)), rng.uniform(0.01, 30, n), rng.uniform(-9, 40, n)])
    # q + 9 == 9 in float64: Eigen's double series also runs while q + n <= 9.
    tiny_q = np.exp(rng.uniform(-36, -33, 200))
    x = np.concatenate([x, 1 + np.exp(rng.uniform(-20, -8, 200))])
    q = np.concatenate([q, tiny_q])
    xg, qg = zeta_grid(np.float64)
    keep = np.abs(qg.ravel()) > 1e-30  # no subnormals: TF flushes them, the interpreter does not
    x = np.concatenate([x, np.repeat(xg.ravel()[keep], 9), x[:5]]).astype(dtype)
    q = np.concatenate([q, np.repeat(qg.ravel()[keep], 9), q[:5]]).astype(dtype)
    order = rng.permutation(len(x))
    x, q = x[order], q[order]
    m = 30000 if dtype == np.float32 else 15000
    most = 40 if dtype == np.float32 else 180  # a! is finite up to 34 in float32, 170 in float64
    a = np.concatenate([rng.integers(0, 5, m), rng.integers(0, most, m), rng.uniform(-1, 4, m // 10)])
    y = np.concatenate([rng.uniform(0.05, 30, m), rng.uniform(-8, 8, m), rng.uniform(0.5, 5, m // 10)])
    ag, yg = polygamma_grid(np.float64)
    keep = np.abs(yg.ravel()) > 1e-30
    a = np.concatenate([a, np.repeat(ag.ravel()[keep], 9), a[:3]]).astype(dtype)
    y = np.concatenate([y, np.repeat(yg.ravel()[keep], 9), y[:3]]).astype(dtype)
    order = rng.permutation(len(a))
    a, y = a[order], y[order]
    specials = [np.inf, -np.inf, np.nan, 1e8, 3e8, 1e17, 3e18, 1e30]  # 1e8, 1e17: the series' end
    poles = np.concatenate([-np.arange(40.0), -np.arange(40.0) - 0.5, specials])
    d = np.concatenate([rng.standard_normal(n) * 5, rng.uniform(-30, 30, n), np.exp(rng.uniform(-20, 40, n))])
    d = rng.permutation(np.concatenate([d, np.repeat(poles, 5), d[:7]])).astype(dtype)
    row = rng.uniform(1, 9, (1, 1027)).astype(dtype)
    column = rng.uniform(0.05, 20, (61, 1)).astype(dtype)
    inputs = [x, q, a, y, d, row, column]

    def fn(x, q, a, y, d, r, c):
        return {
            "zeta": tf.math.zeta(x, q),
            "polygamma": tf.math.polygamma(a, y),
            "digamma": tf.math.digamma(d),
            "zeta_broadcast": tf.math.zeta(r, c),
            "polygamma_broadcast": tf.math.polygamma(tf.floor(r / 2), c),
        }

    assert_path_gives_tf_bits(tf, fn, inputs, tmp_path, baseline=path == "baseline")


BROADCASTS = [
    ((3, 1, 4), (2, 4)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1,), (5,)),
    ((4, 1), (1, 3)),
    ((2, 1, 2, 1, 2), (1, 2, 1, 2, 1)),  # five merged dims: TF's limit
    ((0, 3), (3,)),
    ((2, 0), (1, 1)),
]


@pytest.mark.parametrize("name", ["zeta", "polygamma"])
def test_zeta_and_polygamma_broadcast_as_tf(tf, rng, name):
    """One model with unknown shapes, fed every broadcast pair."""
    fn = getattr(tf.math, name)
    model = convert_fn(fn, (None, tf.float32), (None, tf.float32))
    assert tflite_model.custom_op_counts(model) == {name.capitalize(): 1}
    for shape_a, shape_b in BROADCASTS:
        first = rng.integers(0, 4, shape_a) if name == "polygamma" else rng.uniform(1, 5, shape_a)
        a = np.asarray(first, np.float32)
        b = rng.uniform(0.1, 6, shape_b).astype(np.float32)
        expected = fn(a, b).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [a, b], runtime).values()
            np.testing.assert_array_equal(got, expected, err_msg=f"{runtime} {shape_a} {shape_b}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_zeta_broadcast_errors_as_tf(tf, runtime):
    fn = tf.function(tf.math.zeta, input_signature=[tf.TensorSpec(None, tf.float32)] * 2)
    model = convert_fn(fn, (None, tf.float32), (None, tf.float32))
    ones = np.ones
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        fn(ones((2, 3), np.float32), ones(4, np.float32))
    with pytest.raises(RuntimeError, match=r"Zeta: Incompatible shapes: \[2, 3\] vs. \[4\]"):
        run_tflite(model, [ones((2, 3)), ones(4)], runtime)
    six = ((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2))
    with pytest.raises(tf.errors.UnimplementedError, match="not supported yet"):
        fn(ones(six[0], np.float32), ones(six[1], np.float32))
    with pytest.raises(
        RuntimeError, match=r"Zeta: Broadcast between \[2, 1, 2, 1, 2, 1\] and .* not supported"
    ):
        run_tflite(model, [ones(six[0]), ones(six[1])], runtime)
