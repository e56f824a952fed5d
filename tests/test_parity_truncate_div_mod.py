"""TruncateDiv and TruncateMod (tf.truncatediv, tf.truncatemod): opbridge's TFLite kernels
vs TF's own, bit for bit, in every dtype TF's CPU kernels register.

The converter makes the builtin DIV of float32/int32 TruncateDiv and leaves the other dtypes
custom; TruncateMod is custom in every dtype. One-node models run the kernels directly in
the dtypes the converter would make a builtin of (a Flex or hand-made model can carry them).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float64, np.float32, np.float16, ml_dtypes.bfloat16]
DIV_TYPES = FLOATS + INTS
MOD_TYPES = [np.float64, np.float32, np.int32, np.int64]
OPS = {"TruncateDiv": DIV_TYPES, "TruncateMod": MOD_TYPES}


def name_of(dtype) -> str:
    return np.dtype(dtype).name


def float_operands(rng, dtype, n=600):
    """Random magnitudes over many binades, then the special values: signed zeros,
    infinities, NaN, subnormals (flushed by TF's CPU kernels, and by ours)."""
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 5, n)
    y = rng.standard_normal(n) * 10.0 ** rng.integers(-2, 3, n)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 7.0, -7.0, 1.0, 1e-310, 6144.0]
    x[: len(specials) ** 2] = np.repeat(specials, len(specials))
    y[: len(specials) ** 2] = np.tile(specials, len(specials))
    if dtype == np.float16:
        x[100:] = np.clip(x[100:], -6e4, 6e4)
    return x.astype(dtype), y.astype(dtype)


