"""Integer elementwise arithmetic and comparisons: TFLite kernels vs TF's own kernels.

TFLite's builtins take few integer dtypes (ADD, SUB, MUL: int16/int32/int64 and
quantized 8-bit; no uint16/uint32/uint64 anywhere), so the converter leaves most
integer arithmetic as custom TF ops, which opbridge runs in every dtype TF's CPU
kernels take. Integers wrap as TF's do; a zero divisor and a negative integer
exponent are TF's errors. Whatever the converter picks for a dtype (a builtin or
the custom op), the model's results must be TF's, bit for bit, over each type's
full range (overflow included).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]

# name -> (TF op type, function of x, y and e, a pair (base, non-negative exponent))
BINARY = {
    "add": ("AddV2", lambda tf, x, y, e: tf.math.add(x, y)),
    "sub": ("Sub", lambda tf, x, y, e: tf.math.subtract(x, y)),
    "mul": ("Mul", lambda tf, x, y, e: tf.math.multiply(x, y)),
    "maximum": ("Maximum", lambda tf, x, y, e: tf.math.maximum(x, y)),
    "minimum": ("Minimum", lambda tf, x, y, e: tf.math.minimum(x, y)),
    "greater": ("Greater", lambda tf, x, y, e: tf.math.greater(x, y)),
    "less": ("Less", lambda tf, x, y, e: tf.math.less(x, y)),
    "greater_equal": ("GreaterEqual", lambda tf, x, y, e: tf.math.greater_equal(x, y)),
    "less_equal": ("LessEqual", lambda tf, x, y, e: tf.math.less_equal(x, y)),
    "equal": ("Equal", lambda tf, x, y, e: tf.math.equal(x, y)),
    "not_equal": ("NotEqual", lambda tf, x, y, e: tf.math.not_equal(x, y)),
    "floordiv": ("FloorDiv", lambda tf, x, y, e: tf.math.floordiv(x, y)),
    "floormod": ("FloorMod", lambda tf, x, y, e: tf.math.floormod(x, y)),
    "div": ("Div", lambda tf, x, y, e: tf.raw_ops.Div(x=x, y=y)),
    "pow": ("Pow", lambda tf, x, y, e: tf.math.pow(e[0], e[1])),
    "squared_difference": ("SquaredDifference", lambda tf, x, y, e: tf.math.squared_difference(x, y)),
    "neg": ("Neg", lambda tf, x, y, e: tf.math.negative(x)),
    "square": ("Square", lambda tf, x, y, e: tf.math.square(x)),
    "relu": ("Relu", lambda tf, x, y, e: tf.nn.relu(x)),
    "relu6": ("Relu6", lambda tf, x, y, e: tf.nn.relu6(x)),
}


def tf_takes(op_type: str, dtype) -> bool:
    """Whether TF registers a CPU kernel of op_type for dtype (else TF itself cannot run it)."""
    import tensorflow as tf
    from tensorflow.python.framework import kernels

    enum = tf.as_dtype(dtype).as_datatype_enum
    for kernel in kernels.get_registered_kernels_for_op(op_type).kernel:
        if kernel.device_type == "CPU":
            for constraint in kernel.constraint:
                if constraint.name == "T" and enum in constraint.allowed_values.list.type:
                    return True
    return False


def full_range(rng, dtype, shape) -> np.ndarray:
    """Random values over the whole type, with its extremes, 0, 1 and -1 placed first."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True).ravel()
    special = [info.min, info.max, 0, 1, info.max - 1, 2] + ([-1, info.min + 1] if info.min < 0 else [])
    x[: len(special)] = np.array(special, dtype=dtype)
    return x.reshape(shape)


def divisors(rng, dtype, shape) -> np.ndarray:
    """Nonzero values over the whole type; no -1 for int32/int64, where TF's own
    INT_MIN / -1 traps (test_min_over_minus_one covers it where TF computes it)."""
    y = full_range(rng, dtype, shape)
    y[y == 0] = 3
    if np.dtype(dtype).itemsize >= 4 and np.iinfo(dtype).min < 0:
        y[y == -1] = -2
    y.flat[:4] = np.array([-3 if np.iinfo(dtype).min < 0 else 3, 7, 1, 2]).astype(dtype)
    return y


