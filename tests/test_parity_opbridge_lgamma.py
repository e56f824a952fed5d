"""Opbridge>Lgamma: one kernel for TF's Lgamma, which the converter lowers into ~58 builtins
for float32. opbridge.convert substitutes it for Lgamma (its OpSpec declares Replaces("Lgamma"));
here the op is called directly, through the TF op library."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

RTOL = {np.float32: 1e-5, np.float64: 1e-10}


@pytest.fixture(scope="module")
def lgamma():
    from opbridge import _tf_library

    return _tf_library.load().opbridge_lgamma


def edge_arguments(rng, dtype) -> np.ndarray:
    info = np.finfo(dtype)
    specials = [0.0, -0.0, float(info.tiny), float(info.eps), float(info.max), np.inf, -np.inf, np.nan]
    specials += [float(info.smallest_subnormal), float(-info.tiny / 3)]  # TF flushes subnormals to zero
    poles = [-1.0, -2.0, -100.0, -1 + 1e-6, -1 - 1e-6, -2.5, -0.5, -30.5]
    zeros = [1.0, 2.0, 1 + 1e-6, 2 - 1e-6]  # lgamma(1) = lgamma(2) = 0
    large = [1e15, 1e30, 4e36, float(info.max) / 2]  # float32 lgamma overflows above ~4.08e36
    values = np.concatenate(
        [specials, poles, zeros, large, rng.uniform(-20, 20, 200), rng.exponential(1e3, 50)]
    )
    with np.errstate(over="ignore"):
        return values.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_tf_kernel_matches_tf_lgamma(tf, rng, lgamma, dtype):
    """The op's TF kernel against TF's own Lgamma kernel."""
    x = edge_arguments(rng, dtype)
    got, want = lgamma(x).numpy(), tf.math.lgamma(x).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=0)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_tflite_kernel_matches_tf(tf, rng, lgamma, dtype):
    x = edge_arguments(rng, dtype).reshape(2, -1)
    report = assert_parity(lgamma, [x], rtol=RTOL[dtype], atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Opbridge>Lgamma": 1}
    # And the TFLite result against TF's own Lgamma, not only against our TF kernel.
    (out,) = run_tflite(report.model, [x]).values()
    np.testing.assert_allclose(out, tf.math.lgamma(x).numpy(), rtol=RTOL[dtype], atol=0)


@pytest.mark.parametrize("shape", [(), (0,), (4, 0), (3, 5, 2)], ids=str)
def test_shapes(tf, rng, lgamma, shape):
    x = rng.uniform(0.1, 9, shape).astype(np.float32)
    model = convert_fn(lgamma, ((None,) * len(shape), tf.float32))
    for runtime in RUNTIMES:
        (out,) = run_tflite(model, [x], runtime).values()
        assert out.shape == shape
        np.testing.assert_allclose(out, tf.math.lgamma(x).numpy(), rtol=1e-6, atol=0)


def test_one_kernel_instead_of_the_lowering(tf, lgamma):
    """opbridge.convert substitutes the kernel for tf.math.lgamma; without the
    substitution the converter lowers it into dozens of builtins."""
    from opbridge.conversion import convert_model

    fused = convert_fn(lgamma, ((8,), tf.float32))
    substituted = convert_fn(tf.math.lgamma, ((8,), tf.float32))
    fn = tf.function(tf.math.lgamma, input_signature=[tf.TensorSpec((8,), tf.float32)])
    lowered = convert_model(fn, substitute=False).model
    assert tflite_model.op_histogram(fused) == {"Opbridge>Lgamma": 1}
    assert tflite_model.op_histogram(substituted) == {"Opbridge>Lgamma": 1}
    assert sum(tflite_model.op_histogram(lowered).values()) > 40


def test_declares_that_it_replaces_lgamma():
    (info,) = [op for op in opbridge.catalog.op_infos() if op.name == "Opbridge>Lgamma"]
    assert info.replaces == "Lgamma"
    assert info.origin == "opbridge"
    assert info.dtypes == ("float", "double")
    assert [name for name, _ in info.inputs] == ["x"] and [name for name, _ in info.outputs] == ["y"]


def test_gradient_is_digamma_as_for_tf_lgamma(tf, rng, lgamma):
    x = tf.constant(rng.uniform(-5, 5, 20))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ours, theirs = lgamma(x), tf.math.lgamma(x)
    np.testing.assert_allclose(tape.gradient(ours, x), tape.gradient(theirs, x), rtol=1e-12)


def test_int_input_is_rejected(tf, lgamma):
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32 is not in the list of allowed values"):
        lgamma(np.ones(3, np.int32))


def dense_lgamma_arguments(rng):
    """Random floats over the whole range, dense around lgamma's roots (1, 2 and
    the negative ones between poles) and poles, plus every region boundary."""
    parts = [
        rng.uniform(-60, 60, 40000),
        np.exp(rng.uniform(-80, 87, 20000)),
        1 + rng.normal(0, 1e-3, 5000),
        2 + rng.normal(0, 1e-3, 5000),
        -rng.integers(1, 40, 10000) + rng.uniform(-0.5, 0.5, 10000),
        np.array([0.5, 0.75, 1.25, 1.5, 2.5, 2.75, 7.0, 6.9999995, 7.0000005, -2.4570, -2.7476, -3.1435]),
    ]
    return np.concatenate(parts).astype(np.float32)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_float32_kernel_agrees_with_tf_densely(tf, rng, path, tmp_path):
    """Both float32 code paths (AVX2+FMA where the CPU has it, and baseline x86-64,
    forced with OPBRIDGE_NO_AVX2=1) within 1e-5 relative of TF's lgamma."""
    import subprocess
    import sys

    x = dense_lgamma_arguments(rng)
    want = tf.math.lgamma(x).numpy()
    np.save(tmp_path / "x.npy", x)
    script = (
        "import numpy as np, opbridge\n"
        "from opbridge import tflite_model\n"
        "from opbridge.running import run_tflite\n"
        "x = np.load('x.npy')\n"
        "m = tflite_model.single_custom_op_model('Opbridge>Lgamma', [('x', x.shape, np.float32)],"
        " [('y', x.shape, np.float32)])\n"
        "np.save('y.npy', list(run_tflite(m, [x], num_threads=2).values())[0])\n"
    )
    env = {**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if path == "baseline":
        env["OPBRIDGE_NO_AVX2"] = "1"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True)
    got = np.load(tmp_path / "y.npy")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5, atol=0)