def int_operands(rng, dtype, n=600):
    """Full-range x; nonzero y without -1 in the 32/64-bit types (TF's own kernel traps on
    INT_MIN / -1 there: test_int_min_over_minus_one_wraps covers ours)."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    y = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    y[:40] = rng.integers(-9 if info.min < 0 else 1, 10, 40).astype(dtype)
    x[:4] = [info.min, info.max, 0, 1]
    y[y == 0] = 3
    if np.dtype(dtype).itemsize >= 4 and info.min < 0:
        y[y == -1] = -2
    elif info.min < 0:
        y[4] = -1
    return x, y


def operands(rng, dtype):
    return int_operands(rng, dtype) if np.issubdtype(dtype, np.integer) else float_operands(rng, dtype)


def same_bits(actual, expected, message):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, message
    np.testing.assert_array_equal(actual.view(np.uint8), expected.view(np.uint8), err_msg=message)


def one_node(op, dtype, shape_x, shape_y, shape_z):
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    options = {"T": getattr(schema.TensorType, name_of(dtype).upper())}
    return tflite_model.single_custom_op_model(
        op,
        [("x", shape_x, np.dtype(dtype)), ("y", shape_y, np.dtype(dtype))],
        [("z", shape_z, np.dtype(dtype))],
        options=bytes(flexbuffers.Dumps(options)),
    )


@pytest.mark.parametrize("op", OPS)
def test_each_dtype_tf_registers(tf, rng, op):
    """Every dtype of TF's CPU kernel, one-node models (the kernel itself, whatever the
    converter picks): NaN payload signs, -0, infinities, int extremes, all bits equal."""
    from tensorflow.python.framework import kernels

    registered = {
        tf.as_dtype(t).name
        for k in kernels.get_registered_kernels_for_op(op).kernel
        if k.device_type == "CPU"
        for c in k.constraint
        for t in c.allowed_values.list.type
    }
    assert registered == {tf.as_dtype(d).name for d in OPS[op]}
    for dtype in OPS[op]:
        x, y = operands(rng, dtype)
        expected = getattr(tf.raw_ops, op)(x=tf.constant(x), y=tf.constant(y)).numpy()
        model = one_node(op, dtype, x.shape, y.shape, x.shape)
        for runtime in RUNTIMES:
            (actual,) = run_tflite(model, [x, y], runtime).values()
            same_bits(actual, expected, f"{op} {name_of(dtype)} {runtime}")


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float16, ml_dtypes.bfloat16, np.int64, np.uint16], ids=name_of
)
def test_converted_models_broadcast(tf, rng, dtype):
    """Converted models (the custom ops in them), x [3, 4, 5] against y [4, 5] and a scalar."""
    x, y = operands(rng, dtype)
    s = y[7:8].reshape(())
    x, y = x[:60].reshape(3, 4, 5), y[:20].reshape(4, 5)

    def model(a, b, c):
        out = {"div": tf.truncatediv(a, b), "div_scalar": tf.truncatediv(a, c)}
        if dtype in MOD_TYPES:
            out |= {"mod": tf.truncatemod(a, b), "mod_scalar": tf.truncatemod(c, b)}
        return out

    inputs = [x, y, s]
    expected = {k: v.numpy() for k, v in model(*[tf.constant(a) for a in inputs]).items()}
    tf_dtype = tf.as_dtype(dtype)
    converted = convert_fn(model, *[(a.shape, tf_dtype) for a in inputs])
    counts = tflite_model.custom_op_counts(converted)
    assert counts.get("TruncateDiv") == 2, counts
    assert counts.get("TruncateMod", 0) == (2 if dtype in MOD_TYPES else 0), counts
    for runtime in RUNTIMES:
        actual = run_tflite(converted, inputs, runtime)
        for name, want in expected.items():
            same_bits(actual[name], want, f"{name} {runtime}")


def test_float32_and_int32_mod_are_custom(tf, rng):
    """TruncateMod has no builtin: float32 and int32 (the builtin DIV's dtypes for
    TruncateDiv) hold the custom op too."""
    for dtype in (np.float32, np.int32):
        x, y = operands(rng, dtype)
        converted = convert_fn(tf.truncatemod, (x.shape, tf.as_dtype(dtype)), (y.shape, tf.as_dtype(dtype)))
        assert tflite_model.custom_op_counts(converted) == {"TruncateMod": 1}
        expected = tf.truncatemod(x, y).numpy()
        for runtime in RUNTIMES:
            (actual,) = run_tflite(converted, [x, y], runtime).values()
            same_bits(actual, expected, f"{name_of(dtype)} {runtime}")


@pytest.mark.parametrize("dtype", [np.int8, np.int16], ids=name_of)
def test_min_over_minus_one_as_tf(tf, dtype):
    """int8/int16: TF computes in int and wraps (INT_MIN / -1 = INT_MIN)."""
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min, -7, 7, info.max], dtype)
    y = np.array([-1, 1, -1, -1, -1], dtype)
    expected = tf.truncatediv(x, y).numpy()
    model = one_node("TruncateDiv", dtype, x.shape, y.shape, x.shape)
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, [x, y], runtime).values()
        same_bits(actual, expected, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("dtype", [np.int32, np.int64], ids=name_of)
def test_int_min_over_minus_one_wraps(runtime, dtype):
    """TF's int32/int64 kernels trap (SIGFPE) here; ours wrap as the small types do."""
    info = np.iinfo(dtype)
    x = np.array([info.min, info.max, -5], dtype)
    y = np.array([-1, -1, -1], dtype)
    for op, want in (("TruncateDiv", [info.min, -info.max, 5]), ("TruncateMod", [0, 0, 0])):
        (actual,) = run_tflite(one_node(op, dtype, x.shape, y.shape, x.shape), [x, y], runtime).values()
        np.testing.assert_array_equal(actual, np.array(want, dtype), err_msg=op)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("op", "dtype"), [("TruncateDiv", np.uint8), ("TruncateDiv", np.int64), ("TruncateMod", np.int32)]
)
def test_zero_divisor_is_an_error(tf, runtime, op, dtype):
    """TF fails the op (its text: "Unexpected error in binary operator (only integer div
    and mod should have errors)"); ours says which divisor."""
    x = np.array([5, 6, 7], dtype)
    y = np.array([1, 0, 2], dtype)
    with pytest.raises(tf.errors.OpError, match="integer div and mod"):
        getattr(tf.raw_ops, op)(x=x, y=y)
    converted = convert_fn(
        lambda a, b: getattr(tf.raw_ops, op)(x=a, y=b), ((3,), tf.as_dtype(dtype)), ((3,), tf.as_dtype(dtype))
    )
    assert tflite_model.custom_op_counts(converted) == {op: 1}
    with pytest.raises(RuntimeError, match=rf"{op}: Integer division by zero \(input '.*', element 1\)"):
        run_tflite(converted, [x, y], runtime)


@pytest.mark.parametrize("op", OPS)
def test_empty_reads_no_divisor(tf, op):
    """An empty x gives an empty z, and no divisor is checked (TF reads none)."""
    x = np.zeros((0, 3), np.int64)
    y = np.array([0, 1, 0], np.int64)
    assert getattr(tf.raw_ops, op)(x=x, y=y).shape == (0, 3)
    model = one_node(op, np.int64, x.shape, y.shape, x.shape)
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, [x, y], runtime).values()
        assert actual.shape == (0, 3)


# Shapes of x and y whose broadcast the lanes run (truncate_div_avx2.h, truncate_mod_avx2.h):
# equal, a scalar on either side (step 0), and rows of 37 against one row (ragged tails).
PATH_SHAPES = [((1003,), (1003,)), ((1003,), (1,)), ((1,), (1003,)), ((3, 37), (37,))]


