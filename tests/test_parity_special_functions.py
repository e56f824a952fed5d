"""Erfinv, Digamma, Lgamma, Igamma, Igammac, Betainc: TFLite kernels vs TF's own kernels.

Both sides evaluate the same Eigen special functions, so they agree to a few
ulps or exactly, at the edges of each domain included: poles, +-1, 0, huge
arguments, inf, NaN. float32 Igamma is checked bit for bit on both kernel paths.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

FLOATS = [np.float32, np.float64]
# float32 within 1e-5 relative, float64 within 1e-10 (the project's bounds);
# what is measured is far smaller (docs/ops/*.md).
RTOL = {np.float32: 1e-5, np.float64: 1e-10, np.float16: 1e-3}


def dtype_id(dtype) -> str:
    return np.dtype(dtype).name


def specials(dtype) -> list[float]:
    info = np.finfo(dtype)
    finite = [0.0, -0.0, float(info.tiny), float(info.eps), float(info.max)]
    subnormals = [float(info.smallest_subnormal), float(-info.tiny / 3)]  # TF flushes them to zero
    return [*finite, *subnormals, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_erfinv(tf, rng, dtype):
    info = np.finfo(dtype)
    edges = [1.0, -1.0, 1 - info.epsneg, -1 + info.epsneg, 1 + info.eps, -1 - info.eps, 0.5, -0.5]
    edges += [0.999, -0.999, 0.9999999, 1e-30, -1e-30, 2.0, -2.0]
    x = np.concatenate([specials(dtype), edges, rng.uniform(-1, 1, 200)]).astype(dtype)
    report = assert_parity(tf.math.erfinv, [x], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Erfinv": 1}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_erfinv_half_is_rejected_as_tf_has_no_kernel(tf, runtime):
    """The converter emits a half Erfinv, but TF itself cannot run one on CPU."""
    with pytest.raises(tf.errors.NotFoundError):
        tf.math.erfinv(np.zeros(2, np.float16))
    model = convert_fn(tf.math.erfinv, ((2,), tf.float16))
    with pytest.raises(RuntimeError, match=r"Erfinv: attr 'T' is half, expected one of \{float, double\}"):
        run_tflite(model, [np.zeros(2, np.float16)], runtime)


@pytest.mark.parametrize("dtype", [*FLOATS, np.float16], ids=dtype_id)
def test_digamma(tf, rng, dtype):
    poles = [-1.0, -2.0, -10.0, -1 + 1e-3, -1 - 1e-3, -2.5, -0.5, 1e-4, -1e-4]
    big = [1e4, 6e4] if dtype == np.float16 else [1e10, 1e30, -1e30]
    x = np.concatenate(
        [specials(dtype), poles, big, [1.0, 2.0, 1.4616321449683622], rng.uniform(-10, 10, 200)]
    )
    assert_parity(tf.math.digamma, [x.astype(dtype)], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)


def edge_arguments_for_lgamma(rng) -> np.ndarray:
    poles = [-1.0, -2.0, -100.0, -1 + 1e-9, -1 - 1e-9, -2.5, -0.5, -170.5, -1e15 - 0.5]
    ones_and_twos = [1.0, 2.0, 1 + 1e-12, 2 - 1e-12]  # lgamma's zeros
    large = [1e15, 1e300, 2.5e305, 1e308]  # lgamma overflows above ~2.55e305
    return np.concatenate([specials(np.float64), poles, ones_and_twos, large, rng.uniform(-20, 20, 200)])


def test_lgamma_conversion_with_and_without_substitution(tf, rng):
    """The converter alone lowers float32 lgamma into ~58 builtins and emits float64 as
    CUSTOM Lgamma; opbridge.convert substitutes one Opbridge>Lgamma for both. Both
    kernels agree with TF's Lgamma."""
    from opbridge.conversion import convert_model
    from opbridge.running import run_tflite

    x = edge_arguments_for_lgamma(rng)
    report = assert_parity(tf.math.lgamma, [x], rtol=RTOL[np.float64], atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Opbridge>Lgamma": 1}

    fn = tf.function(tf.math.lgamma, input_signature=[tf.TensorSpec(x.shape, tf.float64)])
    plain = convert_model(fn, substitute=False).model
    assert tflite_model.custom_op_counts(plain) == {"Lgamma": 1}
    for runtime in RUNTIMES:
        (got,) = run_tflite(plain, [x], runtime).values()
        np.testing.assert_allclose(got, tf.math.lgamma(x).numpy(), rtol=RTOL[np.float64], atol=0)

    f32 = tf.function(tf.math.lgamma, input_signature=[tf.TensorSpec((3,), tf.float32)])
    lowered = convert_model(f32, substitute=False).model
    assert tflite_model.custom_op_counts(lowered) == {}
    assert sum(tflite_model.op_histogram(lowered).values()) > 40
    assert tflite_model.custom_op_counts(convert_model(f32).model) == {"Opbridge>Lgamma": 1}


def igamma_grid(dtype):
    """Every a against every x, including invalid values (a <= 0, x < 0) and specials."""
    a = np.array([1e-6, 0.1, 0.5, 1.0, 2.5, 10.0, 100.0, 1e4, 0.0, -1.0, np.inf, np.nan, 1e-40])
    x = np.array([0.0, 1e-6, 0.1, 1.0, 5.0, 50.0, 1e3, 1e5, -1.0, np.inf, np.nan, 1e-40])
    aa, xx = np.meshgrid(a, x)
    return aa.astype(dtype), xx.astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma(tf, rng, name, dtype):
    fn = getattr(tf.math, name)
    a, x = igamma_grid(dtype)
    assert_parity(fn, [a, x], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)
    a = rng.exponential(5, 300).astype(dtype)
    x = rng.exponential(5, 300).astype(dtype)
    assert_parity(fn, [a, x], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_incomplete_gamma_lanes_give_tf_bits_on_both_builds(tf, rng, path, dtype, tmp_path):
    """Igamma and Igammac run in AVX2 lanes where the CPU has it: float32 8 lanes per step (the
    series and the continued fraction with each lane leaving where the scalar function breaks),
    float64 4 lanes each refilled with the next element of its method's list when its own is
    done; log/lgamma_r/exp per lane; other lanes take the scalar function. Else
    (OPBRIDGE_NO_AVX2=1) one element at a time. TF's bits on both (measured on 300,000 float32
    pairs; here fewer), with lanes mixing both methods, the pairs where the two functions choose
    their method differently (x == 1, x == a), loops that reach Eigen's 2000 iterations, the
    grid's edges in every lane position, a broadcast pair and a ragged tail."""
    from conftest import assert_path_gives_tf_bits

    n = 20000
    a = np.concatenate([rng.exponential(5, n), rng.uniform(0.01, 30, n), np.exp(rng.uniform(-8, 6, n))])
    x = np.concatenate([rng.exponential(5, n), rng.uniform(0, 40, n), np.exp(rng.uniform(-8, 6, n))])
    edge = rng.uniform(0.01, 30, 2000)
    a = np.concatenate([a, edge, edge[:1000] / 30])
    x = np.concatenate([x, edge, np.ones(1000)])
    # a and x near 1e6-1e8: the series or the fraction runs into Eigen's 2000 iterations.
    huge = np.exp(rng.uniform(13, 18, 60))
    a = np.concatenate([a, huge, huge * 1.001, huge])
    x = np.concatenate([x, huge, huge, huge * 1.001])
    ag, xg = igamma_grid(np.float64)
    keep = (np.abs(ag.ravel()) > 1e-30) | (ag.ravel() == 0)
    keep &= (np.abs(xg.ravel()) > 1e-30) | (xg.ravel() == 0)  # no subnormals: TF flushes them
    a = np.concatenate([a, np.repeat(ag.ravel()[keep], 9), a[:5]]).astype(dtype)
    x = np.concatenate([x, np.repeat(xg.ravel()[keep], 9), x[:5]]).astype(dtype)
    order = rng.permutation(len(a))
    a, x = a[order], x[order]
    row = rng.uniform(0.1, 9, (1, 1027)).astype(dtype)
    column = rng.uniform(0.05, 20, (61, 1)).astype(dtype)
    inputs = [a, x, row, column]

    def fn(a, x, r, c):
        return {
            "igamma": tf.math.igamma(a, x),
            "igammac": tf.math.igammac(a, x),
            "igamma_broadcast": tf.math.igamma(r, c),
            "igammac_broadcast": tf.math.igammac(r, c),
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


@pytest.mark.parametrize("shapes", BROADCASTS, ids=str)
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_broadcasts_as_tf(tf, rng, name, shapes):
    a = rng.uniform(0.1, 5, shapes[0]).astype(np.float32)
    x = rng.uniform(0, 6, shapes[1]).astype(np.float32)
    assert_parity(getattr(tf.math, name), [a, x], rtol=1e-5, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_incomplete_gamma_broadcast_errors_as_tf(tf, runtime):
    fn = tf.function(tf.math.igamma, input_signature=[tf.TensorSpec(None, tf.float32)] * 2)
    model = convert_fn(fn, (None, tf.float32), (None, tf.float32))
    ones = np.ones
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        fn(ones((2, 3), np.float32), ones(4, np.float32))
    with pytest.raises(RuntimeError, match=r"Igamma: Incompatible shapes: \[2, 3\] vs. \[4\]"):
        run_tflite(model, [ones((2, 3)), ones(4)], runtime)
    six = ((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2))
    with pytest.raises(tf.errors.UnimplementedError, match="not supported yet"):
        fn(ones(six[0], np.float32), ones(six[1], np.float32))
    with pytest.raises(
        RuntimeError, match=r"Igamma: Broadcast between \[2, 1, 2, 1, 2, 1\] and .* not supported"
    ):
        run_tflite(model, [ones(six[0]), ones(six[1])], runtime)


def betainc_grid(dtype):
    a = np.array([1e-3, 0.5, 1.0, 2.5, 30.0, 1e3, 0.0, -1.0, np.nan])
    x = np.array([0.0, 1e-6, 0.3, 0.5, 0.999, 1.0, -0.1, 1.1, np.nan, 1e-40])
    aa, bb, xx = np.meshgrid(a, a, x)
    return [v.astype(dtype).ravel() for v in (aa, bb, xx)]


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_betainc(tf, rng, dtype):
    assert_parity(tf.math.betainc, betainc_grid(dtype), rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)
    a, b = rng.exponential(3, (2, 200)).astype(dtype)
    x = rng.uniform(0, 1, 200).astype(dtype)
    assert_parity(tf.math.betainc, [a, b, x], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("scalars", [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2), ()], ids=str)
def test_betainc_broadcasts_scalars(tf, rng, scalars):
    """TF broadcasts scalars only; the other inputs share one shape (here (2, 3), or empty)."""
    values = [rng.uniform(0.5, 3), rng.uniform(0.5, 3), rng.uniform(0, 1)]
    inputs = [np.float32(v) if i in scalars else np.full((2, 3), v, np.float32) for i, v in enumerate(values)]
    assert_parity(tf.math.betainc, inputs, rtol=1e-5, atol=0, runtimes=RUNTIMES)
    empty = [np.float32(v) if i in scalars else np.zeros((0, 3), np.float32) for i, v in enumerate(values)]
    if len(scalars) < 3:
        model = convert_fn(
            tf.math.betainc, *[(None if i not in scalars else (), tf.float32) for i in range(3)]
        )
        for runtime in RUNTIMES:
            (out,) = run_tflite(model, empty, runtime).values()
            assert out.shape == (0, 3)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_betainc_inconsistent_shapes_as_tf(tf, runtime):
    model = convert_fn(tf.math.betainc, ((None,), tf.float32), ((None,), tf.float32), ((), tf.float32))
    a, b, x = np.ones(2, np.float32), np.ones(3, np.float32), np.float32(0.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Shapes of a and b are inconsistent"):
        tf.math.betainc(a, b, x)
    with pytest.raises(RuntimeError, match=r"Betainc: Shapes of a and b are inconsistent: \[2\] vs. \[3\]"):
        run_tflite(model, [a, b, x], runtime)