@pytest.mark.parametrize("dtype", INTS, ids=lambda d: np.dtype(d).name)
def test_binary_and_unary_ops_match_tf(tf, rng, dtype):
    """Every op TF takes in this dtype, in one model: x [3, 4, 5] broadcast against
    y [4, 5] (TF's broadcast path); Pow of full-range bases by exponents 0..40
    (wrapping powers; int32 Pow is the builtin POW, which opbridge.convert switches
    to the custom Pow: test_int32_pow_leaves_the_builtin)."""
    ops = {name: fn for name, (op_type, fn) in BINARY.items() if tf_takes(op_type, dtype)}

    def model(x, y, base, exponent):
        return {name: fn(tf, x, y, (base, exponent)) for name, fn in ops.items()}

    x = full_range(rng, dtype, (3, 4, 5))
    y = divisors(rng, dtype, (4, 5))
    base, exponent = full_range(rng, dtype, (3, 4, 5)), rng.integers(0, 41, (3, 4, 5)).astype(dtype)
    inputs = [x, y, base, exponent]
    expected = {k: v.numpy() for k, v in model(*inputs).items()}
    tf_dtype = tf.as_dtype(dtype)
    converted = convert_fn(model, *[(a.shape, tf_dtype) for a in inputs])
    for runtime in RUNTIMES:
        actual = run_tflite(converted, inputs, runtime)
        for name in ops:
            assert actual[name].dtype == expected[name].dtype, f"{name} {runtime}"
            np.testing.assert_array_equal(actual[name], expected[name], err_msg=f"{name} {runtime}")


def test_uint16_ops_are_opbridge_kernels(tf):
    """No builtin takes uint16 arithmetic: each op is a custom node, so the test
    above ran opbridge's kernels (not a builtin) for these."""
    names = [
        "add",
        "sub",
        "mul",
        "maximum",
        "minimum",
        "greater",
        "floordiv",
        "floormod",
        "div",
        "square",
        "relu",
    ]

    def model(x, y):
        return {name: BINARY[name][1](tf, x, y, (x, y)) for name in names}

    converted = convert_fn(model, ((4, 5), tf.uint16), ((4, 5), tf.uint16))
    counts = tflite_model.custom_op_counts(converted)
    for name in names:
        assert counts.get(BINARY[name][0]) == 1, (name, counts)


# TF op -> (its input names, whether it gives bool): the kernels run directly, in
# one-node models, whatever the converter would pick for the dtype (a builtin
# for int32 FloorMod, say; a Flex or hand-made model can still carry the TF op).
KERNELS = {
    "AddV2": (("x", "y"), False),
    "Sub": (("x", "y"), False),
    "Mul": (("x", "y"), False),
    "Maximum": (("x", "y"), False),
    "Minimum": (("x", "y"), False),
    "Greater": (("x", "y"), True),
    "Less": (("x", "y"), True),
    "GreaterEqual": (("x", "y"), True),
    "LessEqual": (("x", "y"), True),
    "Equal": (("x", "y"), True),
    "NotEqual": (("x", "y"), True),
    "FloorDiv": (("x", "y"), False),
    "FloorMod": (("x", "y"), False),
    "Div": (("x", "y"), False),
    "Pow": (("x", "y"), False),
    "SquaredDifference": (("x", "y"), False),
    "Neg": (("x",), False),
    "Square": (("x",), False),
    "Relu": (("features",), False),
    "Relu6": (("features",), False),
}


@pytest.mark.parametrize("dtype", INTS, ids=lambda d: np.dtype(d).name)
def test_each_kernel_in_each_dtype_tf_takes(tf, rng, dtype):
    """Every kernel above in one-node models of every integer dtype TF takes:
    full-range x (and divisors y; exponents 0..40 for Pow), against tf.raw_ops."""
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    x = full_range(rng, dtype, (6, 7))
    y = divisors(rng, dtype, (6, 7))
    for op, (names, predicate) in KERNELS.items():
        if not tf_takes(op, dtype):
            continue
        args = [x, rng.integers(0, 41, x.shape).astype(dtype) if op == "Pow" else y][: len(names)]
        expected = getattr(tf.raw_ops, op)(**dict(zip(names, args, strict=True))).numpy()
        options = {"T": getattr(schema.TensorType, np.dtype(dtype).name.upper())}
        if op in ("Equal", "NotEqual"):
            options["incompatible_shape_error"] = True
        model = tflite_model.single_custom_op_model(
            op,
            [(name, a.shape, a.dtype) for name, a in zip(names, args, strict=True)],
            [("z", x.shape, np.dtype(np.bool_) if predicate else x.dtype)],
            options=bytes(flexbuffers.Dumps(options)),
        )
        for runtime in RUNTIMES:
            (actual,) = run_tflite(model, args, runtime).values()
            np.testing.assert_array_equal(actual, expected, err_msg=f"{op} {runtime}")


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_pow_blocks_and_one_exponent(tf, rng, dtype):
    """Pow's kernel squares a block of 64 as often as its widest exponent has bits:
    200 elements (a ragged last block) of full-range bases by exponents up to the
    type's largest (every bit of the exponent in play, one block of only small
    ones), and the same bases by one exponent broadcast (0, 1, 2, 3, 41, the largest),
    against tf.raw_ops in one-node models."""
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    info = np.iinfo(dtype)
    base = full_range(rng, dtype, (200,))
    exponent = rng.integers(0, info.max, (200,), dtype=dtype, endpoint=True)
    exponent[64:128] = rng.integers(0, 4, (64,)).astype(dtype)
    exponent[:3] = np.array([info.max, 0, 1], dtype)
    cases = [(base, exponent)] + [(base, np.array(e, dtype)) for e in (0, 1, 2, 3, 41, info.max)]
    options = bytes(flexbuffers.Dumps({"T": getattr(schema.TensorType, np.dtype(dtype).name.upper())}))
    for x, y in cases:
        expected = tf.raw_ops.Pow(x=x, y=y).numpy()
        model = tflite_model.single_custom_op_model(
            "Pow",
            [("x", x.shape, x.dtype), ("y", y.shape, y.dtype)],
            [("z", x.shape, x.dtype)],
            options=options,
        )
        for runtime in RUNTIMES:
            (actual,) = run_tflite(model, [x, y], runtime).values()
            np.testing.assert_array_equal(actual, expected, err_msg=f"exponent shape {y.shape} {runtime}")


