"""BesselI0, I0e, I1, I1e, J0, J1, K0, K0e, K1, K1e, Y0, Y1: TFLite kernels vs TF's own kernels.

TF evaluates Eigen's Bessel functors with 8-lane AVX packets for the first
n - n % 8 floats (and halves) and with the scalar path for the rest; the two
paths round differently. The kernels take the same path at the same
positions (ops/math/bessel.h), so the outputs are bit-identical: the tests
assert exact equality, at every length modulo 8, for float32, float64 and half,
over the whole real line (negative, tiny, huge, zeros, poles, inf, NaN).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, run_tflite_in_process
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# TF function name -> TF op name.
BESSEL = {
    f"bessel_{order}": f"Bessel{order[0].upper()}{order[1:]}"
    for order in ("i0", "i0e", "i1", "i1e", "j0", "j1", "k0", "k0e", "k1", "k1e", "y0", "y1")
}


def all_bessel(tf):
    """One model computing every Bessel function of x (one conversion per dtype)."""
    return lambda x: {name: getattr(tf.math.special, name)(x) for name in BESSEL}


def bessel_arguments(rng: np.random.Generator, dtype) -> np.ndarray:
    """The whole real line: the approximations' region boundaries (|x| = 2, 8, 25 for
    J/Y's polynomial vs asymptotic forms), zeros of J and Y, tiny and huge values,
    the overflow of I0/I1 (~88.7 in float), poles at 0, inf and NaN."""
    info = np.finfo(dtype)
    edges = [0.0, -0.0, info.tiny, -info.tiny, info.eps, info.max, -info.max, np.inf, -np.inf, np.nan]
    edges += [
        float(info.smallest_subnormal),
        -float(info.tiny) / 3,
        1e-30,
        -1e-30,
        0.5,
        1.0,
        2.0,
        -2.0,
        5.0,
        8.0,
        -8.0,
        25.0,
    ]
    edges += [2.404825557695773, 3.8317059702075125, 0.8935769662791675, 2.197141326031017]  # zeros
    edges += [88.7, 89.0, 700.0, 710.0, 1e10, -1e10, 1e30, 3e38]
    spread = [
        rng.uniform(-10, 10, 600),
        rng.uniform(-100, 100, 300),
        np.exp(rng.uniform(-30, 30, 300)) * rng.choice([-1, 1], 300),
    ]
    with np.errstate(over="ignore"):
        x = np.concatenate([edges, *spread]).astype(dtype)
    return x[: len(x) - len(x) % 8 + 5]  # a scalar tail of 5 after the packets


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16], ids=lambda d: np.dtype(d).name)
def test_bessel_functions_bit_identical_to_tf(tf, rng, dtype):
    x = bessel_arguments(rng, dtype)
    report = assert_parity(all_bessel(tf), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1 for op in BESSEL.values()}


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=lambda d: np.dtype(d).name)
def test_bessel_packet_and_scalar_positions_at_every_length(tf, rng, dtype):
    """A dynamic length: every length modulo 8 moves the packet/scalar boundary;
    empty tensors and 1 vs 2 threads included."""
    fn = tf.function(all_bessel(tf), input_signature=[tf.TensorSpec([None], dtype)])
    model = convert_fn(all_bessel(tf), ([None], tf.as_dtype(dtype)))
    values = rng.uniform(-30, 30, 200).astype(dtype)
    for n in (0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 71, 200):
        x = values[:n]
        expected = {k: v.numpy() for k, v in fn(x).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for name in BESSEL:
                np.testing.assert_array_equal(got[name], expected[name], err_msg=f"{runtime} {name} n={n}")
    big = rng.uniform(-30, 30, 4099).astype(dtype)
    one = run_tflite(model, [big], num_threads=1)
    two = run_tflite(model, [big], num_threads=2)
    expected = {k: v.numpy() for k, v in fn(big).items()}
    for name in BESSEL:
        np.testing.assert_array_equal(one[name], expected[name], err_msg=name)
        np.testing.assert_array_equal(two[name], expected[name], err_msg=name)


def test_bessel_shapes(tf, rng):
    """Any rank: the op is elementwise over the flat tensor."""
    x = rng.uniform(-5, 5, (2, 3, 5)).astype(np.float32)
    assert_parity(tf.math.special.bessel_j1, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert_parity(tf.math.bessel_i1e, [np.float32(1.5)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bessel_bfloat16_is_rejected_as_tf_has_no_kernel(tf, runtime):
    """TF's op definition allows bfloat16 (the converter emits it), but TF registers
    CPU kernels for half, float and double only."""
    with pytest.raises((tf.errors.NotFoundError, tf.errors.InvalidArgumentError)):
        tf.math.special.bessel_j0(tf.zeros(2, tf.bfloat16))
    model = convert_fn(tf.math.special.bessel_j0, ((2,), tf.bfloat16))
    assert tflite_model.custom_op_counts(model) == {"BesselJ0": 1}
    with pytest.raises(
        RuntimeError, match=r"BesselJ0: attr 'T' is bfloat16, expected one of \{half, float, double\}"
    ):
        run_tflite(model, [np.zeros(2, tf.bfloat16.as_numpy_dtype)], runtime)


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=lambda d: np.dtype(d).name)
def test_bessel_avx2_and_baseline_loops_give_the_same_bits(tf, rng, dtype, tmp_path):
    """On a CPU with AVX2 the float loop runs from an isolated AVX2 object (8-lane packets,
    ops/math/bessel_float_avx2.cc, cmake/IsaObjects.cmake); OPBRIDGE_NO_AVX2=1 forces the
    baseline build's 4-lane SSE2 loop. Both are Eigen's packet algorithm on the same
    positions: every bit equal, NaN payloads included."""
    x = np.concatenate([bessel_arguments(rng, dtype), rng.uniform(-40, 40, 20000).astype(dtype)])
    x = x[: len(x) - len(x) % 8 + 3]
    model = convert_fn(all_bessel(tf), (x.shape, tf.as_dtype(dtype)))
    auto = run_tflite_in_process(model, [x], tmp_path, baseline=False)
    baseline = run_tflite_in_process(model, [x], tmp_path, baseline=True)
    bits = np.uint16 if dtype == np.float16 else np.uint32
    assert sorted(auto) == sorted(BESSEL)
    for name in BESSEL:
        np.testing.assert_array_equal(auto[name].view(bits), baseline[name].view(bits), err_msg=name)
