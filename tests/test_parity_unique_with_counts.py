"""UniqueWithCounts: outputs whose size is known only at run time (dynamic outputs)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

BF16 = ml_dtypes.bfloat16
DTYPES = [np.float32, np.float64, np.float16, BF16, np.int8, np.int16, np.int32, np.int64, np.uint8]
DTYPES += [np.bool_]


@pytest.mark.parametrize("out_idx", ["int32", "int64"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_unique_with_counts_matches_tf(tf, rng, dtype, out_idx):
    for n in (0, 1, 7, 300):
        x = rng.integers(0, 2 if dtype == np.bool_ else 9, n).astype(dtype)
        assert_parity(
            lambda v: tf.unique_with_counts(v, out_idx=tf.as_dtype(out_idx)),
            [x],
            rtol=0,
            atol=0,
            runtimes=RUNTIMES,
        )


def test_nan_and_signed_zero_as_tf(tf):
    x = np.array([np.nan, 0.0, -0.0, np.nan, 1.5, 1.5, -np.inf, np.inf, -np.inf], np.float32)
    report = assert_parity(tf.unique_with_counts, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert report.outputs[0].shape == (6,)  # each NaN is its own value; -0.0 joins 0.0


@pytest.mark.parametrize("dtype", [np.float16, BF16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("out_idx", ["int32", "int64"])
def test_16_bit_floats_as_tf(tf, rng, dtype, out_idx):
    """half and bfloat16: TF hashes their bits, so -0 and +0 are two values, each NaN (of either
    sign or payload) its own value, and a subnormal is not zero. y is compared bit for bit."""
    bits = np.array(
        [0x0000, 0x8000, 0x0001, 0x8001, 0x7FC0, 0xFFC0, 0x7C00, 0xFC00, 0x7E00, 0x7F81], np.uint16
    )  # zeros, subnormals, NaNs (of half, of bfloat16), infinities of half
    x = np.concatenate([bits.view(dtype), rng.integers(-3, 3, 30).astype(dtype), bits.view(dtype)])
    rng.shuffle(x)
    fn = lambda v: tf.unique_with_counts(v, out_idx=tf.as_dtype(out_idx))  # noqa: E731
    model = convert_fn(fn, ((None,), tf.as_dtype(dtype)))
    for v in (x, x[:0]):
        want = fn(v)
        for runtime in RUNTIMES:
            got = run_tflite(model, [v], runtime)
            np.testing.assert_array_equal(got["y"].view(np.uint16), want.y.numpy().view(np.uint16))
            np.testing.assert_array_equal(got["idx"], want.idx.numpy())
            np.testing.assert_array_equal(got["count"], want.count.numpy())


def test_strings_as_tf(tf, rng):
    """Strings compare bytes: the empty string, embedded NULs, UTF-8, prefixes; repeats far apart;
    an empty input."""
    # (No trailing NUL: the runtimes' Python string I/O drops it, b"a\x00" comes back b"a".)
    words = [b"", b"a", b"\x00a", b"a\x00b", b"ab", b"\xc3\xa9", b"x" * 40, b"b"]
    x = np.array([words[i] for i in rng.integers(0, len(words), 200)], dtype=object)
    fn = lambda v: tf.unique_with_counts(v, out_idx=tf.int64)  # noqa: E731
    model = convert_fn(fn, ((None,), tf.string))
    assert tflite_model.custom_op_counts(model) == {"UniqueWithCounts": 1}
    for v in (x, x[::-1].copy(), x[:1], x[:0]):
        want = fn(v)
        for runtime in RUNTIMES:
            got = run_tflite(model, [v], runtime)
            assert list(got["y"]) == list(want.y.numpy()), runtime
            np.testing.assert_array_equal(got["idx"], want.idx.numpy())
            np.testing.assert_array_equal(got["count"], want.count.numpy())


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int64, np.uint8], ids=lambda d: np.dtype(d).name
)
def test_many_values_with_repeats_nan_and_both_zeros(tf, rng, dtype):
    """Tens of thousands of values, most distinct, some repeated far apart, and (floats) NaNs and
    zeros of both signs scattered among them: the order of first occurrence, indices and counts
    are TF's."""
    n = 40000
    if np.dtype(dtype).kind == "f":
        x = rng.standard_normal(n).astype(dtype)
        x[rng.integers(0, n, 3000)] = x[rng.integers(0, n, 3000)]
        x[rng.integers(0, n, 200)] = np.nan
        x[rng.integers(0, n, 100)] = 0.0
        x[rng.integers(0, n, 100)] = -0.0
    else:
        x = rng.integers(0, np.iinfo(dtype).max, n, dtype=dtype, endpoint=True)
    report = assert_parity(tf.unique_with_counts, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    if np.dtype(dtype).kind == "f":  # one zero, with the first zero's sign, as TF keeps it
        (y,) = [v for v in run_tflite(report.model, [x]).values() if v.dtype == x.dtype]
        first_zero = x[np.flatnonzero(x == 0)[0]]
        assert np.signbit(y[y == 0]).tolist() == [np.signbit(first_zero)]
        assert np.signbit(tf.unique_with_counts(x).y.numpy()[y == 0]).tolist() == [np.signbit(first_zero)]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_one_model_many_lengths(tf, rng, runtime):
    """A [None] input: each invoke resizes, the dynamic outputs follow."""
    fn = tf.function(tf.unique_with_counts, input_signature=[tf.TensorSpec([None], tf.int64)])
    model = opbridge.convert(fn)
    for n in (5, 0, 40, 3):
        x = rng.integers(-3, 3, n).astype(np.int64)
        got = run_tflite(model, [x], runtime)
        want = tf.unique_with_counts(x)
        for name in ("y", "idx", "count"):
            np.testing.assert_array_equal(got[name], getattr(want, name).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_rank_2_input_is_rejected_as_in_tf(tf, runtime):
    fn = tf.function(tf.unique_with_counts, input_signature=[tf.TensorSpec([None], tf.int32)])
    model = opbridge.convert(fn)
    from opbridge import tflite_model

    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [2, 3], strict=False)
    with pytest.raises(
        RuntimeError, match=r"UniqueWithCounts: input 'x' must have rank 1, got shape \[2, 3\]"
    ):
        interpreter.allocate_tensors()
    assert tflite_model.custom_op_counts(model) == {"UniqueWithCounts": 1}
    with pytest.raises(tf.errors.InvalidArgumentError, match="1D"):
        tf.unique_with_counts(np.zeros((2, 3), np.int32))
    run_tflite(model, [np.zeros(3, np.int32)], runtime)