def mod_int64_operands(rng, n=1003):
    """int64 pairs around the lanes' limit (|x|, |y| < 2^51, truncate_mod_avx2.h): random within
    it, both sides of it, the full range, and divisors of every size and sign. No INT64_MIN in x
    (TF's int64 kernel traps on INT64_MIN % -1; test_int_min_over_minus_one_wraps has ours)."""
    limit = 2**51
    x = rng.integers(-limit + 1, limit, n, dtype=np.int64)
    y = rng.integers(1, 2**20, n, dtype=np.int64) * rng.choice([-1, 1], n)
    y[::3] = rng.integers(-limit + 1, limit, len(y[::3]), dtype=np.int64)  # quotients near 1
    edges = [limit - 1, -(limit - 1), limit, -limit, limit + 1, -limit - 1, 2**62, 2**63 - 1, -(2**63) + 1]
    x[:144] = np.repeat([*edges, 0, 1, -1], 12)
    y[:144] = np.tile([*edges, -(2**63), -1, 3], 12)
    x[144:300] = rng.integers(-(2**63) + 1, 2**63 - 1, 156, dtype=np.int64)
    y[300:340] = rng.integers(-(2**20), 2**20, 40)
    y[y == 0] = 5
    x[300:340] = y[300:340] * rng.integers(-1000, 1000, 40)  # exact multiples: remainder 0
    return x, y


def mod_float32_operands(rng, n=1003):
    """float32 pairs for the lanes' conditions (truncate_mod_avx2.h): float_operands' specials and
    binades, quotients on both sides of 2^27, remainders below the smallest normal, zero
    remainders of either sign, subnormal and smallest-normal operands."""
    x, y = float_operands(rng, np.float32, n)
    tiny = np.float32(np.finfo(np.float32).tiny)
    q = 2.0 ** rng.uniform(20, 34, 120)
    x[100:220] = (y[100:220].astype(np.float64) * q * rng.choice([-1, 1], 120)).astype(np.float32)
    x[220:260] = tiny * rng.integers(1, 2**10, 40).astype(np.float32) * np.float32(1.5)
    y[220:260] = tiny * rng.integers(1, 8, 40).astype(np.float32)  # remainders below tiny, or 0
    x[260:300] = y[260:300] * rng.integers(-50, 50, 40).astype(np.float32)  # exact multiples
    x[300:310] = -0.0
    y[310:320] = tiny
    x[320:330] = tiny * np.float32(0.25)  # subnormal x
    y[330:340] = np.float32(3e38)
    x[340:350] = np.float32(3e38)
    return x, y


def path_operands(rng, op, dtype):
    """1003 pairs for the two-path test: the special values first, then each op's and dtype's
    lanes' edges."""
    if op == "TruncateMod":
        return mod_int64_operands(rng) if dtype == np.int64 else mod_float32_operands(rng)
    x, y = float_operands(rng, dtype, n=1003)
    if dtype == np.float16:
        # NaN payloads: F16C keeps them as TF's build does; the baseline makes them 0x7e00.
        x[200:204] = np.array([0x7E01, 0xFE55, 0x7D00, 0x7C01], np.uint16).view(np.float16)
        y[210:214] = np.array([0x7E01, 0xFE55, 0x7D00, 0x7C01], np.uint16).view(np.float16)
    return x, y


def pick(a, shape):
    """The first prod(shape) values of a, as shape."""
    return a[: int(np.prod(shape))].reshape(shape)


def assert_tf_bits(got, want, message, nan_payload=True):
    """All bits equal; without nan_payload, NaN where TF has NaN, with its sign."""
    if not nan_payload:
        nan = np.isnan(want.astype(np.float32))
        np.testing.assert_array_equal(np.isnan(got.astype(np.float32)), nan, err_msg=message)
        np.testing.assert_array_equal(np.signbit(got[nan]), np.signbit(want[nan]), err_msg=message)
        got, want = got[~nan], want[~nan]
    same_bits(got, want, message)


@pytest.mark.parametrize(
    ("op", "dtype"),
    [
        ("TruncateDiv", np.float64),
        ("TruncateDiv", np.float16),
        ("TruncateMod", np.float32),
        ("TruncateMod", np.int64),
    ],
    ids=str,
)
def test_lanes_and_baseline_paths(tf, rng, tmp_path, op, dtype):
    """The AVX2 lanes (the default on AVX2 CPUs) and the baseline loops (OPBRIDGE_NO_AVX2=1)
    both give TF's bits, in fresh processes, over the broadcasts the lanes run. Half NaN
    payloads: TF's on the lanes (F16C, as TF's build), 0x7e00 on the baseline."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if not cpu_has_avx2():
        pytest.skip("needs a CPU with AVX2 to compare the two paths")
    x, y = path_operands(rng, op, dtype)
    for k, (shape_x, shape_y) in enumerate(PATH_SHAPES):
        a, b = pick(x, shape_x), pick(y[::-1].copy() if k else y, shape_y)
        want = getattr(tf.raw_ops, op)(x=tf.constant(a), y=tf.constant(b)).numpy()
        model = one_node(op, dtype, a.shape, b.shape, want.shape)
        for baseline in (False, True):
            work = tmp_path / f"{k}-{baseline}"
            work.mkdir()
            (got,) = run_tflite_in_process(model, [a, b], work, baseline=baseline).values()
            payload = not (baseline and dtype == np.float16)
            assert_tf_bits(got, want, f"{op} {shape_x} {shape_y} baseline={baseline}", payload)