@pytest.mark.parametrize("dtype", [np.int8, np.int16], ids=lambda d: np.dtype(d).name)
def test_min_over_minus_one(tf, dtype):
    """INT_MIN / -1: TF's int8 and int16 kernels promote to int and wrap; int32
    and int64 trap in TF (SIGFPE) and wrap here (never crash)."""
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min, -7, 7], dtype)
    y = np.array([-1, 1, -1, -1], dtype)

    def model(a, b):
        return {
            "floordiv": tf.math.floordiv(a, b),
            "floormod": tf.math.floormod(a, b),
            "div": tf.raw_ops.Div(x=a, y=b),
        }

    expected = {k: v.numpy() for k, v in model(x, y).items()}
    converted = convert_fn(model, (x.shape, tf.as_dtype(dtype)), (y.shape, tf.as_dtype(dtype)))
    for runtime in RUNTIMES:
        actual = run_tflite(converted, [x, y], runtime)
        for name, want in expected.items():
            np.testing.assert_array_equal(actual[name], want, err_msg=f"{name} {runtime}")


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("dtype", [np.int64, np.uint32], ids=lambda d: np.dtype(d).name)
def test_int_min_over_minus_one_does_not_trap(tf, runtime, dtype):
    """Where TF's kernel would trap, opbridge's wraps like the smaller types do
    (INT_MIN // -1 is INT_MIN); unsigned types have no such case. (int64 FloorMod
    is the builtin FLOOR_MOD, which traps on INT_MIN % -1 as TF's kernel does.)"""
    info = np.iinfo(dtype)
    x = np.array([info.min, info.max, 5], dtype)
    y = np.array([-1, -1, -1], dtype) if info.min < 0 else np.array([3, 2, 5], dtype)

    def model(a, b):
        out = {"floordiv": tf.math.floordiv(a, b), "div": tf.raw_ops.Div(x=a, y=b)}
        return out if info.min < 0 else {**out, "floormod": tf.math.floormod(a, b)}

    converted = convert_fn(model, (x.shape, tf.as_dtype(dtype)), (y.shape, tf.as_dtype(dtype)))
    assert {"FloorDiv", "Div"} <= set(tflite_model.custom_op_counts(converted))
    actual = run_tflite(converted, [x, y], runtime)
    if info.min < 0:
        np.testing.assert_array_equal(actual["floordiv"], np.array([info.min, -info.max, -5], dtype))
        np.testing.assert_array_equal(actual["div"], np.array([info.min, -info.max, -5], dtype))
    else:  # TF computes these: compare with it
        for name, want in model(x, y).items():
            np.testing.assert_array_equal(actual[name], want.numpy(), err_msg=name)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", ["floordiv", "floormod", "div"])
