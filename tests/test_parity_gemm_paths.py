"""The hand-written x86 matrix products (ops/nn/gemm_float_avx2.h, gemm_double_avx2.h,
gemm_avx512.h) behind the float convolutions, their filter gradients, half MatMul and MediaPipe's
transposed convolution: on a CPU with AVX-512 the 512-bit blocks run (OPBRIDGE_NO_AVX512=1 keeps
the AVX2 ones). Each output element is the same FMA chain over k from zero in both, whatever the
block shapes (twelve or eight rows, one or two panels, masked last columns, rows gathered from
pixels), so the two processes must agree bit for bit; the results are also checked against TF,
within the dot-product bound of the convolution tests, so that agreeing cannot mean agreeing on
garbage.

Channel counts are chosen to reach every block shape: 8 (one narrow panel, the eight-row block), 12
and 16 (two eight-row blocks), 20 and 33 (a masked second panel), 40 (two panels and a masked
third)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import convert_fn, run_tflite_in_process
from test_parity_conv_2d import assert_within, gamma, values


def has_avx512() -> bool:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return " avx512f" in flags and " avx2" in flags and " fma" in flags


pytestmark = pytest.mark.skipif(not has_avx512(), reason="the AVX-512 blocks need a CPU with AVX-512F")

# (input channels, output channels) of the convolutions and gradients.
CHANNELS = [(8, 8), (12, 5), (16, 33), (3, 40), (20, 16)]


def make_model(tf, c: int, f: int):
    """One model: Conv2D float32 (runtime filter: custom), Conv2D float64, Conv2DBackpropFilter and
    Conv3DBackpropFilterV2 float32, BatchMatMulV2 half."""

    def fn(x, w, dy, x3, dy3, x64, w64, a16, b16):
        conv = tf.raw_ops.Conv2D(input=x, filter=w, strides=[1, 1, 1, 1], padding="SAME")
        conv64 = tf.raw_ops.Conv2D(input=x64, filter=w64, strides=[1, 2, 1, 1], padding="VALID")
        grad = tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=[3, 3, c, f], out_backprop=dy, strides=[1, 1, 1, 1], padding="SAME"
        )
        grad3 = tf.raw_ops.Conv3DBackpropFilterV2(
            input=x3, filter_sizes=[2, 3, 3, c, f], out_backprop=dy3, strides=[1, 1, 2, 1, 1], padding="SAME"
        )
        product = tf.raw_ops.BatchMatMulV2(x=a16, y=b16)
        return {"conv": conv, "conv64": conv64, "grad": grad, "grad3": grad3, "product": product}

    specs = [
        ((None,) * 4, tf.float32),
        ((None,) * 4, tf.float32),
        ((None,) * 4, tf.float32),
        ((None,) * 5, tf.float32),
        ((None,) * 5, tf.float32),
        ((None,) * 4, tf.float64),
        ((None,) * 4, tf.float64),
        ((None, None, None), tf.float16),
        ((None, None, None), tf.float16),
    ]
    return fn, convert_fn(fn, *specs)


@pytest.mark.parametrize("c,f", CHANNELS, ids=lambda v: str(v))
def test_avx512_and_avx2_blocks_give_the_same_bits(tf, rng, tmp_path, c, f):
    fn, model = make_model(tf, c, f)
    x = values(rng, (2, 9, 11, c), np.float32)
    x[1, 4, 5, c - 1] = np.nan  # one NaN reaches its window's outputs on both paths alike
    inputs = [
        x,
        values(rng, (3, 3, c, f), np.float32),
        values(rng, (2, 9, 11, f), np.float32),
        values(rng, (1, 4, 7, 6, c), np.float32),
        values(rng, (1, 4, 4, 6, f), np.float32),
        values(rng, (1, 7, 8, c), np.float64),
        values(rng, (2, 3, c, f), np.float64),
        values(rng, (3, 29, 4 * c), np.float16),
        values(rng, (3, 4 * c, f), np.float16),
    ]
    runs = {}
    for name, env in (("avx512", {}), ("avx2", {"OPBRIDGE_NO_AVX512": "1"})):
        workdir = tmp_path / name
        workdir.mkdir()
        runs[name] = run_tflite_in_process(model, inputs, workdir, baseline=False, extra_env=env)
    want = {k: v.numpy() for k, v in fn(*inputs).items()}
    # sum|products| per element: the same ops on |inputs| in float64.
    magnitudes = {k: v.numpy() for k, v in fn(*[np.abs(v.astype(np.float64)) for v in inputs]).items()}
    reductions = {"conv": 9 * c, "conv64": 6 * c, "grad": 2 * 9 * 11, "grad3": 4 * 4 * 6, "product": 4 * c}
    for name, expected in want.items():
        got = runs["avx512"][name]
        np.testing.assert_array_equal(got, runs["avx2"][name], err_msg=f"{name}: AVX-512 vs AVX2 blocks")
        # Against TF: the convolution tests' bound (2 gamma_K sum|products|, TF's flushed subnormal
        # products), half summed in float32 and rounded once more on each side.
        accumulate = np.float32 if expected.dtype == np.float16 else expected.dtype
        k = reductions[name]
        limit = 2 * gamma(k, accumulate) * magnitudes[name] + 2 * k * float(np.finfo(accumulate).tiny)
        if expected.dtype == np.float16:
            limit = limit + 2 * float(np.finfo(np.float16).eps) * np.abs(expected.astype(np.float64))
        assert_within(got, expected, limit, f"{name} vs TF")
        assert np.count_nonzero(got) > got.size // 2, f"{name}: mostly zeros"
