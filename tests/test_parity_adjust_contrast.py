"""AdjustContrastv2 (tf.image.adjust_contrast): TFLite kernel vs TF's own kernel.

TF's CPU kernel sums each image's rows by folding the plane in half (float), scales by
1.0f / (h * w) and writes mean + factor * (x - mean); the results are compared bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite


def raw(tf):
    return lambda x, f: tf.raw_ops.AdjustContrastv2(images=x, contrast_factor=f)


def assert_same_bits(actual, want, msg, any_nan=False):
    assert actual.shape == want.shape, msg
    if any_nan:  # NaN where TF has NaN, of whatever sign and payload
        np.testing.assert_array_equal(np.isnan(actual), np.isnan(want), err_msg=msg)
        actual, want = np.where(np.isnan(actual), 0, actual), np.where(np.isnan(want), 0, want)
    np.testing.assert_array_equal(actual.view(np.uint32), want.view(np.uint32), err_msg=msg)


def check(tf, images, factors, any_nan=False):
    """One dynamic-shape model per rank, fed each (images, factor) by index."""
    fn = raw(tf)
    converted = convert_fn(fn, ((None,) * images[0].ndim, tf.float32), ((), tf.float32))
    assert tflite_model.custom_op_counts(converted) == {"AdjustContrastv2": 1}
    for x in images:
        for f in factors:
            f = np.float32(f)
            want = fn(tf.constant(x), tf.constant(f)).numpy()
            for runtime in RUNTIMES:
                (actual,) = run_tflite(converted, [x, np.asarray(f)], runtime).values()
                assert_same_bits(actual, want, f"{x.shape} factor={f} {runtime}", any_nan)


FACTORS = [1.7, -0.6, 0.0, 1.0, 3.0e7]


def test_shapes_match_tf_bit_for_bit(tf, rng):
    """Odd and even h * w (the fold's carried middle row), one pixel, one channel, many
    channels; values with a large offset so the summation order shows in the mean."""
    shapes = [(1, 1, 3), (5, 7, 3), (3, 5, 1), (2, 33, 17, 3), (1, 64, 64, 3), (2, 3, 2, 5), (3, 1, 9, 2)]
    for shape in shapes:
        x = (rng.standard_normal(shape) * 100 + 1000).astype(np.float32)
        check(tf, [x], FACTORS)


def test_batched_5d_and_empty(tf, rng):
    x = rng.uniform(0, 1, (2, 2, 4, 5, 2)).astype(np.float32)
    check(tf, [x, np.zeros((0, 2, 4, 5, 2), np.float32), np.zeros((2, 2, 0, 5, 2), np.float32)], FACTORS[:2])


def test_nonfinite_values_and_factors(tf, rng):
    """Where two operands are NaN, TF's vectorized output loop (32 floats a step) keeps
    the mean's NaN in lanes 16..31 of a step and the other's elsewhere: NaN positions
    match, NaN bits are checked by the payload test below (images under 32 floats)."""
    x = rng.uniform(0, 255, (3, 6, 5, 3)).astype(np.float32)
    x[0, 1, 2, 0] = np.nan
    x[1, 3, 3, 1] = np.inf
    x[1, 4, 0, 1] = -np.inf
    x[2, 0, 0, 2] = np.inf
    x[2, :, :, 0] = -0.0
    x[2, 5, 4, 1] = 3e38  # the sum overflows to inf
    x[2, 4, 4, 1] = 3e38
    check(tf, [x], [np.nan, np.inf, -np.inf, 2.0, -0.0], any_nan=True)


def test_image_adjust_contrast_on_uint8(tf, rng):
    """tf.image.adjust_contrast on uint8 images converts to float32 around the op."""
    image = rng.integers(0, 256, (2, 9, 11, 3), dtype=np.uint8)

    def model(x):
        return tf.image.adjust_contrast(x, 1.8)

    converted = convert_fn(model, (image.shape, tf.uint8))
    assert tflite_model.custom_op_counts(converted).get("AdjustContrastv2") == 1
    want = model(tf.constant(image)).numpy()
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, [image], runtime).values()
        np.testing.assert_array_equal(actual, want, err_msg=runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_are_tfs(tf, runtime):
    fn = raw(tf)
    converted = convert_fn(fn, (None, tf.float32), (None, tf.float32))
    flat = np.ones((4, 3), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must be at least 3-D"):
        fn(tf.constant(flat), tf.constant(1.5))
    with pytest.raises(RuntimeError, match=r"AdjustContrastv2: .*input must be at least 3-D"):
        run_tflite(converted, [flat, np.float32(1.5)], runtime)

    image = np.ones((2, 2, 3), np.float32)
    factor = np.ones(1, np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="contrast_factor must be scalar"):
        fn(tf.constant(image), tf.constant(factor))
    with pytest.raises(RuntimeError, match=r"AdjustContrastv2: .*contrast_factor must be scalar"):
        run_tflite(converted, [image, factor], runtime)


def test_nan_payloads_follow_tfs_operand_order(tf):
    """Which NaN survives (x86 keeps the first operand's): the fold's sums, then
    factor * (x - mean) + mean. Payload NaNs of both signs, in every position."""

    def nan(payload, negative):
        return np.array([(0xFFC00000 if negative else 0x7FC00000) | payload], np.uint32).view(np.float32)[0]

    a, b, c = nan(0x11, False), nan(0x22, True), nan(0x33, False)
    rows = [[a, 1], [1, a], [a, b], [b, a], [a, b, 1], [a, 1, b], [a, b, c, 1], [1, a, b, c]]
    rows += [[np.inf, -np.inf]]
    rows += [[np.inf, a], [np.inf, 1], [a, 1, b, c, 2]]
    images = [np.array(r, np.float32).reshape(1, len(r), 1) for r in rows]
    check(tf, images, [2.0, 0.0, b, c])


def _nan_rule(r, a, b):
    """r = a op b as x86 gives it with TF's operand order: a NaN a (quieted), else a NaN b,
    else r (a new NaN is the default NaN either way)."""
    bits = [np.asarray(v, np.float32).view(np.uint32) for v in (r, a, b)]
    quiet = [v | np.uint32(0x00400000) for v in bits[1:]]
    out = np.where(np.isnan(b), quiet[1], bits[0])
    out = np.where(np.isnan(a), quiet[0], out)
    return np.where(np.isnan(r), out, bits[0]).view(np.float32)


def _scalar_path(x, factor):
    """The kernel's documented operations and NaN rule, image by image: the rows folded in
    half (the upper row's NaN first in the first round, the kept row's after), times
    1/(h*w), then factor * (x - mean) + mean."""
    out = np.empty_like(x)
    rows = x.shape[-3] * x.shape[-2]
    planes = x.reshape(-1, rows, x.shape[-1])
    for image, plane in enumerate(planes):
        rest, first = plane, True
        while len(rest) > 1:
            right = len(rest) // 2
            left = len(rest) - right
            upper, lower = rest[left:], rest[:right]
            a, b = (upper, lower) if first else (lower, upper)
            rest = np.concatenate([_nan_rule(a + b, a, b), rest[right:left]])
            first = False
        scaling = np.float32(1) / np.float32(rows)
        mean = _nan_rule(rest[0] * scaling, rest[0], scaling)
        diff = _nan_rule(plane - mean, plane, mean)
        scaled = _nan_rule(factor * diff, factor, diff)
        out.reshape(-1, rows, x.shape[-1])[image] = _nan_rule(scaled + mean, scaled, mean)
    return out


def test_vector_paths_keep_the_nan_rule(tf, rng, tmp_path):
    """Images of several output blocks whose NaNs (payloads of both signs, inf - inf) fall in
    vector lanes: the AVX2 path (where the CPU has it) and the baseline path
    (OPBRIDGE_NO_AVX2=1), in fresh processes, give the documented operand order's NaN bit for
    bit (the plain vector operations are redone on the scalar path where a NaN shows), and TF's
    NaN positions and numbers."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    def nan(payload, negative):
        return np.array([(0xFFC00000 if negative else 0x7FC00000) | payload], np.uint32).view(np.float32)[0]

    x = rng.uniform(-50, 50, (3, 40, 41, 3)).astype(np.float32)
    x[0, 5, 7, 0], x[0, 30, 2, 0], x[0, 12, 40, 1] = nan(0x11, False), nan(0x22, True), nan(0x33, True)
    x[1, 3, 3, 2], x[1, 39, 1, 2] = np.inf, -np.inf  # inf - inf in the fold
    model = convert_fn(raw(tf), ((None,) * 4, tf.float32), ((), tf.float32))
    for factor in [np.float32(1.5), nan(0x44, False)]:
        with np.errstate(invalid="ignore"):  # inf - inf: a NaN under test
            want = _scalar_path(x, factor)
        tf_out = raw(tf)(tf.constant(x), tf.constant(factor)).numpy()
        assert_same_bits(want, tf_out, f"model of the scalar path vs TF, factor={factor}", any_nan=True)
        for baseline in (False, True) if cpu_has_avx2() else (True,):
            work = tmp_path / f"{baseline}_{np.isnan(factor)}"
            work.mkdir()
            (got,) = run_tflite_in_process(model, [x, np.asarray(factor)], work, baseline).values()
            assert_same_bits(got, want, f"factor={factor} baseline={baseline}")