def test_zero_divisor_is_tfs_error(tf, runtime, op):
    fn = BINARY[op][1]
    x = np.array([5, 6, 7], np.uint16)
    y = np.array([1, 0, 2], np.uint16)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        fn(tf, tf.constant(x), tf.constant(y), ())
    converted = convert_fn(lambda a, b: fn(tf, a, b, ()), ((3,), tf.uint16), ((3,), tf.uint16))
    with pytest.raises(RuntimeError, match=r"Integer division by zero \(input '.*', element 1\)"):
        run_tflite(converted, [x, y], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_negative_integer_exponent_is_tfs_error(tf, runtime):
    x = np.array([2, 3, 4], np.int16)
    e = np.array([1, -2, 0], np.int16)
    message = "Integers to negative integer powers are not allowed"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.math.pow(x, e)
    converted = convert_fn(tf.math.pow, ((3,), tf.int16), ((3,), tf.int16))
    with pytest.raises(RuntimeError, match=f"Pow: .*{message}"):
        run_tflite(converted, [x, e], runtime)


@pytest.mark.parametrize("dtype", [np.uint16, np.uint32], ids=lambda d: np.dtype(d).name)
def test_empty_tensors(tf, rng, dtype):
    """An empty x: empty results, and no divisor check (TF reads no divisor). (int8 and
    int32 FloorDiv are the builtin FLOOR_DIV, which refuses a zero divisor even then.)"""
    x = np.zeros((0, 5), dtype)
    y = np.zeros((5,), dtype)

    def model(a, b):
        return {"add": a + b, "floordiv": tf.math.floordiv(a, b), "maximum": tf.math.maximum(a, b)}

    converted = convert_fn(model, ((None, 5), tf.as_dtype(dtype)), ((5,), tf.as_dtype(dtype)))
    expected = {k: v.numpy() for k, v in model(tf.constant(x), tf.constant(y)).items()}
    for runtime in RUNTIMES:
        actual = run_tflite(converted, [x, y], runtime)
        for name, want in expected.items():
            assert actual[name].shape == want.shape == (0, 5)


def test_plain_uint8_equal_and_mean_leave_the_builtins(tf, rng):
    """The converter emits the builtins EQUAL and MEAN for plain uint8, which run uint8
    as quantized only (EQUAL aborts the process, MEAN computes other values):
    opbridge.convert switches them to the custom Equal and Mean (fallbacks.py)."""
    import opbridge

    def model(x):
        return {
            "equal": tf.math.equal(x, x[0]),
            "mean": tf.reduce_mean(x, 1),
            "mean_kept": tf.reduce_mean(x, [0, 1], keepdims=True),
        }

    x = full_range(rng, np.uint8, (4, 5))
    concrete = tf.function(model).get_concrete_function(tf.TensorSpec(x.shape, tf.uint8))
    result = opbridge.conversion.convert_model(concrete)
    assert result.fallbacks == {"EQUAL": 1, "MEAN": 2}
    assert tflite_model.custom_op_counts(result.model) == {"Equal": 1, "Mean": 2}
    expected = {k: v.numpy() for k, v in model(tf.constant(x)).items()}
    for runtime in RUNTIMES:
        actual = run_tflite(result.model, [x], runtime)
        for name, want in expected.items():
            np.testing.assert_array_equal(actual[name], want, err_msg=f"{name} {runtime}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_int32_pow_leaves_the_builtin(tf, rng, runtime):
    """The converter emits the builtin POW for int32, which computes in double: INT_MIN
    where TF's power wraps (the stock converter's model, run here too, shows it), and its
    own error for a negative exponent. opbridge.convert switches the node to the custom
    Pow, whose results and error are TF's."""
    import opbridge

    base = np.concatenate([[3, -3, 2, 7, -2, 0, 1, -1], full_range(rng, np.int32, (24,))]).astype(np.int32)
    exponent = np.concatenate([[21, 21, 31, 12, 31, 0, 40, 39], rng.integers(0, 41, 24)]).astype(np.int32)
    concrete = tf.function(tf.math.pow).get_concrete_function(
        tf.TensorSpec((None,), tf.int32), tf.TensorSpec((None,), tf.int32)
    )
    expected = tf.math.pow(base, exponent).numpy()
    stock = tf.lite.TFLiteConverter.from_concrete_functions([concrete], concrete).convert()
    assert tflite_model.custom_op_counts(stock) == {}
    (builtin,) = run_tflite(stock, [base, exponent], runtime).values()
    assert builtin[0] == np.iinfo(np.int32).min != expected[0] == 1_870_418_611  # 3 ** 21 mod 2 ** 32

    result = opbridge.conversion.convert_model(concrete)
    assert result.fallbacks == {"POW": 1}
    assert tflite_model.custom_op_counts(result.model) == {"Pow": 1}
    (actual,) = run_tflite(result.model, [base, exponent], runtime).values()
    np.testing.assert_array_equal(actual, expected)
    message = "Integers to negative integer powers are not allowed"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.math.pow(base[:3], np.array([1, -2, 0], np.int32))
    with pytest.raises(RuntimeError, match=f"Pow: .*{message}"):
        run_tflite(result.model, [base[:3], np.array([1, -2, 0], np.int32)], runtime)
